package dev.elixirworkers.core.vm;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.atomvm.AtomVmSource;
import dev.elixirworkers.core.util.CacheEntry;
import dev.elixirworkers.core.util.Digests;
import dev.elixirworkers.core.util.ExternalCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds {@code atomvm.wasm} from an AtomVM source and our adapter with CMake, then wasm-opt. The
 * result is cached under a digest of everything that affects it, so an unchanged build is a file
 * lookup.
 */
public final class VmBuilder {
  /** Bump when the build recipe here changes in a way the inputs do not show. */
  static final String RECIPE = "2"; // 2: configured without an earlier build's CMakeCache.txt

  /** Smaller and quicker to link than Release, and no slower per request (measured). */
  static final String BUILD_TYPE = "MinSizeRel";

  static final List<String> WASM_OPT_FLAGS =
      List.of(
          "-O2",
          "--enable-sign-ext",
          "--enable-mutable-globals",
          "--enable-reference-types",
          "--enable-multivalue",
          "--enable-bulk-memory",
          "--enable-nontrapping-float-to-int");

  private static final String WASM = "atomvm.wasm";

  private static final Pattern PERCENT = Pattern.compile("^\\[\\s*(\\d+)%\\]");

  private final Path cacheRoot;
  private final Path workDirectory;
  private final BuildLog log;

  /**
   * @param cacheRoot shared cache; built VMs live in {@code cacheRoot/vm/<digest>/}
   * @param workDirectory scratch space for CMake (a project's {@code target/})
   */
  public VmBuilder(Path cacheRoot, Path workDirectory, BuildLog log) {
    this.cacheRoot = cacheRoot;
    this.workDirectory = workDirectory;
    this.log = log;
  }

  /** The inputs that decide the output, in the order they are hashed. */
  public static String digest(
      AtomVmSource source, String adapterDigest, VmCompiler toolchain, String cmakeVersion) {
    MessageDigest digest = Digests.sha256();
    for (String part :
        List.of(
            "recipe=" + RECIPE,
            "atomvm=" + source.identity(),
            "adapter=" + adapterDigest,
            "clang=" + toolchain.version(),
            "cmake=" + cmakeVersion,
            "build-type=" + BUILD_TYPE,
            "wasm-opt=" + toolchain.wasmOpt().isPresent() + String.join(" ", WASM_OPT_FLAGS))) {
      Digests.updateWithString(digest, part);
    }
    return Digests.hex(digest);
  }

  /** Where a build with this digest lives once cached. */
  public Path cachedWasm(String digest) {
    return cacheRoot.resolve("vm").resolve(digest).resolve(WASM);
  }

  /** Returns the cached {@code atomvm.wasm} for these inputs, building it first if needed. */
  public Path build(AtomVmSource source, Path adapter, VmCompiler toolchain) {
    String cmakeVersion = cmakeVersion();
    String digest = digest(source, AdapterSources.vmDigest(adapter), toolchain, cmakeVersion);
    long started = System.nanoTime();
    CacheEntry.Entry entry =
        new CacheEntry(
                cachedWasm(digest).getParent(),
                "atomvm.wasm (digest " + digest.substring(0, 12) + ")",
                log)
            .obtain(staging -> make(source, adapter, toolchain, digest, staging.resolve(WASM)));
    Path cached = entry.directory().resolve(WASM);
    if (!entry.made()) {
      log.info(
          "AtomVM WASM already built for these inputs (digest "
              + digest.substring(0, 12)
              + ") — skipping the VM build: "
              + cached);
      return cached;
    }
    log.info(
        String.format(
            "Built atomvm.wasm in %.1f s (%,d bytes): %s",
            (System.nanoTime() - started) / 1e9, sizeOf(cached), cached));
    return cached;
  }

  /** Builds the VM into {@code output}, a file in the cache entry's staging directory. */
  private void make(
      AtomVmSource source, Path adapter, VmCompiler toolchain, String digest, Path output)
      throws IOException {
    log.info(
        "Building atomvm.wasm from "
            + source.description()
            + " (cache key "
            + digest.substring(0, 12)
            + ")");
    Path buildDir = workDirectory.resolve("vm-build");
    // The object files of an earlier build are reused, its cache variables are not: CMake keeps a
    // cached value over a new default in CMakeLists.txt (the C stack size once stayed at 1 MiB).
    try {
      Files.deleteIfExists(buildDir.resolve("CMakeCache.txt"));
    } catch (IOException e) {
      throw new UncheckedIOException("Could not reset the CMake cache in " + buildDir, e);
    }
    List<String> configure = new ArrayList<>();
    configure.addAll(
        List.of(
            "cmake",
            "-S",
            adapter.toString(),
            "-B",
            buildDir.toString(),
            "-G",
            "Unix Makefiles",
            "-DCMAKE_TOOLCHAIN_FILE=" + adapter.resolve("cmake/wasi-toolchain.cmake"),
            "-DATOMVM_SOURCE_DIR=" + source.directory(),
            "-DWASI_CLANG=" + toolchain.clang(),
            "-DWASI_SYSROOT=" + toolchain.sysroot(),
            "-DCMAKE_BUILD_TYPE=" + BUILD_TYPE));
    log.info("[vm 1/3] configuring with CMake");
    ExternalCommand.of(configure).run(log::debug);

    log.info(
        "[vm 2/3] compiling AtomVM and the adapter (the LTO link takes 1–3 minutes on 2 cores)");
    int jobs = Math.max(1, Runtime.getRuntime().availableProcessors());
    int[] lastReported = {-1};
    ExternalCommand.of(
            "cmake", "--build", buildDir.toString(), "--target", "atomvm", "--", "-j" + jobs)
        .run(
            line -> {
              log.debug(line);
              Matcher percent = PERCENT.matcher(line);
              if (percent.find()) {
                int value = Integer.parseInt(percent.group(1));
                if (value / 20 > lastReported[0] / 20 || line.contains("Linking")) {
                  lastReported[0] = value;
                  log.info("  " + line.trim());
                }
              }
            });
    Path built = buildDir.resolve("atomvm.wasm");
    if (!Files.isRegularFile(built)) {
      throw new BuildException("CMake finished but produced no " + built);
    }

    if (toolchain.wasmOpt().isPresent()) {
      log.info("[vm 3/3] optimising with wasm-opt");
      List<String> optimise = new ArrayList<>();
      optimise.add(toolchain.wasmOpt().get().toString());
      optimise.addAll(WASM_OPT_FLAGS);
      optimise.addAll(List.of(built.toString(), "-o", output.toString()));
      ExternalCommand.of(optimise).run(log::debug);
    } else {
      log.info("[vm 3/3] wasm-opt not found — keeping the unoptimised module (binaryen saves ~1%)");
      Files.copy(built, output, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String cmakeVersion() {
    List<String> lines;
    try {
      lines = ExternalCommand.of("cmake", "--version").run(line -> {});
    } catch (BuildException e) {
      throw new BuildException(
          "CMake is needed to build AtomVM and was not found on the PATH — install it (Debian/Ubuntu:"
              + " apt-get install cmake gperf; macOS: brew install cmake gperf) or run the"
              + " project's scripts/setup.sh",
          e);
    }
    return lines.isEmpty() ? "unknown" : lines.get(0).trim();
  }
}
