package dev.elixirworkers.core.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the prebuilt VM is not made; making it needs AtomVM and a toolchain (the prebuilt-vm ITs).
 */
class PrebuiltVmBuildTest {
  static final AtomVmRelease PIN = AtomVmRelease.DEFAULT;

  @TempDir Path temp;

  Path checkout(String version) throws IOException {
    Path dir = Files.createDirectories(temp.resolve("AtomVM-" + version));
    Files.writeString(
        dir.resolve("version.cmake"), "set(ATOMVM_BASE_VERSION \"" + version + "\")\n");
    return dir;
  }

  @Test
  void withoutACheckoutOrDownloadsItSaysHowToGiveOne() {
    Optional<String> why = PrebuiltVmBuild.skipReason(Optional.empty(), false, false, PIN);

    assertEquals(
        Optional.of(
            "no AtomVM source: pass -Datomvm.source=<checkout of AtomVM v0.7.0-alpha.0> or build"
                + " with -Prelease (downloads the pinned release)"),
        why);
  }

  @Test
  void offlineWithoutACheckoutItCannotDownload() {
    Optional<String> why = PrebuiltVmBuild.skipReason(Optional.empty(), true, true, PIN);

    assertEquals(
        Optional.of(
            "Maven is offline and no -Datomvm.source=<checkout of AtomVM v0.7.0-alpha.0> is"
                + " given"),
        why);
  }

  @Test
  void aCheckoutOfAnotherVersionIsNotThePin() throws IOException {
    Path other = checkout("0.6.6");

    Optional<String> why = PrebuiltVmBuild.skipReason(Optional.of(other), false, true, PIN);

    assertEquals(
        Optional.of("the AtomVM source " + other + " is version 0.6.6, not the pin v0.7.0-alpha.0"),
        why);
  }

  @Test
  void aCheckoutOfThePinOrADownloadOnlineIsMade() throws IOException {
    assertEquals(
        Optional.empty(),
        PrebuiltVmBuild.skipReason(Optional.of(checkout("0.7.0-alpha.0")), false, true, PIN));
    assertEquals(Optional.empty(), PrebuiltVmBuild.skipReason(Optional.empty(), true, false, PIN));
  }

  @Test
  void aSkipDeletesTheArchiveOfAnEarlierBuildAndSaysNoneIsAttached() throws IOException {
    Path archive = Files.writeString(temp.resolve("prebuilt-vm.zip"), "stale");
    RecordingLog log = new RecordingLog();

    Optional<String> skipped =
        new PrebuiltVmBuild(temp.resolve("cache"), temp.resolve("work"), Optional.empty(), log)
            .buildUnlessSkipped(Optional.empty(), false, false, PIN, archive);

    assertTrue(skipped.orElseThrow().endsWith(" — no prebuilt VM is attached"), skipped.get());
    assertFalse(Files.exists(archive));
    assertTrue(log.contains("Deleted " + archive + " of an earlier build"), log.lines.toString());
  }
}
