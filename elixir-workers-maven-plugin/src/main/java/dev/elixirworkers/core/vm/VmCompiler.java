package dev.elixirworkers.core.vm;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.wasi.clang.WasiClang;
import dev.elixirworkers.wasi.clang.WasiClangException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The tools the VM build runs: a clang that targets {@code wasm32-wasi}, its sysroot, and
 * optionally wasm-opt.
 *
 * @param version what identifies the compiler in cache keys (its {@code --version} line)
 */
public record VmCompiler(Path clang, Path sysroot, Optional<Path> wasmOpt, String version) {

  /**
   * Finds the WASI C toolchain on this machine ({@link WasiClang#discover(Path, Optional)}).
   *
   * @param cacheRoot a symlink sysroot may be made under {@code cacheRoot/toolchain}
   * @param searchRoot when present, look only under this directory
   * @throws BuildException naming what is missing and what to install
   */
  public static VmCompiler discover(Path cacheRoot, Optional<Path> searchRoot) {
    WasiClang toolchain;
    try {
      toolchain = WasiClang.discover(cacheRoot.resolve("toolchain"), searchRoot);
    } catch (WasiClangException e) {
      throw new BuildException(
          e.getMessage()
              + "\nA WASI C toolchain builds atomvm.wasm from AtomVM's C source. Without one, use"
              + " the prebuilt VM of the default AtomVM pin (<vm>auto</vm> or"
              + " -Delixir-workers.vm=prebuilt, no <atomvmSource> or custom pin).",
          e);
    }
    return new VmCompiler(
        toolchain.clang(), toolchain.sysroot(), toolchain.wasmOpt(), toolchain.version());
  }
}
