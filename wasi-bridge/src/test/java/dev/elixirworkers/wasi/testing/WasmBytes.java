package dev.elixirworkers.wasi.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Hand-encodes tiny WASI command modules for link tests: the given function imports, one page of
 * memory exported as {@code memory} (defined, or imported as {@code env.memory} the way a snapshot
 * does), and {@code _start} with the given body.
 */
public final class WasmBytes {
  public static final byte I32 = 0x7f;
  public static final byte I64 = 0x7e;

  /** An imported function. */
  public record Import(String module, String name, byte[] params, byte[] results) {}

  private WasmBytes() {}

  /** {@code body}: the instructions of {@code _start} (without locals or the final end). */
  public static byte[] command(List<Import> imports, int... body) {
    return command(false, imports, body);
  }

  /** As {@link #command}, with the page of memory imported as {@code env.memory}. */
  public static byte[] commandImportingMemory(List<Import> imports, int... body) {
    return command(true, imports, body);
  }

  private static byte[] command(boolean importMemory, List<Import> imports, int... body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});

    ByteArrayOutputStream types = new ByteArrayOutputStream();
    u32(types, imports.size() + 1);
    for (Import imp : imports) {
      types.write(0x60);
      vec(types, imp.params());
      vec(types, imp.results());
    }
    types.write(0x60);
    types.write(0);
    types.write(0);
    section(out, 1, types);

    ByteArrayOutputStream imps = new ByteArrayOutputStream();
    u32(imps, imports.size() + (importMemory ? 1 : 0));
    for (int i = 0; i < imports.size(); i++) {
      name(imps, imports.get(i).module());
      name(imps, imports.get(i).name());
      imps.write(0);
      u32(imps, i);
    }
    if (importMemory) {
      name(imps, "env");
      name(imps, "memory");
      imps.writeBytes(new byte[] {2, 0, 1});
    }
    section(out, 2, imps);

    ByteArrayOutputStream funcs = new ByteArrayOutputStream();
    u32(funcs, 1);
    u32(funcs, imports.size());
    section(out, 3, funcs);

    if (!importMemory) {
      ByteArrayOutputStream memory = new ByteArrayOutputStream();
      memory.writeBytes(new byte[] {1, 0, 1});
      section(out, 5, memory);
    }

    ByteArrayOutputStream exports = new ByteArrayOutputStream();
    u32(exports, 2);
    name(exports, "memory");
    exports.write(2);
    u32(exports, 0);
    name(exports, "_start");
    exports.write(0);
    u32(exports, imports.size());
    section(out, 7, exports);

    ByteArrayOutputStream code = new ByteArrayOutputStream();
    ByteArrayOutputStream fn = new ByteArrayOutputStream();
    fn.write(0); // no locals
    for (int b : body) {
      fn.write(b);
    }
    fn.write(0x0b);
    u32(code, 1);
    u32(code, fn.size());
    code.writeBytes(fn.toByteArray());
    section(out, 10, code);
    return out.toByteArray();
  }

  private static void section(ByteArrayOutputStream out, int id, ByteArrayOutputStream content) {
    out.write(id);
    u32(out, content.size());
    out.writeBytes(content.toByteArray());
  }

  private static void vec(ByteArrayOutputStream out, byte[] types) {
    u32(out, types.length);
    out.writeBytes(types);
  }

  private static void name(ByteArrayOutputStream out, String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    u32(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void u32(ByteArrayOutputStream out, int value) {
    do {
      int b = value & 0x7f;
      value >>>= 7;
      out.write(value == 0 ? b : b | 0x80);
    } while (value != 0);
  }
}
