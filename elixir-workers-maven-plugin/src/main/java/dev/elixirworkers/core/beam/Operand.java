package dev.elixirworkers.core.beam;

import java.util.List;

/**
 * One operand of a BEAM instruction, decoded from the compact term encoding ({@link CompactTerms}).
 *
 * @param kind what the operand is
 * @param value by kind: the number, signed integer, atom index (0 is {@code []}), register number,
 *     label (0: none) or character; for {@link Kind#LITERAL} the literal's index, for {@link
 *     Kind#FLOAT_REGISTER} its number, for {@link Kind#LIST} and {@link Kind#ALLOCATION_LIST} how
 *     many elements or pairs follow, for {@link Kind#TYPED_REGISTER} the type's index in the {@code
 *     Type} chunk, for {@link Kind#FLOAT} the double's bits; 0 for an integer that does not fit in
 *     64 bits ({@link #isBignum()})
 * @param elements the operands inside: a list's elements, the register of a typed register, the
 *     (type, count) pairs of an allocation list as {@link Kind#UNSIGNED} numbers; empty otherwise
 * @param start where the operand starts in its chunk
 * @param end where the operand ends in its chunk (exclusive)
 */
public record Operand(Kind kind, long value, List<Operand> elements, int start, int end) {

  /** The operand kinds: the seven simple tags, then the extended forms of tag {@code z}. */
  public enum Kind {
    /** {@code u}: a number (an import or fun index, an arity, a count). */
    UNSIGNED(0),
    /** {@code i}. */
    INTEGER(1),
    /** {@code a}. */
    ATOM(2),
    /** {@code x}. */
    X_REGISTER(3),
    /** {@code y}. */
    Y_REGISTER(4),
    /** {@code f}. */
    LABEL(5),
    /** {@code h}. */
    CHARACTER(6),
    /** {@code z} 0: a float written into the code (compilers before OTP 20). */
    FLOAT(CompactTerms.TAG_Z),
    /** {@code z} 1: a list of operands (jump tables, registers to keep, ...). */
    LIST(CompactTerms.TAG_Z),
    /** {@code z} 2: a floating-point register. */
    FLOAT_REGISTER(CompactTerms.TAG_Z),
    /** {@code z} 3: an allocation list (what to reserve on the heap). */
    ALLOCATION_LIST(CompactTerms.TAG_Z),
    /** {@code z} 4: an index into the literal table. */
    LITERAL(CompactTerms.TAG_Z),
    /** {@code z} 5: a register with a type (OTP 25+). */
    TYPED_REGISTER(CompactTerms.TAG_Z);

    private final int tag;

    Kind(int tag) {
      this.tag = tag;
    }

    /** The tag in the low 3 bits of the operand's first byte. */
    public int tag() {
      return tag;
    }
  }

  public Operand {
    elements = List.copyOf(elements);
  }

  /** Whether this is an atom other than {@code []} (atom index 0). */
  public boolean isAtom() {
    return kind == Kind.ATOM && value != 0;
  }

  /** Whether this is an integer of more than 8 bytes, whose {@link #value} is not kept. */
  public boolean isBignum() {
    // an integer of up to 8 bytes takes at most 9 with its first byte; a longer one at least 11
    return kind == Kind.INTEGER && end - start > 9;
  }

  @Override
  public String toString() {
    String text = kind.name().toLowerCase() + " " + (isBignum() ? "bignum" : value);
    return elements.isEmpty() ? "{" + text + "}" : "{" + text + " " + elements + "}";
  }
}
