assert new File(basedir, 'build.log').text =~ /skipping the VM build/
