package dev.elixirworkers.build.compile;

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

/** Runs a compiler process, collecting its merged output; never throws for a non-zero exit. */
final class ProcessRunner {
  static final int TIMED_OUT = -1;
  static final int TAIL_LINES = 30;

  record Result(List<String> command, int exitCode, List<String> lines) {
    List<String> tail() {
      return lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
    }
  }

  private ProcessRunner() {}

  static Result run(
      List<String> command, Map<String, String> environment, Path directory, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new CompileException(
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
                  synchronized (lines) {
                    lines.add(line);
                  }
                }
              } catch (IOException e) {
                // the process went away; what we have is what it said
              }
            },
            "compiler-output");
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
      throw new CompileException("Could not talk to `" + String.join(" ", command) + "`", e);
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new CompileException(
          "Interrupted while running `" + String.join(" ", command) + "`", e);
    }
  }
}
