package dev.elixirworkers.core;

import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.core.vm.VmInput;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the core needs to know about one worker project; the Mojos fill it from their
 * parameters with {@link #builder()}, tests from a directory with {@link #atConventionalPaths}.
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
 * @param elixirStdlib whether the worker runs on the standard library of the Elixir that compiled
 *     it (its Enum, String, URI…, and OTP's stdlib for what they call) instead of AtomVM's partial
 *     exavmlib; on by default
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
    boolean snapshot,
    boolean elixirStdlib) {

  /**
   * A project named field by field. Required: the directories, {@code startModule}, {@code
   * cacheRoot} and {@code workerName}; the rest defaults to the pinned AtomVM release downloaded
   * online, built from source with the toolchain found on this machine, and a snapshot.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this project's values, to change some of them. */
  public Builder toBuilder() {
    return new Builder()
        .baseDirectory(baseDirectory)
        .elixirSources(elixirSources)
        .erlangSources(erlangSources)
        .workDirectory(workDirectory)
        .workerDirectory(workerDirectory)
        .startModule(startModule)
        .atomvmSource(atomvmSource)
        .release(release)
        .cacheRoot(cacheRoot)
        .offline(offline)
        .workerName(workerName)
        .vm(vm)
        .toolchainRoot(toolchainRoot)
        .snapshot(snapshot)
        .elixirStdlib(elixirStdlib);
  }

  /** This project with another {@link #vm}. */
  public WorkerProject withVm(VmInput vm) {
    return toBuilder().vm(vm).build();
  }

  /** This project with another {@link #toolchainRoot}. */
  public WorkerProject withToolchainRoot(Optional<Path> toolchainRoot) {
    return toBuilder().toolchainRoot(toolchainRoot).build();
  }

  /** This project with snapshots on or off. */
  public WorkerProject withSnapshot(boolean snapshot) {
    return toBuilder().snapshot(snapshot).build();
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
    return builder()
        .baseDirectory(base)
        .elixirSources(base.resolve("src/main/elixir"))
        .erlangSources(base.resolve("src/main/erlang"))
        .workDirectory(base.resolve("target/elixir-workers"))
        .workerDirectory(base.resolve("target/worker"))
        .startModule(startModule)
        .atomvmSource(atomvmSource)
        .cacheRoot(cacheRoot)
        .offline(offline)
        .workerName(String.valueOf(base.getFileName()))
        .build();
  }

  /** Named construction of a {@link WorkerProject}; see {@link #builder()} for the defaults. */
  public static final class Builder {
    private Path baseDirectory;
    private Path elixirSources;
    private Path erlangSources;
    private Path workDirectory;
    private Path workerDirectory;
    private String startModule;
    private Optional<Path> atomvmSource = Optional.empty();
    private AtomVmRelease release = AtomVmRelease.DEFAULT;
    private Path cacheRoot;
    private boolean offline;
    private String workerName;
    private VmInput vm = VmInput.SOURCE;
    private Optional<Path> toolchainRoot = Optional.empty();
    private boolean snapshot = true;
    private boolean elixirStdlib = true;

    private Builder() {}

    public Builder baseDirectory(Path baseDirectory) {
      this.baseDirectory = baseDirectory;
      return this;
    }

    public Builder elixirSources(Path elixirSources) {
      this.elixirSources = elixirSources;
      return this;
    }

    public Builder erlangSources(Path erlangSources) {
      this.erlangSources = erlangSources;
      return this;
    }

    public Builder workDirectory(Path workDirectory) {
      this.workDirectory = workDirectory;
      return this;
    }

    public Builder workerDirectory(Path workerDirectory) {
      this.workerDirectory = workerDirectory;
      return this;
    }

    public Builder startModule(String startModule) {
      this.startModule = startModule;
      return this;
    }

    public Builder atomvmSource(Optional<Path> atomvmSource) {
      this.atomvmSource = atomvmSource;
      return this;
    }

    public Builder release(AtomVmRelease release) {
      this.release = release;
      return this;
    }

    public Builder cacheRoot(Path cacheRoot) {
      this.cacheRoot = cacheRoot;
      return this;
    }

    public Builder offline(boolean offline) {
      this.offline = offline;
      return this;
    }

    public Builder workerName(String workerName) {
      this.workerName = workerName;
      return this;
    }

    public Builder vm(VmInput vm) {
      this.vm = vm;
      return this;
    }

    public Builder toolchainRoot(Optional<Path> toolchainRoot) {
      this.toolchainRoot = toolchainRoot;
      return this;
    }

    public Builder snapshot(boolean snapshot) {
      this.snapshot = snapshot;
      return this;
    }

    public Builder elixirStdlib(boolean elixirStdlib) {
      this.elixirStdlib = elixirStdlib;
      return this;
    }

    /**
     * @throws NullPointerException naming the first required value that was not set
     */
    public WorkerProject build() {
      return new WorkerProject(
          Objects.requireNonNull(baseDirectory, "baseDirectory"),
          Objects.requireNonNull(elixirSources, "elixirSources"),
          Objects.requireNonNull(erlangSources, "erlangSources"),
          Objects.requireNonNull(workDirectory, "workDirectory"),
          Objects.requireNonNull(workerDirectory, "workerDirectory"),
          Objects.requireNonNull(startModule, "startModule"),
          Objects.requireNonNull(atomvmSource, "atomvmSource"),
          Objects.requireNonNull(release, "release"),
          Objects.requireNonNull(cacheRoot, "cacheRoot"),
          offline,
          Objects.requireNonNull(workerName, "workerName"),
          Objects.requireNonNull(vm, "vm"),
          Objects.requireNonNull(toolchainRoot, "toolchainRoot"),
          snapshot,
          elixirStdlib);
    }
  }
}
