package dev.elixirworkers.core.compiler;

import dev.elixirworkers.core.util.ExternalCommand;
import dev.elixirworkers.wasi.process.ProcessRunner;
import java.util.List;

/** A tool ran but failed in a way that is not a located compile error; quotes what it said. */
public class ExternalCommandException extends CompileException {
  private final List<String> command;
  private final int exitCode;
  private final List<String> outputTail;

  /**
   * {@code what} failed: the command, its exit code and the tail of its output from {@code result}.
   */
  public ExternalCommandException(String what, ProcessRunner.Result result) {
    this(what, result.command(), result.exitCode(), result.tail(ExternalCommand.TAIL_LINES));
  }

  public ExternalCommandException(
      String what, List<String> command, int exitCode, List<String> outputTail) {
    super(
        what
            + ": `"
            + String.join(" ", command)
            + "` "
            + (exitCode == ProcessRunner.TIMED_OUT
                ? "timed out"
                : "failed with exit code " + exitCode)
            + (outputTail.isEmpty()
                ? " and printed nothing"
                : ". Last lines of its output:\n" + String.join("\n", outputTail)));
    this.command = List.copyOf(command);
    this.exitCode = exitCode;
    this.outputTail = List.copyOf(outputTail);
  }

  public List<String> command() {
    return command;
  }

  public int exitCode() {
    return exitCode;
  }

  public List<String> outputTail() {
    return outputTail;
  }
}
