package dev.elixirworkers.wasm;

import static dev.elixirworkers.wasm.WasmModuleTest.bytes;
import static dev.elixirworkers.wasm.WasmModuleTest.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InstructionWalkerTest {

  /** Where each instruction of {@code code} starts, and the end of the last; fails on unknown. */
  private static List<Integer> starts(InstructionWalker code) throws WasmFormatException {
    List<Integer> starts = new ArrayList<>();
    int end = 0;
    while (code.next()) {
      assertTrue(code.known(), "opcode 0x" + Integer.toHexString(code.opcode()));
      starts.add(code.start());
      end = code.end();
    }
    starts.add(end);
    return starts;
  }

  @Test
  void theMvpAndTheProposalsClangEmitsAreSteppedOver() throws Exception {
    byte[] code =
        bytes(
            0x02, 0x00, // block (type 0): multi-value
            0x0e, 0x02, 0x00, 0x00, 0x00, // br_table [0 0] 0
            0x0b, // end
            0x42, 0x80, 0x80, 0x80, 0x80, 0x10, // i64.const, five bytes
            0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, // f64.const 1.0
            0x28, 0x02, 0x90, 0x03, // i32.load align=2 offset=400
            0xc0, // i32.extend8_s
            0xfc, 0x01, // i32.trunc_sat_f32_u
            0xfc, 0x0a, 0x00, 0x00, // memory.copy
            0xfc, 0x08, 0x03, 0x00, // memory.init 3
            0x1c, 0x01, 0x70, // select (result funcref)
            0xd0, 0x70, // ref.null func
            0x11, 0x01, 0x00, // call_indirect (type 1) table 0
            0x13, 0x01, 0x00, // return_call_indirect
            0x0b);

    assertEquals(
        List.of(0, 2, 7, 8, 14, 23, 27, 28, 30, 34, 38, 41, 43, 46, 49, 50),
        starts(InstructionWalker.over(code)));
  }

  @Test
  void simdThreadsAndExceptionsAreSteppedOver() throws Exception {
    byte[] v128 = new byte[16];
    byte[] code =
        concat(
            bytes(0xfd, 0x0c),
            v128, // v128.const
            bytes(0xfd, 0x0d),
            v128, // i8x16.shuffle
            bytes(0xfd, 0x15, 0x03), // i8x16.extract_lane_s 3
            bytes(0xfd, 0x54, 0x00, 0x00, 0x01), // v128.load8_lane align=0 offset=0 lane 1
            bytes(0xfd, 0x00, 0x04, 0x00), // v128.load align=4
            bytes(0xfd, 0x80, 0x02), // relaxed SIMD (0x100): no immediates
            bytes(0xfe, 0x03, 0x00), // atomic.fence
            bytes(0xfe, 0x10, 0x02, 0x00), // i32.atomic.load
            bytes(0x06, 0x40), // try
            bytes(0x07, 0x00), // catch 0
            bytes(0x19), // catch_all
            bytes(0x0b), // end
            bytes(
                0x1f, 0x40, 0x02, 0x00, 0x00, 0x00, 0x02,
                0x00), // try_table (catch 0 0) (catch_all 0)
            bytes(0x08, 0x00), // throw 0
            bytes(0x0b));

    assertEquals(
        List.of(0, 18, 36, 39, 44, 48, 51, 54, 58, 60, 62, 63, 64, 72, 74, 75),
        starts(InstructionWalker.over(code)));
  }

  @Test
  void callsAndRefFuncNameTheirFunctionAndGrowAndSizeTheirMemory() throws Exception {
    InstructionWalker code =
        InstructionWalker.over(
            bytes(0x10, 0x85, 0x01, 0x12, 0x07, 0xd2, 0x02, 0x3f, 0x00, 0x40, 0x01, 0x1a, 0x0b));
    List<String> seen = new ArrayList<>();
    while (code.next()) {
      seen.add(Integer.toHexString(code.opcode()) + ":" + code.index());
    }

    assertEquals(List.of("10:133", "12:7", "d2:2", "3f:0", "40:1", "1a:-1", "b:-1"), seen);
  }

  @Test
  void aBodysLocalsAreSkippedReferenceTypedOnesToo() throws Exception {
    // two groups: 3 x i32, 1 x (ref null func); then nop, end
    InstructionWalker code =
        InstructionWalker.overBody(bytes(0x02, 0x03, 0x7f, 0x01, 0x63, 0x70, 0x01, 0x0b));

    assertEquals(List.of(6, 7, 8), starts(code));
  }

  @Test
  void typedFunctionReferencesAndGcAreUnknownAndStopTheWalk() throws Exception {
    for (byte[] unknown :
        List.of(
            bytes(0x14, 0x00), // call_ref
            bytes(0xd4), // ref.as_non_null
            bytes(0xfb, 0x00, 0x00), // struct.new
            bytes(0xfc, 0x12, 0x00))) { // not a 0xfc instruction the walk knows
      InstructionWalker code = InstructionWalker.over(concat(bytes(0x01), unknown, bytes(0x0b)));
      assertTrue(code.next());
      assertTrue(code.known(), "nop");
      assertTrue(code.next());
      assertFalse(code.known(), "0x" + Integer.toHexString(code.opcode()));
      assertEquals(1, code.start());
      assertThrows(IllegalStateException.class, code::next);
    }
  }

  @Test
  void anInstructionCutShortIsMalformed() throws Exception {
    InstructionWalker code = InstructionWalker.over(bytes(0xfd, 0x0c, 0x0b)); // v128.const

    assertThrows(WasmFormatException.class, code::next);
  }
}
