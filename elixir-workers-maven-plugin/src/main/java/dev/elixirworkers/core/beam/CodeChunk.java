package dev.elixirworkers.core.beam;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * A module's {@code Code} chunk: a header (its size, the instruction set, the highest opcode, the
 * label and function counts), then the instructions, each an opcode byte and its operands in the
 * compact term encoding.
 *
 * <p>Iterating decodes one instruction at a time, up to and including {@code int_code_end}: what
 * came before an instruction that cannot be decoded has been seen when {@link BeamFormatException}
 * is thrown for it, so a reader can keep what it found, or break early.
 */
public final class CodeChunk implements Iterable<Instruction> {
  static final int LABEL_COUNT_OFFSET = 12;
  static final int FUNCTION_COUNT_OFFSET = 16;

  private final byte[] bytes;
  private final int codeStart;
  private final String origin;

  private CodeChunk(byte[] bytes, String origin) {
    this.bytes = bytes;
    this.origin = origin;
    try {
      this.codeStart = 4 + ByteBuffer.wrap(bytes).getInt(0);
    } catch (IndexOutOfBoundsException e) {
      throw new BeamFormatException(origin + ": the Code chunk has no header", e);
    }
  }

  /** The {@code Code} chunk of {@code beam}, or empty when it has none. */
  public static Optional<CodeChunk> of(BeamFile beam) {
    return beam.chunk("Code").map(bytes -> new CodeChunk(bytes, beam.toString()));
  }

  /** The chunk as read: treat it as read-only. */
  public byte[] bytes() {
    return bytes;
  }

  /** Where the first instruction starts. */
  public int codeStart() {
    return codeStart;
  }

  /** The number of labels, counting the unused label 0. */
  public int labelCount() {
    return ByteBuffer.wrap(bytes).getInt(LABEL_COUNT_OFFSET);
  }

  public int functionCount() {
    return ByteBuffer.wrap(bytes).getInt(FUNCTION_COUNT_OFFSET);
  }

  /** Every instruction; throws {@link BeamFormatException} if one cannot be decoded. */
  public List<Instruction> instructions() {
    List<Instruction> instructions = new ArrayList<>();
    forEach(instructions::add);
    return instructions;
  }

  /**
   * The instructions in order, decoded as they are asked for; {@link Iterator#next} throws {@link
   * BeamFormatException} for an instruction that cannot be decoded.
   */
  @Override
  public Iterator<Instruction> iterator() {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    in.position(codeStart);
    return new Iterator<>() {
      private boolean ended;

      @Override
      public boolean hasNext() {
        return !ended && in.hasRemaining();
      }

      @Override
      public Instruction next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Instruction instruction = decode(in);
        ended = instruction.opcode() == BeamOpcodes.INT_CODE_END;
        return instruction;
      }
    };
  }

  private Instruction decode(ByteBuffer in) {
    int start = in.position();
    int op = Byte.toUnsignedInt(in.get());
    if (!BeamOpcodes.known(op)) {
      throw new BeamFormatException(origin + ": unknown instruction " + op + " at " + start);
    }
    try {
      List<Operand> operands = new ArrayList<>(BeamOpcodes.arity(op));
      for (int i = 0; i < BeamOpcodes.arity(op); i++) {
        operands.add(CompactTerms.read(in));
      }
      return new Instruction(op, operands, start, in.position());
    } catch (BufferUnderflowException | IllegalStateException | IllegalArgumentException e) {
      throw new BeamFormatException(
          origin + ": cannot decode " + BeamOpcodes.name(op) + " at " + start, e);
    }
  }
}
