package dev.elixirworkers.build.vm;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The tools the VM build runs: a clang that targets {@code wasm32-wasi}, its sysroot, and
 * optionally wasm-opt.
 *
 * @param version what identifies the compiler in cache keys (its {@code --version} line)
 */
public record VmToolchain(Path clang, Path sysroot, Optional<Path> wasmOpt, String version) {}
