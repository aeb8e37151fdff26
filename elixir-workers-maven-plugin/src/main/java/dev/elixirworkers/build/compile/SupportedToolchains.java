package dev.elixirworkers.build.compile;

/**
 * The Erlang/OTP and Elixir releases whose compilers make {@code .beam} files the pinned AtomVM
 * loads and the runtime library is tested on. Checked before anything is compiled, so an
 * unsupported toolchain fails at once with the range and the fix, never later with an AtomVM opcode
 * error at run time.
 */
public final class SupportedToolchains {
  /** The oldest and newest OTP major releases. */
  public static final int OTP_OLDEST = 25;

  public static final int OTP_NEWEST = 29;

  /** The oldest and newest Elixir minor releases, as {@code major * 100 + minor}. */
  public static final int ELIXIR_OLDEST = 114;

  public static final int ELIXIR_NEWEST = 120;

  private static final String DISTRIBUTIONS =
      " (Debian 12 ships OTP 25 / Elixir 1.14, Debian 13 OTP 27 / Elixir 1.18, Debian unstable"
          + " OTP 29 / Elixir 1.20)";

  private SupportedToolchains() {}

  /** Fails with {@link UnsupportedToolchainException} unless both versions are in range. */
  public static void check(Toolchain toolchain) {
    check(toolchain.otpVersion(), toolchain.elixirVersion());
  }

  static void check(String otpVersion, String elixirVersion) {
    int otp = leading(otpVersion, 1);
    if (otp < OTP_OLDEST || otp > OTP_NEWEST) {
      throw new UnsupportedToolchainException(
          "Erlang/OTP "
              + otpVersion
              + " is not supported: AtomVM runs the .beam files of OTP "
              + OTP_OLDEST
              + " to "
              + OTP_NEWEST
              + ". Install one of those and put its erl and erlc on the PATH"
              + DISTRIBUTIONS
              + ".");
    }
    int elixir = leading(elixirVersion, 2);
    if (elixir < ELIXIR_OLDEST || elixir > ELIXIR_NEWEST) {
      throw new UnsupportedToolchainException(
          "Elixir "
              + elixirVersion
              + " is not supported: the runtime library is built and tested with Elixir "
              + ELIXIR_OLDEST / 100
              + "."
              + ELIXIR_OLDEST % 100
              + " to "
              + ELIXIR_NEWEST / 100
              + "."
              + ELIXIR_NEWEST % 100
              + ". Install one of those and put its elixir on the PATH"
              + DISTRIBUTIONS
              + ".");
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
