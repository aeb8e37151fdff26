package dev.elixirworkers.core.avm;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;

/**
 * The compact term encoding of a {@code Code} chunk's operands (OTP's {@code beam_asm}): a tag in
 * the low 3 bits of the first byte, the value in the rest of it or in the bytes that follow, and
 * the extended forms of tag {@code z} (lists, floating-point registers, allocation lists, literals,
 * typed registers). Shared by the packer's decoders and the compatibility check.
 */
public final class CompactTerms {
  public static final int TAG_U = 0;
  public static final int TAG_I = 1;
  public static final int TAG_A = 2;
  public static final int TAG_F = 5;
  public static final int TAG_Z = 7;

  /** The value {@link #value} returns for a number longer than 8 bytes (a bignum). */
  public static final long BIGNUM = -1;

  private CompactTerms() {}

  /**
   * The unsigned value whose first byte {@code b} was just read; {@link #BIGNUM} (the bytes
   * skipped) for a value longer than 8 bytes.
   */
  public static long value(ByteBuffer in, int b) {
    if ((b & 0x08) == 0) {
      return b >> 4;
    }
    if ((b & 0x10) == 0) {
      return ((long) (b >> 5) << 8) | Byte.toUnsignedInt(in.get());
    }
    int size = byteCount(in, b);
    if (size > 8) {
      in.position(in.position() + size);
      return BIGNUM;
    }
    long value = 0;
    for (int i = 0; i < size; i++) {
      value = (value << 8) | Byte.toUnsignedInt(in.get());
    }
    return value;
  }

  /** Like {@link #value}, with the value of an {@code i} operand read as a signed integer. */
  public static long signedValue(ByteBuffer in, int b) {
    if ((b & 0x18) != 0x18 || (b & 7) != TAG_I) {
      return value(in, b);
    }
    int start = in.position();
    int size = byteCount(in, b);
    in.position(start);
    long value = value(in, b);
    if (value != BIGNUM && size < 8 && (value & (1L << (8 * size - 1))) != 0) {
      value -= 1L << (8 * size); // a negative integer
    }
    return value;
  }

  /** A value read with whatever tag it carries (counts and indexes inside extended forms). */
  public static long untagged(ByteBuffer in) {
    return value(in, Byte.toUnsignedInt(in.get()));
  }

  /** Reads past one operand, extended forms included. */
  public static void skip(ByteBuffer in) {
    int b = Byte.toUnsignedInt(in.get());
    if ((b & 7) != TAG_Z) {
      value(in, b);
      return;
    }
    switch (b >> 4) {
      case 0 -> in.position(in.position() + 8); // a float (before OTP 20)
      case 1 -> { // list: a count, then that many operands
        long count = untagged(in);
        for (long i = 0; i < count; i++) {
          skip(in);
        }
      }
      case 2, 4 -> untagged(in); // floating-point register, literal
      case 3 -> { // allocation list: a count, then (type, value) pairs
        long count = untagged(in);
        for (long i = 0; i < 2 * count; i++) {
          untagged(in);
        }
      }
      case 5 -> { // type-tagged register: a register, then a type index
        skip(in);
        untagged(in);
      }
      default -> throw new IllegalStateException("unknown extended operand tag " + (b >> 4));
    }
  }

  /** Writes a non-negative value with a tag, the way the compiler does. */
  public static void encode(ByteArrayOutputStream out, int tag, long value) {
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

  /** The number of value bytes after a first byte {@code b} with bits 3 and 4 set. */
  private static int byteCount(ByteBuffer in, int b) {
    int size = b >> 5;
    return size == 7 ? (int) untagged(in) + 9 : size + 2;
  }
}
