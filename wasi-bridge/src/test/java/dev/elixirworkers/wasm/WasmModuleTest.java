package dev.elixirworkers.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WasmModuleTest {

  /**
   * Assembled by hand: (import "env" "f" (func (param i32) (result i32))); functions 1 (() -> (),
   * exported as _start, calls 2) and 2 ((i32) -> i32, exported as twice, in the table); a table;
   * (memory 1 2); (global (mut i32) (i32.const 7)); "hi" at address 16.
   */
  static byte[] sample() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    section(out, WasmModule.TYPE, bytes(2, 0x60, 0, 0, 0x60, 1, 0x7f, 1, 0x7f));
    section(out, WasmModule.IMPORT, concat(bytes(1), WasmModule.name("env"), named("f", 0, 1)));
    section(out, WasmModule.FUNCTION, bytes(2, 0, 1));
    section(out, WasmModule.TABLE, bytes(1, 0x70, 0, 1));
    section(out, WasmModule.MEMORY, bytes(1, 1, 1, 2));
    section(out, WasmModule.GLOBAL, bytes(1, 0x7f, 1, 0x41, 7, 0x0b));
    section(
        out,
        WasmModule.EXPORT,
        concat(bytes(3), named("memory", 2, 0), named("_start", 0, 1), named("twice", 0, 2)));
    section(out, WasmModule.ELEMENT, bytes(1, 0, 0x41, 0, 0x0b, 1, 2));
    section(
        out,
        WasmModule.CODE,
        WasmModule.encodeCode(
            List.of(
                bytes(0, 0x41, 3, 0x10, 2, 0x1a, 0x0b), // i32.const 3; call 2; drop
                bytes(0, 0x20, 0, 0x20, 0, 0x6a, 0x0b)))); // local.get 0 twice; i32.add
    section(out, WasmModule.DATA, bytes(1, 0, 0x41, 16, 0x0b, 2, 'h', 'i'));
    return out.toByteArray();
  }

  @Test
  void parsingAndWritingGivesTheSameBytes() throws Exception {
    assertArrayEquals(sample(), WasmModule.parse(sample()).toBytes());
  }

  @Test
  void readsTheSectionsItsCallersChange() throws Exception {
    WasmModule m = WasmModule.parse(sample());

    assertEquals(
        List.of(
            new WasmModule.FuncType(new byte[0], new byte[0]),
            new WasmModule.FuncType(new byte[] {0x7f}, new byte[] {0x7f})),
        m.types());
    assertEquals(
        List.of(new WasmModule.Import("env", "f", WasmModule.KIND_FUNC, false, null)), m.imports());
    assertEquals(List.of(0L, 1L), m.functionTypes());
    assertEquals(List.of(new WasmModule.Limits(1, 1, 2)), m.memories());
    assertEquals(1, m.globals().size());
    assertEquals(WasmModule.I32, m.globals().get(0).valType());
    assertArrayEquals(WasmModule.constant(WasmModule.I32, 7), m.globals().get(0).init());
    assertEquals(
        List.of("memory", "_start", "twice"),
        m.exports().stream().map(WasmModule.Export::name).toList());
    assertEquals(List.of(2L), m.elementFunctions());
    assertEquals(Optional.empty(), m.startFunction());
    assertEquals(2, m.code().size());
    assertEquals(16, m.data().get(0).constantAddress());
    assertArrayEquals(new byte[] {'h', 'i'}, m.data().get(0).bytes());
    assertEquals(3, m.count(WasmModule.EXPORT));
    assertEquals(0, m.count(WasmModule.START));
  }

  @Test
  void sectionsAreInsertedInTheSpecifiedOrder() throws Exception {
    WasmModule m = WasmModule.parse(sample());
    m.remove(WasmModule.GLOBAL);
    m.put(WasmModule.DATA_COUNT, WasmModule.u32(1));
    m.put(WasmModule.GLOBAL, WasmModule.encodeGlobals(List.of()));

    List<Integer> ids = m.sections().stream().map(WasmModule.Section::id).toList();
    assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 9, 12, 10, 11), ids);
    assertEquals(16, WasmModule.parse(m.toBytes()).data().get(0).constantAddress());
  }

  @Test
  void appendedItemsFollowTheOnesThereAndAMissingSectionIsMade() throws Exception {
    WasmModule original = WasmModule.parse(sample());
    WasmModule m = original.copy();
    m.remove(WasmModule.GLOBAL);

    m.appendItems(
        WasmModule.EXPORT,
        List.of(WasmModule.encodeExport(new WasmModule.Export("g", WasmModule.KIND_GLOBAL, 0))));
    m.appendItems(
        WasmModule.GLOBAL,
        List.of(
            WasmModule.encodeGlobal(
                new WasmModule.Global(
                    WasmModule.I64, false, WasmModule.constant(WasmModule.I64, -1)))));

    assertEquals(
        List.of("memory", "_start", "twice", "g"),
        m.exports().stream().map(WasmModule.Export::name).toList());
    assertEquals(WasmModule.I64, m.globals().get(0).valType());
    assertEquals(WasmModule.GLOBAL, m.sections().get(5).id(), "in its place, after the memory");
    assertArrayEquals(sample(), original.toBytes(), "the copy's changes stay in the copy");
  }

  @Test
  void limitsAreReadAsWrittenForTheCallerToJudge() throws Exception {
    WasmModule m = WasmModule.parse(sample());
    m.put(WasmModule.MEMORY, bytes(1, 0x05, 1, 0x80, 0x80, 0x80, 0x80, 0x10)); // i64, max 2^32

    WasmModule.Limits limits = m.memories().get(0);
    assertTrue(limits.is64Bit());
    assertEquals(new WasmModule.Limits(5, 1, 1L << 32), limits);
  }

  @Test
  void customSectionsAreFoundByName() throws Exception {
    WasmModule m = WasmModule.parse(sample());
    m.addCustom(".debug_info", new byte[] {1});
    m.addCustom("elixir-workers.x", new byte[] {2, 3});

    assertArrayEquals(new byte[] {2, 3}, m.custom("elixir-workers.x").orElseThrow());
    m.removeCustom(".debug");
    assertEquals(
        List.of("elixir-workers.x"),
        m.sections().stream()
            .filter(s -> s.id() == WasmModule.CUSTOM)
            .map(WasmModule.Section::customName)
            .toList());
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
    byte[] cut = Arrays.copyOf(sample(), sample().length - 3);
    assertThrows(WasmFormatException.class, () -> WasmModule.parse(cut));
  }

  private static byte[] named(String name, int kind, int index) {
    return concat(WasmModule.name(name), bytes(kind, index));
  }

  static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] content) {
    out.write(id);
    WasmModule.u32(out, content.length);
    out.writeBytes(content);
  }
}
