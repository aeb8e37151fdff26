package dev.elixirworkers.core.beam;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A parsed BEAM module: the IFF container ({@code FOR1 <size> BEAM}, then 4-byte aligned chunks),
 * its atom, import and export tables, its other tables of 32-bit fields and its literals. The code
 * is read by {@link CodeChunk}, the {@code Line} chunk by {@link LineTable}.
 */
public final class BeamFile {

  /** One IFF chunk. The array is shared, not copied: treat it as read-only. */
  public record Chunk(String id, byte[] data) {
    public Chunk {
      if (id.length() != 4) {
        throw new IllegalArgumentException("chunk ids have 4 characters: " + id);
      }
    }
  }

  /** An entry of the {@code ImpT} table: a function this module calls in another module. */
  public record Import(String module, String function, int arity) {}

  /** An entry of the {@code ExpT} table. */
  public record Export(String function, int arity, int label) {}

  private final String origin;
  private final List<Chunk> chunks;
  private final List<String> atoms;
  private final List<Import> imports;
  private final List<Export> exports;
  private byte[] literals;

  private BeamFile(String origin, List<Chunk> chunks) {
    this.origin = origin;
    this.chunks = List.copyOf(chunks);
    this.atoms = List.copyOf(parseAtoms());
    if (atoms.isEmpty()) {
      throw new BeamFormatException(origin + ": the atom table is empty (no module name)");
    }
    this.imports = List.copyOf(parseImports());
    this.exports = List.copyOf(parseExports());
  }

  /** Reads and parses a {@code .beam} file. */
  public static BeamFile read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + file, e);
    }
    return parse(bytes, file.toString());
  }

  /**
   * Parses BEAM bytes. {@code origin} names the bytes in error messages (a path, or an archive
   * entry).
   */
  public static BeamFile parse(byte[] bytes, String origin) {
    if (bytes.length < 12
        || !ascii(bytes, 0, 4).equals("FOR1")
        || !ascii(bytes, 8, 4).equals("BEAM")) {
      throw new BeamFormatException(origin + " is not a BEAM file (no FOR1/BEAM header)");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    long formSize = Integer.toUnsignedLong(buffer.getInt(4));
    if (formSize + 8 > bytes.length) {
      throw new BeamFormatException(
          origin
              + " is truncated: its header announces "
              + (formSize + 8)
              + " bytes, the file has "
              + bytes.length);
    }
    int end = (int) (formSize + 8);
    List<Chunk> chunks = new ArrayList<>();
    int pos = 12;
    while (pos + 8 <= end) {
      String id = ascii(bytes, pos, 4);
      long size = Integer.toUnsignedLong(buffer.getInt(pos + 4));
      if (pos + 8 + size > end) {
        throw new BeamFormatException(
            origin + ": chunk " + id + " at offset " + pos + " runs past the end of the module");
      }
      byte[] data = new byte[(int) size];
      System.arraycopy(bytes, pos + 8, data, 0, (int) size);
      chunks.add(new Chunk(id, data));
      pos += 8 + align4((int) size);
    }
    return new BeamFile(origin, chunks);
  }

  /** Builds a BEAM container from chunks, in the order given, each padded to 4 bytes. */
  public static byte[] build(List<Chunk> chunks) {
    int body = 4;
    for (Chunk chunk : chunks) {
      body += 8 + align4(chunk.data().length);
    }
    ByteBuffer out = ByteBuffer.allocate(8 + body);
    out.put("FOR1".getBytes(StandardCharsets.US_ASCII));
    out.putInt(body);
    out.put("BEAM".getBytes(StandardCharsets.US_ASCII));
    for (Chunk chunk : chunks) {
      out.put(chunk.id().getBytes(StandardCharsets.US_ASCII));
      out.putInt(chunk.data().length);
      out.put(chunk.data());
      out.position(out.position() + align4(chunk.data().length) - chunk.data().length);
    }
    return out.array();
  }

  /** What the bytes were read from (a path, or an archive entry), for messages. */
  public String origin() {
    return origin;
  }

  /** The module's name: atom 1. */
  public String module() {
    return atoms.get(0);
  }

  /** The atom table; element 0 is atom index 1. */
  public List<String> atoms() {
    return atoms;
  }

  public List<Import> imports() {
    return imports;
  }

  /** The modules named by the import table, sorted. */
  public Set<String> importedModules() {
    Set<String> modules = new TreeSet<>();
    for (Import entry : imports) {
      modules.add(entry.module());
    }
    return modules;
  }

  public List<Export> exports() {
    return exports;
  }

  public boolean exports(String function, int arity) {
    return exports.stream().anyMatch(e -> e.function().equals(function) && e.arity() == arity);
  }

  public List<Chunk> chunks() {
    return chunks;
  }

  public List<String> chunkIds() {
    return chunks.stream().map(Chunk::id).toList();
  }

  public Optional<byte[]> chunk(String id) {
    return chunks.stream().filter(c -> c.id().equals(id)).map(Chunk::data).findFirst();
  }

  /**
   * The literal table without compression: the {@code LitU} chunk, or {@code LitT} inflated (its
   * first four bytes give the inflated size; zero means the rest is stored as is). Empty when the
   * module has no literals.
   */
  public Optional<byte[]> uncompressedLiterals() {
    if (literals == null) {
      Optional<byte[]> litU = chunk("LitU");
      if (litU.isPresent()) {
        literals = litU.get();
      } else {
        Optional<byte[]> litT = chunk("LitT");
        if (litT.isEmpty()) {
          return Optional.empty();
        }
        literals = inflateLitT(litT.get());
      }
    }
    return Optional.of(literals);
  }

  /**
   * The literal table's terms, by index (what a {@code Code} chunk's literal operands count), each
   * in the external term format with its version byte; empty when the module has no literals.
   */
  public List<byte[]> literals() {
    Optional<byte[]> table = uncompressedLiterals();
    if (table.isEmpty()) {
      return List.of();
    }
    ByteBuffer in = ByteBuffer.wrap(table.get());
    try {
      int count = in.getInt();
      List<byte[]> terms = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        byte[] term = new byte[in.getInt()];
        in.get(term);
        terms.add(term);
      }
      return terms;
    } catch (RuntimeException e) {
      throw new BeamFormatException(origin + ": damaged literal table", e);
    }
  }

  /**
   * A table chunk of {@code fieldsPerEntry} 32-bit fields per entry after a 32-bit count ({@code
   * ExpT}, {@code LocT} and {@code ImpT}: 3; {@code FunT}: 6), as read; empty when there is none.
   */
  public List<int[]> table(String id, int fieldsPerEntry) {
    return entries(id, fieldsPerEntry, id + " table");
  }

  /** A table chunk with {@code entries} as its entries, each an array of the same length. */
  public static byte[] tableChunk(List<int[]> entries) {
    int width = entries.isEmpty() ? 0 : entries.get(0).length;
    ByteBuffer out = ByteBuffer.allocate(4 + 4 * width * entries.size());
    out.putInt(entries.size());
    for (int[] entry : entries) {
      for (int field : entry) {
        out.putInt(field);
      }
    }
    return out.array();
  }

  /** A {@code LitU} chunk with {@code literals}, each a term with its version byte, by index. */
  public static byte[] literalChunk(List<byte[]> literals) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(4).putInt(literals.size()).array());
    for (byte[] term : literals) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(term.length).array());
      out.writeBytes(term);
    }
    return out.toByteArray();
  }

  /** An {@code AtU8} chunk with {@code atoms} (1-byte lengths, as before OTP 28). */
  public static byte[] atomChunk(List<String> atoms, String origin) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(4).putInt(atoms.size()).array());
    for (String atom : atoms) {
      byte[] bytes = atom.getBytes(StandardCharsets.UTF_8);
      if (bytes.length > 255) {
        throw new BeamFormatException(origin + ": atom too long for AtU8: " + atom);
      }
      out.write(bytes.length);
      out.writeBytes(bytes);
    }
    return out.toByteArray();
  }

  @Override
  public String toString() {
    return "BeamFile[" + module() + " from " + origin + ", chunks " + chunkIds() + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private List<String> parseAtoms() {
    Optional<byte[]> utf8 = chunk("AtU8");
    Optional<byte[]> latin1 = chunk("Atom");
    if (utf8.isEmpty() && latin1.isEmpty()) {
      throw new BeamFormatException(origin + " has no atom table (AtU8 chunk)");
    }
    byte[] data = utf8.isPresent() ? utf8.get() : latin1.get();
    var charset = utf8.isPresent() ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
    ByteBuffer in = ByteBuffer.wrap(data);
    try {
      int count = in.getInt();
      // OTP 28 writes a negative count when lengths use the compact encoding (long atoms).
      boolean compactLengths = count < 0;
      count = Math.abs(count);
      List<String> result = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int length =
            compactLengths ? (int) CompactTerms.read(in).value() : Byte.toUnsignedInt(in.get());
        byte[] name = new byte[length];
        in.get(name);
        result.add(new String(name, charset));
      }
      return result;
    } catch (RuntimeException e) {
      throw new BeamFormatException(origin + ": damaged atom table", e);
    }
  }

  private String atom(int index) {
    if (index < 1 || index > atoms.size()) {
      throw new BeamFormatException(origin + ": atom index " + index + " out of range");
    }
    return atoms.get(index - 1);
  }

  private List<Import> parseImports() {
    List<Import> result = new ArrayList<>();
    for (int[] e : entries("ImpT", 3, "import table")) {
      result.add(new Import(atom(e[0]), atom(e[1]), e[2]));
    }
    return result;
  }

  private List<Export> parseExports() {
    List<Export> result = new ArrayList<>();
    for (int[] e : entries("ExpT", 3, "export table")) {
      result.add(new Export(atom(e[0]), e[1], e[2]));
    }
    return result;
  }

  private List<int[]> entries(String id, int fieldsPerEntry, String what) {
    Optional<byte[]> data = chunk(id);
    if (data.isEmpty()) {
      return List.of();
    }
    ByteBuffer in = ByteBuffer.wrap(data.get());
    try {
      int count = in.getInt();
      List<int[]> entries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int[] entry = new int[fieldsPerEntry];
        for (int k = 0; k < fieldsPerEntry; k++) {
          entry[k] = in.getInt();
        }
        entries.add(entry);
      }
      return entries;
    } catch (RuntimeException e) {
      throw new BeamFormatException(origin + ": damaged " + what, e);
    }
  }

  private byte[] inflateLitT(byte[] litT) {
    if (litT.length < 4) {
      throw new BeamFormatException(origin + ": LitT chunk too short");
    }
    int size = ByteBuffer.wrap(litT).getInt();
    if (size == 0) {
      byte[] raw = new byte[litT.length - 4];
      System.arraycopy(litT, 4, raw, 0, raw.length);
      return raw;
    }
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(litT, 4, litT.length - 4);
      byte[] out = new byte[size];
      int n = 0;
      while (n < size && !inflater.finished()) {
        int read = inflater.inflate(out, n, size - n);
        if (read == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        n += read;
      }
      if (n != size) {
        throw new BeamFormatException(
            origin + ": LitT inflated to " + n + " bytes, header says " + size);
      }
      return out;
    } catch (DataFormatException e) {
      throw new BeamFormatException(origin + ": LitT is not valid zlib data", e);
    } finally {
      inflater.end();
    }
  }

  private static int align4(int size) {
    return (size + 3) & ~3;
  }

  private static String ascii(byte[] bytes, int offset, int length) {
    return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
  }
}
