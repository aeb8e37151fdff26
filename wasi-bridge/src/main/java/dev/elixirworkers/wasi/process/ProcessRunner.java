package dev.elixirworkers.wasi.process;

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
 * Runs an external tool with its stdout and stderr merged, for every caller in the project (the
 * plugin's {@code ExternalCommand}, {@code WasiClang}). The output is read on a thread of its own
 * while this one waits for the exit, so the timeout holds even for a tool that never exits or
 * prints more than the pipe holds: at the timeout the tool and its child processes are killed. Each
 * line goes to a listener as it comes and is kept. A non-zero exit is not an error here; callers
 * decide what it means and quote {@link Result#tail}.
 */
public final class ProcessRunner {
  /** {@link Result#exitCode()} of a tool that was stopped at the timeout. */
  public static final int TIMED_OUT = -1;

  /** How long the output may still take to end once the tool has exited or been killed. */
  private static final Duration OUTPUT_GRACE = Duration.ofSeconds(5);

  /** What a run gave: the exit code (or {@link #TIMED_OUT}) and every line of output. */
  public record Result(List<String> command, int exitCode, List<String> lines, Duration timeout) {
    public boolean timedOut() {
      return exitCode == TIMED_OUT;
    }

    /** The last {@code count} lines of the output. */
    public List<String> tail(int count) {
      return lines.subList(Math.max(0, lines.size() - count), lines.size());
    }

    /**
     * Why the run did not succeed, for an error message: "`command` failed with exit code 3" or
     * "`command` did not finish within 30 s and was stopped", then the last {@code tailLines} lines
     * of output (after a colon and a newline) when there were any.
     */
    public String failure(int tailLines) {
      String tail = String.join("\n", tail(tailLines));
      return "`"
          + commandLine()
          + "` "
          + (timedOut()
              ? "did not finish within " + describe(timeout) + " and was stopped"
              : "failed with exit code " + exitCode)
          + (tail.isBlank() ? "" : ":\n" + tail);
    }

    /** The command as a shell would take it: arguments with spaces or quotes are quoted. */
    public String commandLine() {
      return ProcessRunner.commandLine(command);
    }
  }

  private ProcessRunner() {}

  /** Runs {@code command} in the current directory with this process's environment. */
  public static Result run(List<String> command, Duration timeout)
      throws IOException, InterruptedException {
    return run(command, Map.of(), null, timeout, line -> {});
  }

  /**
   * Runs {@code command} to its exit or to the timeout. Its stdin is closed at the start.
   *
   * @param environment added to this process's environment
   * @param directory the working directory, or null for the current one
   * @param onLine gets each line of output as it is read, on the reading thread
   * @throws IOException when the command cannot be started (not found, not executable), or its
   *     stdin cannot be closed (the tool has then been killed)
   * @throws InterruptedException when this thread is interrupted; the tool has been killed
   */
  public static Result run(
      List<String> command,
      Map<String, String> environment,
      Path directory,
      Duration timeout,
      Consumer<String> onLine)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    Process process = builder.start();
    List<String> lines = new ArrayList<>();
    Thread reader = new Thread(() -> readLines(process, onLine, lines), "process-output");
    reader.setDaemon(true);
    reader.start();
    int exitCode;
    try {
      process.getOutputStream().close();
      if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        exitCode = process.exitValue();
      } else {
        kill(process);
        exitCode = TIMED_OUT;
      }
      // A child the tool left running may hold the output open; what came until then is kept.
      reader.join(OUTPUT_GRACE.toMillis());
    } catch (IOException | InterruptedException e) {
      kill(process);
      throw e;
    }
    synchronized (lines) {
      return new Result(List.copyOf(command), exitCode, List.copyOf(lines), timeout);
    }
  }

  private static void readLines(Process process, Consumer<String> onLine, List<String> lines) {
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
      // the stream was closed under us (the tool was killed): the lines so far are what it said
    }
  }

  /**
   * Kills the tool, then the children it had: they are listed first, since once the tool is gone
   * they are no longer its descendants, and killed after it, so that it cannot report their deaths
   * (a shell's "Killed") into the output.
   */
  private static void kill(Process process) {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
  }

  static String describe(Duration timeout) {
    long seconds = timeout.toSeconds();
    if (seconds >= 120 && seconds % 60 == 0) {
      return seconds / 60 + " minutes";
    }
    return seconds >= 1 ? seconds + " s" : timeout.toMillis() + " ms";
  }

  /** {@code command} as a shell would take it: arguments with spaces or quotes are quoted. */
  public static String commandLine(List<String> command) {
    List<String> quoted = new ArrayList<>();
    for (String arg : command) {
      quoted.add(arg.isEmpty() || arg.matches(".*[\\s\"'$`\\\\].*") ? "'" + arg + "'" : arg);
    }
    return String.join(" ", quoted);
  }
}
