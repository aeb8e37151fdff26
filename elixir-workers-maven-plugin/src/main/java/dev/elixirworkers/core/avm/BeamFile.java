package dev.elixirworkers.core.avm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A parsed BEAM module: the IFF container ({@code FOR1 <size> BEAM}, then 4-byte aligned chunks),
 * its atom, import and export tables, and its literals. {@link #stripped(boolean)} rewrites it with
 * only the chunks AtomVM reads, literals uncompressed, the way AtomVM's packbeam does.
 */
public final class BeamFile {

  /**
   * The chunks AtomVM 0.7 reads ({@code src/libAtomVM/iff.c}), minus {@code Line}, {@code LitT} and
   * {@code Type}: literals are stored uncompressed as {@code LitU} so the VM needs no zlib, and
   * only the JIT reads {@code Type} (through {@code code_server}'s type resolver), which the WASI
   * build does not have (2.4 % of the example's app.avm).
   */
  public static final Set<String> ATOMVM_CHUNKS =
      Collections.unmodifiableSet(
          new LinkedHashSet<>(
              List.of("AtU8", "Code", "ExpT", "LocT", "ImpT", "LitU", "FunT", "StrT", "avmN")));

  /** Line numbers for stack traces; AtomVM reads it when present. Kept only on request. */
  public static final String LINE_CHUNK = "Line";

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
  private LiteralReferences literalReferences;

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

  /** Atoms and external-fun modules that occur inside literals (which the atom table omits). */
  public LiteralReferences literalReferences() {
    if (literalReferences == null) {
      literalReferences =
          uncompressedLiterals()
              .map(bytes -> LiteralReferences.scan(bytes, origin))
              .orElse(LiteralReferences.NONE);
    }
    return literalReferences;
  }

  /**
   * This module rewritten for AtomVM: only {@link #ATOMVM_CHUNKS} (plus {@code Line} when asked),
   * in their original order, {@code LitT} replaced in place by {@code LitU}, and a latin-1 {@code
   * Atom} table (pre-OTP 20) converted to {@code AtU8}.
   */
  public byte[] stripped(boolean keepLineTable) {
    List<Chunk> kept = new ArrayList<>();
    boolean hasAtU8 = chunk("AtU8").isPresent();
    boolean hasLitU = chunk("LitU").isPresent();
    for (Chunk chunk : chunks) {
      String id = chunk.id();
      if (id.equals("LitT")) {
        if (!hasLitU) {
          kept.add(new Chunk("LitU", uncompressedLiterals().orElseThrow()));
        }
      } else if (id.equals("Atom")) {
        if (!hasAtU8) {
          kept.add(new Chunk("AtU8", latin1AtomsToUtf8(chunk.data())));
        }
      } else if (ATOMVM_CHUNKS.contains(id) || (keepLineTable && id.equals(LINE_CHUNK))) {
        kept.add(chunk);
      }
    }
    return build(kept);
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
        int length = compactLengths ? readCompactLength(in) : Byte.toUnsignedInt(in.get());
        byte[] name = new byte[length];
        in.get(name);
        result.add(new String(name, charset));
      }
      return result;
    } catch (RuntimeException e) {
      throw new BeamFormatException(origin + ": damaged atom table", e);
    }
  }

  private int readCompactLength(ByteBuffer in) {
    int b0 = Byte.toUnsignedInt(in.get());
    if ((b0 & 0x08) == 0) {
      return b0 >>> 4;
    }
    if ((b0 & 0x10) == 0) {
      return ((b0 >>> 5) << 8) | Byte.toUnsignedInt(in.get());
    }
    throw new BeamFormatException(origin + ": atom length encoding not supported");
  }

  private byte[] latin1AtomsToUtf8(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 16);
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

  private String atom(int index) {
    if (index < 1 || index > atoms.size()) {
      throw new BeamFormatException(origin + ": atom index " + index + " out of range");
    }
    return atoms.get(index - 1);
  }

  private List<Import> parseImports() {
    Optional<byte[]> data = chunk("ImpT");
    if (data.isEmpty()) {
      return List.of();
    }
    ByteBuffer in = ByteBuffer.wrap(data.get());
    try {
      int count = in.getInt();
      List<Import> result = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        result.add(new Import(atom(in.getInt()), atom(in.getInt()), in.getInt()));
      }
      return result;
    } catch (RuntimeException e) {
      if (e instanceof BeamFormatException bfe) {
        throw bfe;
      }
      throw new BeamFormatException(origin + ": damaged import table", e);
    }
  }

  private List<Export> parseExports() {
    Optional<byte[]> data = chunk("ExpT");
    if (data.isEmpty()) {
      return List.of();
    }
    ByteBuffer in = ByteBuffer.wrap(data.get());
    try {
      int count = in.getInt();
      List<Export> result = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        result.add(new Export(atom(in.getInt()), in.getInt(), in.getInt()));
      }
      return result;
    } catch (RuntimeException e) {
      if (e instanceof BeamFormatException bfe) {
        throw bfe;
      }
      throw new BeamFormatException(origin + ": damaged export table", e);
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

  static int align4(int size) {
    return (size + 3) & ~3;
  }

  private static String ascii(byte[] bytes, int offset, int length) {
    return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
  }
}
