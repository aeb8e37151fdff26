package dev.elixirworkers.core.beam;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A module's {@code Line} chunk: the line and file of each line item, which the {@code line}
 * instructions of the code name by index (1-based; item 0 is "unknown"), and the names of the
 * files. File 0 is the module's source, from the compile info ({@code CInf}).
 */
public final class LineTable {
  private final int[] lines;
  private final int[] files;
  private final List<String> names;

  private LineTable(int[] lines, int[] files, List<String> names) {
    this.lines = lines;
    this.files = files;
    this.names = names;
  }

  /**
   * The line table of {@code beam}; one without lines when it has no (known) {@code Line} chunk.
   */
  public static LineTable of(BeamFile beam) {
    List<String> names = new ArrayList<>();
    names.add(source(beam));
    Optional<byte[]> chunk = beam.chunk("Line");
    if (chunk.isEmpty()) {
      return new LineTable(new int[1], new int[1], names);
    }
    try {
      ByteBuffer in = ByteBuffer.wrap(chunk.get());
      int version = in.getInt();
      if (version != 0) {
        return new LineTable(new int[1], new int[1], names);
      }
      in.getInt(); // flags
      in.getInt(); // line instructions
      int items = in.getInt();
      int fileCount = in.getInt();
      int[] lines = new int[items + 1];
      int[] files = new int[items + 1];
      int file = 0;
      int i = 1;
      while (i <= items) {
        // an atom operand switches to another file for the items after it
        Operand item = CompactTerms.read(in);
        if (item.kind() == Operand.Kind.ATOM) {
          file = (int) item.value();
        } else {
          lines[i] = (int) item.value();
          files[i] = file;
          i++;
        }
      }
      for (int f = 0; f < fileCount; f++) {
        byte[] name = new byte[Short.toUnsignedInt(in.getShort())];
        in.get(name);
        names.add(new String(name, StandardCharsets.UTF_8));
      }
      return new LineTable(lines, files, names);
    } catch (RuntimeException e) {
      throw new BeamFormatException("damaged Line chunk in module " + beam.module(), e);
    }
  }

  /** The line of line item {@code item}; 0 when unknown. */
  public int line(int item) {
    return item > 0 && item < lines.length ? lines[item] : 0;
  }

  /** The file of line item {@code item}; the module's source when unknown. */
  public String fileOfItem(int item) {
    return file(item > 0 && item < files.length ? files[item] : 0);
  }

  /** File {@code index} of the table; the module's source when there is no such file. */
  public String file(int index) {
    return index >= 0 && index < names.size() ? names.get(index) : names.get(0);
  }

  /** The source file from the compile info ({@code CInf}), or the module name. */
  private static String source(BeamFile beam) {
    Optional<byte[]> cinf = beam.chunk("CInf");
    if (cinf.isPresent()) {
      try {
        Object info = ExternalTerms.decode(cinf.get());
        if (info instanceof List<?> list) {
          for (Object entry : list) {
            if (entry instanceof ExternalTerms.Tuple t
                && t.elements().size() == 2
                && t.elements().get(0) instanceof ExternalTerms.Atom key
                && key.name().equals("source")) {
              String text = ExternalTerms.text(t.elements().get(1));
              if (text != null) {
                return text;
              }
            }
          }
        }
      } catch (RuntimeException e) {
        // fall back to the module name
      }
    }
    return beam.module();
  }
}
