package dev.elixirworkers.core.beam;

import dev.elixirworkers.core.beam.Operand.Kind;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The compact term encoding of BEAM operands (OTP's {@code beam_asm}), in the {@code Code} and
 * {@code Line} chunks: a tag in the low 3 bits of the first byte, the value in the rest of it or in
 * the bytes that follow, and the extended forms of tag {@code z}.
 */
public final class CompactTerms {
  static final int TAG_Z = 7;

  /** The kinds of the simple tags, by tag: the first seven kinds. */
  private static final Kind[] SIMPLE = Kind.values();

  private CompactTerms() {}

  /**
   * Reads the operand at {@code in}'s position, extended forms included. Positions are {@code
   * in}'s: wrap the whole chunk to get offsets into it.
   */
  public static Operand read(ByteBuffer in) {
    int start = in.position();
    int b = Byte.toUnsignedInt(in.get());
    int tag = b & 7;
    if (tag != TAG_Z) {
      Kind kind = SIMPLE[tag];
      long value = kind == Kind.INTEGER ? signedValue(in, b) : value(in, b);
      return new Operand(kind, value, List.of(), start, in.position());
    }
    Kind kind;
    long value;
    List<Operand> elements = new ArrayList<>();
    switch (b >> 4) {
      case 0 -> {
        kind = Kind.FLOAT;
        value = in.getLong();
      }
      case 1 -> { // a count, then that many operands
        kind = Kind.LIST;
        value = number(in);
        for (long i = 0; i < value; i++) {
          elements.add(read(in));
        }
      }
      case 2 -> {
        kind = Kind.FLOAT_REGISTER;
        value = number(in);
      }
      case 3 -> { // a count, then (type, value) pairs
        kind = Kind.ALLOCATION_LIST;
        value = number(in);
        for (long i = 0; i < 2 * value; i++) {
          int at = in.position();
          elements.add(new Operand(Kind.UNSIGNED, number(in), List.of(), at, in.position()));
        }
      }
      case 4 -> {
        kind = Kind.LITERAL;
        value = number(in);
      }
      case 5 -> { // a register, then a type index
        kind = Kind.TYPED_REGISTER;
        elements.add(read(in));
        value = number(in);
      }
      default -> throw new IllegalStateException("unknown extended operand tag " + (b >> 4));
    }
    return new Operand(kind, value, elements, start, in.position());
  }

  /**
   * Writes a non-negative value with the tag of a simple {@code kind}, the way the compiler does.
   */
  public static void write(ByteArrayOutputStream out, Kind kind, long value) {
    int tag = kind.tag();
    if (tag == TAG_Z || value < 0) {
      throw new IllegalArgumentException("cannot write " + kind + " " + value);
    }
    if (value < 16) {
      out.write((int) (value << 4) | tag);
    } else if (value < 2048) {
      out.write((int) ((value >> 3) & 0xe0) | 0x08 | tag);
      out.write((int) (value & 0xff));
    } else {
      byte[] bytes = BigInteger.valueOf(value).toByteArray(); // a leading 0 when the top bit is set
      out.write(((bytes.length - 2) << 5) | 0x18 | tag);
      out.writeBytes(bytes);
    }
  }

  /**
   * A count or index inside an extended form: the loader reads these as numbers whatever their tag.
   */
  private static long number(ByteBuffer in) {
    return value(in, Byte.toUnsignedInt(in.get()));
  }

  /**
   * The unsigned value whose first byte {@code b} was just read; 0 (bytes skipped) past 8 bytes.
   */
  private static long value(ByteBuffer in, int b) {
    if ((b & 0x08) == 0) {
      return b >> 4;
    }
    if ((b & 0x10) == 0) {
      return ((long) (b >> 5) << 8) | Byte.toUnsignedInt(in.get());
    }
    int size = byteCount(in, b);
    if (size > 8) {
      in.position(in.position() + size);
      return 0;
    }
    long value = 0;
    for (int i = 0; i < size; i++) {
      value = (value << 8) | Byte.toUnsignedInt(in.get());
    }
    return value;
  }

  /** Like {@link #value}, in two's complement when the value has bytes of its own. */
  private static long signedValue(ByteBuffer in, int b) {
    if ((b & 0x18) != 0x18) {
      return value(in, b);
    }
    int start = in.position();
    int size = byteCount(in, b);
    in.position(start);
    long value = value(in, b);
    if (size < 8 && (value & (1L << (8 * size - 1))) != 0) {
      value -= 1L << (8 * size); // a negative integer
    }
    return value;
  }

  /** The number of value bytes after a first byte {@code b} with bits 3 and 4 set. */
  private static int byteCount(ByteBuffer in, int b) {
    int size = b >> 5;
    return size == 7 ? (int) number(in) + 9 : size + 2;
  }
}
