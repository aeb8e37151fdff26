package dev.elixirworkers.core.atomvm;

import dev.elixirworkers.core.BuildException;
import java.net.URI;
import java.util.Locale;

/**
 * An upstream AtomVM source release: where to download it and the SHA-256 it must have.
 *
 * @param version the tag, e.g. {@code v0.7.0-alpha.0}
 * @param url the source archive (a {@code .tar.gz} whose entries share one top-level directory)
 * @param sha256 lower-case hex digest of the archive bytes
 */
public record AtomVmRelease(String version, URI url, String sha256) {

  /**
   * The default pin: its upstream CI covers OTP 25 / Elixir 1.14 (Debian 12) as well as newer ones;
   * releases after v0.7.0-alpha.1 need OTP 26+. The digest is that of GitHub's tag archive.
   */
  public static final AtomVmRelease DEFAULT =
      ofGitHubTag(
          "v0.7.0-alpha.0", "ba7dd75a0c00a824343b7ecebc5617ee2dd325505eeb137e0b6285930f694a2f");

  public AtomVmRelease {
    sha256 = sha256.toLowerCase(Locale.ROOT);
  }

  public static AtomVmRelease ofGitHubTag(String tag, String sha256) {
    return new AtomVmRelease(
        tag,
        URI.create("https://github.com/atomvm/AtomVM/archive/refs/tags/" + tag + ".tar.gz"),
        sha256);
  }

  /**
   * The release the {@code <atomvmVersion>}, {@code <atomvmUrl>} and {@code <atomvmSha256>}
   * settings name: {@link #DEFAULT} when none is set (null), else all three.
   *
   * @throws BuildException when only some are set or the digest is not 64 hex digits
   */
  public static AtomVmRelease fromSettings(String version, String url, String sha256) {
    if (version == null && url == null && sha256 == null) {
      return DEFAULT;
    }
    if (version == null || url == null || sha256 == null) {
      throw new BuildException(
          "<atomvmVersion>, <atomvmUrl> and <atomvmSha256> go together (got version="
              + version
              + ", url="
              + url
              + ", sha256="
              + sha256
              + ") — set all three, or none to use "
              + DEFAULT.version());
    }
    if (!sha256.matches("[0-9a-fA-F]{64}")) {
      throw new BuildException(
          "<atomvmSha256> must be 64 hex digits, got '"
              + sha256
              + "' — use the output of `sha256sum` on the release archive");
    }
    return new AtomVmRelease(version, URI.create(url), sha256);
  }
}
