package dev.elixirworkers.core.compiler;

import dev.elixirworkers.core.util.ExternalCommand;
import dev.elixirworkers.wasi.process.ProcessRunner;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where erlc, erl and elixir are: looked up on a PATH (the process's own, or one the caller gives),
 * which is also the PATH the tools run with ({@code elixir} itself starts {@code erl}). Versions
 * are asked once per instance and remembered.
 */
public final class ElixirInstallation {
  /** How long one compiler process may run. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  private static final boolean WINDOWS =
      System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

  private final String path;
  private final Duration timeout;
  private String otpVersion;
  private String elixirVersion;
  private LibraryDirectories libraries;

  private ElixirInstallation(String path, Duration timeout) {
    this.path = path == null ? "" : path;
    this.timeout = timeout;
  }

  /** The tools on this process's PATH. */
  public static ElixirInstallation fromEnvironment() {
    return new ElixirInstallation(System.getenv("PATH"), DEFAULT_TIMEOUT);
  }

  /** The tools on the given PATH value (entries separated by {@link File#pathSeparator}). */
  public static ElixirInstallation fromPath(String path) {
    return new ElixirInstallation(path, DEFAULT_TIMEOUT);
  }

  public ElixirInstallation withTimeout(Duration timeout) {
    return new ElixirInstallation(path, timeout);
  }

  public String path() {
    return path;
  }

  public Duration timeout() {
    return timeout;
  }

  public Path erlc() {
    return find("erlc");
  }

  public Path erl() {
    return find("erl");
  }

  public Path elixir() {
    return find("elixir");
  }

  /** The executable named {@code tool} on the PATH, or {@link ToolNotFoundException}. */
  public Path find(String tool) {
    List<String> searched = new ArrayList<>();
    for (String entry : path.split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      searched.add(entry);
      for (String suffix : WINDOWS ? List.of(".exe", ".bat", ".cmd", "") : List.of("")) {
        Path candidate = Path.of(entry, tool + suffix);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    throw new ToolNotFoundException(tool, searched);
  }

  /**
   * Environment for the tools: this PATH, a UTF-8 locale when none is set, and no {@code
   * erl_crash.dump} files dropped into the working directory when a compiler VM dies.
   */
  public Map<String, String> environment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", path);
    env.put("ERL_CRASH_DUMP_SECONDS", "0");
    Map<String, String> current = System.getenv();
    if (!current.containsKey("LC_ALL") && !current.containsKey("LANG")) {
      env.put("LANG", "C.UTF-8");
    }
    return env;
  }

  /** The full Erlang/OTP version, e.g. {@code 25.2.3}. */
  public synchronized String otpVersion() {
    if (otpVersion == null) {
      otpVersion =
          ask(
              "Erlang/OTP version",
              List.of(
                  erl().toString(),
                  "-noshell",
                  "-eval",
                  "R = erlang:system_info(otp_release),"
                      + " F = filename:join([code:root_dir(), \"releases\", R, \"OTP_VERSION\"]),"
                      + " V = case file:read_file(F) of {ok, B} -> string:trim(B); _ -> R end,"
                      + " io:format(\"~s~n\", [V]), halt()."));
    }
    return otpVersion;
  }

  /** The Elixir version, e.g. {@code 1.14.0}. */
  public synchronized String elixirVersion() {
    if (elixirVersion == null) {
      elixirVersion =
          ask("Elixir version", List.of(elixir().toString(), "-e", "IO.puts(System.version())"));
    }
    return elixirVersion;
  }

  /**
   * The compiled modules of Elixir's and OTP's standard libraries in this installation.
   *
   * @param elixir the {@code ebin} of Elixir's {@code elixir} application (Enum, String, URI, …)
   * @param otpStdlib the {@code ebin} of OTP's {@code stdlib} application (unicode_util,
   *     uri_string, calendar, …)
   */
  public record LibraryDirectories(Path elixir, Path otpStdlib) {}

  /** Where the {@code elixir} on this PATH finds its own and OTP's standard library modules. */
  public synchronized LibraryDirectories libraryDirectories() {
    if (libraries == null) {
      String answer =
          ask(
              "standard library directories",
              List.of(
                  elixir().toString(),
                  "-e",
                  "IO.puts(Path.join(:code.lib_dir(:elixir), \"ebin\") <> \"\\t\" <>"
                      + " Path.join(:code.lib_dir(:stdlib), \"ebin\"))"));
      String[] parts = answer.split("\t");
      if (parts.length != 2
          || !Files.isDirectory(Path.of(parts[0]))
          || !Files.isDirectory(Path.of(parts[1]))) {
        throw new CompileException(
            "Could not find the ebin directories of Elixir's and OTP's standard library: `"
                + elixir()
                + " -e ...:code.lib_dir(:elixir)...` answered \""
                + answer
                + "\" — the worker packs these modules, so install Elixir and Erlang/OTP with"
                + " their compiled libraries (not only the executables) on the PATH the build"
                + " runs with");
      }
      libraries = new LibraryDirectories(Path.of(parts[0]), Path.of(parts[1]));
    }
    return libraries;
  }

  private String ask(String what, List<String> command) {
    ProcessRunner.Result result =
        ExternalCommand.of(command).env(environment()).timeout(Duration.ofMinutes(1)).result();
    List<String> lines =
        result.lines().stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
    if (result.exitCode() != 0 || lines.isEmpty()) {
      throw new ExternalCommandException("Could not read the " + what, result);
    }
    return lines.get(lines.size() - 1);
  }
}
