package dev.elixirworkers.core.compile;

import dev.elixirworkers.core.util.ProcessRunner;
import java.util.List;

/** A tool ran but failed in a way that is not a located compile error; quotes what it said. */
public class ExternalCommandException extends CompileException {
  private final List<String> command;
  private final int exitCode;
  private final List<String> outputTail;

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
