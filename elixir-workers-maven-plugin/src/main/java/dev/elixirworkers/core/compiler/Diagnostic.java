package dev.elixirworkers.core.compiler;

/**
 * One compiler message, located in a source file.
 *
 * @param severity error or warning
 * @param file the source path as the caller gave it (relative stays relative), or the compiler's
 *     own text when the message is about no source file
 * @param line 1-based, 0 when unknown
 * @param column 1-based, 0 when unknown
 * @param message the compiler's message, without the location prefix
 */
public record Diagnostic(Severity severity, String file, int line, int column, String message) {

  public enum Severity {
    ERROR,
    WARNING
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** {@code path/to/file.ex:12: message} (with {@code :col} when known), as IDEs link it. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(file);
    if (line > 0) {
      out.append(':').append(line);
      if (column > 0) {
        out.append(':').append(column);
      }
    }
    out.append(": ");
    if (severity == Severity.WARNING) {
      out.append("warning: ");
    }
    return out.append(message).toString();
  }
}
