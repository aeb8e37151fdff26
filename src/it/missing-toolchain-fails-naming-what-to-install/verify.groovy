assert new File(basedir, 'build.log').text =~ /(?s)No WASI C toolchain found\..*sudo apt-get install clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc.*set WASI_SDK_PATH/
