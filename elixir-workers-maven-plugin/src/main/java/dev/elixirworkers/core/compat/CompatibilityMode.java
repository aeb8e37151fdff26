package dev.elixirworkers.core.compat;

import dev.elixirworkers.core.util.EnumSettings;

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
    return EnumSettings.parse(
        CompatibilityMode.class,
        value,
        WARN,
        setting,
        "warn (report calls AtomVM does not have), error (fail the build on them) or off");
  }
}
