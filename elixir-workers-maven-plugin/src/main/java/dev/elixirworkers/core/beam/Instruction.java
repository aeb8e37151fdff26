package dev.elixirworkers.core.beam;

import java.util.ArrayList;
import java.util.List;

/**
 * One instruction of a {@code Code} chunk.
 *
 * @param opcode its number in {@link BeamOpcodes}
 * @param operands its operands, {@link BeamOpcodes#arity} of them
 * @param start where its opcode byte is in the chunk
 * @param end where it ends in the chunk (exclusive)
 */
public record Instruction(int opcode, List<Operand> operands, int start, int end) {

  /** Visits operands, those inside others included. */
  @FunctionalInterface
  public interface OperandVisitor {
    /**
     * @param position the operand's index in the instruction, -1 for one inside another operand
     */
    void visit(int position, Operand operand);
  }

  public Instruction {
    operands = List.copyOf(operands);
  }

  public String name() {
    return BeamOpcodes.name(opcode);
  }

  public Operand operand(int position) {
    return operands.get(position);
  }

  /**
   * The index into the import table ({@code ImpT}) of the function this instruction calls ({@code
   * call_ext*}, {@code bif*}, {@code gc_bif*}), or -1.
   */
  public int importIndex() {
    int position = BeamOpcodes.importOperand(opcode);
    return position < 0 ? -1 : (int) operands.get(position).value();
  }

  /** Every operand, each followed by the operands inside it (depth first). */
  public List<Operand> allOperands() {
    List<Operand> all = new ArrayList<>();
    forEachOperand((position, operand) -> all.add(operand));
    return all;
  }

  /** Each operand, followed by the operands inside it (depth first), with its position. */
  public void forEachOperand(OperandVisitor visitor) {
    for (int i = 0; i < operands.size(); i++) {
      visitor.visit(i, operands.get(i));
      visitNested(operands.get(i), visitor);
    }
  }

  private static void visitNested(Operand operand, OperandVisitor visitor) {
    for (Operand element : operand.elements()) {
      visitor.visit(-1, element);
      visitNested(element, visitor);
    }
  }

  @Override
  public String toString() {
    return name() + " " + operands;
  }
}
