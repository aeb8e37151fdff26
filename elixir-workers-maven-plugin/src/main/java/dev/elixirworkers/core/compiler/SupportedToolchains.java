package dev.elixirworkers.core.compiler;

/**
 * The Erlang/OTP and Elixir releases whose compilers make {@code .beam} files the pinned AtomVM
 * loads and the runtime library is tested on. Checked before anything is compiled, so an
 * unsupported toolchain fails at once with the range and the fix, never later with an AtomVM opcode
 * error at run time.
 */
public final class SupportedToolchains {
  /** OTP major releases 25 to 29. */
  static final Release OTP =
      new Release("Erlang/OTP", 1, 25, 29, "AtomVM runs the .beam files of OTP", "erl and erlc");

  /** Elixir minor releases 1.14 to 1.20, as {@code major * 100 + minor}. */
  static final Release ELIXIR =
      new Release(
          "Elixir", 2, 114, 120, "the runtime library is built and tested with Elixir", "elixir");

  private static final String DISTRIBUTIONS =
      " (Debian 12 ships OTP 25 / Elixir 1.14, Debian 13 OTP 27 / Elixir 1.18, Debian unstable"
          + " OTP 29 / Elixir 1.20)";

  private SupportedToolchains() {}

  /** Fails with {@link UnsupportedToolchainException} unless both versions are in range. */
  public static void check(ElixirInstallation elixir) {
    check(elixir.otpVersion(), elixir.elixirVersion());
  }

  static void check(String otpVersion, String elixirVersion) {
    OTP.check(otpVersion);
    ELIXIR.check(elixirVersion);
  }

  /**
   * A supported range of one tool's releases, compared on the first {@code parts} numbers of a
   * version.
   */
  record Release(String name, int parts, int oldest, int newest, String runs, String tools) {
    void check(String version) {
      int found = leading(version, parts);
      if (found < oldest || found > newest) {
        throw new UnsupportedToolchainException(
            name
                + " "
                + version
                + " is not supported: "
                + runs
                + " "
                + shown(oldest)
                + " to "
                + shown(newest)
                + ". Install one of those and put its "
                + tools
                + " on the PATH"
                + DISTRIBUTIONS
                + ".");
      }
    }

    private String shown(int release) {
      return parts == 1 ? Integer.toString(release) : release / 100 + "." + release % 100;
    }
  }

  /** {@code 27.3.4} -> 27 (parts 1), {@code 1.18.3} -> 118 (parts 2); -1 when unreadable. */
  private static int leading(String version, int parts) {
    String[] numbers = version.trim().split("[.-]");
    if (numbers.length < parts) {
      return -1;
    }
    try {
      int major = Integer.parseInt(numbers[0]);
      return parts == 1 ? major : major * 100 + Integer.parseInt(numbers[1]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
