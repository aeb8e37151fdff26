def first = new File(basedir, 'target/two-packages-make-identical-zips-1.0.zip').bytes
assert first.length > 0 && first == new File(basedir, 'target-second/two-packages-make-identical-zips-1.0.zip').bytes
