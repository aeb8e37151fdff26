package dev.elixirworkers.core.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleArchiveTest {
  @TempDir Path temp;

  private Path worker() throws IOException {
    Path dir = temp.resolve("worker");
    Files.createDirectories(dir.resolve("sub"));
    Files.createDirectories(dir.resolve(".wrangler/state"));
    Files.writeString(dir.resolve("worker.js"), "export default {};\n");
    Files.writeString(dir.resolve("atomvm.wasm"), "wasm");
    Files.writeString(dir.resolve("sub/z.txt"), "z");
    Files.writeString(dir.resolve("app.avm"), "avm");
    Files.writeString(dir.resolve(".dev.vars"), "SECRET=1\n");
    Files.writeString(dir.resolve(".wrangler/state/kv.sqlite"), "state");
    return dir;
  }

  @Test
  void zipsTheWholeWorkerDirectorySortedWithoutStateOrSecrets() throws IOException {
    Path zip = temp.resolve("out/worker.zip");
    BundleArchive.zip(worker(), zip);

    List<String> names = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
        assertEquals(BundleArchive.FIXED_TIME.toMillis(), e.getLastModifiedTime().toMillis());
      }
    }
    assertEquals(List.of("app.avm", "atomvm.wasm", "sub/z.txt", "worker.js"), names);
  }

  @Test
  void theSameDirectoryZipsToTheSameBytes() throws IOException {
    Path dir = worker();
    BundleArchive.zip(dir, temp.resolve("a.zip"));
    Files.setLastModifiedTime(dir.resolve("worker.js"), FileTime.fromMillis(1_000_000_000_000L));
    BundleArchive.zip(dir, temp.resolve("b.zip"));

    assertArrayEquals(
        Files.readAllBytes(temp.resolve("a.zip")), Files.readAllBytes(temp.resolve("b.zip")));
  }
}
