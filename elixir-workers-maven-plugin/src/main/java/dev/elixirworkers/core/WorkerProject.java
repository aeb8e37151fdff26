package dev.elixirworkers.core;

import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.core.vm.VmInput;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything the core needs to know about one worker project; the Mojos fill it from their
 * parameters, tests from a directory.
 *
 * @param baseDirectory the project root; diagnostics are shown relative to it
 * @param elixirSources {@code src/main/elixir}
 * @param erlangSources {@code src/main/erlang}
 * @param workDirectory scratch space, {@code target/elixir-workers}
 * @param workerDirectory the deployable output, {@code target/worker}
 * @param startModule the module whose {@code start/0} the VM runs, e.g. {@code HelloWorker}
 * @param atomvmSource a local AtomVM checkout; empty to download {@code release}
 * @param release the pinned upstream release
 * @param cacheRoot shared cache of downloads, built VMs and the compiled standard library
 * @param offline whether downloads are forbidden
 * @param workerName the Cloudflare Worker's name when the project's wrangler.jsonc has none (the
 *     artifactId)
 * @param vm where atomvm.wasm and the standard library come from ({@link VmInput#SOURCE} unless the
 *     caller chose a prebuilt VM)
 * @param toolchainRoot when present, the WASI C toolchain is looked for only under this directory
 *     (as if it were {@code /}, PATH not consulted)
 * @param snapshot whether the bundled atomvm.wasm is pre-initialised with app.avm (a snapshot whose
 *     requests skip loading the application); false ships the plain VM
 */
public record WorkerProject(
    Path baseDirectory,
    Path elixirSources,
    Path erlangSources,
    Path workDirectory,
    Path workerDirectory,
    String startModule,
    Optional<Path> atomvmSource,
    AtomVmRelease release,
    Path cacheRoot,
    boolean offline,
    String workerName,
    VmInput vm,
    Optional<Path> toolchainRoot,
    boolean snapshot) {

  /** This project with another {@link #vm}. */
  public WorkerProject withVm(VmInput vm) {
    return new WorkerProject(
        baseDirectory,
        elixirSources,
        erlangSources,
        workDirectory,
        workerDirectory,
        startModule,
        atomvmSource,
        release,
        cacheRoot,
        offline,
        workerName,
        vm,
        toolchainRoot,
        snapshot);
  }

  /** This project with another {@link #toolchainRoot}. */
  public WorkerProject withToolchainRoot(Optional<Path> toolchainRoot) {
    return new WorkerProject(
        baseDirectory,
        elixirSources,
        erlangSources,
        workDirectory,
        workerDirectory,
        startModule,
        atomvmSource,
        release,
        cacheRoot,
        offline,
        workerName,
        vm,
        toolchainRoot,
        snapshot);
  }

  /** This project with snapshots on or off. */
  public WorkerProject withSnapshot(boolean snapshot) {
    return new WorkerProject(
        baseDirectory,
        elixirSources,
        erlangSources,
        workDirectory,
        workerDirectory,
        startModule,
        atomvmSource,
        release,
        cacheRoot,
        offline,
        workerName,
        vm,
        toolchainRoot,
        snapshot);
  }

  /** Where the snapshot of the VM is kept. */
  public Path snapshotDirectory() {
    return workDirectory.resolve("snapshot");
  }

  public Path adapterDirectory() {
    return workDirectory.resolve("atomvm-wasi");
  }

  public Path runtimeBeams() {
    return workDirectory.resolve("ebin/runtime");
  }

  /**
   * The compiled stand-ins (atomvm-wasi/stand-ins): packable, but never on a compiler's code path,
   * since they take the names of modules the compiler itself runs.
   */
  public Path standInBeams() {
    return workDirectory.resolve("ebin/stand-ins");
  }

  public Path appBeams() {
    return workDirectory.resolve("ebin/app");
  }

  public Path appArchive() {
    return workDirectory.resolve("app.avm");
  }

  /**
   * A conventional Maven layout under {@code baseDirectory}: the Worker named after the directory,
   * the VM built from source with the toolchain found on this machine, and a snapshot.
   */
  public static WorkerProject atConventionalPaths(
      Path baseDirectory,
      String startModule,
      Optional<Path> atomvmSource,
      Path cacheRoot,
      boolean offline) {
    Path base = baseDirectory.toAbsolutePath().normalize();
    return new WorkerProject(
        base,
        base.resolve("src/main/elixir"),
        base.resolve("src/main/erlang"),
        base.resolve("target/elixir-workers"),
        base.resolve("target/worker"),
        startModule,
        atomvmSource,
        AtomVmRelease.DEFAULT,
        cacheRoot,
        offline,
        String.valueOf(base.getFileName()),
        VmInput.SOURCE,
        Optional.empty(),
        true);
  }
}
