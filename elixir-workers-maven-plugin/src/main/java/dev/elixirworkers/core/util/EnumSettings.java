package dev.elixirworkers.core.util;

import dev.elixirworkers.core.BuildException;
import java.util.Locale;

/** Settings whose value is one of an enum's constants, written in any case. */
public final class EnumSettings {
  private EnumSettings() {}

  /**
   * The constant named by {@code value}; {@code fallback} when it is blank.
   *
   * @param setting names the setting in the error message, e.g. {@code <vm>}
   * @param choices what each allowed value does, for the error message
   */
  public static <E extends Enum<E>> E parse(
      Class<E> type, String value, E fallback, String setting, String choices) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new BuildException(setting + " is '" + value + "' — use " + choices);
    }
  }
}
