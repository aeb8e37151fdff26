package dev.elixirworkers.core.server;

import dev.elixirworkers.core.util.EnumSettings;

/** Which runtime {@code elixir-workers:run} serves the built worker with. */
public enum DevRuntime {
  /** The JVM dev server ({@link LocalServer}), the default. */
  JVM,
  /** {@code wrangler dev}: Cloudflare's workerd from npm ({@code WorkerdServer}). */
  WORKERD;

  /**
   * Parses a setting ({@code jvm}, {@code workerd}; any case; blank is jvm).
   *
   * @param setting names the setting in the error message, e.g. {@code <runtime>}
   */
  public static DevRuntime parse(String value, String setting) {
    return EnumSettings.parse(
        DevRuntime.class,
        value,
        JVM,
        setting,
        "jvm (the JVM dev server, default) or workerd (wrangler dev, Cloudflare's runtime)");
  }
}
