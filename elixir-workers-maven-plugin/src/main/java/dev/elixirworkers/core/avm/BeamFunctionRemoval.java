package dev.elixirworkers.core.avm;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
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
 * (an instruction it does not know, a function not opened by {@code label}, {@code func_info}, a
 * jump into another function, a fun of a function not kept); the packer then keeps the module as it
 * is.
 */
final class BeamFunctionRemoval {

  private static final int OP_LABEL = 1;
  private static final int OP_FUNC_INFO = 2;
  private static final int OP_INT_CODE_END = 3;
  private static final int OP_MAKE_FUN2 = 103;
  private static final int OP_LINE = 153;
  private static final int OP_MAKE_FUN3 = 171;

  /** The external term format of {@code []}: what a dropped literal becomes. */
  private static final byte[] NIL_TERM = {(byte) 131, 106};

  private BeamFunctionRemoval() {}

  /** One decoded instruction: its opcode and where it lies in the chunk. */
  private record Instruction(int op, int start, int end) {}

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
    byte[] code = beam.chunk("Code").orElse(null);
    if (code == null) {
      return null;
    }
    int codeStart = 4 + ByteBuffer.wrap(code).getInt(0);
    List<Instruction> instructions = decode(code, codeStart);
    Selection selection = instructions == null ? null : select(beam, code, instructions, kept);
    int[] labels = selection == null ? null : numberLabels(code, instructions, selection.keep());
    if (labels == null) {
      return null;
    }
    Tables tables =
        new Tables(
            table(beam.chunk("ExpT"), 3),
            table(beam.chunk("LocT"), 3),
            table(beam.chunk("FunT"), 6),
            table(beam.chunk("ImpT"), 3));
    Uses uses = uses(code, instructions, selection.keep(), labels, tables);
    Renumbering renumbering =
        new Renumbering(
            labels, numbers(uses.atoms, 1), numbers(uses.imports, 0), numbers(uses.funs, 0));

    ByteArrayOutputStream out = new ByteArrayOutputStream(code.length);
    out.write(code, 0, codeStart);
    BitSet keep = selection.keep();
    for (int i = keep.nextSetBit(0); i >= 0; i = keep.nextSetBit(i + 1)) {
      Instruction instruction = instructions.get(i);
      ByteBuffer at = operands(code, instruction);
      out.write(instruction.op());
      for (int k = 0; k < BeamOpcodes.arity(instruction.op()); k++) {
        if (!copyOperand(at, code, out, instruction.op(), k, renumbering, null)) {
          return null;
        }
      }
    }
    byte[] newCode = out.toByteArray();
    ByteBuffer header = ByteBuffer.wrap(newCode);
    header.putInt(12, Arrays.stream(labels).max().orElse(0) + 1); // counting the unused label 0
    header.putInt(16, selection.functions());
    return withTables(beam, newCode, uses, renumbering, tables);
  }

  /** The instructions of the code, up to {@code int_code_end}; null if one is not known. */
  private static List<Instruction> decode(byte[] code, int codeStart) {
    ByteBuffer in = ByteBuffer.wrap(code);
    in.position(codeStart);
    List<Instruction> instructions = new ArrayList<>();
    while (in.hasRemaining()) {
      int start = in.position();
      int op = Byte.toUnsignedInt(in.get());
      if (!BeamOpcodes.known(op)) {
        return null;
      }
      for (int i = 0; i < BeamOpcodes.arity(op); i++) {
        CompactTerms.skip(in);
      }
      instructions.add(new Instruction(op, start, in.position()));
      if (op == OP_INT_CODE_END) {
        return instructions;
      }
    }
    return null;
  }

  /** The instructions that stay and how many functions they make. */
  private record Selection(BitSet keep, int functions) {}

  /**
   * The preamble, the functions in {@code kept} and {@code int_code_end}; null when a function is
   * not laid out as expected or when every function is kept. Function i runs from its opening label
   * (before an optional line and its func_info) to the opening label of the next one.
   */
  private static Selection select(
      BeamFile beam, byte[] code, List<Instruction> instructions, Set<String> kept) {
    List<Integer> opening = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < instructions.size(); i++) {
      if (instructions.get(i).op() != OP_FUNC_INFO) {
        continue;
      }
      int first = i - 1;
      if (first >= 0 && instructions.get(first).op() == OP_LINE) {
        first--;
      }
      if (first < 0 || instructions.get(first).op() != OP_LABEL) {
        return null;
      }
      opening.add(first);
      names.add(functionName(beam, code, instructions.get(i)));
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
  private static int[] numberLabels(byte[] code, List<Instruction> instructions, BitSet keep) {
    int oldLabelCount = ByteBuffer.wrap(code).getInt(12);
    int[] labels = new int[oldLabelCount + 1];
    int next = 1;
    for (int i = keep.nextSetBit(0); i >= 0; i = keep.nextSetBit(i + 1)) {
      Instruction instruction = instructions.get(i);
      if (instruction.op() == OP_LABEL) {
        int label = (int) CompactTerms.untagged(operands(code, instruction));
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
      byte[] code, List<Instruction> instructions, BitSet keep, int[] labels, Tables tables) {
    Uses uses = new Uses();
    uses.atoms.set(1); // the module name is atom 1
    for (int i = keep.nextSetBit(0); i >= 0; i = keep.nextSetBit(i + 1)) {
      Instruction instruction = instructions.get(i);
      ByteBuffer at = operands(code, instruction);
      for (int k = 0; k < BeamOpcodes.arity(instruction.op()); k++) {
        copyOperand(at, code, null, instruction.op(), k, null, uses);
      }
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
        case "AtU8" -> chunks.add(new BeamFile.Chunk("AtU8", atomTable(beam.atoms(), uses.atoms)));
        case "Atom" -> {
          return null; // latin-1 atoms (before OTP 20): left to BeamFile.stripped
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
          chunks.add(new BeamFile.Chunk(chunk.id(), encodeTable(keptEntries)));
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
          chunks.add(new BeamFile.Chunk("FunT", encodeTable(keptEntries)));
        }
        case "ImpT" -> {
          List<int[]> keptEntries = new ArrayList<>();
          for (int m = uses.imports.nextSetBit(0); m >= 0; m = uses.imports.nextSetBit(m + 1)) {
            int[] e = tables.imports().get(m);
            keptEntries.add(new int[] {atoms[e[0]], atoms[e[1]], e[2]});
          }
          chunks.add(new BeamFile.Chunk("ImpT", encodeTable(keptEntries)));
        }
        case "LitT", "LitU" -> {
          if (!literalsWritten) {
            byte[] table = beam.uncompressedLiterals().orElseThrow();
            chunks.add(new BeamFile.Chunk("LitU", keepLiterals(table, uses.literals)));
            literalsWritten = true;
          }
        }
        default -> chunks.add(chunk);
      }
    }
    return BeamFile.parse(BeamFile.build(chunks), beam.toString());
  }

  /** The operand bytes of an instruction, after its opcode. */
  private static ByteBuffer operands(byte[] code, Instruction instruction) {
    return ByteBuffer.wrap(
        code, instruction.start() + 1, instruction.end() - instruction.start() - 1);
  }

  /** What kept code uses, by old index. */
  private static final class Uses {
    final BitSet atoms = new BitSet();
    final BitSet imports = new BitSet();
    final BitSet funs = new BitSet();
    final BitSet literals = new BitSet();
  }

  /** New numbers by old number (0: dropped). */
  private record Renumbering(int[] labels, int[] atoms, int[] imports, int[] funs) {}

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

  /** A table of {@code width} 32-bit fields per entry after a 32-bit count; empty if absent. */
  private static List<int[]> table(Optional<byte[]> chunk, int width) {
    List<int[]> entries = new ArrayList<>();
    if (chunk.isEmpty()) {
      return entries;
    }
    ByteBuffer in = ByteBuffer.wrap(chunk.get());
    int count = in.getInt();
    for (int i = 0; i < count; i++) {
      int[] entry = new int[width];
      for (int k = 0; k < width; k++) {
        entry[k] = in.getInt();
      }
      entries.add(entry);
    }
    return entries;
  }

  private static byte[] encodeTable(List<int[]> entries) {
    int width = entries.isEmpty() ? 0 : entries.get(0).length;
    ByteBuffer out = ByteBuffer.allocate(4 + 4 * width * entries.size());
    out.putInt(entries.size());
    for (int[] entry : entries) {
      for (int field : entry) {
        out.putInt(field);
      }
    }
    return out.array();
  }

  /** {@code AtU8} with the atoms used, in their order (1-byte lengths, as before OTP 28). */
  private static byte[] atomTable(List<String> names, BitSet used) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(4).putInt(used.cardinality()).array());
    for (int i = used.nextSetBit(0); i >= 0; i = used.nextSetBit(i + 1)) {
      byte[] name = names.get(i - 1).getBytes(StandardCharsets.UTF_8);
      if (name.length > 255) {
        throw new IllegalStateException("atom longer than 255 bytes");
      }
      out.write(name.length);
      out.writeBytes(name);
    }
    return out.toByteArray();
  }

  private static String functionName(BeamFile beam, byte[] code, Instruction funcInfo) {
    ByteBuffer in = operands(code, funcInfo);
    CompactTerms.skip(in); // module
    long name = CompactTerms.untagged(in);
    long arity = CompactTerms.untagged(in);
    return beam.atoms().get((int) name - 1) + "/" + arity;
  }

  /**
   * Reads operand {@code k} of an {@code op} instruction. With {@code uses}, records the atoms,
   * import, fun and literals it names; with {@code out}, writes it renumbered: labels ({@code f}
   * operands and the operand of {@code label}), atoms, the import of a call or BIF, the fun of
   * {@code make_fun2/3}. False when something it names has no new number.
   */
  private static boolean copyOperand(
      ByteBuffer in,
      byte[] code,
      ByteArrayOutputStream out,
      int op,
      int k,
      Renumbering to,
      Uses uses) {
    int start = in.position();
    int b = Byte.toUnsignedInt(in.get());
    int tag = b & 7;
    if (tag != CompactTerms.TAG_Z) {
      long value = CompactTerms.value(in, b);
      int[] map = null;
      if (tag == CompactTerms.TAG_F && value != 0 || op == OP_LABEL && tag == CompactTerms.TAG_U) {
        map = to == null ? null : to.labels();
      } else if (tag == CompactTerms.TAG_A && value != 0) {
        if (uses != null) {
          uses.atoms.set((int) value);
        }
        map = to == null ? null : to.atoms();
      } else if (tag == CompactTerms.TAG_U && k >= 0 && k == BeamOpcodes.importOperand(op)) {
        if (uses != null) {
          uses.imports.set((int) value);
        }
        map = to == null ? null : to.imports();
      } else if (tag == CompactTerms.TAG_U
          && k == 0
          && (op == OP_MAKE_FUN2 || op == OP_MAKE_FUN3)) {
        if (uses != null) {
          uses.funs.set((int) value);
        }
        map = to == null ? null : to.funs();
      }
      if (out == null) {
        return true;
      }
      if (map == null) {
        out.write(code, start, in.position() - start);
        return true;
      }
      int renumbered = value >= 0 && value < map.length ? map[(int) value] : -1;
      if (renumbered < 0 || renumbered == 0 && map == to.labels()) {
        return false;
      }
      CompactTerms.encode(out, tag, renumbered);
      return true;
    }
    switch (b >> 4) {
      case 1 -> { // list: its count, then its elements
        long count = CompactTerms.untagged(in);
        if (out != null) {
          out.write(code, start, in.position() - start);
        }
        for (long i = 0; i < count; i++) {
          if (!copyOperand(in, code, out, op, -1, to, uses)) {
            return false;
          }
        }
        return true;
      }
      case 4 -> { // literal
        long index = CompactTerms.untagged(in);
        if (uses != null) {
          uses.literals.set((int) index);
        }
        if (out != null) {
          out.write(code, start, in.position() - start);
        }
        return true;
      }
      default -> {
        in.position(start);
        CompactTerms.skip(in);
        if (out != null) {
          out.write(code, start, in.position() - start);
        }
        return true;
      }
    }
  }

  /** The literal table with every literal not in {@code used} replaced by {@code []}. */
  private static byte[] keepLiterals(byte[] table, BitSet used) {
    ByteBuffer in = ByteBuffer.wrap(table);
    int count = in.getInt();
    ByteArrayOutputStream out = new ByteArrayOutputStream(table.length);
    out.writeBytes(ByteBuffer.allocate(4).putInt(count).array());
    for (int i = 0; i < count; i++) {
      int size = in.getInt();
      byte[] term = used.get(i) ? new byte[size] : NIL_TERM;
      if (used.get(i)) {
        in.get(term);
      } else {
        in.position(in.position() + size);
      }
      out.writeBytes(ByteBuffer.allocate(4).putInt(term.length).array());
      out.writeBytes(term);
    }
    return out.toByteArray();
  }
}
