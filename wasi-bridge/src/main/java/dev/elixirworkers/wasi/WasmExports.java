package dev.elixirworkers.wasi;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/** Reads the names a WebAssembly module exports, without compiling it. */
final class WasmExports {
  private static final int EXPORT_SECTION = 7;

  private final byte[] b;
  private int at;

  private WasmExports(byte[] bytes) {
    this.b = bytes;
  }

  /**
   * The export names of {@code wasm}, in order; empty when it is not a WebAssembly binary or is
   * malformed (the engine reports that when it compiles the module).
   */
  static Set<String> names(byte[] wasm) {
    Set<String> names = new LinkedHashSet<>();
    if (wasm.length < 8
        || wasm[0] != 0
        || wasm[1] != 'a'
        || wasm[2] != 's'
        || wasm[3] != 'm'
        || wasm[4] != 1) {
      return names;
    }
    WasmExports r = new WasmExports(wasm);
    r.at = 8;
    try {
      while (r.at < wasm.length) {
        int id = wasm[r.at++] & 0xff;
        int size = (int) r.u32();
        int end = r.at + size;
        if (size < 0 || end > wasm.length) {
          return Set.of();
        }
        if (id == EXPORT_SECTION) {
          long count = r.u32();
          for (long i = 0; i < count; i++) {
            int length = (int) r.u32();
            if (length < 0 || r.at + length > end) {
              return Set.of();
            }
            names.add(new String(wasm, r.at, length, StandardCharsets.UTF_8));
            r.at += length + 1; // the name, then the kind
            r.u32(); // the index
          }
          return names;
        }
        r.at = end;
      }
    } catch (ArrayIndexOutOfBoundsException e) {
      return Set.of();
    }
    return names;
  }

  private long u32() {
    long result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int x = b[at++] & 0xff;
      result |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return result;
      }
    }
    throw new ArrayIndexOutOfBoundsException("LEB128 too long");
  }
}
