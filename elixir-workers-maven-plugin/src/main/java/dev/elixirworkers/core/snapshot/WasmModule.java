package dev.elixirworkers.core.snapshot;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A WebAssembly 1.0 binary as its list of sections, with readers and writers for the sections a
 * snapshot changes (types, imports, functions, memory, globals, exports, start, code, data count,
 * data). Other sections are kept as they are, in their place.
 *
 * <p>Only what a snapshot needs is decoded; function bodies stay opaque bytes. Maven-free; the
 * binary format is the WebAssembly core specification's, section 5.
 */
public final class WasmModule {
  public static final int CUSTOM = 0;
  public static final int TYPE = 1;
  public static final int IMPORT = 2;
  public static final int FUNCTION = 3;
  public static final int TABLE = 4;
  public static final int MEMORY = 5;
  public static final int GLOBAL = 6;
  public static final int EXPORT = 7;
  public static final int START = 8;
  public static final int ELEMENT = 9;
  public static final int CODE = 10;
  public static final int DATA = 11;
  public static final int DATA_COUNT = 12;
  public static final int TAG = 13;

  public static final int KIND_FUNC = 0;
  public static final int KIND_TABLE = 1;
  public static final int KIND_MEMORY = 2;
  public static final int KIND_GLOBAL = 3;

  public static final int I32 = 0x7f;
  public static final int I64 = 0x7e;
  public static final int F32 = 0x7d;
  public static final int F64 = 0x7c;

  public static final long PAGE = 65536;

  private static final byte[] MAGIC = {0, 'a', 's', 'm', 1, 0, 0, 0};

  /** One section: its id and its content (without the id and size). */
  public record Section(int id, byte[] content) {
    /** The name of a custom section, or "". */
    public String customName() {
      if (id != CUSTOM) {
        return "";
      }
      try {
        Reader r = new Reader(content);
        return r.name();
      } catch (WasmFormatException e) {
        return "";
      }
    }
  }

  /** A function type. */
  public record FuncType(byte[] params, byte[] results) {
    @Override
    public boolean equals(Object o) {
      return o instanceof FuncType t
          && Arrays.equals(params, t.params)
          && Arrays.equals(results, t.results);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(params) + Arrays.hashCode(results);
    }

    @Override
    public String toString() {
      return "FuncType" + Arrays.toString(params) + "->" + Arrays.toString(results);
    }
  }

  /**
   * An import; {@code kind} is one of the {@code KIND_} constants, {@code memory} the limits of an
   * imported memory (null for other kinds).
   */
  public record Import(
      String module, String name, int kind, boolean mutableGlobal, Limits memory) {}

  /** Memory limits in pages; {@code max} is -1 when absent. */
  public record Limits(int flags, long min, long max) {
    public boolean hasMax() {
      return (flags & 1) != 0;
    }
  }

  /** A global defined by the module: its value type, mutability and init expression. */
  public record Global(int valType, boolean mutable, byte[] init) {}

  /** An export; {@code kind} is one of the {@code KIND_} constants. */
  public record Export(String name, int kind, long index) {}

  /**
   * A data segment. Active segments have a memory and an offset expression; passive ones have
   * neither ({@code offset} is null).
   */
  public record DataSegment(boolean passive, long memory, byte[] offset, byte[] bytes) {
    /** An active segment of memory 0 at a constant address. */
    public static DataSegment at(long address, byte[] bytes) {
      return new DataSegment(false, 0, i32Const(address), bytes);
    }

    /** The address of an active segment whose offset is an i32.const, or -1. */
    public long constantAddress() {
      if (passive || offset == null || offset.length < 2 || (offset[0] & 0xff) != 0x41) {
        return -1;
      }
      try {
        Reader r = new Reader(offset);
        r.u8();
        long value = r.s64();
        return r.u8() == 0x0b && r.done() ? value & 0xffffffffL : -1;
      } catch (WasmFormatException e) {
        return -1;
      }
    }
  }

  private final List<Section> sections;

  private WasmModule(List<Section> sections) {
    this.sections = sections;
  }

  /**
   * @throws WasmFormatException when the bytes are not a WebAssembly 1.0 binary
   */
  public static WasmModule parse(byte[] bytes) throws WasmFormatException {
    if (bytes.length < 8 || !Arrays.equals(Arrays.copyOf(bytes, 8), MAGIC)) {
      throw new WasmFormatException("not a WebAssembly 1.0 module (bad magic or version)");
    }
    Reader r = new Reader(bytes, 8, bytes.length);
    List<Section> sections = new ArrayList<>();
    while (!r.done()) {
      int id = r.u8();
      long size = r.u32();
      if (size > r.remaining()) {
        throw new WasmFormatException("section " + id + " runs past the end of the module");
      }
      sections.add(new Section(id, r.bytes((int) size)));
    }
    return new WasmModule(sections);
  }

  /** The module's bytes. */
  public byte[] toBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(MAGIC);
    for (Section s : sections) {
      out.write(s.id());
      u32(out, s.content().length);
      out.writeBytes(s.content());
    }
    return out.toByteArray();
  }

  public List<Section> sections() {
    return List.copyOf(sections);
  }

  /** The first section with this id (not for custom sections). */
  public Optional<Section> section(int id) {
    return sections.stream().filter(s -> s.id() == id).findFirst();
  }

  /** Replaces the section with this id, or inserts it where the specification orders it. */
  public void put(int id, byte[] content) {
    for (int i = 0; i < sections.size(); i++) {
      if (sections.get(i).id() == id) {
        sections.set(i, new Section(id, content));
        return;
      }
    }
    int at = sections.size();
    for (int i = 0; i < sections.size(); i++) {
      int other = sections.get(i).id();
      if (other != CUSTOM && order(other) > order(id)) {
        at = i;
        break;
      }
    }
    sections.add(at, new Section(id, content));
  }

  /** Removes the sections with this id. */
  public void remove(int id) {
    sections.removeIf(s -> s.id() == id);
  }

  /** Appends a custom section (custom sections may appear anywhere; hosts find them by name). */
  public void addCustom(String name, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(name(name));
    out.writeBytes(payload);
    sections.add(new Section(CUSTOM, out.toByteArray()));
  }

  /** The payload of the first custom section with this name. */
  public Optional<byte[]> custom(String name) {
    for (Section s : sections) {
      if (s.id() == CUSTOM && s.customName().equals(name)) {
        byte[] encodedName = name(name);
        return Optional.of(Arrays.copyOfRange(s.content(), encodedName.length, s.content().length));
      }
    }
    return Optional.empty();
  }

  /** Removes the custom sections whose name starts with {@code prefix}. */
  public void removeCustom(String prefix) {
    sections.removeIf(s -> s.id() == CUSTOM && s.customName().startsWith(prefix));
  }

  // ---- typed views

  public List<FuncType> types() throws WasmFormatException {
    List<FuncType> out = new ArrayList<>();
    Optional<Section> s = section(TYPE);
    if (s.isEmpty()) {
      return out;
    }
    Reader r = new Reader(s.get().content());
    long n = r.u32();
    for (long i = 0; i < n; i++) {
      int form = r.u8();
      if (form != 0x60) {
        throw new WasmFormatException(
            "type " + i + " is not a function type (0x" + hex(form) + ")");
      }
      byte[] params = r.valTypes();
      byte[] results = r.valTypes();
      out.add(new FuncType(params, results));
    }
    return out;
  }

  public static byte[] encodeTypes(List<FuncType> types) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u32(out, types.size());
    for (FuncType t : types) {
      out.write(0x60);
      u32(out, t.params().length);
      out.writeBytes(t.params());
      u32(out, t.results().length);
      out.writeBytes(t.results());
    }
    return out.toByteArray();
  }

  public List<Import> imports() throws WasmFormatException {
    List<Import> out = new ArrayList<>();
    Optional<Section> s = section(IMPORT);
    if (s.isEmpty()) {
      return out;
    }
    Reader r = new Reader(s.get().content());
    long n = r.u32();
    for (long i = 0; i < n; i++) {
      String module = r.name();
      String name = r.name();
      int kind = r.u8();
      boolean mutable = false;
      Limits memory = null;
      switch (kind) {
        case KIND_FUNC -> r.u32();
        case KIND_TABLE -> {
          r.u8();
          r.limits();
        }
        case KIND_MEMORY -> memory = r.limits();
        case KIND_GLOBAL -> {
          r.u8();
          mutable = r.u8() == 1;
        }
        case 4 -> {
          r.u8();
          r.u32();
        }
        default -> throw new WasmFormatException("import " + i + " has kind " + kind);
      }
      out.add(new Import(module, name, kind, mutable, memory));
    }
    return out;
  }

  /** The import section with one memory import appended (after the existing imports). */
  public byte[] withMemoryImport(String module, String name, Limits limits)
      throws WasmFormatException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Optional<Section> s = section(IMPORT);
    if (s.isEmpty()) {
      u32(out, 1);
    } else {
      Reader r = new Reader(s.get().content());
      u32(out, r.u32() + 1);
      out.writeBytes(r.bytes(r.remaining()));
    }
    out.writeBytes(name(module));
    out.writeBytes(name(name));
    out.write(KIND_MEMORY);
    out.writeBytes(encodeLimits(limits));
    return out.toByteArray();
  }

  /** The limits of the memories the module imports. */
  public List<Limits> importedMemories() throws WasmFormatException {
    return imports().stream().filter(i -> i.kind() == KIND_MEMORY).map(Import::memory).toList();
  }

  public long importCount(int kind) throws WasmFormatException {
    return imports().stream().filter(i -> i.kind() == kind).count();
  }

  /** The type index of each function the module defines. */
  public List<Long> functionTypes() throws WasmFormatException {
    List<Long> out = new ArrayList<>();
    Optional<Section> s = section(FUNCTION);
    if (s.isEmpty()) {
      return out;
    }
    Reader r = new Reader(s.get().content());
    long n = r.u32();
    for (long i = 0; i < n; i++) {
      out.add(r.u32());
    }
    return out;
  }

  public static byte[] encodeFunctionTypes(List<Long> typeIndices) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u32(out, typeIndices.size());
    for (long t : typeIndices) {
      u32(out, t);
    }
    return out.toByteArray();
  }

  /** The memories the module defines. */
  public List<Limits> memories() throws WasmFormatException {
    List<Limits> out = new ArrayList<>();
    Optional<Section> s = section(MEMORY);
    if (s.isEmpty()) {
      return out;
    }
    Reader r = new Reader(s.get().content());
    long n = r.u32();
    for (long i = 0; i < n; i++) {
      out.add(r.limits());
    }
    return out;
  }

  public static byte[] encodeMemories(List<Limits> memories) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u32(out, memories.size());
    for (Limits l : memories) {
      out.writeBytes(encodeLimits(l));
    }
    return out.toByteArray();
  }

  public static byte[] encodeLimits(Limits limits) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(limits.flags());
    u32(out, limits.min());
    if (limits.hasMax()) {
      u32(out, limits.max());
    }
    return out.toByteArray();
  }

  /** The globals the module defines. */
  public List<Global> globals() throws WasmFormatException {
    List<Global> out = new ArrayList<>();
    Optional<Section> s = section(GLOBAL);
    if (s.isEmpty()) {
      return out;
    }
    Reader r = new Reader(s.get().content());
    long n = r.u32();
    for (long i = 0; i < n; i++) {
      int type = r.u8();
      boolean mutable = r.u8() == 1;
      out.add(new Global(type, mutable, r.constExpr()));
    }
    return out;
  }

  public static byte[] encodeGlobals(List<Global> globals) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u32(out, globals.size());
    for (Global g : globals) {
      out.write(g.valType());
      out.write(g.mutable() ? 1 : 0);
      out.writeBytes(g.init());
    }
    return out.toByteArray();
  }

  public List<Export> exports() throws WasmFormatException {
    List<Export> out = new ArrayList<>();
    Optional<Section> s = section(EXPORT);
    if (s.isEmpty()) {
      return out;
    }
    Reader r = new Reader(s.get().content());
    long n = r.u32();
    for (long i = 0; i < n; i++) {
      String name = r.name();
      int kind = r.u8();
      out.add(new Export(name, kind, r.u32()));
    }
    return out;
  }

  public Optional<Export> export(String name) throws WasmFormatException {
    return exports().stream().filter(e -> e.name().equals(name)).findFirst();
  }

  public static byte[] encodeExports(List<Export> exports) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u32(out, exports.size());
    for (Export e : exports) {
      byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
      u32(out, name.length);
      out.writeBytes(name);
      out.write(e.kind());
      u32(out, e.index());
    }
    return out.toByteArray();
  }

  /** The bodies of the functions the module defines (locals and code, without the size). */
  public List<byte[]> code() throws WasmFormatException {
    List<byte[]> out = new ArrayList<>();
    Optional<Section> s = section(CODE);
    if (s.isEmpty()) {
      return out;
    }
    Reader r = new Reader(s.get().content());
    long n = r.u32();
    for (long i = 0; i < n; i++) {
      long size = r.u32();
      if (size > r.remaining()) {
        throw new WasmFormatException("function body " + i + " runs past the code section");
      }
      out.add(r.bytes((int) size));
    }
    return out;
  }

  public static byte[] encodeCode(List<byte[]> bodies) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u32(out, bodies.size());
    for (byte[] body : bodies) {
      u32(out, body.length);
      out.writeBytes(body);
    }
    return out.toByteArray();
  }

  public List<DataSegment> data() throws WasmFormatException {
    List<DataSegment> out = new ArrayList<>();
    Optional<Section> s = section(DATA);
    if (s.isEmpty()) {
      return out;
    }
    Reader r = new Reader(s.get().content());
    long n = r.u32();
    for (long i = 0; i < n; i++) {
      long flags = r.u32();
      DataSegment segment;
      if (flags == 0) {
        byte[] offset = r.constExpr();
        segment = new DataSegment(false, 0, offset, r.bytes(r.size()));
      } else if (flags == 1) {
        segment = new DataSegment(true, 0, null, r.bytes(r.size()));
      } else if (flags == 2) {
        long memory = r.u32();
        byte[] offset = r.constExpr();
        segment = new DataSegment(false, memory, offset, r.bytes(r.size()));
      } else {
        throw new WasmFormatException("data segment " + i + " has flags " + flags);
      }
      out.add(segment);
    }
    return out;
  }

  public static byte[] encodeData(List<DataSegment> segments) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u32(out, segments.size());
    for (DataSegment d : segments) {
      if (d.passive()) {
        out.write(1);
      } else if (d.memory() == 0) {
        out.write(0);
        out.writeBytes(d.offset());
      } else {
        out.write(2);
        u32(out, d.memory());
        out.writeBytes(d.offset());
      }
      u32(out, d.bytes().length);
      out.writeBytes(d.bytes());
    }
    return out.toByteArray();
  }

  // ---- encoding helpers

  /** {@code i32.const value; end} */
  public static byte[] i32Const(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x41);
    s64(out, (int) value);
    out.write(0x0b);
    return out.toByteArray();
  }

  /** A constant expression of this type holding these raw bits. */
  public static byte[] constant(int valType, long bits) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    switch (valType) {
      case I32 -> {
        out.write(0x41);
        s64(out, (int) bits);
      }
      case I64 -> {
        out.write(0x42);
        s64(out, bits);
      }
      case F32 -> {
        out.write(0x43);
        for (int i = 0; i < 4; i++) {
          out.write((int) (bits >>> (8 * i)) & 0xff);
        }
      }
      case F64 -> {
        out.write(0x44);
        for (int i = 0; i < 8; i++) {
          out.write((int) (bits >>> (8 * i)) & 0xff);
        }
      }
      default -> throw new IllegalArgumentException("value type 0x" + hex(valType));
    }
    out.write(0x0b);
    return out.toByteArray();
  }

  public static byte[] name(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u32(out, bytes.length);
    out.writeBytes(bytes);
    return out.toByteArray();
  }

  public static void u32(ByteArrayOutputStream out, long value) {
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      out.write(value == 0 ? b : b | 0x80);
    } while (value != 0);
  }

  public static byte[] u32(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(5);
    u32(out, value);
    return out.toByteArray();
  }

  public static void s64(ByteArrayOutputStream out, long value) {
    while (true) {
      int b = (int) (value & 0x7f);
      value >>= 7;
      boolean done = (value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0);
      out.write(done ? b : b | 0x80);
      if (done) {
        return;
      }
    }
  }

  static String hex(int b) {
    return String.format("%02x", b);
  }

  /** Position in the specification's section order (custom sections go anywhere). */
  static int order(int id) {
    return switch (id) {
      case TYPE -> 1;
      case IMPORT -> 2;
      case FUNCTION -> 3;
      case TABLE -> 4;
      case MEMORY -> 5;
      case TAG -> 6;
      case GLOBAL -> 7;
      case EXPORT -> 8;
      case START -> 9;
      case ELEMENT -> 10;
      case DATA_COUNT -> 11;
      case CODE -> 12;
      case DATA -> 13;
      default -> 0;
    };
  }

  /** A cursor over bytes; every read checks the bounds. */
  static final class Reader {
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

    int u8() throws WasmFormatException {
      if (pos >= end) {
        throw new WasmFormatException("unexpected end of the module");
      }
      return bytes[pos++] & 0xff;
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

    int size() throws WasmFormatException {
      long n = u32();
      if (n > remaining()) {
        throw new WasmFormatException("a vector of " + n + " bytes runs past its section");
      }
      return (int) n;
    }

    byte[] bytes(int n) throws WasmFormatException {
      if (n < 0 || n > remaining()) {
        throw new WasmFormatException("unexpected end of the module");
      }
      byte[] out = Arrays.copyOfRange(bytes, pos, pos + n);
      pos += n;
      return out;
    }

    String name() throws WasmFormatException {
      return new String(bytes(size()), StandardCharsets.UTF_8);
    }

    byte[] valTypes() throws WasmFormatException {
      return bytes(size());
    }

    Limits limits() throws WasmFormatException {
      int flags = u8();
      if ((flags & ~0x03) != 0) {
        throw new WasmFormatException(
            "memory limits with flags 0x" + hex(flags) + " (64-bit or shared memory)");
      }
      long min = u32();
      long max = (flags & 1) != 0 ? u32() : -1;
      return new Limits(flags, min, max);
    }

    /**
     * A constant expression up to and including its {@code end}: the MVP's constants and {@code
     * global.get}, plus {@code ref.null}/{@code ref.func}.
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
          case 0x43 -> bytes(4);
          case 0x44 -> bytes(8);
          case 0x23, 0xd2 -> u32();
          case 0xd0 -> u8();
          case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e -> {} // extended constant expressions
          default ->
              throw new WasmFormatException(
                  "instruction 0x" + hex(op) + " in a constant expression");
        }
      }
    }
  }
}
