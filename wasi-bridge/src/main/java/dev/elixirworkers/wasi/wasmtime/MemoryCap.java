package dev.elixirworkers.wasi.wasmtime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Caps a module's linear memory and makes refused growth observable, by rewriting the module before
 * it is compiled (wasmtime-java 0.19 exposes no store limiter).
 *
 * <ul>
 *   <li>Every memory the module defines gets the limit as its declared maximum (a memory it imports
 *       is made by the host with that maximum), so {@code memory.grow} past it returns -1 to the
 *       guest, as it does on Workers, and the guest can never take more than the limit from the
 *       host process.
 *   <li>Every {@code memory.grow} on memory 0 becomes a call to an appended function that grows the
 *       memory and counts the refusals in an appended global; an appended export, {@value #PROBE},
 *       returns the count. The host asks it after a run that failed: a guest that traps or exits
 *       after a refused growth ran out of memory.
 * </ul>
 *
 * <p>Function, global and type indices of the original module do not change (everything is
 * appended). DWARF sections are dropped when code is rewritten, as their offsets would be stale. An
 * instruction this reader does not know (e.g. the GC proposal) leaves the code as it is: the memory
 * is still capped, only the probe is missing.
 */
final class MemoryCap {
  /** The export that returns how many {@code memory.grow} calls were refused. */
  static final String PROBE = "elixir_workers_memory_grow_failures";

  /**
   * The export that zeroes all of memory 0 ({@code memory.fill}), appended when the module imports
   * its memory: the host clears a lent memory with it, at the engine's memset speed.
   */
  static final String CLEAR = "elixir_workers_clear_memory";

  static final long PAGE = 65536;

  /**
   * The rewritten module.
   *
   * @param probed whether {@link #PROBE} is exported
   * @param initialBytes the memory the module starts with
   */
  record Capped(byte[] wasm, boolean probed, long initialBytes) {}

  private MemoryCap() {}

  /**
   * @throws GuestLinkException when the module starts with more memory than the limit
   */
  static Capped apply(byte[] wasm, long limitBytes) {
    long maxPages = Math.max(1, Math.min(65536, limitBytes / PAGE));
    Module m;
    try {
      m = Module.parse(wasm);
    } catch (Malformed e) {
      // not ours to judge: wasmtime reports what is wrong with it
      return new Capped(wasm, false, 0);
    }
    if (m.memoryImported) {
      // the host makes the memory with the limit as its maximum (WasiModule): only the probe,
      // and the export that clears it
      try {
        return new Capped(m.rewrite(null, true), true, 0);
      } catch (Malformed | Unsupported e) {
        return new Capped(wasm, false, 0);
      }
    }
    if (m.memory == null) {
      return new Capped(wasm, false, 0);
    }
    long initialPages;
    byte[] memorySection;
    try {
      Reader r = new Reader(wasm, m.memory.start, m.memory.end);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long count = r.u32();
      u32(out, count);
      initialPages = 0;
      for (long i = 0; i < count; i++) {
        int flags = r.u8();
        if ((flags & 0x04) != 0) {
          throw new GuestLinkException(
              "The module uses 64-bit memory, which the host does not run");
        }
        long min = r.u64();
        long max = (flags & 0x01) != 0 ? r.u64() : Long.MAX_VALUE;
        if (i == 0) {
          initialPages = min;
        }
        if (min > maxPages) {
          throw new GuestLinkException(
              "The module starts with "
                  + (min * PAGE >> 20)
                  + " MiB of memory, more than the limit of "
                  + (limitBytes >> 20)
                  + " MiB");
        }
        out.write(flags | 0x01);
        u32(out, min);
        u32(out, Math.min(max, maxPages));
      }
      memorySection = out.toByteArray();
    } catch (Malformed e) {
      return new Capped(wasm, false, 0);
    }
    try {
      return new Capped(m.rewrite(memorySection, true), true, initialPages * PAGE);
    } catch (Malformed | Unsupported e) {
      // code this reader cannot follow: cap the memory without the probe
    }
    try {
      return new Capped(m.rewrite(memorySection, false), false, initialPages * PAGE);
    } catch (Malformed | Unsupported e) {
      return new Capped(wasm, false, 0); // cannot happen: nothing is parsed without the probe
    }
  }

  /** A section: its id and the bounds of its content in the module bytes. */
  private record Section(int id, int start, int end) {}

  private static final class Module {
    final byte[] bytes;
    final List<Section> sections = new ArrayList<>();
    Section type;
    Section function;
    Section memory;
    Section global;
    Section export;
    Section code;
    long typeCount;
    long importedFuncs;
    long importedGlobals;
    long definedFuncs;
    long definedGlobals;
    boolean memoryImported;

    private Module(byte[] bytes) {
      this.bytes = bytes;
    }

    static Module parse(byte[] bytes) throws Malformed {
      if (bytes.length < 8
          || bytes[0] != 0
          || bytes[1] != 'a'
          || bytes[2] != 's'
          || bytes[3] != 'm'
          || bytes[4] != 1
          || bytes[5] != 0
          || bytes[6] != 0
          || bytes[7] != 0) {
        throw new Malformed("not a wasm 1.0 module");
      }
      Module m = new Module(bytes);
      Reader r = new Reader(bytes, 8, bytes.length);
      while (!r.done()) {
        int id = r.u8();
        long size = r.u32();
        int start = r.pos;
        if (size > bytes.length - start) {
          throw new Malformed("section " + id + " runs past the end");
        }
        int end = start + (int) size;
        Section s = new Section(id, start, end);
        m.sections.add(s);
        switch (id) {
          case 1 -> {
            m.type = s;
            m.typeCount = new Reader(bytes, start, end).u32();
          }
          case 2 -> m.readImports(s);
          case 3 -> {
            m.function = s;
            m.definedFuncs = new Reader(bytes, start, end).u32();
          }
          case 5 -> m.memory = s;
          case 6 -> {
            m.global = s;
            m.definedGlobals = new Reader(bytes, start, end).u32();
          }
          case 7 -> m.export = s;
          case 10 -> m.code = s;
          default -> {}
        }
        r.pos = end;
      }
      return m;
    }

    private void readImports(Section s) throws Malformed {
      Reader r = new Reader(bytes, s.start, s.end);
      long count = r.u32();
      for (long i = 0; i < count; i++) {
        r.skip(r.u32()); // module
        r.skip(r.u32()); // name
        int kind = r.u8();
        switch (kind) {
          case 0 -> {
            r.u32();
            importedFuncs++;
          }
          case 1 -> {
            r.valType();
            r.limits();
          }
          case 2 -> {
            r.limits();
            memoryImported = true;
          }
          case 3 -> {
            r.valType();
            r.u8();
            importedGlobals++;
          }
          case 4 -> {
            r.u8();
            r.u32();
          }
          default -> throw new Malformed("import kind " + kind);
        }
      }
    }

    /** The module with the new memory section and, when {@code probe}, the grow counter. */
    byte[] rewrite(byte[] memorySection, boolean probe) throws Malformed, Unsupported {
      if (probe && (type == null || function == null || code == null)) {
        throw new Unsupported("no code");
      }
      long growType = typeCount;
      long probeType = typeCount + 1;
      long clearType = typeCount + 2;
      long growFunc = importedFuncs + definedFuncs;
      long probeFunc = growFunc + 1;
      long clearFunc = growFunc + 2;
      long counter = importedGlobals + definedGlobals;
      boolean clear = memoryImported;
      byte[][] newExports =
          clear
              ? new byte[][] {probeExport(probeFunc), export(CLEAR, clearFunc)}
              : new byte[][] {probeExport(probeFunc)};

      ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 256);
      out.write(bytes, 0, 8);
      boolean globalWritten = global != null;
      boolean exportWritten = export != null;
      for (Section s : sections) {
        if (probe && !globalWritten && order(s.id) > order(6)) {
          section(out, 6, concat(u32(1), counterGlobal()));
          globalWritten = true;
        }
        if (probe && !exportWritten && order(s.id) > order(7)) {
          section(out, 7, concat(u32(newExports.length), concat(newExports)));
          exportWritten = true;
        }
        if (!probe) {
          if (s.id == 5) {
            section(out, 5, memorySection);
          } else {
            copy(out, s);
          }
          continue;
        }
        switch (s.id) {
          case 0 -> {
            if (!customName(s).startsWith(".debug")) {
              copy(out, s);
            }
          }
          case 1 ->
              section(
                  out,
                  1,
                  appendItems(
                      s,
                      3,
                      new byte[] {0x60, 1, 0x7f, 1, 0x7f}, // (i32) -> i32
                      new byte[] {0x60, 0, 1, 0x7f}, // () -> i32
                      new byte[] {0x60, 0, 0})); // () -> ()
          case 3 ->
              section(
                  out,
                  3,
                  clear
                      ? appendItems(s, 3, u32(growType), u32(probeType), u32(clearType))
                      : appendItems(s, 2, u32(growType), u32(probeType)));
          case 5 -> section(out, 5, memorySection);
          case 6 -> section(out, 6, appendItems(s, 1, counterGlobal()));
          case 7 -> section(out, 7, appendItems(s, newExports.length, newExports));
          case 10 -> section(out, 10, rewriteCode(s, growFunc, counter, clear));
          default -> copy(out, s);
        }
      }
      if (probe && !globalWritten) {
        section(out, 6, concat(u32(1), counterGlobal()));
      }
      if (probe && !exportWritten) {
        section(out, 7, concat(u32(newExports.length), concat(newExports)));
      }
      return out.toByteArray();
    }

    private byte[] rewriteCode(Section s, long growFunc, long counter, boolean clear)
        throws Malformed, Unsupported {
      Reader r = new Reader(bytes, s.start, s.end);
      long count = r.u32();
      ByteArrayOutputStream out = new ByteArrayOutputStream(s.end - s.start + 64);
      u32(out, count + (clear ? 3 : 2));
      byte[] call = concat(new byte[] {0x10}, u32(growFunc));
      for (long i = 0; i < count; i++) {
        long size = r.u32();
        int end = r.pos + (int) size;
        if (size > s.end - r.pos) {
          throw new Malformed("function body runs past the code section");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) size + 8);
        Reader b = new Reader(bytes, r.pos, end);
        long groups = b.u32();
        for (long g = 0; g < groups; g++) {
          b.u32();
          b.valType();
        }
        body.write(bytes, r.pos, b.pos - r.pos);
        rewriteInstructions(b, body, call);
        u32(out, body.size());
        out.writeBytes(body.toByteArray());
        r.pos = end;
      }
      byte[] g = u32(counter);
      // (func (param i32) (result i32) (local i32)
      //   local.get 0  memory.grow 0  local.tee 1  i32.const -1  i32.eq
      //   if  global.get $n  i32.const 1  i32.add  global.set $n  end
      //   local.get 1)
      byte[] grow =
          concat(
              new byte[] {1, 1, 0x7f, 0x20, 0, 0x40, 0, 0x22, 1, 0x41, 0x7f, 0x46, 0x04, 0x40},
              new byte[] {0x23},
              g,
              new byte[] {0x41, 1, 0x6a, 0x24},
              g,
              new byte[] {0x0b, 0x20, 1, 0x0b});
      byte[] read = concat(new byte[] {0, 0x23}, g, new byte[] {0x0b});
      u32(out, grow.length);
      out.writeBytes(grow);
      u32(out, read.length);
      out.writeBytes(read);
      if (clear) {
        // (func  i32.const 0  i32.const 0  memory.size  i32.const 16  i32.shl  memory.fill)
        byte[] fill = {0, 0x41, 0, 0x41, 0, 0x3f, 0, 0x41, 16, 0x74, (byte) 0xfc, 11, 0, 0x0b};
        u32(out, fill.length);
        out.writeBytes(fill);
      }
      return out.toByteArray();
    }

    private static void rewriteInstructions(Reader r, ByteArrayOutputStream out, byte[] call)
        throws Malformed, Unsupported {
      while (!r.done()) {
        int start = r.pos;
        int op = r.u8();
        if (op == 0x40) {
          long memory = r.u32();
          if (memory == 0) {
            out.writeBytes(call);
            continue;
          }
        } else {
          skipImmediates(r, op);
        }
        out.write(r.bytes, start, r.pos - start);
      }
    }

    private static void skipImmediates(Reader r, int op) throws Malformed, Unsupported {
      switch (op) {
        case 0x00, 0x01, 0x05, 0x0a, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1, 0xd3, 0xd5 -> {}
        case 0x02, 0x03, 0x04, 0x06 -> r.blockType();
        case 0x07, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x12, 0x14, 0x15, 0x18, 0xd2, 0xd4, 0xd6 ->
            r.u32();
        case 0x0e -> {
          long n = r.u32();
          for (long i = 0; i <= n; i++) {
            r.u32();
          }
        }
        case 0x11, 0x13 -> {
          r.u32();
          r.u32();
        }
        case 0x1c -> {
          long n = r.u32();
          for (long i = 0; i < n; i++) {
            r.valType();
          }
        }
        case 0x1f -> {
          r.blockType();
          long n = r.u32();
          for (long i = 0; i < n; i++) {
            int kind = r.u8();
            if (kind == 0 || kind == 1) {
              r.u32();
            }
            r.u32();
          }
        }
        case 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3f -> r.u32();
        case 0x41, 0x42 -> r.sleb();
        case 0x43 -> r.skip(4);
        case 0x44 -> r.skip(8);
        case 0xd0 -> r.sleb();
        case 0xfc -> {
          long sub = r.u32();
          if (sub <= 7) {
            return;
          }
          switch ((int) sub) {
            case 8, 10, 12, 14 -> {
              r.u32();
              r.u32();
            }
            case 9, 11, 13, 15, 16, 17 -> r.u32();
            default -> throw new Unsupported("0xfc " + sub);
          }
        }
        case 0xfd -> {
          long sub = r.u32();
          if (sub <= 11 || sub == 92 || sub == 93) {
            r.memarg();
          } else if (sub == 12 || sub == 13) {
            r.skip(16);
          } else if (sub >= 21 && sub <= 34) {
            r.skip(1);
          } else if (sub >= 84 && sub <= 91) {
            r.memarg();
            r.skip(1);
          }
        }
        case 0xfe -> {
          long sub = r.u32();
          if (sub == 3) {
            r.skip(1);
          } else {
            r.memarg();
          }
        }
        default -> {
          if (op >= 0x28 && op <= 0x3e) {
            r.memarg();
          } else if (op >= 0x45 && op <= 0xc4) {
            return;
          } else {
            throw new Unsupported(String.format("opcode 0x%02x", op));
          }
        }
      }
    }

    private byte[] appendItems(Section s, int added, byte[]... items) throws Malformed {
      Reader r = new Reader(bytes, s.start, s.end);
      long count = r.u32();
      ByteArrayOutputStream out = new ByteArrayOutputStream(s.end - s.start + 32);
      u32(out, count + added);
      out.write(bytes, r.pos, s.end - r.pos);
      for (byte[] item : items) {
        out.writeBytes(item);
      }
      return out.toByteArray();
    }

    private String customName(Section s) {
      try {
        Reader r = new Reader(bytes, s.start, s.end);
        int n = (int) r.u32();
        return new String(bytes, r.pos, Math.min(n, s.end - r.pos), StandardCharsets.UTF_8);
      } catch (Malformed | RuntimeException e) {
        return "";
      }
    }

    private void copy(ByteArrayOutputStream out, Section s) {
      section(out, s.id, java.util.Arrays.copyOfRange(bytes, s.start, s.end));
    }

    /** (global (mut i32) (i32.const 0)) */
    private static byte[] counterGlobal() {
      return new byte[] {0x7f, 1, 0x41, 0, 0x0b};
    }

    private static byte[] probeExport(long func) {
      return export(PROBE, func);
    }

    private static byte[] export(String exportName, long func) {
      byte[] name = exportName.getBytes(StandardCharsets.UTF_8);
      return concat(u32(name.length), name, new byte[] {0}, u32(func));
    }

    /** Position in the required section order (custom sections anywhere). */
    private static int order(int id) {
      return switch (id) {
        case 1 -> 1;
        case 2 -> 2;
        case 3 -> 3;
        case 4 -> 4;
        case 5 -> 5;
        case 13 -> 6;
        case 6 -> 7;
        case 7 -> 8;
        case 8 -> 9;
        case 9 -> 10;
        case 12 -> 11;
        case 10 -> 12;
        case 11 -> 13;
        default -> 0;
      };
    }
  }

  private static void section(ByteArrayOutputStream out, int id, byte[] content) {
    out.write(id);
    u32(out, content.length);
    out.writeBytes(content);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static byte[] u32(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(5);
    u32(out, value);
    return out.toByteArray();
  }

  private static void u32(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      out.write(value == 0 ? b : b | 0x80);
    } while (value != 0);
  }

  private static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String message) {
      super(message);
    }
  }

  private static final class Unsupported extends Exception {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message);
    }
  }

  private static final class Reader {
    final byte[] bytes;
    final int end;
    int pos;

    Reader(byte[] bytes, int start, int end) {
      this.bytes = bytes;
      this.pos = start;
      this.end = end;
    }

    boolean done() {
      return pos >= end;
    }

    int u8() throws Malformed {
      if (pos >= end) {
        throw new Malformed("unexpected end");
      }
      return bytes[pos++] & 0xff;
    }

    long u32() throws Malformed {
      return u64();
    }

    long u64() throws Malformed {
      long result = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        int b = u8();
        result |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return result;
        }
      }
      throw new Malformed("LEB128 too long");
    }

    void sleb() throws Malformed {
      for (int i = 0; i < 10; i++) {
        if ((u8() & 0x80) == 0) {
          return;
        }
      }
      throw new Malformed("LEB128 too long");
    }

    void skip(long n) throws Malformed {
      if (n < 0 || n > end - pos) {
        throw new Malformed("unexpected end");
      }
      pos += (int) n;
    }

    void valType() throws Malformed {
      int t = u8();
      if (t == 0x63 || t == 0x64) {
        sleb(); // (ref null? heaptype)
      }
    }

    void blockType() throws Malformed {
      if (pos >= end) {
        throw new Malformed("unexpected end");
      }
      int b = bytes[pos] & 0xff;
      if (b == 0x40 || b == 0x7f || b == 0x7e || b == 0x7d || b == 0x7c || b == 0x7b || b == 0x70
          || b == 0x6f) {
        pos++;
      } else if (b == 0x63 || b == 0x64) {
        valType();
      } else {
        sleb(); // type index (s33)
      }
    }

    void limits() throws Malformed {
      int flags = u8();
      u64();
      if ((flags & 0x01) != 0) {
        u64();
      }
    }

    void memarg() throws Malformed {
      long align = u32();
      if ((align & 0x40) != 0) {
        u32();
      }
      u64();
    }
  }
}
