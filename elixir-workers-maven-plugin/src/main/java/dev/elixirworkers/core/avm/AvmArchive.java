package dev.elixirworkers.core.avm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The AtomVM archive format ({@code .avm}), as {@code src/libAtomVM/avmpack.c} reads it.
 *
 * <pre>
 * header   24 bytes: "#!/usr/bin/env AtomVM\n" and two NUL bytes
 * section  size:u32be  flags:u32be  reserved:u32be (0)  name NUL-terminated, padded to 4
 *          payload (a BEAM module for code sections), padded to 4
 *          (size counts the whole section, header included)
 * end      size 0, flags 0, reserved 0, name "end"
 * </pre>
 *
 * The VM starts the first section carrying {@link #BEAM_START_FLAG} and loads other modules by
 * section name ({@code <module>.beam}).
 */
public final class AvmArchive {
  /** The module AtomVM starts (calls {@code start/0} of). */
  public static final int BEAM_START_FLAG = 1;

  /** The section holds a BEAM module. */
  public static final int BEAM_CODE_FLAG = 2;

  /** The section holds a plain file (packbeam prefixes the data with its u32 size). */
  public static final int NORMAL_FILE_FLAG = 4;

  static final byte[] HEADER = "#!/usr/bin/env AtomVM\n\0\0".getBytes(StandardCharsets.US_ASCII);

  static final String END_NAME = "end";

  /**
   * One section of an archive.
   *
   * @param name the section name, e.g. {@code Elixir.HelloWorker.beam}
   * @param flags {@link #BEAM_START_FLAG}, {@link #BEAM_CODE_FLAG}, {@link #NORMAL_FILE_FLAG}
   * @param size the section's size field: header, padded name, payload and padding
   * @param data the payload: for a BEAM section exactly the module (trailing padding removed),
   *     otherwise everything up to the section's end
   */
  public record Section(String name, int flags, int size, byte[] data) {
    public boolean isStart() {
      return (flags & BEAM_START_FLAG) != 0;
    }

    public boolean isBeam() {
      return (flags & BEAM_CODE_FLAG) != 0;
    }

    /** The module name for a BEAM section ({@code name} without {@code .beam}). */
    public String moduleName() {
      return name.endsWith(".beam") ? name.substring(0, name.length() - 5) : name;
    }

    @Override
    public String toString() {
      return String.format("%s (flags %d, %d bytes)", name, flags, size);
    }
  }

  /** A section to write: name, flags and payload. */
  public record Entry(String name, int flags, byte[] data) {}

  private final List<Section> sections;

  private AvmArchive(List<Section> sections) {
    this.sections = List.copyOf(sections);
  }

  public static AvmArchive read(Path file) {
    try {
      return parse(Files.readAllBytes(file), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + file, e);
    }
  }

  public static AvmArchive parse(byte[] bytes, String origin) {
    if (bytes.length < HEADER.length
        || !Arrays.equals(bytes, 0, HEADER.length, HEADER, 0, HEADER.length)) {
      throw new PackException(origin + " is not an AtomVM archive (bad header)");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    List<Section> sections = new ArrayList<>();
    int offset = HEADER.length;
    while (true) {
      if (offset + 12 > bytes.length) {
        throw new PackException(origin + " ends without an end section");
      }
      long size = Integer.toUnsignedLong(in.getInt(offset));
      int flags = in.getInt(offset + 4);
      if (size == 0) {
        break;
      }
      if (size < 16 || offset + size > bytes.length) {
        throw new PackException(
            origin + ": section at offset " + offset + " has an impossible size " + size);
      }
      int nameStart = offset + 12;
      int nameEnd = nameStart;
      while (nameEnd < offset + size && bytes[nameEnd] != 0) {
        nameEnd++;
      }
      String name = new String(bytes, nameStart, nameEnd - nameStart, StandardCharsets.UTF_8);
      int dataStart = offset + align4(12 + (nameEnd - nameStart) + 1);
      int dataEnd = (int) (offset + size);
      if ((flags & BEAM_CODE_FLAG) != 0 && dataStart + 8 <= dataEnd) {
        long form = Integer.toUnsignedLong(in.getInt(dataStart + 4));
        dataEnd = (int) Math.min(dataEnd, dataStart + 8 + form);
      }
      sections.add(
          new Section(name, flags, (int) size, Arrays.copyOfRange(bytes, dataStart, dataEnd)));
      offset += (int) size;
    }
    return new AvmArchive(sections);
  }

  /** Serialises entries in the order given, followed by the end section. */
  public static byte[] write(List<Entry> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(HEADER);
    for (Entry entry : entries) {
      writeSection(out, entry.name(), entry.flags(), entry.data());
    }
    ByteBuffer end = ByteBuffer.allocate(16);
    end.putInt(0).putInt(0).putInt(0).put(END_NAME.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(end.array());
    return out.toByteArray();
  }

  private static void writeSection(ByteArrayOutputStream out, String name, int flags, byte[] data) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    int header = align4(12 + nameBytes.length + 1);
    int size = header + align4(data.length);
    ByteBuffer section = ByteBuffer.allocate(size);
    section.putInt(size).putInt(flags).putInt(0).put(nameBytes);
    section.position(header);
    section.put(data);
    out.writeBytes(section.array());
  }

  public List<Section> sections() {
    return sections;
  }

  public Optional<Section> section(String name) {
    return sections.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** Section names in archive order. */
  public List<String> names() {
    return sections.stream().map(Section::name).toList();
  }

  private static int align4(int size) {
    return (size + 3) & ~3;
  }
}
