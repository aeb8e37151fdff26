package dev.elixirworkers.core.compiler;

import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.compiler.CompileResult.RootResult;
import dev.elixirworkers.core.compiler.CompileResult.Status;
import dev.elixirworkers.core.util.Digests;
import dev.elixirworkers.core.util.ExternalCommand;
import dev.elixirworkers.wasi.process.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Compiles Erlang ({@code erlc}) and Elixir (Elixir's compiler, as {@code elixirc} runs it) sources
 * into {@code .beam} files, incrementally.
 *
 * <p>Each source root has a stamp: a digest of its files (paths and contents, {@code .hrl}
 * included), the include directories' headers, the code path's BEAMs, the flags and the compiler
 * versions. A root whose digest matches and whose outputs are all present is not compiled.
 * Otherwise the whole root recompiles (Elixir compiles a set of files together anyway): its
 * previous outputs are deleted first, so no stale {@code .beam} survives a renamed or removed
 * module, and a failed compile leaves none behind. A root after a recompiled one recompiles too,
 * since it may use its macros.
 */
public final class BeamCompiler {
  /** Bump when the way outputs are produced changes in a way the digest does not show. */
  static final String RECIPE = "1";

  private static final String SCRIPT_NAME = "compile.exs";

  private final ElixirInstallation elixir;
  private final BuildLog log;

  public BeamCompiler(ElixirInstallation elixir, BuildLog log) {
    this.elixir = elixir;
    this.log = log;
  }

  /** Compiles, logging warnings through the {@link BuildLog}. */
  public CompileResult compile(CompileRequest request) {
    return compile(request, warning -> log.warn(warning.toString()));
  }

  /**
   * Compiles, passing each warning to {@code onWarning} as it is known.
   *
   * @throws CompilationFailedException the sources have errors (or warnings, with {@code
   *     warningsAsErrors})
   * @throws ToolNotFoundException erlc or elixir is missing
   * @throws ExternalCommandException a compiler failed without saying where
   */
  public CompileResult compile(CompileRequest request, Consumer<Diagnostic> onWarning) {
    long started = System.nanoTime();
    createDirectories(request.outputDirectory());
    createDirectories(request.stateDirectory());
    List<RootResult> results = new ArrayList<>();
    boolean upstreamRecompiled = false;
    for (Path root : request.sourceRoots()) {
      RootResult result = compileRoot(request, root, upstreamRecompiled, onWarning);
      upstreamRecompiled |= result.status() == Status.COMPILED;
      results.add(result);
    }
    return new CompileResult(results, Duration.ofNanos(System.nanoTime() - started));
  }

  private RootResult compileRoot(
      CompileRequest request,
      Path root,
      boolean upstreamRecompiled,
      Consumer<Diagnostic> onWarning) {
    long started = System.nanoTime();
    String key = rootKey(root);
    Path stampFile = request.stateDirectory().resolve(key + ".stamp");
    Stamp previous = Stamp.read(stampFile);
    Sources sources = Sources.scan(root);

    if (sources.erl().isEmpty() && sources.ex().isEmpty()) {
      if (previous != null) {
        deleteOutputs(request.outputDirectory(), previous.outputs());
        delete(stampFile);
      }
      log.debug("No .erl or .ex sources in " + root);
      return new RootResult(root, Status.NO_SOURCES, 0, List.of(), List.of(), elapsed(started));
    }

    // Name a missing compiler before anything asks it for its version.
    if (!sources.erl().isEmpty()) {
      elixir.erlc();
    }
    if (!sources.ex().isEmpty()) {
      elixir.elixir();
    }
    String digest = digest(request, root, sources);
    int count = sources.erl().size() + sources.ex().size();
    if (!upstreamRecompiled
        && previous != null
        && previous.digest().equals(digest)
        && previous.outputs().stream()
            .allMatch(o -> Files.isRegularFile(request.outputDirectory().resolve(o)))) {
      log.info("Sources in " + root + " unchanged since the last compile — nothing to compile");
      return new RootResult(
          root,
          Status.UP_TO_DATE,
          count,
          modulesOf(previous.outputs()),
          List.of(),
          elapsed(started));
    }

    if (previous != null) {
      deleteOutputs(request.outputDirectory(), previous.outputs());
    }
    delete(stampFile);
    log.info(
        "Compiling "
            + describeCount(sources.erl().size(), "Erlang")
            + (sources.erl().isEmpty() || sources.ex().isEmpty() ? "" : " and ")
            + describeCount(sources.ex().size(), "Elixir")
            + " in "
            + root);

    Path staging = request.stateDirectory().resolve("staging-" + key);
    deleteTree(staging);
    createDirectories(staging);
    List<Diagnostic> warnings = new ArrayList<>();
    Consumer<Diagnostic> collect =
        w -> {
          warnings.add(w);
          onWarning.accept(w);
        };

    if (!sources.erl().isEmpty()) {
      List<Path> codePaths = new ArrayList<>(request.codePaths());
      codePaths.add(request.outputDirectory());
      runErlc(
          sources.erl(),
          sources.hrl(),
          staging,
          request.erlcOptions(),
          request.includeDirectories(),
          codePaths,
          collect,
          "Erlang sources in " + root);
    }
    if (!sources.ex().isEmpty()) {
      List<Path> codePaths = new ArrayList<>(request.codePaths());
      codePaths.add(request.outputDirectory().toAbsolutePath());
      codePaths.add(staging.toAbsolutePath());
      runElixir(
          sources.ex(),
          staging,
          codePaths,
          request.elixirDocs(),
          request.elixirDebugInfo(),
          request.ignoreModuleConflict(),
          request.stateDirectory(),
          key,
          collect,
          "Elixir sources in " + root);
    }
    if (request.warningsAsErrors() && !warnings.isEmpty()) {
      deleteTree(staging);
      throw new CompilationFailedException(
          "Compiling "
              + root
              + " produced "
              + warnings.size()
              + " warning(s), and warnings are treated as errors:",
          warnings,
          warnings,
          "",
          0);
    }

    List<String> outputs = moveBeams(staging, request.outputDirectory());
    deleteTree(staging);
    new Stamp(digest, outputs).write(stampFile);
    return new RootResult(
        root, Status.COMPILED, count, modulesOf(outputs), warnings, elapsed(started));
  }

  /**
   * Runs erlc on {@code files} (paths as the caller spells them) into {@code out}.
   *
   * @param knownFiles headers that messages may name, as the caller spells them
   * @param what names the sources in messages, e.g. "Erlang sources in src/main/erlang"
   */
  void runErlc(
      List<String> files,
      List<String> knownFiles,
      Path out,
      List<String> options,
      List<Path> includeDirectories,
      List<Path> codePaths,
      Consumer<Diagnostic> onWarning,
      String what) {
    List<String> command = new ArrayList<>();
    command.add(elixir.erlc().toString());
    command.addAll(options);
    command.add("-o");
    command.add(out.toString());
    for (Path include : includeDirectories) {
      command.add("-I");
      command.add(include.toString());
    }
    for (Path codePath : codePaths) {
      command.add("-pa");
      command.add(codePath.toString());
    }
    command.addAll(files);
    ProcessRunner.Result result =
        ExternalCommand.of(command).env(elixir.environment()).timeout(elixir.timeout()).result();
    Map<Path, String> given = new HashMap<>();
    for (String file : knownFiles) {
      given.put(Path.of(file).toAbsolutePath().normalize(), file);
    }
    for (String file : files) {
      given.put(Path.of(file).toAbsolutePath().normalize(), file);
    }
    ErlcOutput.Parsed parsed = ErlcOutput.parse(result.lines(), given);
    parsed.warnings().forEach(onWarning);
    if (result.exitCode() != 0) {
      if (parsed.errors().isEmpty()) {
        throw new ExternalCommandException("erlc failed on the " + what, result);
      }
      throw new CompilationFailedException(
          "Compiling the "
              + what
              + " failed with "
              + parsed.errors().size()
              + " error(s) (erlc stops at the first file with errors):",
          parsed.errors(),
          parsed.warnings(),
          String.join(" ", command),
          result.exitCode());
    }
  }

  /** Runs Elixir's compiler on {@code files} into {@code out}; returns the modules it defined. */
  List<String> runElixir(
      List<String> files,
      Path out,
      List<Path> codePaths,
      boolean docs,
      boolean debugInfo,
      boolean ignoreModuleConflict,
      Path stateDirectory,
      String jobName,
      Consumer<Diagnostic> onWarning,
      String what) {
    Path script = stateDirectory.resolve(SCRIPT_NAME);
    writeIfChanged(script, ElixirDriver.SCRIPT);
    Path request = stateDirectory.resolve(jobName + ".request");
    Path report = stateDirectory.resolve(jobName + ".report");
    delete(report);
    ElixirDriver.writeRequest(
        request,
        out.toAbsolutePath(),
        report.toAbsolutePath(),
        codePaths,
        files,
        docs,
        debugInfo,
        ignoreModuleConflict);
    Map<Path, String> given = new HashMap<>();
    for (String file : files) {
      given.put(Path.of(file).toAbsolutePath().normalize(), file);
    }
    List<String> command =
        List.of(
            elixir.elixir().toString(),
            script.toAbsolutePath().toString(),
            request.toAbsolutePath().toString());
    ProcessRunner.Result result =
        ExternalCommand.of(command).env(elixir.environment()).timeout(elixir.timeout()).result();
    ElixirDriver.Report parsed = ElixirDriver.readReport(report, given);
    delete(report);
    delete(request);
    parsed.warnings().forEach(onWarning);
    if (parsed.status() == null) {
      throw new ExternalCommandException(
          "The Elixir compiler stopped before reporting on the " + what, result);
    }
    if (!parsed.status().equals("ok")) {
      if (parsed.errors().isEmpty()) {
        throw new ExternalCommandException("The Elixir compiler failed on the " + what, result);
      }
      throw new CompilationFailedException(
          "Compiling the " + what + " failed with " + parsed.errors().size() + " error(s):",
          parsed.errors(),
          parsed.warnings(),
          String.join(" ", command),
          result.exitCode());
    }
    return parsed.modules();
  }

  // ---------------------------------------------------------------------------------------------

  private String digest(CompileRequest request, Path root, Sources sources) {
    MessageDigest digest = Digests.sha256();
    List<String> parts = new ArrayList<>();
    parts.add("recipe=" + RECIPE);
    parts.add("otp=" + elixir.otpVersion());
    if (!sources.ex().isEmpty()) {
      parts.add("elixir=" + elixir.elixirVersion());
    }
    parts.add("erlc=" + String.join(" ", request.erlcOptions()));
    parts.add(
        "elixir-options="
            + request.elixirDocs()
            + ","
            + request.elixirDebugInfo()
            + ","
            + request.ignoreModuleConflict()
            + ","
            + request.warningsAsErrors());
    for (String part : parts) {
      Digests.updateWithString(digest, part);
    }
    for (Path include : request.includeDirectories()) {
      Digests.updateWithString(digest, "include=" + include);
      updateWithFiles(digest, include, ".hrl", true);
    }
    for (Path codePath : request.codePaths()) {
      Digests.updateWithString(digest, "code-path=" + codePath);
      updateWithFiles(digest, codePath, ".beam", false);
    }
    Digests.updateWithString(digest, "root=" + root.toAbsolutePath().normalize());
    for (Path file : sources.all()) {
      Digests.updateWithString(digest, root.relativize(file).toString().replace('\\', '/'));
      try {
        digest.update(Files.readAllBytes(file));
      } catch (IOException e) {
        throw new UncheckedIOException("Could not read " + file, e);
      }
    }
    return Digests.hex(digest);
  }

  private static void updateWithFiles(
      MessageDigest digest, Path directory, String suffix, boolean recursive) {
    if (!Files.isDirectory(directory)) {
      return;
    }
    try (Stream<Path> files = recursive ? Files.walk(directory) : Files.list(directory)) {
      for (Path file :
          files
              .filter(f -> f.getFileName().toString().endsWith(suffix) && Files.isRegularFile(f))
              .sorted()
              .toList()) {
        Digests.updateWithString(digest, directory.relativize(file).toString());
        digest.update(Files.readAllBytes(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + directory, e);
    }
  }

  /** The .erl and .ex files under a root, sorted, plus the .hrl files it may include. */
  private record Sources(List<Path> erlFiles, List<Path> exFiles, List<Path> all, Path root) {
    static Sources scan(Path root) {
      if (!Files.isDirectory(root)) {
        return new Sources(List.of(), List.of(), List.of(), root);
      }
      try (Stream<Path> walk = Files.walk(root)) {
        List<Path> files =
            walk.filter(Files::isRegularFile)
                .filter(
                    f -> {
                      String name = f.getFileName().toString();
                      return !name.startsWith(".")
                          && (name.endsWith(".erl")
                              || name.endsWith(".ex")
                              || name.endsWith(".hrl"));
                    })
                .sorted(Comparator.comparing(f -> root.relativize(f).toString()))
                .toList();
        return new Sources(
            files.stream().filter(f -> f.toString().endsWith(".erl")).toList(),
            files.stream().filter(f -> f.toString().endsWith(".ex")).toList(),
            files,
            root);
      } catch (IOException e) {
        throw new UncheckedIOException("Could not list " + root, e);
      }
    }

    List<String> erl() {
      return erlFiles.stream().map(Path::toString).toList();
    }

    List<String> ex() {
      return exFiles.stream().map(Path::toString).toList();
    }

    List<String> hrl() {
      return all.stream().filter(f -> f.toString().endsWith(".hrl")).map(Path::toString).toList();
    }
  }

  /** What a root produced last time it compiled successfully. */
  private record Stamp(String digest, List<String> outputs) {
    static Stamp read(Path file) {
      if (!Files.isRegularFile(file)) {
        return null;
      }
      try {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).startsWith("digest ")) {
          return null;
        }
        List<String> outputs =
            lines.stream().filter(l -> l.startsWith("output ")).map(l -> l.substring(7)).toList();
        return new Stamp(lines.get(0).substring(7), outputs);
      } catch (IOException e) {
        return null;
      }
    }

    void write(Path file) {
      StringBuilder text = new StringBuilder("digest ").append(digest).append('\n');
      outputs.forEach(o -> text.append("output ").append(o).append('\n'));
      try {
        Files.writeString(file, text, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("Could not write " + file, e);
      }
    }
  }

  static String rootKey(Path root) {
    MessageDigest digest = Digests.sha256();
    Digests.updateWithString(digest, root.toAbsolutePath().normalize().toString());
    String name =
        root.toAbsolutePath().normalize().getFileName() == null
            ? "root"
            : root.toAbsolutePath()
                .normalize()
                .getFileName()
                .toString()
                .replaceAll("[^A-Za-z0-9_.-]", "_");
    return name + "-" + Digests.hex(digest).substring(0, 12);
  }

  private static List<String> moveBeams(Path from, Path to) {
    try (Stream<Path> files = Files.list(from)) {
      List<Path> beams =
          files.filter(f -> f.getFileName().toString().endsWith(".beam")).sorted().toList();
      List<String> names = new ArrayList<>();
      for (Path beam : beams) {
        Files.move(beam, to.resolve(beam.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        names.add(beam.getFileName().toString());
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not move compiled modules into " + to, e);
    }
  }

  private static List<String> modulesOf(List<String> outputs) {
    return outputs.stream()
        .map(o -> o.endsWith(".beam") ? o.substring(0, o.length() - 5) : o)
        .sorted()
        .toList();
  }

  private static void deleteOutputs(Path outputDirectory, List<String> outputs) {
    for (String output : outputs) {
      delete(outputDirectory.resolve(output));
    }
  }

  private static String describeCount(int n, String language) {
    return n == 0 ? "" : n + " " + language + " file" + (n == 1 ? "" : "s");
  }

  private static Duration elapsed(long started) {
    return Duration.ofNanos(System.nanoTime() - started);
  }

  static void createDirectories(Path directory) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not create " + directory, e);
    }
  }

  static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not delete " + file, e);
    }
  }

  static void deleteTree(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(directory)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not delete " + directory, e);
    }
  }

  static void writeIfChanged(Path file, String text) {
    try {
      if (Files.isRegularFile(file) && Files.readString(file).equals(text)) {
        return;
      }
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write " + file, e);
    }
  }
}
