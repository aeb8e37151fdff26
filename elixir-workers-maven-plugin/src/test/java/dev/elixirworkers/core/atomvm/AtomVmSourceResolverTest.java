package dev.elixirworkers.core.atomvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.util.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomVmSourceResolverTest {
  @TempDir Path temp;

  private Path fakeReleaseArchive(String topLevel) throws IOException {
    Path archive = temp.resolve("v9.9.9.tar.gz");
    try (OutputStream file = Files.newOutputStream(archive);
        TarArchiveOutputStream tar =
            new TarArchiveOutputStream(new GzipCompressorOutputStream(file))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      add(tar, topLevel + "/src/libAtomVM/globalcontext.c", "/* fake */");
      add(tar, topLevel + "/libs/estdlib/src/lists.erl", "-module(lists).");
      add(tar, topLevel + "/CMakeLists.txt", "project(AtomVM)");
    }
    return archive;
  }

  private static void add(TarArchiveOutputStream tar, String name, String content)
      throws IOException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(bytes.length);
    tar.putArchiveEntry(entry);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }

  private AtomVmRelease releaseOf(Path archive, String sha256) {
    return new AtomVmRelease("v9.9.9", archive.toUri(), sha256);
  }

  @Test
  void downloadsVerifiesAndUnpacksTheReleaseWithoutItsTopLevelDirectory() throws IOException {
    Path archive = fakeReleaseArchive("AtomVM-9.9.9");
    AtomVmRelease release = releaseOf(archive, Digests.sha256(archive));
    RecordingLog log = new RecordingLog();

    AtomVmSource source =
        new AtomVmSourceResolver(temp.resolve("cache"), log)
            .resolve(Optional.empty(), release, false);

    assertTrue(Files.isRegularFile(source.directory().resolve("src/libAtomVM/globalcontext.c")));
    assertTrue(source.identity().contains(release.sha256()));
    assertTrue(log.contains("Downloading AtomVM v9.9.9"));
  }

  @Test
  void secondResolveReusesTheCacheAndSaysSo() throws IOException {
    Path archive = fakeReleaseArchive("AtomVM-9.9.9");
    AtomVmRelease release = releaseOf(archive, Digests.sha256(archive));
    new AtomVmSourceResolver(temp.resolve("cache"), new RecordingLog())
        .resolve(Optional.empty(), release, false);
    Files.delete(archive);

    RecordingLog log = new RecordingLog();
    AtomVmSource again =
        new AtomVmSourceResolver(temp.resolve("cache"), log)
            .resolve(Optional.empty(), release, true);

    assertTrue(log.contains("already present"), log.lines.toString());
    assertFalse(log.contains("Downloading"));
    assertTrue(Files.isDirectory(again.directory().resolve("libs")));
  }

  @Test
  void archiveWithWrongDigestIsRejectedAndNothingIsUnpacked() throws IOException {
    Path archive = fakeReleaseArchive("AtomVM-9.9.9");
    AtomVmRelease release = releaseOf(archive, "00".repeat(32));

    BuildException error =
        assertThrows(
            BuildException.class,
            () ->
                new AtomVmSourceResolver(temp.resolve("cache"), new RecordingLog())
                    .resolve(Optional.empty(), release, false));

    assertTrue(
        error.getMessage().contains("SHA-256 " + Digests.sha256(archive)), error.getMessage());
    assertTrue(error.getMessage().contains("-Datomvm.source"));
    assertFalse(Files.exists(temp.resolve("cache/atomvm/v9.9.9-000000000000/source")));
  }

  @Test
  void offlineWithoutCacheOrLocalSourceSaysWhatToDo() {
    AtomVmRelease release = releaseOf(temp.resolve("absent.tar.gz"), "ab".repeat(32));

    BuildException error =
        assertThrows(
            BuildException.class,
            () ->
                new AtomVmSourceResolver(temp.resolve("cache"), new RecordingLog())
                    .resolve(Optional.empty(), release, true));

    assertTrue(error.getMessage().contains("offline"), error.getMessage());
    assertTrue(error.getMessage().contains("<atomvmSource> (-Datomvm.source)"));
  }

  @Test
  void unreachableDownloadNamesTheUrlAndTheLocalAlternative() {
    AtomVmRelease release = releaseOf(temp.resolve("absent.tar.gz"), "ab".repeat(32));

    BuildException error =
        assertThrows(
            BuildException.class,
            () ->
                new AtomVmSourceResolver(temp.resolve("cache"), new RecordingLog())
                    .resolve(Optional.empty(), release, false));

    assertTrue(error.getMessage().contains("absent.tar.gz"), error.getMessage());
    assertTrue(error.getMessage().contains("-Datomvm.source"));
  }

  @Test
  void missingLocalDirectoryNamesTheSettingAndTheFix() {
    Path missing = temp.resolve("no-such-atomvm");

    BuildException error =
        assertThrows(
            BuildException.class,
            () ->
                new AtomVmSourceResolver(temp.resolve("cache"), new RecordingLog())
                    .resolve(Optional.of(missing), AtomVmRelease.DEFAULT, false));

    assertTrue(error.getMessage().startsWith("<atomvmSource> (-Datomvm.source) does not exist"));
    assertTrue(error.getMessage().contains(missing.toString()));
    assertTrue(error.getMessage().contains("download v0.7.0-alpha.0"));
  }

  @Test
  void localDirectoryThatIsNotAtomVmIsRejected() throws IOException {
    Path notAtomVm = Files.createDirectories(temp.resolve("something-else"));

    BuildException error =
        assertThrows(
            BuildException.class,
            () ->
                new AtomVmSourceResolver(temp.resolve("cache"), new RecordingLog())
                    .resolve(Optional.of(notAtomVm), AtomVmRelease.DEFAULT, false));

    assertTrue(error.getMessage().contains("is not an AtomVM source tree"), error.getMessage());
  }

  @Test
  void localSourceIdentityFollowsItsContents() throws IOException {
    Path local = temp.resolve("atomvm");
    Files.createDirectories(local.resolve("src/libAtomVM"));
    Files.createDirectories(local.resolve("libs"));
    Files.writeString(local.resolve("src/libAtomVM/globalcontext.c"), "int a;");
    AtomVmSourceResolver resolver =
        new AtomVmSourceResolver(temp.resolve("cache"), new RecordingLog());

    String before = resolver.resolve(Optional.of(local), AtomVmRelease.DEFAULT, true).identity();
    String same = resolver.resolve(Optional.of(local), AtomVmRelease.DEFAULT, true).identity();
    Files.writeString(local.resolve("src/libAtomVM/globalcontext.c"), "int b;");
    String after = resolver.resolve(Optional.of(local), AtomVmRelease.DEFAULT, true).identity();

    assertEquals(before, same);
    assertNotEquals(before, after);
  }
}
