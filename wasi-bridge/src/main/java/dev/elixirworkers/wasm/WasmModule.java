package dev.elixirworkers.wasm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A WebAssembly 1.0 binary as its list of sections, with readers and writers for the sections the
 * JVM host's {@code MemoryCap} and the snapshotter change (types, imports, functions, memory,
 * globals, exports, start, elements, code, data count, data). Other sections are kept as they are,
 * in their place.
 *
 * <p>Only what those callers need is decoded; function bodies stay bytes, which {@link
 * InstructionWalker} reads. The binary format is the WebAssembly core specification's, section 5.
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

  /** A function type; one byte per value type (the numeric and reference types). */
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

  /**
   * Memory limits in pages, as written: {@code max} is -1 when absent; {@code flags} may also say
   * shared (bit 1) or 64-bit (bit 2), which callers judge.
   */
  public record Limits(int flags, long min, long max) {
    public boolean hasMax() {
      return (flags & 1) != 0;
    }

    public boolean is64Bit() {
      return (flags & 4) != 0;
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

  /**
   * A module with the same sections, to change without changing this one (their bytes are shared: a
   * change replaces a section, none is changed in place).
   */
  public WasmModule copy() {
    return new WasmModule(new ArrayList<>(sections));
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

  /** How many items the vector section with this id holds (0 when there is none). */
  public long count(int id) throws WasmFormatException {
    Optional<Section> s = section(id);
    return s.isEmpty() ? 0 : new Reader(s.get().content()).u32();
  }

  /**
   * Appends encoded items to the vector section with this id, which is made, in its place, when the
   * module has none. The items already there stay as they are, byte for byte.
   */
  public void appendItems(int id, List<byte[]> items) throws WasmFormatException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Optional<Section> s = section(id);
    if (s.isEmpty()) {
      u32(out, items.size());
    } else {
      Reader r = new Reader(s.get().content());
      u32(out, r.u32() + items.size());
      out.writeBytes(r.bytes(r.remaining()));
    }
    items.forEach(out::writeBytes);
    put(id, out.toByteArray());
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

  /** Reads one item of a vector section; {@code i} is its index, for error messages. */
  @FunctionalInterface
  private interface Item<T> {
    T read(Reader r, long i) throws WasmFormatException;
  }

  /** The items of the vector section with this id (none when there is no such section). */
  private <T> List<T> items(int id, Item<T> item) throws WasmFormatException {
    List<T> out = new ArrayList<>();
    Optional<Section> s = section(id);
    if (s.isEmpty()) {
      return out;
    }
    Reader r = new Reader(s.get().content());
    long n = r.u32();
    for (long i = 0; i < n; i++) {
      out.add(item.read(r, i));
    }
    return out;
  }

  public List<FuncType> types() throws WasmFormatException {
    return items(
        TYPE,
        (r, i) -> {
          int form = r.u8();
          if (form != 0x60) {
            throw new WasmFormatException(
                "type " + i + " is not a function type (0x" + hex(form) + ")");
          }
          byte[] params = r.bytes(r.size());
          return new FuncType(params, r.bytes(r.size()));
        });
  }

  public static byte[] encodeTypes(List<FuncType> types) {
    return vector(types.stream().map(WasmModule::encodeType).toList());
  }

  public static byte[] encodeType(FuncType type) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x60);
    u32(out, type.params().length);
    out.writeBytes(type.params());
    u32(out, type.results().length);
    out.writeBytes(type.results());
    return out.toByteArray();
  }

  public List<Import> imports() throws WasmFormatException {
    return items(IMPORT, WasmModule::readImport);
  }

  private static Import readImport(Reader r, long i) throws WasmFormatException {
    String module = r.name();
    String name = r.name();
    int kind = r.u8();
    boolean mutable = false;
    Limits memory = null;
    switch (kind) {
      case KIND_FUNC -> r.u32();
      case KIND_TABLE -> {
        r.valType();
        r.limits();
      }
      case KIND_MEMORY -> memory = r.limits();
      case KIND_GLOBAL -> {
        r.valType();
        mutable = r.u8() == 1;
      }
      case 4 -> { // a tag: its attribute and type
        r.u8();
        r.u32();
      }
      default -> throw new WasmFormatException("import " + i + " has kind " + kind);
    }
    return new Import(module, name, kind, mutable, memory);
  }

  /** One import of a memory with these limits, for {@link #appendItems}. */
  public static byte[] encodeMemoryImport(String module, String name, Limits limits) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
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
    return items(FUNCTION, (r, i) -> r.u32());
  }

  public static byte[] encodeFunctionTypes(List<Long> typeIndices) {
    return vector(typeIndices.stream().map(WasmModule::u32).toList());
  }

  /** The memories the module defines. */
  public List<Limits> memories() throws WasmFormatException {
    return items(MEMORY, (r, i) -> r.limits());
  }

  public static byte[] encodeMemories(List<Limits> memories) {
    return vector(memories.stream().map(WasmModule::encodeLimits).toList());
  }

  private static byte[] encodeLimits(Limits limits) {
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
    return items(
        GLOBAL,
        (r, i) -> {
          int type = r.u8();
          boolean mutable = r.u8() == 1;
          return new Global(type, mutable, r.constExpr());
        });
  }

  public static byte[] encodeGlobals(List<Global> globals) {
    return vector(globals.stream().map(WasmModule::encodeGlobal).toList());
  }

  public static byte[] encodeGlobal(Global global) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(global.valType());
    out.write(global.mutable() ? 1 : 0);
    out.writeBytes(global.init());
    return out.toByteArray();
  }

  public List<Export> exports() throws WasmFormatException {
    return items(
        EXPORT,
        (r, i) -> {
          String name = r.name();
          int kind = r.u8();
          return new Export(name, kind, r.u32());
        });
  }

  public Optional<Export> export(String name) throws WasmFormatException {
    return exports().stream().filter(e -> e.name().equals(name)).findFirst();
  }

  public static byte[] encodeExports(List<Export> exports) {
    return vector(exports.stream().map(WasmModule::encodeExport).toList());
  }

  public static byte[] encodeExport(Export export) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(name(export.name()));
    out.write(export.kind());
    u32(out, export.index());
    return out.toByteArray();
  }

  /** The function the start section names. */
  public Optional<Long> startFunction() throws WasmFormatException {
    Optional<Section> s = section(START);
    return s.isEmpty() ? Optional.empty() : Optional.of(new Reader(s.get().content()).u32());
  }

  /**
   * Every function an element segment names, by index or by {@code ref.func}, for each of the eight
   * segment encodings.
   */
  public List<Long> elementFunctions() throws WasmFormatException {
    return items(ELEMENT, WasmModule::segmentFunctions).stream().flatMap(List::stream).toList();
  }

  private static List<Long> segmentFunctions(Reader r, long i) throws WasmFormatException {
    long flags = r.u32();
    if (flags > 7) {
      throw new WasmFormatException("element segment with flags " + flags);
    }
    boolean active = (flags & 1) == 0;
    boolean explicitTable = (flags & 2) != 0;
    boolean expressions = (flags & 4) != 0;
    if (active && explicitTable) {
      r.u32(); // table
    }
    if (active) {
      r.constExpr(); // offset
    }
    if (!active || explicitTable) {
      r.u8(); // element kind (0x00: funcref) or reference type
    }
    List<Long> out = new ArrayList<>();
    long n = r.u32();
    for (long e = 0; e < n; e++) {
      if (expressions) {
        out.addAll(refFuncs(r.constExpr()));
      } else {
        out.add(r.u32());
      }
    }
    return out;
  }

  /** The functions a constant expression names with {@code ref.func}. */
  public static List<Long> refFuncs(byte[] constExpr) throws WasmFormatException {
    List<Long> out = new ArrayList<>();
    InstructionWalker code = InstructionWalker.over(constExpr);
    while (code.next()) {
      if (!code.known()) {
        throw new WasmFormatException(
            "instruction 0x" + hex(code.opcode()) + " in a constant expression");
      }
      if (code.opcode() == InstructionWalker.REF_FUNC) {
        out.add(code.index());
      }
    }
    return out;
  }

  /** The bodies of the functions the module defines (locals and code, without the size). */
  public List<byte[]> code() throws WasmFormatException {
    return items(
        CODE,
        (r, i) -> {
          long size = r.u32();
          if (size > r.remaining()) {
            throw new WasmFormatException("function body " + i + " runs past the code section");
          }
          return r.bytes((int) size);
        });
  }

  public static byte[] encodeCode(List<byte[]> bodies) {
    return vector(bodies.stream().map(body -> concat(u32(body.length), body)).toList());
  }

  /** A vector: the count, then the encoded items. */
  private static byte[] vector(List<byte[]> items) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u32(out, items.size());
    items.forEach(out::writeBytes);
    return out.toByteArray();
  }

  private static byte[] concat(byte[] first, byte[] second) {
    byte[] out = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, out, first.length, second.length);
    return out;
  }

  public List<DataSegment> data() throws WasmFormatException {
    return items(
        DATA,
        (r, i) -> {
          long flags = r.u32();
          if (flags == 0) {
            byte[] offset = r.constExpr();
            return new DataSegment(false, 0, offset, r.bytes(r.size()));
          } else if (flags == 1) {
            return new DataSegment(true, 0, null, r.bytes(r.size()));
          } else if (flags == 2) {
            long memory = r.u32();
            byte[] offset = r.constExpr();
            return new DataSegment(false, memory, offset, r.bytes(r.size()));
          }
          throw new WasmFormatException("data segment " + i + " has flags " + flags);
        });
  }

  public static byte[] encodeData(List<DataSegment> segments) {
    return vector(segments.stream().map(WasmModule::encodeDataSegment).toList());
  }

  private static byte[] encodeDataSegment(DataSegment d) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
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

  private static void s64(ByteArrayOutputStream out, long value) {
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
  private static int order(int id) {
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
}
