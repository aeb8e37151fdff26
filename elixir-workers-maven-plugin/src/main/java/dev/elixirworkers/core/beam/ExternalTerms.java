package dev.elixirworkers.core.beam;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A reader of the Erlang external term format, for the terms a compiler writes into a BEAM file
 * (compile info, literals). Terms become Java values: {@link Atom}, {@link Long} or {@link
 * BigInteger}, {@link Double}, {@code byte[]} for binaries, {@link List} (a proper list; {@link
 * ImproperList} otherwise), {@link Tuple}, {@link Map}, {@link ExportFun}, {@link LocalFun}; pids,
 * ports and references become {@link Opaque}. {@link #withExportFunsReplaced} writes a term back
 * with the external funs in it pointed elsewhere, the one change the packer makes to literals.
 */
public final class ExternalTerms {
  private ExternalTerms() {}

  public record Atom(String name) {}

  public record Tuple(List<Object> elements) {}

  public record ImproperList(List<Object> elements, Object tail) {}

  /** {@code fun Module:Function/Arity}. */
  public record ExportFun(Object module, Object function, Object arity) {}

  /** A fun of a module's own function ({@code NEW_FUN_EXT}), not decoded further. */
  public record LocalFun() {}

  /** A pid, port or reference ({@code tag} says which): only the node it names is kept. */
  public record Opaque(int tag, Object node) {}

  /** Decodes one term that starts with the version byte 131. */
  public static Object decode(byte[] term) {
    return decode(term, 0, term.length);
  }

  /** Decodes one term that starts with the version byte 131. */
  public static Object decode(byte[] bytes, int offset, int length) {
    ByteBuffer in = ByteBuffer.wrap(bytes, offset, length).slice();
    int version = Byte.toUnsignedInt(in.get());
    if (version != 131) {
      throw new IllegalArgumentException("not an external term (version byte " + version + ")");
    }
    return term(in);
  }

  private static Object term(ByteBuffer in) {
    int tag = Byte.toUnsignedInt(in.get());
    switch (tag) {
      case 70: // NEW_FLOAT_EXT
        return in.getDouble();
      case 97: // SMALL_INTEGER_EXT
        return (long) Byte.toUnsignedInt(in.get());
      case 98: // INTEGER_EXT
        return (long) in.getInt();
      case 99: // FLOAT_EXT: 31 bytes of text
        {
          byte[] text = bytes(in, 31);
          return Double.parseDouble(new String(text, StandardCharsets.ISO_8859_1).trim());
        }
      case 100: // ATOM_EXT
      case 118: // ATOM_UTF8_EXT
        return new Atom(string(in, Short.toUnsignedInt(in.getShort()), tag == 118));
      case 115: // SMALL_ATOM_EXT
      case 119: // SMALL_ATOM_UTF8_EXT
        return new Atom(string(in, Byte.toUnsignedInt(in.get()), tag == 119));
      case 104: // SMALL_TUPLE_EXT
        return new Tuple(elements(in, Byte.toUnsignedInt(in.get())));
      case 105: // LARGE_TUPLE_EXT
        return new Tuple(elements(in, in.getInt()));
      case 106: // NIL_EXT
        return List.of();
      case 107: // STRING_EXT: a list of bytes
        {
          byte[] chars = bytes(in, Short.toUnsignedInt(in.getShort()));
          List<Object> list = new ArrayList<>(chars.length);
          for (byte b : chars) {
            list.add((long) Byte.toUnsignedInt(b));
          }
          return list;
        }
      case 108: // LIST_EXT
        {
          List<Object> elements = elements(in, in.getInt());
          Object tail = term(in);
          return tail instanceof List<?> l && l.isEmpty()
              ? elements
              : new ImproperList(elements, tail);
        }
      case 109: // BINARY_EXT
        return bytes(in, in.getInt());
      case 77: // BIT_BINARY_EXT
        {
          int length = in.getInt();
          in.get();
          return bytes(in, length);
        }
      case 110: // SMALL_BIG_EXT
        return big(in, Byte.toUnsignedInt(in.get()));
      case 111: // LARGE_BIG_EXT
        return big(in, in.getInt());
      case 113: // EXPORT_EXT
        return new ExportFun(term(in), term(in), term(in));
      case 116: // MAP_EXT
        {
          int pairs = in.getInt();
          Map<Object, Object> map = new LinkedHashMap<>();
          for (int i = 0; i < pairs; i++) {
            map.put(term(in), term(in));
          }
          return map;
        }
      case 112: // NEW_FUN_EXT: size includes itself
        skip(in, in.getInt() - 4);
        return new LocalFun();
      case 88: // NEW_PID_EXT
        return opaque(in, tag, 12);
      case 89: // NEW_PORT_EXT
        return opaque(in, tag, 8);
      case 120: // V4_PORT_EXT
        return opaque(in, tag, 12);
      case 101: // REFERENCE_EXT
      case 102: // PORT_EXT
        return opaque(in, tag, 5);
      case 103: // PID_EXT
        return opaque(in, tag, 9);
      case 90: // NEWER_REFERENCE_EXT
      case 114: // NEW_REFERENCE_EXT
        {
          int words = Short.toUnsignedInt(in.getShort());
          return opaque(in, tag, (tag == 90 ? 4 : 1) + 4 * words);
        }
      case 80: // compressed
        {
          int size = in.getInt();
          byte[] compressed = bytes(in, in.remaining());
          Inflater inflater = new Inflater();
          try {
            inflater.setInput(compressed);
            byte[] out = new byte[size];
            int n = inflater.inflate(out);
            return term(ByteBuffer.wrap(out, 0, n));
          } catch (DataFormatException e) {
            throw new IllegalArgumentException("damaged compressed term", e);
          } finally {
            inflater.end();
          }
        }
      default:
        throw new IllegalArgumentException("unsupported external term tag " + tag);
    }
  }

  /**
   * {@code term} (starting with the version byte 131) with each {@code fun M:F/A} in it that {@code
   * replacement} maps to another {@code module:function/arity} pointing there instead; every other
   * byte is copied as it was. The same array when nothing was replaced.
   *
   * @param replacement {@code module:function/arity} → its replacement, or null to keep it
   */
  public static byte[] withExportFunsReplaced(byte[] term, UnaryOperator<String> replacement) {
    ByteBuffer in = ByteBuffer.wrap(term);
    if (Byte.toUnsignedInt(in.get()) != 131) {
      return term;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(term.length + 16);
    out.write(131);
    if (!copyReplacing(in, out, replacement) || in.hasRemaining()) {
      return term;
    }
    return out.toByteArray();
  }

  /** Copies one term from {@code in} to {@code out}; true when an export fun in it was replaced. */
  private static boolean copyReplacing(
      ByteBuffer in, ByteArrayOutputStream out, UnaryOperator<String> replacement) {
    int start = in.position();
    int tag = Byte.toUnsignedInt(in.get(start));
    int elements;
    int header;
    switch (tag) {
      case 104: // SMALL_TUPLE_EXT
        elements = Byte.toUnsignedInt(in.get(start + 1));
        header = 2;
        break;
      case 105: // LARGE_TUPLE_EXT
        elements = in.getInt(start + 1);
        header = 5;
        break;
      case 108: // LIST_EXT: the elements, then the tail
        elements = in.getInt(start + 1) + 1;
        header = 5;
        break;
      case 116: // MAP_EXT: keys and values
        elements = 2 * in.getInt(start + 1);
        header = 5;
        break;
      case 113: // EXPORT_EXT
        {
          in.get();
          Object module = term(in);
          Object function = term(in);
          Object arity = term(in);
          String replaced =
              module instanceof Atom m && function instanceof Atom f && arity instanceof Long a
                  ? replacement.apply(m.name() + ":" + f.name() + "/" + a)
                  : null;
          if (replaced == null) {
            out.write(in.array(), start, in.position() - start);
            return false;
          }
          int colon = replaced.indexOf(':');
          int slash = replaced.lastIndexOf('/');
          out.write(113);
          writeAtom(out, replaced.substring(0, colon));
          writeAtom(out, replaced.substring(colon + 1, slash));
          out.write(97); // SMALL_INTEGER_EXT: an arity is at most 255
          out.write(Integer.parseInt(replaced.substring(slash + 1)));
          return true;
        }
      default:
        term(in);
        out.write(in.array(), start, in.position() - start);
        return false;
    }
    if (elements < 0) {
      throw new IllegalArgumentException("negative length in term");
    }
    in.position(start + header);
    out.write(in.array(), start, header);
    boolean replaced = false;
    for (int i = 0; i < elements; i++) {
      replaced |= copyReplacing(in, out, replacement);
    }
    return replaced;
  }

  private static void writeAtom(ByteArrayOutputStream out, String name) {
    byte[] text = name.getBytes(StandardCharsets.UTF_8);
    if (text.length > 255) {
      out.write(118); // ATOM_UTF8_EXT
      out.write(text.length >> 8);
      out.write(text.length & 0xff);
    } else {
      out.write(119); // SMALL_ATOM_UTF8_EXT
      out.write(text.length);
    }
    out.writeBytes(text);
  }

  /** A node, then {@code size} bytes that identify something on it. */
  private static Opaque opaque(ByteBuffer in, int tag, int size) {
    Object node = term(in);
    skip(in, size);
    return new Opaque(tag, node);
  }

  private static List<Object> elements(ByteBuffer in, int count) {
    List<Object> list = new ArrayList<>(Math.min(count, 1024));
    for (int i = 0; i < count; i++) {
      list.add(term(in));
    }
    return list;
  }

  private static Object big(ByteBuffer in, int n) {
    int sign = Byte.toUnsignedInt(in.get());
    byte[] little = bytes(in, n);
    byte[] bigEndian = new byte[n];
    for (int i = 0; i < n; i++) {
      bigEndian[i] = little[n - 1 - i];
    }
    BigInteger value = new BigInteger(1, bigEndian);
    return sign == 0 ? value : value.negate();
  }

  private static String string(ByteBuffer in, int length, boolean utf8) {
    return new String(
        bytes(in, length), utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
  }

  private static byte[] bytes(ByteBuffer in, int n) {
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException("term runs past its end");
    }
    byte[] out = new byte[n];
    in.get(out);
    return out;
  }

  private static void skip(ByteBuffer in, int n) {
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException("term runs past its end");
    }
    in.position(in.position() + n);
  }

  /**
   * Gives {@code visitor} the term, then each term inside it, depth first: the elements of lists
   * and tuples (an improper list's tail last), the keys and values of maps, the node of an {@link
   * Opaque}. The parts of a fun are not visited: an {@link ExportFun} names what it calls.
   */
  public static void forEach(Object term, Consumer<Object> visitor) {
    visitor.accept(term);
    if (term instanceof List<?> list) {
      list.forEach(e -> forEach(e, visitor));
    } else if (term instanceof ImproperList list) {
      list.elements().forEach(e -> forEach(e, visitor));
      forEach(list.tail(), visitor);
    } else if (term instanceof Tuple tuple) {
      tuple.elements().forEach(e -> forEach(e, visitor));
    } else if (term instanceof Map<?, ?> map) {
      map.forEach(
          (k, v) -> {
            forEach(k, visitor);
            forEach(v, visitor);
          });
    } else if (term instanceof Opaque opaque) {
      forEach(opaque.node(), visitor);
    }
  }

  /** A charlist or binary as a string (UTF-8), or null. */
  public static String text(Object term) {
    if (term instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    if (term instanceof List<?> list) {
      StringBuilder out = new StringBuilder();
      for (Object element : list) {
        if (!(element instanceof Long code)) {
          return null;
        }
        out.appendCodePoint(code.intValue());
      }
      return out.toString();
    }
    return null;
  }
}
