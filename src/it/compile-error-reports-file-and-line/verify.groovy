assert new File(basedir, 'build.log').text =~ /src\/main\/elixir\/broken\.ex:3(:\d+)?: .*undefined_helper/
