package dev.elixirworkers.core.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.RecordingLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archive format, written and read back with stand-in files (no AtomVM needed). */
class PrebuiltVmTest {
  @TempDir Path dir;

  Path write(String name) throws Exception {
    Path wasm = Files.write(dir.resolve("in/atomvm.wasm"), new byte[] {0, 'a', 's', 'm'});
    Files.createDirectories(dir.resolve("in/stdlib"));
    Files.writeString(dir.resolve("in/stdlib/lists.beam"), "FOR1 lists");
    Files.writeString(dir.resolve("in/stdlib/Elixir.Enum.beam"), "FOR1 enum");
    Map<String, String> manifest = new LinkedHashMap<>();
    manifest.put("atomvm.version", "v0.7.0-alpha.0");
    manifest.put("adapter.digest", "abc123");
    Path archive = dir.resolve(name);
    PrebuiltVm.write(
        wasm,
        dir.resolve("in/stdlib"),
        Set.of("erlang:length/1", "lists:reverse/2"),
        manifest,
        java.util.List.of(Files.writeString(dir.resolve("in/LICENSE"), "Apache-2.0 OR LGPL")),
        dir.resolve("staging-" + name),
        archive);
    return archive;
  }

  @Test
  void writtenArchiveUnpacksToTheVmTheStdlibAndTheNatives() throws Exception {
    Files.createDirectories(dir.resolve("in"));
    Path archive = write("vm.zip");
    RecordingLog log = new RecordingLog();

    PrebuiltVm.Unpacked vm = PrebuiltVm.unpack(archive, dir.resolve("cache"), log);

    assertArrayEquals(new byte[] {0, 'a', 's', 'm'}, Files.readAllBytes(vm.wasm()));
    assertTrue(Files.isRegularFile(vm.stdlib().resolve("lists.beam")));
    assertTrue(Files.isRegularFile(vm.stdlib().resolve("Elixir.Enum.beam")));
    assertEquals(Set.of("erlang:length/1", "lists:reverse/2"), vm.natives());
    assertEquals("v0.7.0-alpha.0", vm.atomvmVersion());
    assertEquals("abc123", vm.adapterDigest());
    assertTrue(vm.directory().startsWith(dir.resolve("cache/prebuilt")));
    assertEquals(
        "Apache-2.0 OR LGPL", Files.readString(vm.directory().resolve("licenses/LICENSE")));
  }

  @Test
  void theSameInputsWriteTheSameBytes() throws Exception {
    Files.createDirectories(dir.resolve("in"));
    Path first = write("one.zip");
    Thread.sleep(1100);
    Path second = write("two.zip");

    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
  }

  @Test
  void aSecondUnpackReusesTheCache() throws Exception {
    Files.createDirectories(dir.resolve("in"));
    Path archive = write("vm.zip");
    PrebuiltVm.unpack(archive, dir.resolve("cache"), new RecordingLog());
    RecordingLog second = new RecordingLog();

    PrebuiltVm.unpack(archive, dir.resolve("cache"), second);

    assertTrue(second.lines.isEmpty(), second.lines.toString());
  }

  @Test
  void aZipThatIsNotAPrebuiltVmIsRefusedWithWhatToUse() throws Exception {
    Path other = dir.resolve("other.zip");
    Files.createDirectories(dir.resolve("junk"));
    Files.writeString(dir.resolve("junk/readme.txt"), "hi");
    dev.elixirworkers.core.bundle.BundleArchive.zip(dir.resolve("junk"), other);

    BuildException e =
        assertThrows(
            BuildException.class,
            () -> PrebuiltVm.unpack(other, dir.resolve("cache"), new RecordingLog()));

    assertTrue(e.getMessage().contains("is not a prebuilt VM"), e.getMessage());
  }

  @Test
  void aDamagedUnpackedVmIsDetectedAndUnpackedAgain() throws Exception {
    Files.createDirectories(dir.resolve("in"));
    Path archive = write("vm.zip");
    PrebuiltVm.Unpacked first =
        PrebuiltVm.unpack(archive, dir.resolve("cache"), new RecordingLog());
    Files.write(first.wasm(), new byte[] {0, 'a'}); // half-written, as by a killed build
    RecordingLog log = new RecordingLog();

    PrebuiltVm.Unpacked again = PrebuiltVm.unpack(archive, dir.resolve("cache"), log);

    assertArrayEquals(new byte[] {0, 'a', 's', 'm'}, Files.readAllBytes(again.wasm()));
    assertTrue(log.contains("damaged"), log.lines.toString());
  }

  @Test
  void threadsUnpackingTogetherAllGetTheWholeVm() throws Exception {
    Files.createDirectories(dir.resolve("in"));
    for (int i = 0; i < 300; i++) {
      Files.createDirectories(dir.resolve("in/stdlib"));
      Files.writeString(dir.resolve("in/stdlib/m" + i + ".beam"), "FOR1 ".repeat(2000));
    }
    Path archive = write("vm.zip");
    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(6);
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    java.util.List<java.util.concurrent.Future<Long>> results = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      results.add(
          threads.submit(
              () -> {
                start.await();
                PrebuiltVm.Unpacked vm =
                    PrebuiltVm.unpack(archive, dir.resolve("cache"), new RecordingLog());
                try (java.util.stream.Stream<Path> beams = Files.list(vm.stdlib())) {
                  return beams.count();
                }
              }));
    }
    start.countDown();
    try {
      for (java.util.concurrent.Future<Long> result : results) {
        assertEquals(302L, result.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
