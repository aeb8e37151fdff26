package dev.elixirworkers.core.util;

import dev.elixirworkers.core.BuildException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs an external tool, collecting its merged output (and streaming it to a listener); never
 * throws for a non-zero exit — callers decide what that means.
 */
public final class ProcessRunner {
  public static final int TIMED_OUT = -1;
  public static final int TAIL_LINES = 30;

  public record Result(List<String> command, int exitCode, List<String> lines) {
    public List<String> tail() {
      return lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
    }
  }

  private ProcessRunner() {}

  public static Result run(
      List<String> command, Map<String, String> environment, Path directory, Duration timeout) {
    return run(command, environment, directory, timeout, line -> {});
  }

  public static Result run(
      List<String> command,
      Map<String, String> environment,
      Path directory,
      Duration timeout,
      Consumer<String> onLine) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new BuildException(
          "Could not start `" + String.join(" ", command) + "`: " + e.getMessage(), e);
    }
    List<String> lines = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  onLine.accept(line);
                  synchronized (lines) {
                    lines.add(line);
                  }
                }
              } catch (IOException e) {
                // the process went away; what we have is what it said
              }
            },
            "process-output");
    reader.setDaemon(true);
    reader.start();
    try {
      process.getOutputStream().close();
      int exit;
      if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        exit = process.exitValue();
      } else {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        exit = TIMED_OUT;
      }
      reader.join(5_000);
      synchronized (lines) {
        return new Result(List.copyOf(command), exit, List.copyOf(lines));
      }
    } catch (IOException e) {
      throw new BuildException("Could not talk to `" + String.join(" ", command) + "`", e);
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new BuildException("Interrupted while running `" + String.join(" ", command) + "`", e);
    }
  }
}
