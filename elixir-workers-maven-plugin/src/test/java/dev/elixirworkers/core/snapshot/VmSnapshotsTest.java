package dev.elixirworkers.core.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.wasi.clang.WasiClang;
import dev.elixirworkers.wasm.WasmModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin's snapshot step on the C test guest built under atomvm.wasm's export name. */
class VmSnapshotsTest {
  private static Path vm;
  private static Path otherVm;

  @BeforeAll
  static void compile() throws Exception {
    Path target = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target");
    Path source = target.resolveSibling("src/test/c/snapshot_guest.c");
    WasiClang toolchain = WasiClang.discover(target);
    vm = target.resolve("snapshot-guest/atomvm-named.wasm");
    toolchain.compile(
        List.of(source),
        vm,
        List.of(
            "-O2",
            "-DGUEST_INIT_EXPORT=\"" + Snapshotter.ATOMVM_INIT_EXPORT + "\"",
            "-Wl,--export=__wasm_call_ctors"));
    otherVm = target.resolve("snapshot-guest/guest-named.wasm");
    toolchain.compile(List.of(source), otherVm, List.of("-O2", "-Wl,--export=__wasm_call_ctors"));
  }

  @Test
  void snapshotIsMadeOnceAndReusedForTheSameInputs(@TempDir Path dir) throws Exception {
    Path app = dir.resolve("app.avm");
    Files.write(app, new byte[] {1, 2, 3, 4});
    RecordingLog log = new RecordingLog();
    VmSnapshots snapshots = new VmSnapshots(dir.resolve("snapshot"), log);

    Path first = snapshots.snapshot(vm, app);
    Path second = snapshots.snapshot(vm, app);

    assertEquals(first, second);
    assertTrue(log.contains("Pre-initialised atomvm.wasm"), log.lines.toString());
    assertTrue(log.contains("already made"), log.lines.toString());
    assertFalse(
        WasmModule.parse(Files.readAllBytes(first))
            .export(Snapshotter.ATOMVM_INIT_EXPORT)
            .isPresent());

    Files.write(app, new byte[] {5, 6, 7});
    Path third = snapshots.snapshot(vm, app);
    assertNotEquals(first, third);
    assertFalse(Files.exists(first), "only the latest snapshot is kept");
  }

  @Test
  void aVmWithoutTheInitialisationExportNamesTheOptOut(@TempDir Path dir) throws Exception {
    Path app = dir.resolve("app.avm");
    Files.write(app, new byte[] {1});

    BuildException e =
        assertThrows(
            BuildException.class,
            () -> new VmSnapshots(dir, new RecordingLog()).snapshot(otherVm, app));
    assertTrue(e.getMessage().contains("exports no function atomvm_wasi_preinit"), e.getMessage());
    assertTrue(e.getMessage().contains("-Delixir-workers.snapshot=false"), e.getMessage());
  }
}
