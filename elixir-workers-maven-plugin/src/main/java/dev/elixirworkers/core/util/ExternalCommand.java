package dev.elixirworkers.core.util;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.wasi.process.ProcessRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How the plugin runs a tool: {@link ProcessRunner} (merged output read on its own thread, killed
 * at the timeout), with a command that cannot start, or an interrupted build, as a {@link
 * BuildException}. {@link #run} requires exit code 0 and otherwise throws one quoting the command,
 * its exit code (or the timeout) and the tail of its output; {@link #result} leaves the exit code
 * to the caller.
 */
public final class ExternalCommand {
  /** How many lines of a failed tool's output its error quotes. */
  public static final int TAIL_LINES = 30;

  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

  private final List<String> command;
  private final Map<String, String> environment = new LinkedHashMap<>();
  private Path directory;
  private Duration timeout = DEFAULT_TIMEOUT;

  private ExternalCommand(List<String> command) {
    this.command = List.copyOf(command);
  }

  public static ExternalCommand of(List<String> command) {
    return new ExternalCommand(command);
  }

  public static ExternalCommand of(String... command) {
    return new ExternalCommand(List.of(command));
  }

  public ExternalCommand in(Path directory) {
    this.directory = directory;
    return this;
  }

  public ExternalCommand env(String name, String value) {
    environment.put(name, value);
    return this;
  }

  public ExternalCommand env(Map<String, String> variables) {
    environment.putAll(variables);
    return this;
  }

  /** How long the tool may run before it is killed (default 30 minutes). */
  public ExternalCommand timeout(Duration timeout) {
    this.timeout = timeout;
    return this;
  }

  /** Runs to completion, handing each output line to {@code onLine}; returns all lines. */
  public List<String> run(Consumer<String> onLine) {
    ProcessRunner.Result result = result(onLine);
    if (result.exitCode() != 0) {
      throw new BuildException(result.failure(TAIL_LINES));
    }
    return result.lines();
  }

  /** Runs to its exit or the timeout, whatever the exit code. */
  public ProcessRunner.Result result() {
    return result(line -> {});
  }

  private ProcessRunner.Result result(Consumer<String> onLine) {
    String commandLine = String.join(" ", command);
    try {
      return ProcessRunner.run(command, environment, directory, timeout, onLine);
    } catch (IOException e) {
      throw new BuildException("Could not start `" + commandLine + "`: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BuildException("Interrupted while running `" + commandLine + "`", e);
    }
  }
}
