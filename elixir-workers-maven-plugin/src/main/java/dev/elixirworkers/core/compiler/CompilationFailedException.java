package dev.elixirworkers.core.compiler;

import java.util.List;

/**
 * The sources have errors. The message lists them as {@code file:line: message}, one per line, so
 * Maven's output and IDEs can link them; {@link #errors()} has them parsed.
 */
public class CompilationFailedException extends CompileException {
  private final List<Diagnostic> errors;
  private final List<Diagnostic> warnings;
  private final String command;
  private final int exitCode;

  public CompilationFailedException(
      String summary,
      List<Diagnostic> errors,
      List<Diagnostic> warnings,
      String command,
      int exitCode) {
    super(format(summary, errors));
    this.errors = List.copyOf(errors);
    this.warnings = List.copyOf(warnings);
    this.command = command;
    this.exitCode = exitCode;
  }

  private static String format(String summary, List<Diagnostic> errors) {
    StringBuilder out = new StringBuilder(summary);
    for (Diagnostic error : errors) {
      out.append('\n').append(error);
    }
    return out.toString();
  }

  public List<Diagnostic> errors() {
    return errors;
  }

  /** Warnings reported before the failure (also passed to the warning callback). */
  public List<Diagnostic> warnings() {
    return warnings;
  }

  /** The compiler command line that failed. */
  public String command() {
    return command;
  }

  public int exitCode() {
    return exitCode;
  }
}
