package dev.elixirworkers.wasm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cursor over the bytes of a module, a section or a function body; every read checks the bounds
 * and throws {@link WasmFormatException} past them.
 */
final class Reader {
  private final byte[] bytes;
  private final int end;
  private int pos;

  Reader(byte[] bytes) {
    this(bytes, 0, bytes.length);
  }

  Reader(byte[] bytes, int start, int end) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  boolean done() {
    return pos >= end;
  }

  int remaining() {
    return end - pos;
  }

  int position() {
    return pos;
  }

  int u8() throws WasmFormatException {
    if (pos >= end) {
      throw new WasmFormatException("unexpected end of the module");
    }
    return bytes[pos++] & 0xff;
  }

  /** The next byte, not consumed. */
  int peek() throws WasmFormatException {
    if (pos >= end) {
      throw new WasmFormatException("unexpected end of the module");
    }
    return bytes[pos] & 0xff;
  }

  long u32() throws WasmFormatException {
    long result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int b = u8();
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (result > 0xffffffffL) {
          throw new WasmFormatException("u32 out of range");
        }
        return result;
      }
    }
    throw new WasmFormatException("LEB128 u32 too long");
  }

  long u64() throws WasmFormatException {
    long result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      int b = u8();
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new WasmFormatException("LEB128 too long");
  }

  long s64() throws WasmFormatException {
    long result = 0;
    int shift = 0;
    int b;
    do {
      if (shift >= 70) {
        throw new WasmFormatException("LEB128 too long");
      }
      b = u8();
      result |= (long) (b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    if (shift < 64 && (b & 0x40) != 0) {
      result |= -1L << shift;
    }
    return result;
  }

  /** The length of a byte vector, checked against what is left. */
  int size() throws WasmFormatException {
    long n = u32();
    if (n > remaining()) {
      throw new WasmFormatException("a vector of " + n + " bytes runs past its section");
    }
    return (int) n;
  }

  void skip(int n) throws WasmFormatException {
    if (n < 0 || n > remaining()) {
      throw new WasmFormatException("unexpected end of the module");
    }
    pos += n;
  }

  byte[] bytes(int n) throws WasmFormatException {
    int from = pos;
    skip(n);
    return Arrays.copyOfRange(bytes, from, pos);
  }

  String name() throws WasmFormatException {
    return new String(bytes(size()), StandardCharsets.UTF_8);
  }

  /** A value type; {@code (ref null? heaptype)} is the one that takes more than a byte. */
  void valType() throws WasmFormatException {
    int t = u8();
    if (t == 0x63 || t == 0x64) {
      s64(); // heap type (s33)
    }
  }

  /** A block type: empty (0x40), a value type or a type index (s33). */
  void blockType() throws WasmFormatException {
    int b = peek();
    if (b == 0x63 || b == 0x64) {
      valType();
    } else {
      s64(); // every one-byte value type is also a one-byte s33
    }
  }

  /** The alignment (bit 6: a memory index follows, multi-memory), the memory and the offset. */
  void memarg() throws WasmFormatException {
    long align = u32();
    if ((align & 0x40) != 0) {
      u32();
    }
    u64();
  }

  /**
   * Limits as written: the flags (bit 0: a maximum follows; bit 1: shared; bit 2: 64-bit), the
   * minimum and the maximum (-1 when absent). Callers judge the flags.
   */
  WasmModule.Limits limits() throws WasmFormatException {
    int flags = u8();
    long min = u64();
    long max = (flags & 1) != 0 ? u64() : -1;
    return new WasmModule.Limits(flags, min, max);
  }

  /**
   * A constant expression up to and including its {@code end}: the MVP's constants and {@code
   * global.get}, plus {@code ref.null}/{@code ref.func} and the extended constant expressions'
   * arithmetic.
   */
  byte[] constExpr() throws WasmFormatException {
    int start = pos;
    while (true) {
      int op = u8();
      switch (op) {
        case 0x0b -> {
          return Arrays.copyOfRange(bytes, start, pos);
        }
        case 0x41, 0x42 -> s64();
        case 0x43 -> skip(4);
        case 0x44 -> skip(8);
        case 0x23, 0xd2 -> u32();
        case 0xd0 -> s64(); // heap type (s33)
        case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e -> {}
        default ->
            throw new WasmFormatException(
                "instruction 0x" + WasmModule.hex(op) + " in a constant expression");
      }
    }
  }
}
