package dev.elixirworkers.core.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasm.WasmModule;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WasmFunctionEmptyingTest {

  /** Function bodies: no locals, then the code. */
  private static byte[] body(int... code) {
    byte[] out = new byte[code.length + 1];
    for (int i = 0; i < code.length; i++) {
      out[i + 1] = (byte) code[i];
    }
    return out;
  }

  private static final byte[] NOP = body(0x01, 0x01, 0x01, 0x0b);

  /**
   * One imported function (0), eight defined (1..8), all () -> (): 1 is exported and calls 2 and
   * the import; 2 calls 3 (after a block, a br_table, a load and a memory.fill); 4 sits in the
   * table; 5 is named by ref.func in 4; 6 calls 7, but nothing calls 6; 8 is the start function.
   */
  private static WasmModule module(byte[] bodyOf2) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    section(out, WasmModule.TYPE, new byte[] {1, 0x60, 0, 0});
    ByteArrayOutputStream imports = new ByteArrayOutputStream();
    imports.write(1);
    imports.writeBytes(WasmModule.name("env"));
    imports.writeBytes(WasmModule.name("f"));
    imports.writeBytes(new byte[] {WasmModule.KIND_FUNC, 0});
    section(out, WasmModule.IMPORT, imports.toByteArray());
    section(out, WasmModule.FUNCTION, new byte[] {8, 0, 0, 0, 0, 0, 0, 0, 0});
    section(out, WasmModule.TABLE, new byte[] {1, 0x70, 0, 1});
    section(out, WasmModule.MEMORY, new byte[] {1, 0, 1});
    ByteArrayOutputStream exports = new ByteArrayOutputStream();
    exports.write(1);
    exports.writeBytes(WasmModule.name("run"));
    exports.writeBytes(new byte[] {WasmModule.KIND_FUNC, 1});
    section(out, WasmModule.EXPORT, exports.toByteArray());
    section(out, WasmModule.START, new byte[] {8});
    section(out, WasmModule.ELEMENT, new byte[] {1, 0, 0x41, 0, 0x0b, 1, 4});
    List<byte[]> bodies =
        List.of(
            body(0x10, 2, 0x10, 0, 0x0b),
            bodyOf2,
            NOP,
            body(0xd2, 5, 0x1a, 0x0b),
            NOP,
            body(0x10, 7, 0x0b),
            NOP,
            NOP);
    section(out, WasmModule.CODE, WasmModule.encodeCode(bodies));
    return WasmModule.parse(out.toByteArray());
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] content) {
    out.write(id);
    WasmModule.u32(out, content.length);
    out.writeBytes(content);
  }

  @Test
  void functionsNothingReachesAreEmptiedAndTheRestKept() throws Exception {
    byte[] two =
        body(
            0x02, 0x40, // block
            0x41, 0x00, // i32.const 0
            0x0e, 0x01, 0x00, 0x00, // br_table [0] 0
            0x0b, // end
            0x41, 0x00, 0x28, 0x02, 0x10, 0x1a, // i32.load align=2 offset=16; drop
            0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0b, 0x00, // memory.fill
            0x10, 3, // call 3
            0x0b);
    WasmModule m = module(two);
    List<byte[]> before = m.code();

    Optional<WasmFunctionEmptying.Emptied> emptied = WasmFunctionEmptying.empty(m);

    long bytes = before.get(5).length - 3 + before.get(6).length - 3;
    assertEquals(Optional.of(new WasmFunctionEmptying.Emptied(2, bytes)), emptied);
    List<byte[]> after = m.code();
    for (int defined : List.of(0, 1, 2, 3, 4, 7)) {
      assertArrayEquals(before.get(defined), after.get(defined), "function " + (defined + 1));
    }
    assertArrayEquals(WasmFunctionEmptying.EMPTIED_BODY, after.get(5), "function 6");
    assertArrayEquals(WasmFunctionEmptying.EMPTIED_BODY, after.get(6), "function 7");
  }

  @Test
  void anInstructionTheWalkDoesNotKnowLeavesTheModuleAlone() throws Exception {
    byte[] callRef = body(0x14, 0x00, 0x0b); // typed function references: not followed
    WasmModule m = module(callRef);
    byte[] before = m.toBytes();

    assertEquals(Optional.empty(), WasmFunctionEmptying.empty(m));
    assertArrayEquals(before, m.toBytes());
  }

  @Test
  void callsAreFoundPastSimdAtomicsAndExceptionHandling() throws Exception {
    byte[] code =
        body(
            0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // v128.const 0
            0x1a, // drop
            0xfe, 0x03, 0x00, // atomic.fence
            0x06, 0x40, // try
            0x10, 0x05, // call 5
            0x19, // catch_all
            0x0b, // end
            0x0b);

    int[] calls = WasmFunctionEmptying.callsOf(code);
    assertTrue(
        calls != null && calls.length == 1 && calls[0] == 5, java.util.Arrays.toString(calls));
  }

  @Test
  void callsAreFoundPastEveryKindOfImmediate() throws Exception {
    byte[] code =
        body(
            0x42, 0x80, 0x80, 0x80, 0x80, 0x10, 0x1a, // i64.const (multi-byte), drop
            0x44, 0, 0, 0, 0, 0, 0, 0x10, 0x40, 0x1a, // f64.const, drop
            0x11, 0x00, 0x00, // call_indirect type 0 table 0
            0xfc, 0x00, 0x1a, // i32.trunc_sat_f32_s (on whatever), drop
            0x10, 0x05, // call 5
            0x0b);
    int[] calls = WasmFunctionEmptying.callsOf(code);
    assertTrue(
        calls != null && calls.length == 1 && calls[0] == 5, java.util.Arrays.toString(calls));
  }
}
