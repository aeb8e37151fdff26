package dev.elixirworkers.core.beam;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.OptionalLong;

/**
 * Writes a {@code Code} chunk from instructions of another: each operand's bytes are copied as the
 * compiler wrote them, except those given a new value, which are encoded again.
 */
public final class CodeWriter {

  /** The new value of an operand that names something renumbered. */
  @FunctionalInterface
  public interface Renumbering {
    /**
     * The value {@code operand} gets, or empty to copy it as it is; called for the operands that
     * hold no others.
     *
     * @param position the operand's index in the instruction, -1 for one inside another operand
     */
    OptionalLong renumber(int position, Operand operand);
  }

  private final byte[] code;
  private final ByteArrayOutputStream out;

  /** Starts with {@code original}'s header. */
  public CodeWriter(CodeChunk original) {
    this.code = original.bytes();
    this.out = new ByteArrayOutputStream(code.length);
    out.write(code, 0, original.codeStart());
  }

  /** Appends {@code instruction}, an instruction of the original chunk. */
  public void write(Instruction instruction, Renumbering renumbering) {
    out.write(instruction.opcode());
    for (int i = 0; i < instruction.operands().size(); i++) {
      write(i, instruction.operand(i), renumbering);
    }
  }

  /**
   * Appends {@code instruction} with its operand at {@code position} replaced by the unsigned
   * {@code value} (the other operands copied as they are).
   */
  public void writeReplacing(Instruction instruction, int position, long value) {
    out.write(instruction.opcode());
    for (int i = 0; i < instruction.operands().size(); i++) {
      if (i == position) {
        CompactTerms.write(out, Operand.Kind.UNSIGNED, value);
      } else {
        write(i, instruction.operand(i), (p, o) -> OptionalLong.empty());
      }
    }
  }

  private void write(int position, Operand operand, Renumbering renumbering) {
    if (operand.elements().isEmpty()) {
      OptionalLong value = renumbering.renumber(position, operand);
      if (value.isPresent()) {
        CompactTerms.write(out, operand.kind(), value.getAsLong());
      } else {
        out.write(code, operand.start(), operand.end() - operand.start());
      }
      return;
    }
    int copied = operand.start(); // the bytes around the elements: tag, count, a type index
    for (Operand element : operand.elements()) {
      out.write(code, copied, element.start() - copied);
      write(-1, element, renumbering);
      copied = element.end();
    }
    out.write(code, copied, operand.end() - copied);
  }

  /** The chunk, its header giving {@code labelCount} labels (with label 0) and functions. */
  public byte[] toByteArray(int labelCount, int functionCount) {
    byte[] chunk = out.toByteArray();
    ByteBuffer header = ByteBuffer.wrap(chunk);
    header.putInt(CodeChunk.LABEL_COUNT_OFFSET, labelCount);
    header.putInt(CodeChunk.FUNCTION_COUNT_OFFSET, functionCount);
    return chunk;
  }
}
