package dev.elixirworkers.core.avm;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.BeamFormatException;
import dev.elixirworkers.core.beam.BeamOpcodes;
import dev.elixirworkers.core.beam.CodeChunk;
import dev.elixirworkers.core.beam.CodeWriter;
import dev.elixirworkers.core.beam.Instruction;
import dev.elixirworkers.core.beam.Operand;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Rewrites the heap-need operand of {@code bs_init2} from an allocation list to the number of words
 * it asks for. OTP's compiler may write an allocation list there (Elixir 1.14's {@code
 * FunctionClauseError} has one); AtomVM v0.7's loader reads that operand as a plain number and
 * aborts the whole VM on anything else ("Unexpected operand, expected a literal (37)"), as it reads
 * the same list correctly in {@code test_heap} and {@code allocate_heap}.
 */
final class AllocationListRewrite {
  /**
   * The operand of {@code bs_init2 Fail Size Words Live Flags Dst} that AtomVM reads as a number.
   */
  private static final int WORDS = 2;

  /** Allocation list entry types ({@code beam_asm}): words, floats, funs. */
  private static final long FLOATS = 1;

  private static final long FUNS = 2;

  /**
   * Words per entry as AtomVM sizes them on wasm32 (term.h: a float is a header word and an 8-byte
   * double, {@code FLOAT_SIZE} 3; {@code BOXED_FUN_SIZE} 3).
   */
  private static final long FLOAT_WORDS = 3;

  private static final long FUN_WORDS = 3;

  private AllocationListRewrite() {}

  /** {@code beam} with its {@code bs_init2} allocation lists rewritten, or empty if it has none. */
  static Optional<BeamFile> apply(BeamFile beam) {
    Optional<CodeChunk> decoded = CodeChunk.of(beam);
    if (decoded.isEmpty()) {
      return Optional.empty();
    }
    CodeChunk code = decoded.get();
    List<Instruction> instructions;
    try {
      instructions = code.instructions();
    } catch (BeamFormatException e) {
      return Optional.empty(); // code this reader cannot decode is packed as the compiler wrote it
    }
    if (instructions.stream().noneMatch(AllocationListRewrite::needsRewrite)) {
      return Optional.empty();
    }
    CodeWriter out = new CodeWriter(code);
    for (Instruction instruction : instructions) {
      if (needsRewrite(instruction)) {
        out.writeReplacing(instruction, WORDS, words(instruction.operand(WORDS)));
      } else {
        out.write(instruction, (position, operand) -> OptionalLong.empty());
      }
    }
    byte[] newCode = out.toByteArray(code.labelCount(), code.functionCount());
    List<BeamFile.Chunk> chunks = new ArrayList<>();
    for (BeamFile.Chunk chunk : beam.chunks()) {
      chunks.add(chunk.id().equals("Code") ? new BeamFile.Chunk("Code", newCode) : chunk);
    }
    return Optional.of(BeamFile.parse(BeamFile.build(chunks), beam.origin()));
  }

  private static boolean needsRewrite(Instruction instruction) {
    return instruction.opcode() == BeamOpcodes.BS_INIT2
        && instruction.operands().size() > WORDS
        && instruction.operand(WORDS).kind() == Operand.Kind.ALLOCATION_LIST;
  }

  private static long words(Operand allocationList) {
    List<Operand> pairs = allocationList.elements();
    long words = 0;
    for (int i = 0; i + 1 < pairs.size(); i += 2) {
      long type = pairs.get(i).value();
      long count = pairs.get(i + 1).value();
      words += type == FLOATS ? count * FLOAT_WORDS : type == FUNS ? count * FUN_WORDS : count;
    }
    return words;
  }
}
