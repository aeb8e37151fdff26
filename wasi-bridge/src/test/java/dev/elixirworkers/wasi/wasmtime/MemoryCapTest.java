package dev.elixirworkers.wasi.wasmtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.preview1.WasiPreview1;
import dev.elixirworkers.wasi.testing.TestGuest;
import dev.elixirworkers.wasi.testing.WasmBytes;
import dev.elixirworkers.wasm.WasmModule;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryCapTest {
  static final WasmtimeEngine ENGINE = WasmtimeEngine.shared();
  static final long MIB = 1 << 20;

  /** _start: grow by 16 pages (1 MiB) until memory.grow fails, then unreachable. */
  static final int[] GROW_UNTIL_REFUSED = {
    0x03,
    0x40, // loop
    0x41,
    16,
    0x40,
    0x00, // i32.const 16; memory.grow 0
    0x41,
    0x7f,
    0x47, // i32.const -1; i32.ne
    0x0d,
    0x00, // br_if 0
    0x0b, // end
    0x00 // unreachable
  };

  static GuestOutcome run(byte[] wasm, long limit) {
    try (WasiModule module = WasiModule.load(ENGINE, wasm, limit);
        WasiSession session = module.newSession()) {
      return session.run(WasiPreview1.builder().build(), 5_000);
    }
  }

  @Test
  void growthIsRefusedAtTheLimitAndTheFailureIsOutOfMemory() {
    byte[] wasm = WasmBytes.command(List.of(), GROW_UNTIL_REFUSED);

    GuestOutcome outcome = run(wasm, 8 * MIB);

    GuestOutcome.OutOfMemory oom = assertInstanceOf(GuestOutcome.OutOfMemory.class, outcome);
    assertEquals(8 * MIB, oom.limitBytes());
    assertInstanceOf(GuestOutcome.Trapped.class, oom.failure());
  }

  @Test
  void withoutALimitTheSameTrapIsACrash() {
    // never refused below 4 GiB: grow a few times, then trap on purpose
    byte[] wasm =
        WasmBytes.command(List.of(), 0x41, 16, 0x40, 0x00, 0x1a, 0x00); // grow; drop; unreachable

    assertInstanceOf(GuestOutcome.Trapped.class, run(wasm, WasiModule.NO_MEMORY_LIMIT));
    assertInstanceOf(GuestOutcome.Trapped.class, run(wasm, 8 * MIB), "growth was not refused");
  }

  @Test
  void moduleThatStartsAboveTheLimitIsRejectedAtLoad() {
    byte[] wasm = WasmBytes.command(List.of()); // one page
    GuestLinkException e =
        assertThrows(
            GuestLinkException.class,
            () ->
                MemoryCap.apply(
                    withInitialPages(wasm, 200), 8 * MIB)); // 12.5 MiB at start, 8 MiB limit

    assertTrue(e.getMessage().contains("more than the limit of 8 MiB"), e.getMessage());
  }

  @Test
  void theCompiledTestGuestIsProbed() throws Exception {
    MemoryCap.Capped capped = MemoryCap.apply(TestGuest.bundle().wasm(), 128 * MIB);

    assertTrue(capped.probed());
    assertTrue(capped.initialBytes() > 0);
    try (WasiModule module = WasiModule.load(ENGINE, TestGuest.bundle().wasm(), 128 * MIB)) {
      assertTrue(module.detectsOutOfMemory());
      assertTrue(module.imports().contains("fd_write"));
    }
  }

  @Test
  void growthPastSimdCodeIsStillCounted() {
    int[] body = new int[18 + GROW_UNTIL_REFUSED.length + 1];
    body[0] = 0xfd; // v128.const 0 (16 zero bytes follow), then drop
    body[1] = 0x0c;
    body[18] = 0x1a;
    System.arraycopy(GROW_UNTIL_REFUSED, 0, body, 19, GROW_UNTIL_REFUSED.length);

    GuestOutcome outcome = run(WasmBytes.command(List.of(), body), 8 * MIB);

    assertInstanceOf(GuestOutcome.OutOfMemory.class, outcome);
  }

  @Test
  void codeTheWalkDoesNotKnowKeepsTheCapButNotTheProbe() throws Exception {
    byte[] wasm = WasmBytes.command(List.of(), 0xfb, 0x00, 0x00); // GC: struct.new 0

    MemoryCap.Capped capped = MemoryCap.apply(wasm, 8 * MIB);

    assertFalse(capped.probed());
    assertEquals(
        List.of(new WasmModule.Limits(1, 1, 8 * MIB / MemoryCap.PAGE)),
        WasmModule.parse(capped.wasm()).memories());
  }

  @Test
  void aModuleItCannotReadIsRefusedSayingWhatCouldNotBeRead() {
    byte[] wasm = WasmBytes.command(List.of());
    byte[] truncated = java.util.Arrays.copyOf(wasm, wasm.length - 3); // the last section is cut

    GuestLinkException e =
        assertThrows(GuestLinkException.class, () -> MemoryCap.apply(truncated, 8 * MIB));

    assertTrue(e.getMessage().contains("memory limit of 8 MiB"), e.getMessage());
    assertTrue(e.getMessage().contains("runs past the end of the module"), e.getMessage());
  }

  @Test
  void bytesThatAreNotWasmAreRefusedBeforeTheyRunUncapped() {
    byte[] junk = "not wasm".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    GuestLinkException e =
        assertThrows(GuestLinkException.class, () -> MemoryCap.apply(junk, 8 * MIB));

    assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
  }

  @Test
  void aBundleWhoseVmCannotBeReadIsRefusedNamingTheFile(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    byte[] wasm = WasmBytes.command(List.of());
    java.nio.file.Files.write(
        dir.resolve(dev.elixirworkers.wasi.WorkerBundle.WASM),
        java.util.Arrays.copyOf(wasm, wasm.length - 3));
    java.nio.file.Files.write(dir.resolve(dev.elixirworkers.wasi.WorkerBundle.APP), new byte[0]);
    dev.elixirworkers.wasi.WorkerBundle bundle = dev.elixirworkers.wasi.WorkerBundle.load(dir);

    GuestLinkException e =
        assertThrows(
            GuestLinkException.class, () -> dev.elixirworkers.wasi.WorkerRuntime.create(bundle));

    assertTrue(
        e.getMessage().contains(dir.resolve(dev.elixirworkers.wasi.WorkerBundle.WASM).toString()),
        e.getMessage());
    assertTrue(e.getMessage().contains("runs past the end of the module"), e.getMessage());
  }

  /** The test module's memory section is {1, 0, 1}: one memory, no max, min 1 page. */
  static byte[] withInitialPages(byte[] wasm, int pages) {
    for (int i = 8; i + 4 < wasm.length; i++) {
      if (wasm[i] == 5
          && wasm[i + 1] == 3
          && wasm[i + 2] == 1
          && wasm[i + 3] == 0
          && wasm[i + 4] == 1) {
        byte[] out = new byte[wasm.length + 1];
        System.arraycopy(wasm, 0, out, 0, i);
        out[i] = 5;
        out[i + 1] = 4;
        out[i + 2] = 1;
        out[i + 3] = 0;
        out[i + 4] = (byte) (0x80 | (pages & 0x7f));
        out[i + 5] = (byte) (pages >> 7);
        System.arraycopy(wasm, i + 5, out, i + 6, wasm.length - i - 5);
        return out;
      }
    }
    throw new AssertionError("no memory section");
  }
}
