package dev.elixirworkers.core.avm;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.BeamOpcodes;
import dev.elixirworkers.core.beam.CodeChunk;
import dev.elixirworkers.core.beam.CodeWriter;
import dev.elixirworkers.core.beam.Instruction;
import dev.elixirworkers.core.beam.Operand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Rewrites a module without the functions the packer found no way to reach: their code leaves the
 * {@code Code} chunk, their entries leave {@code ExpT} and {@code LocT}, and so do the atoms
 * ({@code AtU8}), imports ({@code ImpT}) and funs ({@code FunT}) only they used; the literals only
 * they loaded become {@code []}. AtomVM keeps a pointer per label, enters every atom in its atom
 * table and resolves every import when it loads a module, so a dropped function also costs nothing
 * at load time or in a snapshot's memory.
 *
 * <p>What stays keeps working unchanged: labels, atoms, imports and funs are renumbered in their
 * original order, in every operand that names one ({@code f} operands and the operand of {@code
 * label}; {@code a} operands, in lists too; the import of a call or BIF; the fun of {@code
 * make_fun2/3}) and in the tables; atom 1 is still the module. Literal indexes do not move. A call
 * of a dropped export fails like a call of any missing function: {@code undef}.
 *
 * <p>{@link #removeFrom} is empty when the code is laid out in a way this rewrite does not expect
 * (an instruction that cannot be decoded, a function not opened by {@code label}, {@code
 * func_info}, a jump into another function, a fun of a function not kept); the packer then keeps
 * the module as it is.
 */
final class BeamFunctionRemoval {

  /** The external term format of {@code []}: what a dropped literal becomes. */
  private static final byte[] NIL_TERM = {(byte) 131, 106};

  private BeamFunctionRemoval() {}

  /**
   * {@code beam} with only the functions named in {@code kept} ({@code name/arity}), or empty when
   * it cannot be rewritten. The result's chunks are those of {@code beam}, in the same order, with
   * {@code LitT} stored as {@code LitU}.
   */
  static Optional<BeamFile> removeFrom(BeamFile beam, Set<String> kept) {
    try {
      return Optional.ofNullable(rewrite(beam, kept));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static BeamFile rewrite(BeamFile beam, Set<String> kept) {
    CodeChunk code = CodeChunk.of(beam).orElse(null);
    if (code == null) {
      return null;
    }
    List<Instruction> instructions = code.instructions();
    if (instructions.isEmpty()
        || instructions.get(instructions.size() - 1).opcode() != BeamOpcodes.INT_CODE_END) {
      return null;
    }
    Selection selection = select(beam, instructions, kept);
    int[] labels = selection == null ? null : numberLabels(code, instructions, selection.keep());
    if (labels == null) {
      return null;
    }
    Tables tables =
        new Tables(
            beam.table("ExpT", 3),
            beam.table("LocT", 3),
            beam.table("FunT", 6),
            beam.table("ImpT", 3));
    Uses uses = uses(instructions, selection.keep(), labels, tables);
    Renumbering renumbering =
        new Renumbering(
            labels, numbers(uses.atoms, 1), numbers(uses.imports, 0), numbers(uses.funs, 0));

    CodeWriter out = new CodeWriter(code);
    BitSet keep = selection.keep();
    for (int i = keep.nextSetBit(0); i >= 0; i = keep.nextSetBit(i + 1)) {
      Instruction instruction = instructions.get(i);
      out.write(instruction, (position, operand) -> renumbering.of(instruction, position, operand));
    }
    byte[] newCode =
        out.toByteArray(
            Arrays.stream(labels).max().orElse(0) + 1, // counting the unused label 0
            selection.functions());
    return withTables(beam, newCode, uses, renumbering, tables);
  }

  /** The instructions that stay and how many functions they make. */
  private record Selection(BitSet keep, int functions) {}

  /**
   * The preamble, the functions in {@code kept} and {@code int_code_end}; null when a function is
   * not laid out as expected or when every function is kept. Function i runs from its opening label
   * (before an optional line and its func_info) to the opening label of the next one.
   */
  private static Selection select(BeamFile beam, List<Instruction> instructions, Set<String> kept) {
    List<Integer> opening = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < instructions.size(); i++) {
      if (instructions.get(i).opcode() != BeamOpcodes.FUNC_INFO) {
        continue;
      }
      int first = i - 1;
      if (first >= 0 && instructions.get(first).opcode() == BeamOpcodes.LINE) {
        first--;
      }
      if (first < 0 || instructions.get(first).opcode() != BeamOpcodes.LABEL) {
        return null;
      }
      opening.add(first);
      names.add(functionName(beam, instructions.get(i)));
    }
    if (opening.isEmpty() || names.stream().allMatch(kept::contains)) {
      return null;
    }
    int end = instructions.size() - 1;
    BitSet keep = new BitSet(instructions.size());
    keep.set(0, opening.get(0));
    keep.set(end);
    int functions = 0;
    for (int f = 0; f < opening.size(); f++) {
      if (kept.contains(names.get(f))) {
        keep.set(opening.get(f), f + 1 < opening.size() ? opening.get(f + 1) : end);
        functions++;
      }
    }
    return new Selection(keep, functions);
  }

  /** New label numbers by old label (0: dropped), in order; null if a label is defined twice. */
  private static int[] numberLabels(CodeChunk code, List<Instruction> instructions, BitSet keep) {
    int oldLabelCount = code.labelCount();
    int[] labels = new int[oldLabelCount + 1];
    int next = 1;
    for (int i = keep.nextSetBit(0); i >= 0; i = keep.nextSetBit(i + 1)) {
      Instruction instruction = instructions.get(i);
      if (instruction.opcode() == BeamOpcodes.LABEL) {
        int label = (int) instruction.operand(0).value();
        if (label <= 0 || label > oldLabelCount || labels[label] != 0) {
          return null;
        }
        labels[label] = next++;
      }
    }
    return labels;
  }

  /** The function, fun and import tables as read, one int array per entry. */
  private record Tables(
      List<int[]> exports, List<int[]> locals, List<int[]> funs, List<int[]> imports) {}

  /**
   * What the kept code uses (atoms, imports, funs, literals), plus the atoms the table entries kept
   * name: the tables keep exactly these entries, renumbered in their original order.
   */
  private static Uses uses(
      List<Instruction> instructions, BitSet keep, int[] labels, Tables tables) {
    Uses uses = new Uses();
    uses.atoms.set(1); // the module name is atom 1
    for (int i = keep.nextSetBit(0); i >= 0; i = keep.nextSetBit(i + 1)) {
      Instruction instruction = instructions.get(i);
      instruction.forEachOperand(
          (position, operand) -> {
            if (operand.kind() == Operand.Kind.LITERAL) {
              uses.literals.set((int) operand.value());
              return;
            }
            Numbering numbering = Numbering.of(instruction, position, operand);
            if (numbering != null) {
              uses.add(numbering, (int) operand.value());
            }
          });
    }
    for (List<int[]> functions : List.of(tables.exports(), tables.locals())) {
      for (int[] entry : functions) {
        if (entry[2] < labels.length && labels[entry[2]] != 0) {
          uses.atoms.set(entry[0]);
        }
      }
    }
    for (int f = uses.funs.nextSetBit(0); f >= 0; f = uses.funs.nextSetBit(f + 1)) {
      uses.atoms.set(tables.funs().get(f)[0]);
    }
    for (int m = uses.imports.nextSetBit(0); m >= 0; m = uses.imports.nextSetBit(m + 1)) {
      uses.atoms.set(tables.imports().get(m)[0]);
      uses.atoms.set(tables.imports().get(m)[1]);
    }
    return uses;
  }

  /** {@code beam}'s chunks with the new code and the tables cut down and renumbered. */
  private static BeamFile withTables(
      BeamFile beam, byte[] newCode, Uses uses, Renumbering renumbering, Tables tables) {
    int[] atoms = renumbering.atoms();
    int[] labels = renumbering.labels();
    List<BeamFile.Chunk> chunks = new ArrayList<>();
    boolean literalsWritten = false;
    for (BeamFile.Chunk chunk : beam.chunks()) {
      switch (chunk.id()) {
        case "Code" -> chunks.add(new BeamFile.Chunk("Code", newCode));
        case "AtU8" -> {
          List<String> names = new ArrayList<>();
          for (int a = uses.atoms.nextSetBit(0); a >= 0; a = uses.atoms.nextSetBit(a + 1)) {
            names.add(beam.atoms().get(a - 1));
          }
          chunks.add(new BeamFile.Chunk("AtU8", BeamFile.atomChunk(names, beam.toString())));
        }
        case "Atom" -> {
          return null; // latin-1 atoms (before OTP 20): left to AtomVmChunks.strip
        }
        case "ExpT", "LocT" -> {
          List<int[]> entries = chunk.id().equals("ExpT") ? tables.exports() : tables.locals();
          List<int[]> keptEntries = new ArrayList<>();
          for (int[] e : entries) {
            if (e[2] >= labels.length) {
              return null;
            }
            if (labels[e[2]] != 0) {
              keptEntries.add(new int[] {atoms[e[0]], e[1], labels[e[2]]});
            }
          }
          chunks.add(new BeamFile.Chunk(chunk.id(), BeamFile.tableChunk(keptEntries)));
        }
        case "FunT" -> {
          List<int[]> keptEntries = new ArrayList<>();
          for (int f = uses.funs.nextSetBit(0); f >= 0; f = uses.funs.nextSetBit(f + 1)) {
            int[] e = tables.funs().get(f);
            if (e[2] >= labels.length || labels[e[2]] == 0) {
              return null; // a fun of a function not kept: the reachability missed something
            }
            keptEntries.add(
                new int[] {atoms[e[0]], e[1], labels[e[2]], keptEntries.size(), e[4], e[5]});
          }
          chunks.add(new BeamFile.Chunk("FunT", BeamFile.tableChunk(keptEntries)));
        }
        case "ImpT" -> {
          List<int[]> keptEntries = new ArrayList<>();
          for (int m = uses.imports.nextSetBit(0); m >= 0; m = uses.imports.nextSetBit(m + 1)) {
            int[] e = tables.imports().get(m);
            keptEntries.add(new int[] {atoms[e[0]], atoms[e[1]], e[2]});
          }
          chunks.add(new BeamFile.Chunk("ImpT", BeamFile.tableChunk(keptEntries)));
        }
        case "LitT", "LitU" -> {
          if (!literalsWritten) {
            chunks.add(new BeamFile.Chunk("LitU", keepLiterals(beam.literals(), uses.literals)));
            literalsWritten = true;
          }
        }
        default -> chunks.add(chunk);
      }
    }
    return BeamFile.parse(BeamFile.build(chunks), beam.toString());
  }

  /**
   * What an operand numbers, when it is renumbered: {@code f} operands and the operand of {@code
   * label} name labels; {@code a} operands (in lists too) atoms; the import operand of a call or
   * BIF an import; the first operand of {@code make_fun2/3} a fun.
   */
  private enum Numbering {
    LABELS,
    ATOMS,
    IMPORTS,
    FUNS;

    /** What {@code operand} numbers; null when it is not renumbered. */
    static Numbering of(Instruction instruction, int position, Operand operand) {
      int op = instruction.opcode();
      boolean unsigned = operand.kind() == Operand.Kind.UNSIGNED;
      if (operand.kind() == Operand.Kind.LABEL && operand.value() != 0
          || op == BeamOpcodes.LABEL && unsigned) {
        return LABELS;
      } else if (operand.isAtom()) {
        return ATOMS;
      } else if (unsigned && position >= 0 && position == BeamOpcodes.importOperand(op)) {
        return IMPORTS;
      } else if (unsigned
          && position == 0
          && (op == BeamOpcodes.MAKE_FUN2 || op == BeamOpcodes.MAKE_FUN3)) {
        return FUNS;
      }
      return null;
    }
  }

  /** What kept code uses, by old index. */
  private static final class Uses {
    final BitSet atoms = new BitSet();
    final BitSet imports = new BitSet();
    final BitSet funs = new BitSet();
    final BitSet literals = new BitSet();

    void add(Numbering numbering, int index) {
      switch (numbering) {
        case ATOMS -> atoms.set(index);
        case IMPORTS -> imports.set(index);
        case FUNS -> funs.set(index);
        case LABELS -> {} // every label of kept code stays: numberLabels
      }
    }
  }

  /** New numbers by old number (0: dropped). */
  private record Renumbering(int[] labels, int[] atoms, int[] imports, int[] funs) {

    /**
     * The new number of what {@code operand} names, or empty when it names nothing renumbered;
     * throws when what it names was dropped.
     */
    OptionalLong of(Instruction instruction, int position, Operand operand) {
      Numbering numbering = Numbering.of(instruction, position, operand);
      if (numbering == null) {
        return OptionalLong.empty();
      }
      int[] map =
          switch (numbering) {
            case LABELS -> labels;
            case ATOMS -> atoms;
            case IMPORTS -> imports;
            case FUNS -> funs;
          };
      long value = operand.value();
      int renumbered = value >= 0 && value < map.length ? map[(int) value] : -1;
      if (renumbered < 0 || renumbered == 0 && numbering == Numbering.LABELS) {
        throw new IllegalStateException(instruction + " names something dropped: " + operand);
      }
      return OptionalLong.of(renumbered);
    }
  }

  /** Consecutive new numbers, from {@code first}, for the set bits, in order. */
  private static int[] numbers(BitSet used, int first) {
    int[] result = new int[Math.max(used.length(), 1)];
    Arrays.fill(result, -1);
    int next = first;
    for (int i = used.nextSetBit(0); i >= 0; i = used.nextSetBit(i + 1)) {
      result[i] = next++;
    }
    return result;
  }

  private static String functionName(BeamFile beam, Instruction funcInfo) {
    return beam.atoms().get((int) funcInfo.operand(1).value() - 1)
        + "/"
        + funcInfo.operand(2).value();
  }

  /** The literal table with every literal not in {@code used} replaced by {@code []}. */
  private static byte[] keepLiterals(List<byte[]> literals, BitSet used) {
    List<byte[]> kept = new ArrayList<>(literals.size());
    for (int i = 0; i < literals.size(); i++) {
      kept.add(used.get(i) ? literals.get(i) : NIL_TERM);
    }
    return BeamFile.literalChunk(kept);
  }
}
