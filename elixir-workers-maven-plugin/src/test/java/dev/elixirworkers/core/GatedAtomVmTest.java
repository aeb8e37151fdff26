package dev.elixirworkers.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.atomvm.AtomVmAvailability;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.core.util.CacheEntry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the end-to-end tests decide whether they can run, without -Datomvm.source. */
class GatedAtomVmTest {
  @TempDir Path temp;

  /** Connection refused at once: nothing listens on port 1. */
  static final AtomVmRelease UNREACHABLE =
      new AtomVmRelease(
          AtomVmRelease.DEFAULT.version(),
          URI.create("http://127.0.0.1:1/AtomVM.tar.gz"),
          AtomVmRelease.DEFAULT.sha256());

  @Test
  void thePinnedReleaseAlreadyInTheCacheIsUsedWithoutAnySetting() throws Exception {
    Path cache = temp.resolve("cache");
    Path source =
        cache.resolve(
            "atomvm/"
                + UNREACHABLE.version()
                + "-"
                + UNREACHABLE.sha256().substring(0, 12)
                + "/source");
    new CacheEntry(source, "AtomVM source", new RecordingLog())
        .obtain(
            staging -> {
              Files.createDirectories(staging.resolve("src/libAtomVM"));
              Files.createDirectories(staging.resolve("libs"));
              Files.writeString(staging.resolve("src/libAtomVM/globalcontext.c"), "/* */");
            });

    AtomVmAvailability found =
        GatedAtomVm.find(Optional.empty(), UNREACHABLE, cache, Duration.ofSeconds(2));

    assertEquals(Optional.of(source.toRealPath()), found.source(), found.whyNot());
  }

  @Test
  void withNeitherSettingNorCacheNorNetworkTheReasonSaysWhatWasTried() {
    Path cache = temp.resolve("cache");

    AtomVmAvailability found =
        GatedAtomVm.find(Optional.empty(), UNREACHABLE, cache, Duration.ofSeconds(2));

    assertTrue(found.source().isEmpty());
    assertTrue(found.whyNot().contains("-Datomvm.source"), found.whyNot());
    assertTrue(found.whyNot().contains("not in the cache " + cache), found.whyNot());
    assertTrue(found.whyNot().contains("http://127.0.0.1:1/AtomVM.tar.gz"), found.whyNot());
  }

  @Test
  void anUnansweredConnectionGivesUpWithinTheProbesTimeout() {
    // a non-routable address: the connection is neither accepted nor refused
    AtomVmRelease blackHole =
        new AtomVmRelease(
            "v0.0.0", URI.create("http://10.255.255.1/AtomVM.tar.gz"), "ab".repeat(32));
    long started = System.nanoTime();

    AtomVmAvailability found =
        GatedAtomVm.find(Optional.empty(), blackHole, temp.resolve("cache"), Duration.ofSeconds(2));

    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    assertTrue(found.source().isEmpty());
    assertTrue(seconds < 10, "took " + seconds + " s");
  }

  @Test
  void aSettingIsUsedAsItIs() {
    Path checkout = temp.resolve("AtomVM");

    assertEquals(
        Optional.of(checkout),
        GatedAtomVm.find(Optional.of(checkout), UNREACHABLE, temp, Duration.ofSeconds(2)).source());
  }
}
