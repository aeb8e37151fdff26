package dev.elixirworkers.core.atomvm;

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
}
