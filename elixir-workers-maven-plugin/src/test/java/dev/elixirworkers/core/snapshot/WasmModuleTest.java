package dev.elixirworkers.core.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class WasmModuleTest {

  @Test
  void parsingAndWritingGivesTheSameBytes() throws Exception {
    byte[] wasm = SnapshotterTest.WasmModuleBuilder.globalAndMemoryProbe();
    assertArrayEquals(wasm, WasmModule.parse(wasm).toBytes());
  }

  @Test
  void readsTheSectionsASnapshotChanges() throws Exception {
    WasmModule m = WasmModule.parse(SnapshotterTest.WasmModuleBuilder.globalAndMemoryProbe());

    assertEquals(List.of(new WasmModule.Limits(0, 1, -1)), m.memories());
    assertEquals(1, m.globals().size());
    assertEquals(WasmModule.I32, m.globals().get(0).valType());
    assertArrayEquals(WasmModule.constant(WasmModule.I32, 7), m.globals().get(0).init());
    assertEquals(
        List.of("memory", "_start", "init"),
        m.exports().stream().map(WasmModule.Export::name).toList());
    assertEquals(List.of(0L, 0L), m.functionTypes());
    assertEquals(2, m.code().size());
  }

  @Test
  void sectionsAreInsertedInTheSpecifiedOrder() throws Exception {
    WasmModule m = WasmModule.parse(SnapshotterTest.WasmModuleBuilder.globalAndMemoryProbe());
    m.put(
        WasmModule.DATA,
        WasmModule.encodeData(List.of(WasmModule.DataSegment.at(8, new byte[] {1}))));
    m.put(WasmModule.DATA_COUNT, WasmModule.u32(1));

    List<Integer> ids = m.sections().stream().map(WasmModule.Section::id).toList();
    assertEquals(List.of(1, 3, 5, 6, 7, 12, 10, 11), ids);
    WasmModule again = WasmModule.parse(m.toBytes());
    assertEquals(8, again.data().get(0).constantAddress());
  }

  @Test
  void constantsRoundTripThroughSignedLeb128() throws Exception {
    for (long v :
        new long[] {0, 63, 64, -64, -65, 0x7fffffffL, 0x80000000L, 0xffffffffL, 1097808}) {
      WasmModule.DataSegment d =
          new WasmModule.DataSegment(false, 0, WasmModule.i32Const(v), new byte[0]);
      assertEquals(v & 0xffffffffL, d.constantAddress(), "address " + v);
    }
    assertArrayEquals(new byte[] {0x42, 0x7f, 0x0b}, WasmModule.constant(WasmModule.I64, -1));
    assertArrayEquals(
        new byte[] {0x44, 0, 0, 0, 0, 0, 0, (byte) 0xf0, 0x3f, 0x0b},
        WasmModule.constant(WasmModule.F64, Double.doubleToRawLongBits(1.0)));
  }

  @Test
  void notAModuleIsRejected() {
    assertThrows(WasmFormatException.class, () -> WasmModule.parse(new byte[] {1, 2, 3}));
    byte[] truncated = SnapshotterTest.WasmModuleBuilder.globalAndMemoryProbe();
    byte[] cut = java.util.Arrays.copyOf(truncated, truncated.length - 3);
    assertThrows(WasmFormatException.class, () -> WasmModule.parse(cut));
  }

  @Test
  void zeroRunsShorterThanTheGapStayInsideOneSegment() {
    byte[] memory = new byte[200];
    memory[10] = 1;
    memory[10 + Snapshotter.MERGE_GAP] = 2; // MERGE_GAP - 1 zeros between: one segment
    memory[150] = 3; // far away: a second segment
    List<int[]> runs = Snapshotter.runs(memory, Snapshotter.MERGE_GAP);

    assertEquals(2, runs.size());
    assertArrayEquals(new int[] {10, 11 + Snapshotter.MERGE_GAP}, runs.get(0));
    assertArrayEquals(new int[] {150, 151}, runs.get(1));
    memory[11 + Snapshotter.MERGE_GAP] = 0;
    memory[10 + Snapshotter.MERGE_GAP] = 0;
    memory[11 + Snapshotter.MERGE_GAP] = 4; // exactly MERGE_GAP zeros: split
    assertEquals(3, Snapshotter.runs(memory, Snapshotter.MERGE_GAP).size());
    assertTrue(Snapshotter.runs(new byte[64], Snapshotter.MERGE_GAP).isEmpty());
  }

  @Test
  void segmentsHoldExactlyTheNonZeroBytes() {
    byte[] memory = new byte[1000];
    for (int i = 0; i < memory.length; i += 97) {
      memory[i] = (byte) (i | 1);
    }
    byte[] rebuilt = new byte[memory.length];
    for (WasmModule.DataSegment d : Snapshotter.segments(memory)) {
      System.arraycopy(d.bytes(), 0, rebuilt, (int) d.constantAddress(), d.bytes().length);
    }
    assertArrayEquals(memory, rebuilt);
  }
}
