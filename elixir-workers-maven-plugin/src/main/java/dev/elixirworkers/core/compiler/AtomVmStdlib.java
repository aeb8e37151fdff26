package dev.elixirworkers.core.compiler;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.atomvm.AtomVmSource;
import dev.elixirworkers.core.util.CacheEntry;
import dev.elixirworkers.core.util.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Compiles AtomVM's standard library from an AtomVM source tree the way its CMake build does
 * ({@code CMakeModules/BuildErlang.cmake}, {@code BuildElixir.cmake}): {@code estdlib} and {@code
 * eavmlib} with {@code erlc +debug_info -I libs/include -I libs -I <lib>/include}, and {@code
 * exavmlib} with the Elixir compiler, one process per file, docs and debug info off, module
 * conflicts ignored. One process per file matters: exavmlib redefines {@code Enum}, {@code Kernel},
 * {@code List}…, and a module the compiler has loaded stays loaded for the rest of that process.
 *
 * <p>The module lists come from each library's {@code CMakeLists.txt}, so a file AtomVM does not
 * ship (at v0.7.0-alpha.0, {@code os.erl}) is not compiled either. Modules useless on WASI are left
 * out: see {@link #DEFAULT_EXCLUDED_MODULES}.
 *
 * <p>{@link #build} caches the result under a digest of the AtomVM source identity, the compiler
 * versions and the exclusions; {@link #compile} just compiles.
 */
public final class AtomVmStdlib {
  /** Bump when the recipe here changes in a way the digest inputs do not show. */
  static final String RECIPE = "1";

  /**
   * Hardware drivers (GPIO, I²C, SPI, UART, LEDC) and the networking and distribution modules: the
   * WASI VM has no devices and is built without the socket, net and distribution NIFs. All of them
   * compile; they are left out so nothing can reach them.
   */
  public static final Set<String> DEFAULT_EXCLUDED_MODULES =
      Collections.unmodifiableSet(
          new TreeSet<>(
              List.of(
                  // exavmlib: hardware
                  "Elixir.GPIO",
                  "Elixir.I2C",
                  "Elixir.LEDC",
                  // eavmlib: hardware abstraction behaviours
                  "gpio_hal",
                  "i2c_hal",
                  "spi_hal",
                  "uart_hal",
                  // estdlib: sockets
                  "gen_tcp",
                  "gen_tcp_inet",
                  "gen_tcp_socket",
                  "gen_udp",
                  "gen_udp_inet",
                  "gen_udp_socket",
                  "net",
                  "socket",
                  "ssl",
                  // estdlib: distribution
                  "dist_util",
                  "erl_epmd",
                  "erpc",
                  "net_kernel",
                  "net_kernel_sup",
                  "socket_dist",
                  "socket_dist_controller")));

  /** Compiled like AtomVM's BuildErlang.cmake, plus {@code +deterministic} for a stable cache. */
  static final List<String> ERLC_OPTIONS = List.of("+debug_info", "+deterministic");

  enum Language {
    ERLANG,
    ELIXIR
  }

  /** One library of the standard library: where its sources are and which CMake list names them. */
  record Library(String name, String directory, Language language, String listVariable) {}

  static final List<Library> LIBRARIES =
      List.of(
          new Library("estdlib", "libs/estdlib/src", Language.ERLANG, "ERLANG_MODULES"),
          new Library("eavmlib", "libs/eavmlib/src", Language.ERLANG, "ERLANG_MODULES"),
          new Library("exavmlib", "libs/exavmlib/lib", Language.ELIXIR, "ELIXIR_MODULES"));

  private final ElixirInstallation elixir;
  private final Set<String> excludedModules;
  private final BuildLog log;

  public AtomVmStdlib(ElixirInstallation elixir, BuildLog log) {
    this(elixir, DEFAULT_EXCLUDED_MODULES, log);
  }

  /**
   * @param excludedModules BEAM module names not to compile ({@code Elixir.GPIO}, {@code ssl})
   */
  public AtomVmStdlib(ElixirInstallation elixir, Set<String> excludedModules, BuildLog log) {
    this.elixir = elixir;
    this.excludedModules = Collections.unmodifiableSet(new TreeSet<>(excludedModules));
    this.log = log;
  }

  /**
   * The standard library's BEAMs for this AtomVM source, from {@code cacheRoot/stdlib/<digest>/}
   * when already compiled, else compiled into it first. Safe when builds race: one compiles, the
   * others wait for it ({@link CacheEntry}).
   */
  public StdlibResult build(AtomVmSource source, Path cacheRoot) {
    long started = System.nanoTime();
    String digest = digest(source);
    StdlibResult[] compiled = {null};
    CacheEntry.Entry entry =
        new CacheEntry(
                cacheRoot.resolve("stdlib").resolve(digest),
                "AtomVM standard library (cache key " + digest.substring(0, 12) + ")",
                log)
            .obtain(staging -> compiled[0] = compile(source.directory(), staging));
    Path target = entry.directory();
    if (!entry.made()) {
      List<String> modules = listModules(target);
      log.info(
          "AtomVM standard library already compiled for "
              + source.description()
              + " ("
              + modules.size()
              + " modules, cache key "
              + digest.substring(0, 12)
              + "): "
              + target);
      return new StdlibResult(
          target,
          true,
          version(source.directory()),
          modules,
          List.copyOf(excludedModules),
          elapsed(started));
    }
    return new StdlibResult(
        target,
        false,
        compiled[0].atomvmVersion(),
        compiled[0].modules(),
        compiled[0].excludedModules(),
        elapsed(started));
  }

  /** The cache key: AtomVM source identity, compiler versions, exclusions, recipe. */
  public String digest(AtomVmSource source) {
    MessageDigest digest = Digests.sha256();
    for (String part :
        List.of(
            "recipe=" + RECIPE,
            "atomvm=" + source.identity(),
            "otp=" + elixir.otpVersion(),
            "elixir=" + elixir.elixirVersion(),
            "erlc=" + String.join(" ", ERLC_OPTIONS),
            "excluded=" + String.join(",", excludedModules))) {
      Digests.updateWithString(digest, part);
    }
    return Digests.hex(digest);
  }

  /**
   * Compiles the standard library of the AtomVM tree at {@code atomvmDirectory} into {@code
   * outputDirectory} (flat: one directory of {@code .beam} files; earlier ones there are deleted).
   */
  public StdlibResult compile(Path atomvmDirectory, Path outputDirectory) {
    long started = System.nanoTime();
    checkTree(atomvmDirectory);
    elixir.erlc();
    elixir.elixir();
    String version = version(atomvmDirectory);
    BeamCompiler.createDirectories(outputDirectory);
    deleteBeams(outputDirectory);
    Path state = outputDirectory.resolveSibling(outputDirectory.getFileName() + ".compile-state");
    BeamCompiler.deleteTree(state);
    BeamCompiler.createDirectories(state);
    BeamCompiler compiler = new BeamCompiler(elixir, log);
    List<String> excludedFound = new ArrayList<>();
    AtomicInteger warnings = new AtomicInteger();
    log.info(
        "Compiling the AtomVM "
            + version
            + " standard library (estdlib, eavmlib, exavmlib) from "
            + atomvmDirectory);
    try {
      for (Library library : LIBRARIES) {
        Path dir = atomvmDirectory.resolve(library.directory());
        List<String> planned = moduleList(dir, library);
        List<Path> files = new ArrayList<>();
        for (String name : planned) {
          String module = library.language() == Language.ELIXIR ? "Elixir." + name : name;
          if (excludedModules.contains(module)) {
            excludedFound.add(module);
          } else {
            files.add(dir.resolve(name + (library.language() == Language.ELIXIR ? ".ex" : ".erl")));
          }
        }
        long libraryStarted = System.nanoTime();
        if (library.language() == Language.ERLANG) {
          compiler.runErlc(
              files.stream().map(Path::toString).toList(),
              List.of(),
              outputDirectory,
              ERLC_OPTIONS,
              List.of(
                  atomvmDirectory.resolve("libs/include"),
                  atomvmDirectory.resolve("libs"),
                  dir.resolveSibling("include")),
              List.of(),
              w -> warnings.incrementAndGet(),
              library.name() + " sources of AtomVM");
        } else {
          compileElixirPerFile(compiler, files, outputDirectory, state, warnings, library);
        }
        log.info(
            String.format(
                "  %s: %d modules in %.1f s",
                library.name(), files.size(), (System.nanoTime() - libraryStarted) / 1e9));
      }
    } finally {
      BeamCompiler.deleteTree(state);
    }
    List<String> modules = listModules(outputDirectory);
    log.info(
        String.format(
            "Compiled %d standard library modules in %.1f s (%d compiler warnings in AtomVM's"
                + " sources not shown; left out for WASI: %s)",
            modules.size(),
            (System.nanoTime() - started) / 1e9,
            warnings.get(),
            String.join(", ", excludedFound)));
    return new StdlibResult(
        outputDirectory,
        false,
        version,
        modules,
        excludedFound.stream().sorted().toList(),
        elapsed(started));
  }

  private void compileElixirPerFile(
      BeamCompiler compiler,
      List<Path> files,
      Path out,
      Path state,
      AtomicInteger warnings,
      Library library) {
    BeamCompiler.writeIfChanged(state.resolve("compile.exs"), ElixirDriver.SCRIPT);
    int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> jobs = new ArrayList<>();
      for (Path file : files) {
        String job = library.name() + "-" + file.getFileName().toString().replace(".ex", "");
        jobs.add(
            pool.submit(
                () ->
                    compiler.runElixir(
                        List.of(file.toString()),
                        out,
                        List.of(),
                        false,
                        false,
                        true,
                        state,
                        job,
                        w -> warnings.incrementAndGet(),
                        library.name() + " source " + file.getFileName() + " of AtomVM")));
      }
      for (Future<?> job : jobs) {
        try {
          job.get();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException runtime) {
            throw runtime;
          }
          throw new BuildException("Compiling exavmlib failed", e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new BuildException("Interrupted while compiling exavmlib", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** AtomVM's version from {@code version.cmake} ({@code ATOMVM_BASE_VERSION}), or "unknown". */
  public static String version(Path atomvmDirectory) {
    Path file = atomvmDirectory.resolve("version.cmake");
    try {
      Matcher m =
          Pattern.compile("set\\s*\\(\\s*ATOMVM_BASE_VERSION\\s+\"([^\"]+)\"")
              .matcher(Files.readString(file));
      return m.find() ? m.group(1) : "unknown";
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * The modules a library's CMakeLists.txt lists in {@code set(<listVariable> …)}; every source
   * file of the directory when it has no such list.
   */
  static List<String> moduleList(Path directory, Library library) {
    Path cmake = directory.resolve("CMakeLists.txt");
    String suffix = library.language() == Language.ELIXIR ? ".ex" : ".erl";
    try {
      if (Files.isRegularFile(cmake)) {
        String text = Files.readString(cmake).replaceAll("#[^\\n]*", "");
        Matcher m =
            Pattern.compile(
                    "set\\s*\\(\\s*" + Pattern.quote(library.listVariable()) + "\\s+([^)]*)\\)")
                .matcher(text);
        if (m.find()) {
          List<String> names =
              Stream.of(m.group(1).trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
          List<String> missing =
              names.stream()
                  .filter(n -> !Files.isRegularFile(directory.resolve(n + suffix)))
                  .toList();
          if (missing.isEmpty() && !names.isEmpty()) {
            return names;
          }
        }
      }
      try (Stream<Path> files = Files.list(directory)) {
        return files
            .map(f -> f.getFileName().toString())
            .filter(n -> n.endsWith(suffix))
            .map(n -> n.substring(0, n.length() - suffix.length()))
            .sorted()
            .toList();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + directory, e);
    }
  }

  private static void checkTree(Path atomvmDirectory) {
    for (Library library : LIBRARIES) {
      if (!Files.isDirectory(atomvmDirectory.resolve(library.directory()))) {
        throw new BuildException(
            atomvmDirectory
                + " is not an AtomVM source tree: "
                + library.directory()
                + " is missing. Point the AtomVM source setting at a checkout or release archive"
                + " of AtomVM (v0.7.0-alpha.0 or later).");
      }
    }
  }

  private static List<String> listModules(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".beam"))
          .map(n -> n.substring(0, n.length() - 5))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not list " + directory, e);
    }
  }

  private static void deleteBeams(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".beam")).toList()) {
        Files.delete(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not clean " + directory, e);
    }
  }

  private static Duration elapsed(long started) {
    return Duration.ofNanos(System.nanoTime() - started);
  }
}
