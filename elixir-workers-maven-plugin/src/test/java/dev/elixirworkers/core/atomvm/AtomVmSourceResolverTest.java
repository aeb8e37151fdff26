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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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

  /** A release large enough that unpacking it takes a while: racing builds overlap. */
  private Path largeReleaseArchive() throws IOException {
    Path archive = temp.resolve("v9.9.9.tar.gz");
    try (OutputStream file = Files.newOutputStream(archive);
        TarArchiveOutputStream tar =
            new TarArchiveOutputStream(new GzipCompressorOutputStream(file))) {
      add(tar, "AtomVM-9.9.9/src/libAtomVM/globalcontext.c", "/* fake */");
      add(tar, "AtomVM-9.9.9/CMakeLists.txt", "project(AtomVM)");
      for (int i = 0; i < 400; i++) {
        add(
            tar,
            "AtomVM-9.9.9/libs/estdlib/src/m" + i + ".erl",
            ("-module(m" + i + ").\n").repeat(200));
      }
    }
    return archive;
  }

  private static void addSymlink(TarArchiveOutputStream tar, String name, String target)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
    entry.setLinkName(target);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  private static void addDirectory(TarArchiveOutputStream tar, String name) throws IOException {
    tar.putArchiveEntry(new TarArchiveEntry(name));
    tar.closeArchiveEntry();
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

  @Test
  void buildsRacingOnOneCacheEachGetTheWholeTreeAndUnpackItOnce() throws Exception {
    Path archive = largeReleaseArchive();
    AtomVmRelease release = releaseOf(archive, Digests.sha256(archive));
    Path cache = temp.resolve("cache");
    long startAt = System.currentTimeMillis() + 1500;
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      processes.add(
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  ResolveInAnotherProcess.class.getName(),
                  cache.toString(),
                  archive.toUri().toString(),
                  release.sha256(),
                  Long.toString(startAt))
              .redirectErrorStream(true)
              .start());
    }
    ExecutorService threads = Executors.newFixedThreadPool(4);
    List<Future<String>> results = new ArrayList<>();
    RecordingLog log = new RecordingLog();
    for (int i = 0; i < 4; i++) {
      results.add(
          threads.submit(
              () -> {
                Thread.sleep(Math.max(0, startAt - System.currentTimeMillis()));
                AtomVmSource source =
                    new AtomVmSourceResolver(cache, log).resolve(Optional.empty(), release, false);
                return treeDigest(source.directory());
              }));
    }
    String expected;
    try {
      expected = results.get(0).get(60, TimeUnit.SECONDS);
      for (Future<String> result : results) {
        assertEquals(expected, result.get(60, TimeUnit.SECONDS));
      }
    } finally {
      threads.shutdownNow();
    }
    for (Process process : processes) {
      assertTrue(process.waitFor(60, TimeUnit.SECONDS));
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, process.exitValue(), output);
      assertTrue(output.contains("tree " + expected), output);
    }
    assertEquals(
        402,
        fileCount(cache.resolve("atomvm/v9.9.9-" + release.sha256().substring(0, 12) + "/source")));
    try (Stream<Path> left =
        Files.list(cache.resolve("atomvm/v9.9.9-" + release.sha256().substring(0, 12)))) {
      assertEquals(
          List.of("source", "v9.9.9.tar.gz"),
          left.map(p -> p.getFileName().toString())
              .filter(name -> !name.startsWith(".") && !name.endsWith(".lock"))
              .sorted()
              .toList(),
          "no staging directory or partial download is left behind");
    }
  }

  @Test
  void aDamagedUnpackedTreeIsDetectedAndUnpackedAgain() throws IOException {
    Path archive = fakeReleaseArchive("AtomVM-9.9.9");
    AtomVmRelease release = releaseOf(archive, Digests.sha256(archive));
    Path cache = temp.resolve("cache");
    AtomVmSource first =
        new AtomVmSourceResolver(cache, new RecordingLog())
            .resolve(Optional.empty(), release, false);
    Path file = first.directory().resolve("libs/estdlib/src/lists.erl");
    Files.writeString(file, "-modu"); // as if a build was killed while writing it

    RecordingLog log = new RecordingLog();
    AtomVmSource again =
        new AtomVmSourceResolver(cache, log).resolve(Optional.empty(), release, true);

    assertEquals(
        "-module(lists).",
        Files.readString(again.directory().resolve("libs/estdlib/src/lists.erl")));
    assertTrue(log.contains("damaged"), log.lines.toString());
    assertFalse(log.contains("already present"), log.lines.toString());
  }

  @Test
  void aChainOfSymlinksInTheArchiveCannotWriteOutsideTheTree() throws IOException {
    Path archive = temp.resolve("v9.9.9.tar.gz");
    try (OutputStream file = Files.newOutputStream(archive);
        TarArchiveOutputStream tar =
            new TarArchiveOutputStream(new GzipCompressorOutputStream(file))) {
      add(tar, "AtomVM-9.9.9/src/libAtomVM/globalcontext.c", "/* fake */");
      add(tar, "AtomVM-9.9.9/libs/estdlib/src/lists.erl", "-module(lists).");
      addDirectory(tar, "AtomVM-9.9.9/a/b/c/d/");
      // each link on its own stays inside the tree; followed one after the other they leave it
      addSymlink(tar, "AtomVM-9.9.9/a/b/c/d/l", "../../../..");
      addSymlink(tar, "AtomVM-9.9.9/a/b/c/d/l/m", "../../../..");
      add(tar, "AtomVM-9.9.9/a/b/c/d/l/m/escaped.txt", "written outside the cache");
    }
    AtomVmRelease release = releaseOf(archive, Digests.sha256(archive));
    RecordingLog log = new RecordingLog();

    try {
      new AtomVmSourceResolver(temp.resolve("cache"), log)
          .resolve(Optional.empty(), release, false);
    } catch (BuildException refused) {
      log.info("refused: " + refused.getMessage());
    }

    try (Stream<Path> everything = Files.walk(temp)) {
      List<Path> escaped =
          everything.filter(p -> p.getFileName().toString().equals("escaped.txt")).toList();
      for (Path p : escaped) {
        assertTrue(
            p.toRealPath().startsWith(temp.resolve("cache/atomvm").toRealPath())
                && !p.getParent().toRealPath().equals(temp.toRealPath()),
            "written outside the tree: " + p.toRealPath());
      }
    }
    assertFalse(Files.exists(temp.resolve("escaped.txt")), "written outside the cache");
    assertTrue(log.contains("Skipped 2 symbolic"), log.lines.toString());
  }

  private static String treeDigest(Path root) {
    java.security.MessageDigest digest = Digests.sha256();
    Digests.updateWithTree(digest, root);
    return Digests.hex(digest);
  }

  private static long fileCount(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .count();
    }
  }

  /** The other build: resolves the release in its own JVM at the given time, prints its tree. */
  public static final class ResolveInAnotherProcess {
    public static void main(String[] args) throws Exception {
      Thread.sleep(Math.max(0, Long.parseLong(args[3]) - System.currentTimeMillis()));
      AtomVmRelease release = new AtomVmRelease("v9.9.9", java.net.URI.create(args[1]), args[2]);
      AtomVmSource source =
          new AtomVmSourceResolver(Path.of(args[0]), new RecordingLog())
              .resolve(Optional.empty(), release, false);
      System.out.println("tree " + treeDigest(source.directory()));
    }
  }
}
