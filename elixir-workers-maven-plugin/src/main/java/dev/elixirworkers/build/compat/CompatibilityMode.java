package dev.elixirworkers.build.compat;

import dev.elixirworkers.build.BuildException;
import java.util.Locale;

/** What the build does with calls AtomVM cannot run. */
public enum CompatibilityMode {
  /** Report each as a warning (the default). */
  WARN,
  /** Report them and fail the build. */
  ERROR,
  /** Do not check. */
  OFF;

  /**
   * Parses a setting ({@code warn}, {@code error}, {@code off}; any case).
   *
   * @param setting names the setting in the error message, e.g. {@code <compatibility>}
   */
  public static CompatibilityMode parse(String value, String setting) {
    if (value == null || value.isBlank()) {
      return WARN;
    }
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new BuildException(
          setting
              + " is '"
              + value
              + "' — use warn (report calls AtomVM does not have), error (fail the build on them)"
              + " or off");
    }
  }
}
