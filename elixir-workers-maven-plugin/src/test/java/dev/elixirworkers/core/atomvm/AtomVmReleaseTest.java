package dev.elixirworkers.core.atomvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import java.net.URI;
import org.junit.jupiter.api.Test;

class AtomVmReleaseTest {
  static final String URL = "https://example.com/AtomVM-0.6.6.tar.gz";
  static final String SHA256 = "AB".repeat(32);

  @Test
  void noSettingIsTheDefaultPin() {
    assertSame(AtomVmRelease.DEFAULT, AtomVmRelease.fromSettings(null, null, null));
  }

  @Test
  void allThreeSettingsMakeThatReleaseWithALowerCaseDigest() {
    AtomVmRelease release = AtomVmRelease.fromSettings("v0.6.6", URL, SHA256);

    assertEquals(new AtomVmRelease("v0.6.6", URI.create(URL), "ab".repeat(32)), release);
  }

  @Test
  void onlySomeSettingsNameAllThreeAndTheDefault() {
    BuildException e =
        assertThrows(BuildException.class, () -> AtomVmRelease.fromSettings("v0.6.6", null, null));

    assertTrue(
        e.getMessage().startsWith("<atomvmVersion>, <atomvmUrl> and <atomvmSha256> go together"),
        e.getMessage());
    assertTrue(e.getMessage().contains("version=v0.6.6, url=null"), e.getMessage());
    assertTrue(e.getMessage().endsWith("or none to use v0.7.0-alpha.0"), e.getMessage());
  }

  @Test
  void aDigestThatIsNotSixtyFourHexDigitsIsRefusedWithWhereToGetIt() {
    BuildException e =
        assertThrows(
            BuildException.class, () -> AtomVmRelease.fromSettings("v0.6.6", URL, "abc123"));

    assertTrue(e.getMessage().contains("<atomvmSha256> must be 64 hex digits"), e.getMessage());
    assertTrue(e.getMessage().contains("'abc123'"), e.getMessage());
    assertTrue(e.getMessage().contains("sha256sum"), e.getMessage());
  }
}
