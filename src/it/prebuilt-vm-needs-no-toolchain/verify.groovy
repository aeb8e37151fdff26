def log = new File(basedir, 'build.log').text
assert log =~ /Using the prebuilt VM dev\.elixirworkers:atomvm-wasm:zip:atomvm-v\S+ \(AtomVM v\S+\): no AtomVM source, C toolchain or VM build needed/ && !(log =~ /Building atomvm\.wasm|WASI toolchain|\[vm 1\/3\]/) && new File(basedir, 'target/worker/atomvm.wasm').length() > 0 && new File(basedir, 'target/worker/app.avm').length() > 0
