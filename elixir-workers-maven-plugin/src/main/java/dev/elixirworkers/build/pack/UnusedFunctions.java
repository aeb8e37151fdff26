package dev.elixirworkers.build.pack;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Rewrites a module without the functions the packer found no way to reach: their code leaves the
 * {@code Code} chunk, their entries leave {@code ExpT} and {@code LocT}, and the literals only they
 * loaded become {@code []}. AtomVM keeps a pointer per label and loads every literal's offset, so a
 * dropped function also costs nothing at load time.
 *
 * <p>What stays keeps working unchanged: the labels of the functions kept are renumbered in order
 * (every {@code f} operand, every {@code label} instruction, {@code ExpT}, {@code LocT}, {@code
 * FunT}), literal and import indexes do not move, and a {@code FunT} entry of a dropped function
 * points at label 0 (only dropped code made such funs). A call of a dropped export fails like a
 * call of any missing function: {@code undef}.
 *
 * <p>{@link #removeFrom} is empty when the code is laid out in a way this rewrite does not expect
 * (an instruction it does not know, a function not opened by {@code label}, {@code func_info}, a
 * jump into another function); the packer then keeps the module as it is.
 */
final class UnusedFunctions {

  private static final int OP_LABEL = 1;
  private static final int OP_FUNC_INFO = 2;
  private static final int OP_INT_CODE_END = 3;
  private static final int OP_LINE = 153;

  private static final int TAG_U = 0;
  private static final int TAG_F = 5;
  private static final int TAG_Z = 7;

  /** The external term format of {@code []}: what a dropped literal becomes. */
  private static final byte[] NIL_TERM = {(byte) 131, 106};

  private UnusedFunctions() {}

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
    ByteBuffer in = ByteBuffer.wrap(code);
    int codeStart = 4 + in.getInt(0);
    List<Instruction> instructions = new ArrayList<>();
    in.position(codeStart);
    while (in.hasRemaining()) {
      int start = in.position();
      int op = Byte.toUnsignedInt(in.get());
      if (!BeamOpcodes.known(op)) {
        return null;
      }
      for (int i = 0; i < BeamOpcodes.arity(op); i++) {
        skipOperand(in);
      }
      instructions.add(new Instruction(op, start, in.position()));
      if (op == OP_INT_CODE_END) {
        break;
      }
    }

    // Function i runs from its opening label (before an optional line and its func_info) to the
    // opening label of the next one; int_code_end closes the last.
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
    if (instructions.get(end).op() != OP_INT_CODE_END) {
      return null;
    }

    // Which instructions stay: the preamble, the functions kept, int_code_end.
    BitSet keep = new BitSet(instructions.size());
    keep.set(0, opening.get(0));
    keep.set(end);
    int functionsKept = 0;
    for (int f = 0; f < opening.size(); f++) {
      if (kept.contains(names.get(f))) {
        int to = f + 1 < opening.size() ? opening.get(f + 1) : end;
        keep.set(opening.get(f), to);
        functionsKept++;
      }
    }

    int oldLabelCount = in.getInt(12);
    int[] labels = new int[oldLabelCount + 1];
    int next = 1;
    for (int i = keep.nextSetBit(0); i >= 0; i = keep.nextSetBit(i + 1)) {
      Instruction instruction = instructions.get(i);
      if (instruction.op() == OP_LABEL) {
        ByteBuffer operand =
            ByteBuffer.wrap(
                code, instruction.start() + 1, instruction.end() - instruction.start() - 1);
        int label = (int) untagged(operand);
        if (label <= 0 || label > oldLabelCount || labels[label] != 0) {
          return null;
        }
        labels[label] = next++;
      }
    }

    ByteArrayOutputStream out = new ByteArrayOutputStream(code.length);
    out.write(code, 0, codeStart);
    BitSet literals = new BitSet();
    for (int i = keep.nextSetBit(0); i >= 0; i = keep.nextSetBit(i + 1)) {
      Instruction instruction = instructions.get(i);
      ByteBuffer at =
          ByteBuffer.wrap(code, instruction.start(), instruction.end() - instruction.start());
      out.write(Byte.toUnsignedInt(at.get()));
      for (int k = 0; k < BeamOpcodes.arity(instruction.op()); k++) {
        if (!copyOperand(at, code, out, labels, literals, instruction.op() == OP_LABEL)) {
          return null;
        }
      }
    }
    byte[] newCode = out.toByteArray();
    ByteBuffer header = ByteBuffer.wrap(newCode);
    header.putInt(12, next); // labels, counting the unused label 0
    header.putInt(16, functionsKept);

    List<BeamFile.Chunk> chunks = new ArrayList<>();
    boolean literalsWritten = false;
    for (BeamFile.Chunk chunk : beam.chunks()) {
      switch (chunk.id()) {
        case "Code" -> chunks.add(new BeamFile.Chunk("Code", newCode));
        case "ExpT", "LocT" -> {
          byte[] table = functionTable(beam, chunk.data(), labels);
          if (table == null) {
            return null;
          }
          chunks.add(new BeamFile.Chunk(chunk.id(), table));
        }
        case "FunT" -> chunks.add(new BeamFile.Chunk("FunT", funTable(chunk.data(), labels)));
        case "LitT", "LitU" -> {
          if (!literalsWritten) {
            byte[] table = beam.uncompressedLiterals().orElseThrow();
            chunks.add(new BeamFile.Chunk("LitU", keepLiterals(table, literals)));
            literalsWritten = true;
          }
        }
        default -> chunks.add(chunk);
      }
    }
    return BeamFile.parse(BeamFile.build(chunks), beam.toString());
  }

  private static String functionName(BeamFile beam, byte[] code, Instruction funcInfo) {
    ByteBuffer in =
        ByteBuffer.wrap(code, funcInfo.start() + 1, funcInfo.end() - funcInfo.start() - 1);
    skipOperand(in); // module
    long name = value(in, Byte.toUnsignedInt(in.get()));
    long arity = value(in, Byte.toUnsignedInt(in.get()));
    return beam.atoms().get((int) name - 1) + "/" + arity;
  }

  /**
   * Copies one operand, renumbering labels: {@code f} operands, and the {@code u} operand of a
   * {@code label} instruction. Records literal operands. False when a label has no new number.
   */
  private static boolean copyOperand(
      ByteBuffer in,
      byte[] code,
      ByteArrayOutputStream out,
      int[] labels,
      BitSet literals,
      boolean isLabel) {
    int start = in.position();
    int b = Byte.toUnsignedInt(in.get());
    int tag = b & 7;
    if (tag != TAG_Z) {
      long value = value(in, b);
      if (tag == TAG_F || (isLabel && tag == TAG_U)) {
        if (value == 0 && tag == TAG_F) {
          out.write(b); // no failure label
          return true;
        }
        if (value >= labels.length || labels[(int) value] == 0) {
          return false;
        }
        encode(out, tag, labels[(int) value]);
        return true;
      }
      out.write(code, start, in.position() - start);
      return true;
    }
    switch (b >> 4) {
      case 1 -> { // list: its count, then its elements
        long count = untagged(in);
        out.write(code, start, in.position() - start);
        for (long i = 0; i < count; i++) {
          if (!copyOperand(in, code, out, labels, literals, false)) {
            return false;
          }
        }
        return true;
      }
      case 4 -> { // literal
        literals.set((int) untagged(in));
        out.write(code, start, in.position() - start);
        return true;
      }
      default -> {
        in.position(start);
        skipOperand(in);
        out.write(code, start, in.position() - start);
        return true;
      }
    }
  }

  /** {@code ExpT} or {@code LocT} without the dropped functions, labels renumbered. */
  private static byte[] functionTable(BeamFile beam, byte[] table, int[] labels) {
    ByteBuffer in = ByteBuffer.wrap(table);
    int count = in.getInt();
    ByteBuffer out = ByteBuffer.allocate(table.length);
    out.putInt(0);
    int kept = 0;
    for (int i = 0; i < count; i++) {
      int function = in.getInt();
      int arity = in.getInt();
      int label = in.getInt();
      if (label <= 0 || label >= labels.length) {
        return null;
      }
      if (labels[label] != 0) {
        out.putInt(function).putInt(arity).putInt(labels[label]);
        kept++;
      }
    }
    out.putInt(0, kept);
    byte[] result = new byte[out.position()];
    System.arraycopy(out.array(), 0, result, 0, result.length);
    return result;
  }

  /** {@code FunT} with labels renumbered; entries of dropped functions point at label 0. */
  private static byte[] funTable(byte[] table, int[] labels) {
    byte[] result = table.clone();
    ByteBuffer buffer = ByteBuffer.wrap(result);
    int count = buffer.getInt(0);
    for (int i = 0; i < count; i++) {
      int at = 4 + i * 24 + 8;
      int label = buffer.getInt(at);
      buffer.putInt(at, label > 0 && label < labels.length ? labels[label] : 0);
    }
    return result;
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

  // ---- the compact term encoding

  private static void skipOperand(ByteBuffer in) {
    int b = Byte.toUnsignedInt(in.get());
    if ((b & 7) != TAG_Z) {
      value(in, b);
      return;
    }
    switch (b >> 4) {
      case 1 -> {
        long count = untagged(in);
        for (long i = 0; i < count; i++) {
          skipOperand(in);
        }
      }
      case 2, 4 -> untagged(in);
      case 3 -> {
        long count = untagged(in);
        for (long i = 0; i < 2 * count; i++) {
          untagged(in);
        }
      }
      case 5 -> {
        skipOperand(in);
        untagged(in);
      }
      default -> throw new IllegalStateException("unknown extended operand tag " + (b >> 4));
    }
  }

  private static long untagged(ByteBuffer in) {
    return value(in, Byte.toUnsignedInt(in.get()));
  }

  private static long value(ByteBuffer in, int b) {
    if ((b & 0x08) == 0) {
      return b >> 4;
    }
    if ((b & 0x10) == 0) {
      return ((long) (b >> 5) << 8) | Byte.toUnsignedInt(in.get());
    }
    int size = b >> 5;
    if (size == 7) {
      size = (int) untagged(in) + 9;
    } else {
      size += 2;
    }
    if (size > 8) {
      in.position(in.position() + size);
      return -1;
    }
    long value = 0;
    for (int i = 0; i < size; i++) {
      value = (value << 8) | Byte.toUnsignedInt(in.get());
    }
    return value;
  }

  /** A non-negative value with a tag, as the compiler writes it. */
  static void encode(ByteArrayOutputStream out, int tag, long value) {
    if (value < 16) {
      out.write((int) (value << 4) | tag);
    } else if (value < 2048) {
      out.write((int) ((value >> 3) & 0xe0) | 0x08 | tag);
      out.write((int) (value & 0xff));
    } else {
      byte[] bytes = java.math.BigInteger.valueOf(value).toByteArray(); // leading 0 if needed
      out.write(((bytes.length - 2) << 5) | 0x18 | tag);
      out.writeBytes(bytes);
    }
  }
}
