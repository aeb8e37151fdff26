package dev.elixirworkers.core.util;

import dev.elixirworkers.core.BuildException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A tool run that must succeed: a non-zero exit becomes a {@link BuildException} quoting the
 * command, its exit code and the tail of its output.
 */
public final class ExternalCommand {
  private static final Duration TIMEOUT = Duration.ofMinutes(30);

  private final List<String> command;
  private final Map<String, String> environment = new LinkedHashMap<>();
  private Path directory;

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

  /** Runs to completion, handing each output line to {@code onLine}; returns all lines. */
  public List<String> run(Consumer<String> onLine) {
    ProcessRunner.Result result =
        ProcessRunner.run(command, environment, directory, TIMEOUT, onLine);
    if (result.exitCode() != 0) {
      String tail = String.join("\n", result.tail());
      throw new BuildException(
          "`"
              + String.join(" ", command)
              + "` "
              + (result.exitCode() == ProcessRunner.TIMED_OUT
                  ? "did not finish within " + TIMEOUT.toMinutes() + " minutes"
                  : "failed with exit code " + result.exitCode())
              + (tail.isEmpty() ? "" : ":\n" + tail));
    }
    return result.lines();
  }
}
