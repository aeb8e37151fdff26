package dev.elixirworkers.wasi.clang;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a tool with merged output and keeps what it printed, so failures can quote it. */
final class Commands {
  static final int TAIL_LINES = 40;

  private Commands() {}

  record Result(List<String> command, int exitCode, String output) {
    /** The last {@link #TAIL_LINES} lines of the output. */
    String tail() {
      List<String> lines = output.lines().toList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    String commandLine() {
      return quote(command);
    }
  }

  static Result run(List<String> command, Duration timeout) throws WasiClangException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new WasiClangException("Could not run `" + quote(command) + "`: " + e.getMessage(), e);
    }
    try {
      process.getOutputStream().close();
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      Thread reader =
          new Thread(
              () -> {
                try (InputStream in = process.getInputStream()) {
                  in.transferTo(output);
                } catch (IOException ignored) {
                  // the process died; what was read so far is kept
                }
              },
              "wasi-toolchain-output");
      reader.setDaemon(true);
      reader.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        reader.join(1000);
        throw new WasiClangException(
            "`"
                + quote(command)
                + "` did not finish within "
                + timeout.toSeconds()
                + " s and was stopped"
                + tailOf(output));
      }
      reader.join();
      return new Result(
          List.copyOf(command), process.exitValue(), output.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new WasiClangException("Could not run `" + quote(command) + "`: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new WasiClangException("Interrupted while running `" + quote(command) + "`", e);
    }
  }

  private static String tailOf(ByteArrayOutputStream output) {
    String text = output.toString(StandardCharsets.UTF_8);
    return text.isBlank() ? "" : ":\n" + new Result(List.of(), 0, text).tail();
  }

  static String quote(List<String> command) {
    List<String> quoted = new ArrayList<>();
    for (String arg : command) {
      quoted.add(arg.isEmpty() || arg.matches(".*[\\s\"'$`\\\\].*") ? "'" + arg + "'" : arg);
    }
    return String.join(" ", quoted);
  }
}
