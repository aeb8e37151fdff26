package dev.elixirworkers.wasi.clang;

import dev.elixirworkers.wasi.process.ProcessRunner;
import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

/**
 * A C toolchain that targets WASI preview1 ({@value #TARGET}): a clang with the WebAssembly
 * backend, wasm-ld, the wasm32 compiler-rt builtins and a wasi-libc sysroot; optionally wasm-opt.
 *
 * <p>{@link #discover(Path)} looks for, in this order:
 *
 * <ol>
 *   <li>wasi-sdk: {@code WASI_SDK_PATH}, else {@code /opt/wasi-sdk} or the newest {@code
 *       /opt/wasi-sdk-*};
 *   <li>a system clang (newest {@code clang-N} first, then {@code clang}) on {@code PATH}, in
 *       {@code /usr/bin}, {@code /usr/local/bin}, {@code /usr/lib/llvm-N/bin} or Homebrew's LLVM,
 *       that has wasm-ld and the wasm32 builtins, plus a wasi-libc sysroot: {@code
 *       /usr/share/wasi-sysroot}, or Debian's {@code /usr/include/wasm32-wasi} and {@code
 *       /usr/lib/wasm32-wasi}, which are joined into a small directory of two symlinks under the
 *       caller's work directory so that host headers are never searched.
 * </ol>
 *
 * <p>The environment and the file-system roots are parameters, so discovery can be tested over fake
 * trees. Nothing here depends on Maven.
 */
public final class WasiClang {
  /** The target triple; Debian's wasi-libc directories are named after it. */
  public static final String TARGET = "wasm32-wasi";

  /** What to install on Debian or Ubuntu. */
  public static final String DEBIAN_PACKAGES =
      "clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc";

  static final String SYSROOT_DIR = "wasi-sysroot";
  private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration COMPILE_TIMEOUT = Duration.ofMinutes(30);

  /** How many lines of a failed command's output its error quotes. */
  private static final int TAIL_LINES = 40;

  private static final Pattern VERSIONED = Pattern.compile("(?:clang|llvm)-(\\d+)");
  private static final List<String> BUILTINS =
      List.of(
          "lib/wasi/libclang_rt.builtins-wasm32.a",
          "lib/wasm32-unknown-wasi/libclang_rt.builtins.a",
          "lib/wasm32-unknown-wasip1/libclang_rt.builtins.a");

  /** Where the toolchain came from. */
  public enum Kind {
    WASI_SDK,
    SYSTEM_CLANG
  }

  private final Kind kind;
  private final Path clang;
  private final Path wasmLd;
  private final boolean passLinker;
  private final Path sysroot;
  private final Path wasmOpt;
  private final String version;

  private WasiClang(
      Kind kind,
      Path clang,
      Path wasmLd,
      boolean passLinker,
      Path sysroot,
      Path wasmOpt,
      String version) {
    this.kind = kind;
    this.clang = clang;
    this.wasmLd = wasmLd;
    this.passLinker = passLinker;
    this.sysroot = sysroot;
    this.wasmOpt = wasmOpt;
    this.version = version;
  }

  /**
   * Discovers a toolchain using this process's environment and the file system's roots.
   *
   * @param workDir where a sysroot of symlinks may be created (e.g. {@code target/})
   */
  public static WasiClang discover(Path workDir) throws WasiClangException {
    List<Path> roots = new ArrayList<>();
    FileSystems.getDefault().getRootDirectories().forEach(roots::add);
    return discover(System.getenv(), roots, workDir);
  }

  /**
   * Discovers a toolchain only under {@code searchRoot}, as if it were the file-system root: {@code
   * PATH} is not consulted ({@code WASI_SDK_PATH} still is). Lets a user point discovery at a
   * toolchain installed under a prefix, and tests make it find nothing.
   *
   * @param searchRoot empty for {@link #discover(Path)}
   */
  public static WasiClang discover(Path workDir, Optional<Path> searchRoot)
      throws WasiClangException {
    if (searchRoot.isEmpty()) {
      return discover(workDir);
    }
    Map<String, String> environment = new java.util.HashMap<>(System.getenv());
    environment.remove("PATH");
    try {
      return discover(environment, List.of(searchRoot.get().toAbsolutePath()), workDir);
    } catch (WasiClangException e) {
      throw new WasiClangException(
          e.getMessage()
              + "\n(Only "
              + searchRoot.get().toAbsolutePath()
              + " was searched, not PATH: the toolchain root setting is set.)",
          e);
    }
  }

  /**
   * Discovers a toolchain.
   *
   * @param environment read for {@code WASI_SDK_PATH} and {@code PATH}
   * @param roots file-system roots under which the usual places ({@code opt/wasi-sdk}, {@code
   *     usr/bin}, {@code usr/lib/llvm-N}, {@code usr/include/wasm32-wasi}, ...) are looked up
   * @param workDir where a sysroot of symlinks may be created; it is created if needed
   * @throws WasiClangException naming what was missing and what to install
   */
  public static WasiClang discover(Map<String, String> environment, List<Path> roots, Path workDir)
      throws WasiClangException {
    return new Discovery(environment, roots, workDir).run();
  }

  public Kind kind() {
    return kind;
  }

  /** The clang executable. */
  public Path clang() {
    return clang;
  }

  /** The wasm-ld clang links with, when it was located. */
  public Optional<Path> wasmLd() {
    return Optional.ofNullable(wasmLd);
  }

  /**
   * A directory holding {@code include/wasm32-wasi} and {@code lib/wasm32-wasi} (or wasi-sdk's).
   */
  public Path sysroot() {
    return sysroot;
  }

  /** Always {@value #TARGET}. */
  public String target() {
    return TARGET;
  }

  /** Binaryen's wasm-opt, when installed. */
  public Optional<Path> wasmOpt() {
    return Optional.ofNullable(wasmOpt);
  }

  /** The first line of {@code clang --version}; part of build-cache digests. */
  public String version() {
    return version;
  }

  /**
   * The flags every compile and link needs: target, sysroot and, when clang would not find it by
   * itself, the wasm-ld to use.
   */
  public List<String> baseFlags() {
    List<String> flags = new ArrayList<>();
    flags.add("--target=" + TARGET);
    flags.add("--sysroot=" + sysroot);
    if (passLinker) {
      flags.add("-fuse-ld=" + wasmLd);
    }
    return List.copyOf(flags);
  }

  /**
   * Compiles and links C sources into a WASI command module.
   *
   * @throws WasiClangException quoting the command, its exit code and the tail of its output
   */
  public void compile(List<Path> cSources, Path outputWasm, List<String> extraFlags)
      throws WasiClangException {
    List<String> command = new ArrayList<>();
    command.add(clang.toString());
    command.addAll(baseFlags());
    command.addAll(extraFlags);
    for (Path source : cSources) {
      command.add(source.toString());
    }
    command.add("-o");
    command.add(outputWasm.toString());
    try {
      Path parent = outputWasm.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
    } catch (IOException e) {
      throw new WasiClangException(
          "Could not create the directory of " + outputWasm + ": " + e.getMessage(), e);
    }
    ProcessRunner.Result result = runTool(command, COMPILE_TIMEOUT);
    if (result.exitCode() != 0) {
      throw new WasiClangException(result.failure(TAIL_LINES));
    }
  }

  /**
   * Runs a toolchain command to its exit. One that cannot start, runs past {@code timeout} (and is
   * stopped) or is interrupted is a {@link WasiClangException}; any exit code is returned.
   */
  private static ProcessRunner.Result runTool(List<String> command, Duration timeout)
      throws WasiClangException {
    ProcessRunner.Result result;
    try {
      result = ProcessRunner.run(command, timeout);
    } catch (IOException e) {
      throw new WasiClangException(
          "Could not run `" + ProcessRunner.commandLine(command) + "`: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WasiClangException(
          "Interrupted while running `" + ProcessRunner.commandLine(command) + "`", e);
    }
    if (result.timedOut()) {
      throw new WasiClangException(result.failure(TAIL_LINES));
    }
    return result;
  }

  @Override
  public String toString() {
    return version
        + " ("
        + clang
        + (kind == Kind.WASI_SDK ? ", wasi-sdk" : "")
        + "), sysroot "
        + sysroot
        + (wasmOpt == null ? ", no wasm-opt" : ", wasm-opt " + wasmOpt);
  }

  /** One discovery run: remembers what it looked at so a failure can say so. */
  private static final class Discovery {
    private final Map<String, String> env;
    private final List<Path> roots;
    private final Path workDir;
    private final List<String> notes = new ArrayList<>();
    private final boolean windows = File.separatorChar == '\\';

    Discovery(Map<String, String> env, List<Path> roots, Path workDir) {
      this.env = Objects.requireNonNull(env, "environment");
      this.roots = List.copyOf(roots);
      this.workDir = Objects.requireNonNull(workDir, "workDir");
    }

    WasiClang run() throws WasiClangException {
      Optional<WasiClang> sdk = wasiSdk();
      if (sdk.isPresent()) {
        return sdk.get();
      }
      Optional<WasiClang> system = systemClang();
      if (system.isPresent()) {
        return system.get();
      }
      StringBuilder message = new StringBuilder("No WASI C toolchain found.");
      for (String note : notes) {
        message.append("\n  - ").append(note);
      }
      message
          .append("\nInstall one:")
          .append("\n  on Debian/Ubuntu: sudo apt-get install ")
          .append(DEBIAN_PACKAGES)
          .append(
              "\n  elsewhere: unpack wasi-sdk (https://github.com/WebAssembly/wasi-sdk/releases)")
          .append(" and set WASI_SDK_PATH to its directory");
      throw new WasiClangException(message.toString());
    }

    // ---- wasi-sdk

    private Optional<WasiClang> wasiSdk() throws WasiClangException {
      String configured = env.get("WASI_SDK_PATH");
      if (configured != null && !configured.isBlank()) {
        Path dir = Path.of(configured);
        Path clang = dir.resolve("bin").resolve(exe("clang"));
        Path sysroot = dir.resolve("share").resolve("wasi-sysroot");
        if (!isExecutable(clang) || !Files.isDirectory(sysroot)) {
          throw new WasiClangException(
              "WASI_SDK_PATH is "
                  + configured
                  + " but "
                  + (isExecutable(clang) ? sysroot + " is not a directory" : clang + " is missing")
                  + " — set WASI_SDK_PATH to an unpacked wasi-sdk (the directory holding"
                  + " bin/clang and share/wasi-sysroot) or unset it to use a system clang");
        }
        return Optional.of(fromWasiSdk(dir));
      }
      List<Path> candidates = new ArrayList<>();
      for (Path root : roots) {
        Path opt = root.resolve("opt");
        candidates.add(opt.resolve("wasi-sdk"));
        List<Path> versioned = list(opt, "wasi-sdk-*");
        versioned.sort(
            Comparator.comparing((Path p) -> p.getFileName().toString(), WasiClang::compareVersions)
                .reversed());
        candidates.addAll(versioned);
      }
      for (Path dir : candidates) {
        if (!Files.isDirectory(dir)) {
          continue;
        }
        if (isExecutable(dir.resolve("bin").resolve(exe("clang")))
            && Files.isDirectory(dir.resolve("share").resolve("wasi-sysroot"))) {
          return Optional.of(fromWasiSdk(dir));
        }
        notes.add(dir + ": not a complete wasi-sdk (no bin/clang or share/wasi-sysroot)");
      }
      notes.add(
          "wasi-sdk: WASI_SDK_PATH is not set and there is no "
              + roots.stream().map(r -> r.resolve("opt").resolve("wasi-sdk").toString()).toList());
      return Optional.empty();
    }

    private WasiClang fromWasiSdk(Path dir) throws WasiClangException {
      Path bin = dir.resolve("bin");
      Path clang = bin.resolve(exe("clang"));
      Path wasmLd = bin.resolve(exe("wasm-ld"));
      String version = versionOf(clang);
      if (version == null) {
        throw new WasiClangException(
            "The wasi-sdk clang " + clang + " does not run: " + notes.get(notes.size() - 1));
      }
      return new WasiClang(
          Kind.WASI_SDK,
          clang,
          isExecutable(wasmLd) ? wasmLd : null,
          false,
          dir.resolve("share").resolve("wasi-sysroot"),
          findWasmOpt(bin),
          version);
    }

    // ---- system clang

    private record Candidate(Path clang, int major) {}

    private Optional<WasiClang> systemClang() throws WasiClangException {
      List<Candidate> candidates = clangCandidates();
      if (candidates.isEmpty()) {
        notes.add("clang: no clang-N or clang on PATH, in /usr/bin or in /usr/lib/llvm-N/bin");
        return Optional.empty();
      }
      for (Candidate candidate : candidates) {
        Path real = realPath(candidate.clang());
        int major = candidate.major() > 0 ? candidate.major() : majorOf(real);
        String pkg = major > 0 ? "-" + major : "";
        List<Path> llvmDirs = new ArrayList<>();
        if (real.getParent() != null && real.getParent().getParent() != null) {
          llvmDirs.add(real.getParent().getParent());
        }
        if (major > 0) {
          for (Path root : roots) {
            llvmDirs.add(root.resolve("usr").resolve("lib").resolve("llvm-" + major));
          }
        }
        Path wasmLd = findWasmLd(candidate, real, major, llvmDirs);
        Path builtins = findBuiltins(llvmDirs);
        if (wasmLd == null || builtins == null) {
          List<String> missing = new ArrayList<>();
          if (wasmLd == null) {
            missing.add(
                "no wasm-ld"
                    + (major > 0 ? " or wasm-ld" + pkg : "")
                    + " (install lld"
                    + pkg
                    + ")");
          }
          if (builtins == null) {
            missing.add(
                "no wasm32 compiler-rt builtins (install libclang-rt" + pkg + "-dev-wasm32)");
          }
          notes.add(candidate.clang() + ": " + String.join(", ", missing));
          continue;
        }
        Path sysroot = findSysroot();
        if (sysroot == null) {
          return Optional.empty();
        }
        String version = versionOf(candidate.clang());
        if (version == null) {
          continue;
        }
        boolean besideClang = sameFile(wasmLd, real.resolveSibling(exe("wasm-ld")));
        return Optional.of(
            new WasiClang(
                Kind.SYSTEM_CLANG,
                candidate.clang(),
                wasmLd,
                !besideClang,
                sysroot,
                findWasmOpt(null),
                version));
      }
      return Optional.empty();
    }

    private List<Candidate> clangCandidates() {
      List<Path> dirs = new ArrayList<>(pathDirs());
      for (Path root : roots) {
        dirs.add(root.resolve("usr").resolve("bin"));
        dirs.add(root.resolve("usr").resolve("local").resolve("bin"));
        dirs.add(
            root.resolve("opt").resolve("homebrew").resolve("opt").resolve("llvm").resolve("bin"));
        dirs.add(
            root.resolve("usr").resolve("local").resolve("opt").resolve("llvm").resolve("bin"));
      }
      List<Candidate> versioned = new ArrayList<>();
      for (Path dir : dirs) {
        for (Path file : list(dir, exe("clang-*"))) {
          Matcher m = VERSIONED.matcher(stripExe(file.getFileName().toString()));
          if (m.matches() && isExecutable(file)) {
            versioned.add(new Candidate(file, Integer.parseInt(m.group(1))));
          }
        }
      }
      for (Path root : roots) {
        for (Path llvm : list(root.resolve("usr").resolve("lib"), "llvm-*")) {
          Matcher m = VERSIONED.matcher(llvm.getFileName().toString());
          Path clang = llvm.resolve("bin").resolve(exe("clang"));
          if (m.matches() && isExecutable(clang)) {
            versioned.add(new Candidate(clang, Integer.parseInt(m.group(1))));
          }
        }
      }
      versioned.sort(Comparator.comparingInt(Candidate::major).reversed());
      List<Candidate> all = new ArrayList<>(versioned);
      for (Path dir : dirs) {
        Path clang = dir.resolve(exe("clang"));
        if (isExecutable(clang)) {
          all.add(new Candidate(clang, -1));
        }
      }
      Set<Path> seen = new LinkedHashSet<>();
      List<Candidate> unique = new ArrayList<>();
      for (Candidate c : all) {
        if (seen.add(realPath(c.clang()))) {
          unique.add(c);
        }
      }
      return unique;
    }

    private Path findWasmLd(Candidate candidate, Path real, int major, List<Path> llvmDirs) {
      List<Path> options = new ArrayList<>();
      options.add(real.resolveSibling(exe("wasm-ld")));
      if (major > 0) {
        options.add(candidate.clang().resolveSibling(exe("wasm-ld-" + major)));
      }
      for (Path llvm : llvmDirs) {
        options.add(llvm.resolve("bin").resolve(exe("wasm-ld")));
      }
      List<Path> dirs = new ArrayList<>(pathDirs());
      for (Path root : roots) {
        dirs.add(root.resolve("usr").resolve("bin"));
      }
      for (Path dir : dirs) {
        if (major > 0) {
          options.add(dir.resolve(exe("wasm-ld-" + major)));
        } else {
          // an unversioned clang may use an unversioned wasm-ld; a versioned one must not mix
          options.add(dir.resolve(exe("wasm-ld")));
        }
      }
      for (Path option : options) {
        if (isExecutable(option)) {
          return option;
        }
      }
      return null;
    }

    private Path findBuiltins(List<Path> llvmDirs) {
      for (Path llvm : llvmDirs) {
        List<Path> versions = list(llvm.resolve("lib").resolve("clang"), "*");
        versions.sort(
            Comparator.comparing((Path p) -> p.getFileName().toString(), WasiClang::compareVersions)
                .reversed());
        for (Path resourceDir : versions) {
          for (String relative : BUILTINS) {
            Path file = resourceDir.resolve(relative);
            if (Files.isRegularFile(file)) {
              return file;
            }
          }
        }
      }
      return null;
    }

    private Path findSysroot() throws WasiClangException {
      List<String> looked = new ArrayList<>();
      for (Path root : roots) {
        for (Path dir :
            List.of(
                root.resolve("opt").resolve("wasi-sdk").resolve("share").resolve("wasi-sysroot"),
                root.resolve("usr").resolve("share").resolve("wasi-sysroot"))) {
          looked.add(dir.toString());
          if (Files.isDirectory(dir.resolve("include"))) {
            return dir;
          }
        }
        Path include = root.resolve("usr").resolve("include").resolve(TARGET);
        Path lib = root.resolve("usr").resolve("lib").resolve(TARGET);
        looked.add(include + " + " + lib);
        if (Files.isDirectory(include) && Files.isRegularFile(lib.resolve("libc.a"))) {
          return linkSysroot(include, lib);
        }
      }
      notes.add("wasi-libc: no sysroot in " + looked + " (install wasi-libc)");
      return null;
    }

    /** Joins Debian's two wasi-libc directories into {@code workDir/wasi-sysroot}; idempotent. */
    private Path linkSysroot(Path include, Path lib) throws WasiClangException {
      Path sysroot = workDir.toAbsolutePath().resolve(SYSROOT_DIR);
      try {
        link(sysroot.resolve("include").resolve(TARGET), include.toAbsolutePath());
        link(sysroot.resolve("lib").resolve(TARGET), lib.toAbsolutePath());
      } catch (IOException e) {
        throw new WasiClangException(
            "Could not create the WASI sysroot "
                + sysroot
                + " (two symlinks to "
                + include
                + " and "
                + lib
                + "): "
                + e,
            e);
      }
      return sysroot;
    }

    private static void link(Path link, Path target) throws IOException {
      if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
        return; // already present
      }
      Files.createDirectories(link.getParent());
      // one name per attempt: builds and threads making the same sysroot must not share it
      Path temp = link.resolveSibling(link.getFileName() + ".tmp-" + java.util.UUID.randomUUID());
      Files.createSymbolicLink(temp, target);
      Files.move(temp, link, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Path findWasmOpt(Path firstDir) {
      List<Path> dirs = new ArrayList<>();
      if (firstDir != null) {
        dirs.add(firstDir);
      }
      dirs.addAll(pathDirs());
      for (Path root : roots) {
        dirs.add(root.resolve("usr").resolve("bin"));
        dirs.add(root.resolve("usr").resolve("local").resolve("bin"));
        dirs.add(root.resolve("opt").resolve("homebrew").resolve("bin"));
      }
      for (Path dir : dirs) {
        Path candidate = dir.resolve(exe("wasm-opt"));
        if (isExecutable(candidate)) {
          return candidate;
        }
      }
      return null;
    }

    /** The first line of {@code clang --version}, or null (with a note) when it does not run. */
    private String versionOf(Path clang) throws WasiClangException {
      ProcessRunner.Result result;
      try {
        result = runTool(List.of(clang.toString(), "--version"), VERSION_TIMEOUT);
      } catch (WasiClangException e) {
        notes.add(clang + ": " + e.getMessage());
        return null;
      }
      String first = result.lines().stream().findFirst().orElse("").trim();
      if (result.exitCode() != 0 || first.isEmpty()) {
        notes.add(
            clang
                + ": `--version` failed with exit code "
                + result.exitCode()
                + ": "
                + String.join("\n", result.tail(TAIL_LINES)));
        return null;
      }
      return first;
    }

    // ---- helpers

    private List<Path> pathDirs() {
      String path = env.get("PATH");
      List<Path> dirs = new ArrayList<>();
      if (path != null) {
        for (String entry : path.split(Pattern.quote(File.pathSeparator))) {
          if (!entry.isBlank()) {
            try {
              dirs.add(Path.of(entry));
            } catch (RuntimeException ignored) {
              // not a valid path on this system
            }
          }
        }
      }
      return dirs;
    }

    private String exe(String name) {
      return windows ? name + ".exe" : name;
    }

    private String stripExe(String name) {
      return windows && name.endsWith(".exe") ? name.substring(0, name.length() - 4) : name;
    }

    private static int majorOf(Path realClang) {
      for (Path part : realClang) {
        Matcher m = VERSIONED.matcher(part.toString());
        if (m.matches()) {
          return Integer.parseInt(m.group(1));
        }
      }
      return -1;
    }
  }

  static boolean isExecutable(Path file) {
    return Files.isRegularFile(file) && Files.isExecutable(file);
  }

  static Path realPath(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path.toAbsolutePath().normalize();
    }
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.exists(b) && Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }

  static List<Path> list(Path dir, String glob) {
    if (!Files.isDirectory(dir)) {
      return new ArrayList<>();
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, glob)) {
      return new ArrayList<>(StreamSupport.stream(stream.spliterator(), false).sorted().toList());
    } catch (IOException e) {
      return new ArrayList<>();
    }
  }

  /** Compares names by their numeric parts: "wasi-sdk-25.0" after "wasi-sdk-9.0". */
  static int compareVersions(String a, String b) {
    List<Integer> x = numbers(a);
    List<Integer> y = numbers(b);
    for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
      int c = Integer.compare(x.get(i), y.get(i));
      if (c != 0) {
        return c;
      }
    }
    int c = Integer.compare(x.size(), y.size());
    return c != 0 ? c : a.compareTo(b);
  }

  private static List<Integer> numbers(String s) {
    List<Integer> out = new ArrayList<>();
    Matcher m = Pattern.compile("\\d{1,9}").matcher(s);
    while (m.find()) {
      out.add(Integer.parseInt(m.group()));
    }
    return out;
  }
}
