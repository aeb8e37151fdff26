package dev.elixirworkers.wasi.wasmtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.process.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WasmtimeNativesTest {
  @Test
  void extractWritesTheLibraryOnceAndReusesItAfterwards(@TempDir Path dir) throws Exception {
    WasmtimeNatives.Extracted first = WasmtimeNatives.extract(dir);
    FileTime written = Files.getLastModifiedTime(first.file());
    Thread.sleep(20);

    WasmtimeNatives.Extracted second = WasmtimeNatives.extract(dir);

    assertTrue(first.written());
    assertFalse(second.written());
    assertEquals(first.file(), second.file());
    assertEquals(written, Files.getLastModifiedTime(second.file()));
    assertEquals(List.of(first.file()), list(dir), "no temp files left behind");
    assertTrue(first.file().getFileName().toString().startsWith("libwasmtime_jni_"));
  }

  @Test
  void truncatedCopyIsReplaced(@TempDir Path dir) throws Exception {
    Path file = WasmtimeNatives.extract(dir).file();
    Files.write(file, new byte[10]);

    assertTrue(WasmtimeNatives.extract(dir).written());
    assertTrue(Files.size(file) > 1_000_000);
  }

  @Test
  void jvmsLoadTheCachedLibraryAndNeverCopyItIntoTheTempDirectory(
      @TempDir Path cache, @TempDir Path tmp) throws Exception {
    Path loaded = Path.of(runProbe(cache, tmp));
    FileTime first = Files.getLastModifiedTime(loaded);
    Object inode = Files.readAttributes(loaded, "unix:ino").get("ino");

    Path again = Path.of(runProbe(cache, tmp));

    assertEquals(loaded, again);
    assertTrue(loaded.startsWith(cache), loaded.toString());
    assertEquals(first, Files.getLastModifiedTime(again), "the second JVM wrote nothing");
    assertEquals(inode, Files.readAttributes(again, "unix:ino").get("ino"));
    assertEquals(List.of(), list(tmp), "wasmtime-java made no copy of its own");
  }

  /** Runs {@link NativeLoadProbe} in a fresh JVM; returns the library path it printed. */
  static String runProbe(Path cache, Path tmp) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessRunner.Result probe =
        ProcessRunner.run(
            List.of(
                java.toString(),
                "-Djava.io.tmpdir=" + tmp,
                "-D" + CacheDirectory.PROPERTY + "=" + cache,
                "-cp",
                System.getProperty("java.class.path"),
                NativeLoadProbe.class.getName()),
            Duration.ofSeconds(60));
    assertEquals(0, probe.exitCode(), probe.failure(Integer.MAX_VALUE));
    return probe.lines().isEmpty() ? "" : probe.tail(1).get(0).trim();
  }

  static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.toList();
    }
  }
}
