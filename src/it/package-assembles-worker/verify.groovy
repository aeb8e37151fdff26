def log = new File(basedir, 'build.log').text
assert ['target/worker/atomvm.wasm', 'target/elixir-workers/app.avm', 'target/package-assembles-worker-1.0.zip'].every { new File(basedir, it).length() > 0 } && !new File(basedir, 'target/worker/app.avm').exists() && log =~ /atomvm\.wasm\s+[\d.]+ KiB\s+[\d.]+ KiB/
