package dev.elixirworkers.wasi.wasmtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.preview1.WasiPreview1;
import dev.elixirworkers.wasi.testing.WasmBytes;
import dev.elixirworkers.wasi.testing.WasmBytes.Import;
import java.util.List;
import org.junit.jupiter.api.Test;

class WasiModuleTest {
  static final WasmtimeEngine ENGINE = WasmtimeEngine.shared();
  static final byte[] I32 = {WasmBytes.I32};
  static final byte[] NONE = {};

  static GuestOutcome runOnce(byte[] wasm) {
    try (WasiModule module = WasiModule.load(ENGINE, wasm);
        WasiSession session = module.newSession()) {
      return session.run(WasiPreview1.builder().build(), 5_000);
    }
  }

  @Test
  void bytesThatAreNotWasmAreRejected() {
    GuestLinkException e =
        assertThrows(
            GuestLinkException.class,
            () ->
                WasiModule.load(
                    ENGINE, "not wasm".getBytes(java.nio.charset.StandardCharsets.UTF_8)));

    assertTrue(e.getMessage().startsWith("The module does not compile: "), e.getMessage());
  }

  @Test
  void importFromAnotherModuleIsRejectedByName() {
    byte[] wasm = WasmBytes.command(List.of(new Import("env", "foo", I32, I32)));

    GuestLinkException e =
        assertThrows(GuestLinkException.class, () -> WasiModule.load(ENGINE, wasm));

    assertTrue(e.getMessage().contains("imports env.foo"), e.getMessage());
    assertTrue(e.getMessage().contains("--allow-undefined"), e.getMessage());
  }

  @Test
  void wasiImportWithTheWrongSignatureIsRejected() {
    byte[] wasm =
        WasmBytes.command(List.of(new Import("wasi_snapshot_preview1", "fd_write", I32, I32)));

    GuestLinkException e =
        assertThrows(GuestLinkException.class, () -> WasiModule.load(ENGINE, wasm));

    assertEquals(
        "The module imports wasi_snapshot_preview1.fd_write as [I32] -> [I32] but WASI preview1"
            + " defines it as [I32, I32, I32, I32] -> [I32]",
        e.getMessage());
  }

  @Test
  void unknownWasiImportThatReturnsAnErrnoIsStubbedWithNosys() {
    // i32.const 0; call 0; i32.const 52 (nosys); i32.ne; if unreachable end
    byte[] wasm =
        WasmBytes.command(
            List.of(new Import("wasi_snapshot_preview1", "thread_spawn", I32, I32)),
            0x41,
            0,
            0x10,
            0,
            0x41,
            52,
            0x47,
            0x04,
            0x40,
            0x00,
            0x0b);

    try (WasiModule module = WasiModule.load(ENGINE, wasm)) {
      assertEquals(List.of("thread_spawn"), module.imports());
      assertEquals(List.of(), module.implementedImports());
    }
    assertEquals(new GuestOutcome.Exited(0), runOnce(wasm));
  }

  @Test
  void unknownWasiImportWithoutAnErrnoResultIsRejected() {
    byte[] wasm =
        WasmBytes.command(List.of(new Import("wasi_snapshot_preview1", "odd", I32, NONE)));

    GuestLinkException e =
        assertThrows(GuestLinkException.class, () -> WasiModule.load(ENGINE, wasm));

    assertTrue(e.getMessage().contains("not a WASI preview1 function"), e.getMessage());
  }

  @Test
  void procExitEndsTheRunWithItsStatus() {
    // i32.const 9; call proc_exit
    byte[] wasm =
        WasmBytes.command(
            List.of(new Import("wasi_snapshot_preview1", "proc_exit", I32, NONE)),
            0x41,
            9,
            0x10,
            0);

    assertEquals(new GuestOutcome.Exited(9), runOnce(wasm));
  }

  @Test
  void eachRunInASessionGetsFreshMemory() {
    // if (load32(0) != 0) unreachable; store32(0, 1)
    byte[] wasm =
        WasmBytes.command(
            List.of(), 0x41, 0, 0x28, 2, 0, 0x04, 0x40, 0x00, 0x0b, 0x41, 0, 0x41, 1, 0x36, 2, 0);

    try (WasiModule module = WasiModule.load(ENGINE, wasm);
        WasiSession session = module.newSession()) {
      for (int i = 0; i < 5; i++) {
        assertEquals(
            new GuestOutcome.Exited(0), session.run(WasiPreview1.builder().build(), 5_000));
      }
      assertEquals(5, session.runs());
    }
  }

  @Test
  void trapIsReportedWithItsKind() {
    assertEquals(
        new GuestOutcome.Trapped("wasm trap: unreachable executed"),
        runOnce(WasmBytes.command(List.of(), 0x00)));
  }

  @Test
  void loopIsInterruptedAtTheTimeLimit() {
    // loop br 0 end
    byte[] wasm = WasmBytes.command(List.of(), 0x03, 0x40, 0x0c, 0, 0x0b);
    try (WasiModule module = WasiModule.load(ENGINE, wasm);
        WasiSession session = module.newSession()) {
      long start = System.nanoTime();
      GuestOutcome outcome = session.run(WasiPreview1.builder().build(), 100);
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertEquals(new GuestOutcome.TimedOut(100), outcome);
      assertTrue(millis >= 95 && millis < 3_000, "took " + millis + " ms");
    }
  }
}
