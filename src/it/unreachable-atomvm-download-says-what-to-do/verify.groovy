assert new File(basedir, 'build.log').text =~ /Could not download AtomVM v0\.0\.0-unreachable from http:\/\/127\.0\.0\.1:9\/.* set <atomvmSource> \(-Datomvm\.source\)/
