package dev.elixirworkers.core.vm;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.core.atomvm.AtomVmSource;
import dev.elixirworkers.core.atomvm.AtomVmSourceResolver;
import dev.elixirworkers.core.compat.AtomVmNatives;
import dev.elixirworkers.core.compiler.AtomVmStdlib;
import dev.elixirworkers.core.compiler.ElixirInstallation;
import dev.elixirworkers.core.compiler.StdlibResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Makes the {@link PrebuiltVm} archive of a pin from source: the same VM build and standard library
 * compile a worker build does, then the archive. The release build of this project runs it (module
 * {@code prebuilt-vm}); a team can run it to publish a prebuilt VM to its own repository.
 */
public final class PrebuiltVmBuild {
  private final Path cacheRoot;
  private final Path workDirectory;
  private final Optional<Path> toolchainRoot;
  private final BuildLog log;

  /**
   * @param cacheRoot the shared cache (VM and standard library builds are reused from it)
   * @param workDirectory scratch space
   * @param toolchainRoot see {@link VmCompiler#discover}
   */
  public PrebuiltVmBuild(
      Path cacheRoot, Path workDirectory, Optional<Path> toolchainRoot, BuildLog log) {
    this.cacheRoot = cacheRoot;
    this.workDirectory = workDirectory;
    this.toolchainRoot = toolchainRoot;
    this.log = log;
  }

  /**
   * Why the archive of {@code release} cannot be made from {@code atomvmSource}, or empty: a local
   * checkout must be the pinned version (its {@code version.cmake}), since the archive is published
   * under the pin's classifier.
   */
  static Optional<String> mismatch(Path atomvmSource, AtomVmRelease release) {
    String version = AtomVmStdlib.version(atomvmSource);
    String pinned = release.version().startsWith("v") ? release.version().substring(1) : "";
    if (!version.equals(pinned)) {
      return Optional.of(
          "the AtomVM source "
              + atomvmSource
              + " is version "
              + version
              + ", not the pin "
              + release.version());
    }
    return Optional.empty();
  }

  /**
   * Makes the archive as {@link #build} does unless this build has no way to: no AtomVM checkout
   * and downloads not allowed ({@code download} false, or {@code offline}), or a checkout of
   * another version than the pin. Those keep a build without AtomVM green; they delete the archive
   * of an earlier build, so that nothing stale is attached or published.
   *
   * @param download whether the pinned release may be downloaded when there is no checkout
   * @return why no archive was made, or empty when {@code archive} was written
   */
  public Optional<String> buildUnlessSkipped(
      Optional<Path> atomvmSource,
      boolean download,
      boolean offline,
      AtomVmRelease release,
      Path archive) {
    Optional<String> skipReason = skipReason(atomvmSource, download, offline, release);
    if (skipReason.isPresent()) {
      deleteStale(archive);
      return skipReason.map(why -> why + " — no prebuilt VM is attached");
    }
    build(atomvmSource, release, offline, archive);
    return Optional.empty();
  }

  static Optional<String> skipReason(
      Optional<Path> atomvmSource, boolean download, boolean offline, AtomVmRelease release) {
    String checkout = "-Datomvm.source=<checkout of AtomVM " + release.version() + ">";
    if (atomvmSource.isEmpty() && !download) {
      return Optional.of(
          "no AtomVM source: pass "
              + checkout
              + " or build with -Prelease (downloads the pinned release)");
    }
    if (atomvmSource.isEmpty() && offline) {
      return Optional.of("Maven is offline and no " + checkout + " is given");
    }
    return atomvmSource.flatMap(dir -> mismatch(dir, release));
  }

  private void deleteStale(Path archive) {
    try {
      if (Files.deleteIfExists(archive)) {
        log.info("Deleted " + archive + " of an earlier build");
      }
    } catch (IOException e) {
      throw new BuildException("Cannot delete the stale " + archive + ": " + e.getMessage(), e);
    }
  }

  /** AtomVM's LICENSE and LICENSES/*: the archive redistributes AtomVM in binary form. */
  static List<Path> licenses(Path atomvm) {
    List<Path> files = new ArrayList<>();
    if (Files.isRegularFile(atomvm.resolve("LICENSE"))) {
      files.add(atomvm.resolve("LICENSE"));
    }
    try (Stream<Path> list =
        Files.isDirectory(atomvm.resolve("LICENSES"))
            ? Files.list(atomvm.resolve("LICENSES"))
            : Stream.empty()) {
      list.filter(Files::isRegularFile).sorted().forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /** Builds (or reuses) the VM and the standard library of the pin and writes {@code archive}. */
  public void build(
      Optional<Path> atomvmSource, AtomVmRelease release, boolean offline, Path archive) {
    atomvmSource
        .flatMap(dir -> mismatch(dir, release))
        .ifPresent(
            why -> {
              throw new BuildException(
                  "Cannot make the prebuilt VM of " + release.version() + ": " + why);
            });
    Path adapter = AdapterSources.extractTo(workDirectory.resolve("atomvm-wasi"));
    VmCompiler toolchain = VmCompiler.discover(cacheRoot, toolchainRoot);
    AtomVmSource source =
        new AtomVmSourceResolver(cacheRoot, log).resolve(atomvmSource, release, offline);
    Path wasm = new VmBuilder(cacheRoot, workDirectory, log).build(source, adapter, toolchain);
    ElixirInstallation beams = ElixirInstallation.fromEnvironment();
    StdlibResult stdlib = new AtomVmStdlib(beams, log).build(source, cacheRoot);
    Map<String, String> manifest = new LinkedHashMap<>();
    manifest.put("atomvm.version", release.version());
    manifest.put("atomvm.sha256", release.sha256());
    manifest.put("atomvm.source", source.identity());
    manifest.put("adapter.digest", AdapterSources.vmDigest(adapter));
    manifest.put("clang", toolchain.version());
    manifest.put("otp", beams.otpVersion());
    manifest.put("elixir", beams.elixirVersion());
    PrebuiltVm.write(
        wasm,
        stdlib.directory(),
        AtomVmNatives.withoutRemoved(AtomVmNatives.readTables(source.directory()), adapter),
        manifest,
        licenses(source.directory()),
        workDirectory.resolve("prebuilt-vm"),
        archive);
    log.info(
        "Prebuilt VM of AtomVM "
            + release.version()
            + " ("
            + stdlib.modules().size()
            + " standard library modules) written to "
            + archive);
  }
}
