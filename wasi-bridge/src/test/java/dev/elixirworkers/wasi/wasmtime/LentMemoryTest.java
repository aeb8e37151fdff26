package dev.elixirworkers.wasi.wasmtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.preview1.WasiPreview1;
import dev.elixirworkers.wasi.testing.WasmBytes;
import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.MemoryType;
import io.github.kawamuray.wasmtime.Store;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A module that imports its memory (a snapshot) is lent one memory per session, zeroed per run. */
class LentMemoryTest {
  static final WasmtimeEngine ENGINE = WasmtimeEngine.shared();

  /** _start: trap when byte 16 is not zero, then set it: a second run on unzeroed memory traps. */
  static final int[] TRAP_ON_RESIDUE = {
    0x41,
    16,
    0x2d,
    0,
    0, // i32.load8_u (i32.const 16)
    0x04,
    0x40,
    0x00,
    0x0b, // if unreachable end
    0x41,
    16,
    0x41,
    1,
    0x3a,
    0,
    0 // i32.store8 (i32.const 16) (i32.const 1)
  };

  /** _start: TRAP_ON_RESIDUE, then grow the memory by a page. */
  static final int[] TRAP_ON_RESIDUE_THEN_GROW = {
    0x41,
    16,
    0x2d,
    0,
    0,
    0x04,
    0x40,
    0x00,
    0x0b,
    0x41,
    16,
    0x41,
    1,
    0x3a,
    0,
    0, // as above
    0x41,
    1,
    0x40,
    0,
    0x1a // drop (memory.grow (i32.const 1))
  };

  static void runThreeTimes(long memoryLimit) {
    byte[] wasm = WasmBytes.commandImportingMemory(List.of(), TRAP_ON_RESIDUE);
    try (WasiModule module = WasiModule.load(ENGINE, wasm, memoryLimit);
        WasiSession session = module.newSession()) {
      assertTrue(module.importsMemory());
      for (int i = 0; i < 3; i++) {
        assertEquals(
            new GuestOutcome.Exited(0),
            session.run(WasiPreview1.builder().build(), 5_000),
            "run " + (i + 1) + " saw the byte an earlier run wrote");
      }
      assertEquals(1, session.memoriesMade());
    }
  }

  @Test
  void everyRunStartsOnZeroedMemoryClearedByTheModule() {
    runThreeTimes(8 << 20); // with a limit, MemoryCap appends the clearing export
  }

  @Test
  void everyRunStartsOnZeroedMemoryClearedByTheHost() {
    runThreeTimes(WasiModule.NO_MEMORY_LIMIT); // no rewrite: the session writes the zeros
  }

  @Test
  void aMemoryTheGuestGrewIsReplaced() {
    byte[] wasm = WasmBytes.commandImportingMemory(List.of(), TRAP_ON_RESIDUE_THEN_GROW);
    try (WasiModule module = WasiModule.load(ENGINE, wasm, 8 << 20);
        WasiSession session = module.newSession()) {
      for (int i = 0; i < 2; i++) {
        assertEquals(
            new GuestOutcome.Exited(0), session.run(WasiPreview1.builder().build(), 5_000));
      }
      assertEquals(2, session.memoriesMade(), "one per run: each grew its memory");
    }
  }

  @Test
  void theAppendedExportZeroesTheWholeMemory() {
    byte[] wasm = MemoryCap.apply(WasmBytes.commandImportingMemory(List.of()), 8 << 20).wasm();
    try (Store<Void> store = new Store<>(null, ENGINE.engine());
        io.github.kawamuray.wasmtime.Module module =
            new io.github.kawamuray.wasmtime.Module(ENGINE.engine(), wasm);
        Memory memory = new Memory(store, new MemoryType(2, 16, false))) {
      store.setEpochDeadline(ENGINE.ticksFor(5_000));
      ByteBuffer bytes = memory.buffer(store);
      for (int i = 0; i < bytes.capacity(); i += 997) {
        bytes.put(i, (byte) 0x5a);
      }
      try (Instance instance = new Instance(store, module, List.of(Extern.fromMemory(memory)));
          Func clear = instance.getFunc(store, MemoryCap.CLEAR).orElseThrow()) {
        clear.call(store);
      }
      ByteBuffer after = memory.buffer(store);
      for (int i = 0; i < after.capacity(); i++) {
        assertEquals(0, after.get(i), "byte " + i);
      }
    }
  }
}
