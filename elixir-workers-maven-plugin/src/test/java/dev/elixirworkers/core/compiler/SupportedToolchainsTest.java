package dev.elixirworkers.core.compiler;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.testing.Skip;
import org.junit.jupiter.api.Test;

class SupportedToolchainsTest {

  @Test
  void debian12ThirteenAndUnstableAreSupported() {
    assertDoesNotThrow(() -> SupportedToolchains.check("25.2.3", "1.14.0"));
    assertDoesNotThrow(() -> SupportedToolchains.check("27.3.4.1", "1.18.3"));
    assertDoesNotThrow(() -> SupportedToolchains.check("29.1.2", "1.20.4"));
    assertDoesNotThrow(() -> SupportedToolchains.check("28", "1.19.0-rc.1"));
  }

  @Test
  void anOtpOutsideTheRangeFailsNamingTheRangeAndTheVersion() {
    for (String otp : new String[] {"24.3.4", "30.0"}) {
      UnsupportedToolchainException e =
          assertThrows(
              UnsupportedToolchainException.class, () -> SupportedToolchains.check(otp, "1.18.3"));
      assertTrue(
          e.getMessage().startsWith("Erlang/OTP " + otp + " is not supported"), e.getMessage());
      assertTrue(e.getMessage().contains("OTP 25 to 29"), e.getMessage());
    }
  }

  @Test
  void anElixirOutsideTheRangeFailsNamingTheRangeAndTheVersion() {
    for (String elixir : new String[] {"1.13.4", "1.21.0"}) {
      UnsupportedToolchainException e =
          assertThrows(
              UnsupportedToolchainException.class, () -> SupportedToolchains.check("27.3", elixir));
      assertTrue(
          e.getMessage().startsWith("Elixir " + elixir + " is not supported"), e.getMessage());
      assertTrue(e.getMessage().contains("Elixir 1.14 to 1.20"), e.getMessage());
    }
  }

  @Test
  void anUnreadableVersionIsNotSupported() {
    assertThrows(
        UnsupportedToolchainException.class, () -> SupportedToolchains.check("unknown", "1.18.3"));
  }

  @Test
  void theToolchainOnThisMachineIsSupported() {
    ElixirInstallation toolchain = ElixirInstallation.fromEnvironment();
    try {
      toolchain.erl();
      toolchain.elixir();
    } catch (ToolNotFoundException e) {
      Skip.because(
          "theToolchainOnThisMachineIsSupported",
          "no Erlang/Elixir on the PATH: " + e.getMessage());
    }
    assertDoesNotThrow(() -> SupportedToolchains.check(toolchain));
  }
}
