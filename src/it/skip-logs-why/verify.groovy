assert new File(basedir, 'build.log').text =~ /Skipping bundle: elixir-workers\.skip is true/
