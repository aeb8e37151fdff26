package dev.elixirworkers.core.vm;

import dev.elixirworkers.core.util.EnumSettings;
import java.util.Locale;

/** Where {@code atomvm.wasm} and AtomVM's standard library come from. */
public enum VmMode {
  /**
   * The prebuilt VM artifact for the default AtomVM pin when it can be resolved, else a build from
   * source; always from source for a custom pin or a local AtomVM checkout.
   */
  AUTO,
  /** Only the prebuilt VM artifact; fails when it cannot be resolved. */
  PREBUILT,
  /** Always build from an AtomVM source (download or checkout) with a WASI C toolchain. */
  SOURCE;

  /**
   * Parses a setting ({@code auto}, {@code prebuilt}, {@code source}; any case; blank is auto).
   *
   * @param setting names the setting in the error message, e.g. {@code <vm>}
   */
  public static VmMode parse(String value, String setting) {
    return EnumSettings.parse(
        VmMode.class,
        value,
        AUTO,
        setting,
        "auto (the prebuilt VM for the default AtomVM pin, else build from source), prebuilt (only"
            + " the prebuilt VM) or source (always build AtomVM)");
  }

  public String setting() {
    return name().toLowerCase(Locale.ROOT);
  }
}
