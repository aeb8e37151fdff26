package dev.elixirworkers.core.avm;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What each function of a module refers to, decoded from its {@code Code} chunk instruction by
 * instruction (the compact term encoding of the BEAM file format): the local functions it calls
 * ({@code call}, {@code call_last}, {@code call_only}) or makes funs of ({@code make_fun2/3}
 * through {@code FunT}), the imports it calls ({@code call_ext*}, {@code bif*}, {@code gc_bif*}),
 * the atoms it uses as operands (the {@code func_info} header excepted) and the atoms and external
 * funs of the literals it loads.
 *
 * <p>{@link #of} is empty when the module cannot be followed function by function: an instruction
 * this decoder does not know (a newer compiler), a literal it cannot decode, or damaged code. The
 * packer then treats the module as one unit, the way it did before functions were followed.
 */
final class FunctionReferences {

  /**
   * One function's references.
   *
   * @param locals functions of the same module, as {@code name/arity}
   * @param externals imported functions called, as {@code module:name/arity}
   * @param funLiterals external fun literals loaded ({@code &Mod.fun/1}), as {@code
   *     module:name/arity}, and modules of such funs whose name or arity is not literal, as {@code
   *     module:}
   * @param atoms atoms used as instruction operands
   * @param literalAtoms atoms inside literals loaded
   */
  record Function(
      Set<String> locals,
      Set<String> externals,
      Set<String> funLiterals,
      Set<String> atoms,
      Set<String> literalAtoms) {}

  private static final int OP_LABEL = 1;
  private static final int OP_FUNC_INFO = 2;
  private static final int OP_INT_CODE_END = 3;
  private static final int OP_MAKE_FUN2 = 103;
  private static final int OP_MAKE_FUN3 = 171;

  /** Local calls: {@code call}, {@code call_last}, {@code call_only}; the label is operand 1. */
  private static final Set<Integer> LOCAL_CALL = Set.of(4, 5, 6);

  private FunctionReferences() {}

  /** The module's functions by {@code name/arity}, or empty when it cannot be followed. */
  static Optional<Map<String, Function>> of(BeamFile beam) {
    try {
      return Optional.ofNullable(decode(beam));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Map<String, Function> decode(BeamFile beam) {
    Optional<byte[]> code = beam.chunk("Code");
    if (code.isEmpty()) {
      return null;
    }
    List<LiteralReferences> literals =
        beam.uncompressedLiterals()
            .map(table -> LiteralReferences.scanEach(table, beam.module()))
            .orElse(List.of());
    List<String> atoms = beam.atoms();
    List<BeamFile.Import> imports = beam.imports();

    Map<String, Function> functions = new LinkedHashMap<>();
    Map<String, List<Integer>> localLabels = new HashMap<>();
    Map<String, List<Integer>> funIndexes = new HashMap<>();
    Map<Long, String> labels = new HashMap<>();
    String current = null;
    Function fn = null;

    ByteBuffer in = ByteBuffer.wrap(code.get());
    int headerSize = in.getInt();
    in.position(4 + headerSize);
    List<long[]> operands = new ArrayList<>();
    Set<Long> atomIndexes = new TreeSet<>();
    List<Integer> literalIndexes = new ArrayList<>();
    while (in.hasRemaining()) {
      int op = Byte.toUnsignedInt(in.get());
      if (!BeamOpcodes.known(op)) {
        return null;
      }
      operands.clear();
      atomIndexes.clear();
      literalIndexes.clear();
      for (int i = 0; i < BeamOpcodes.arity(op); i++) {
        operands.add(operand(in, atomIndexes, literalIndexes));
      }
      if (op == OP_INT_CODE_END) {
        break;
      }
      if (op == OP_FUNC_INFO) {
        current = atoms.get((int) operands.get(1)[1] - 1) + "/" + operands.get(2)[1];
        fn =
            new Function(
                new TreeSet<>(),
                new TreeSet<>(),
                new TreeSet<>(),
                new TreeSet<>(),
                new TreeSet<>());
        functions.put(current, fn);
        continue;
      }
      if (op == OP_LABEL) {
        labels.put(operands.get(0)[1], current);
        continue;
      }
      if (fn == null) {
        if (!atomIndexes.isEmpty() || !literalIndexes.isEmpty() || op != 153) {
          return null; // something before the first function other than a line: unexpected
        }
        continue;
      }
      for (long atom : atomIndexes) {
        fn.atoms().add(atoms.get((int) atom - 1));
      }
      for (int index : literalIndexes) {
        LiteralReferences refs = index < literals.size() ? literals.get(index) : null;
        if (refs == null) {
          return null;
        }
        fn.literalAtoms().addAll(refs.atoms());
        fn.funLiterals().addAll(refs.funs());
        for (String module : refs.funModules()) {
          if (refs.funs().stream().noneMatch(f -> f.startsWith(module + ":"))) {
            fn.funLiterals().add(module + ":");
          }
        }
      }
      if (LOCAL_CALL.contains(op)) {
        localLabels.computeIfAbsent(current, k -> new ArrayList<>()).add((int) operands.get(1)[1]);
      } else if (op == OP_MAKE_FUN2 || op == OP_MAKE_FUN3) {
        funIndexes.computeIfAbsent(current, k -> new ArrayList<>()).add((int) operands.get(0)[1]);
      } else if (BeamOpcodes.importOperand(op) >= 0) {
        BeamFile.Import imp = imports.get((int) operands.get(BeamOpcodes.importOperand(op))[1]);
        fn.externals().add(imp.module() + ":" + imp.function() + "/" + imp.arity());
      }
    }

    List<Long> funLabels = funTableLabels(beam);
    for (Map.Entry<String, Function> e : functions.entrySet()) {
      for (int label : localLabels.getOrDefault(e.getKey(), List.of())) {
        e.getValue().locals().add(target(labels, label));
      }
      for (int index : funIndexes.getOrDefault(e.getKey(), List.of())) {
        e.getValue().locals().add(target(labels, funLabels.get(index)));
      }
    }
    Map<String, Function> frozen = new LinkedHashMap<>();
    functions.forEach(
        (name, f) ->
            frozen.put(
                name,
                new Function(
                    Collections.unmodifiableSet(f.locals()),
                    Collections.unmodifiableSet(f.externals()),
                    Collections.unmodifiableSet(f.funLiterals()),
                    Collections.unmodifiableSet(f.atoms()),
                    Collections.unmodifiableSet(f.literalAtoms()))));
    return Collections.unmodifiableMap(frozen);
  }

  private static String target(Map<Long, String> labels, long label) {
    String function = labels.get(label);
    if (function == null) {
      throw new IllegalStateException("label " + label + " is in no function");
    }
    return function;
  }

  /** The entry label of each {@code FunT} entry, by index. */
  private static List<Long> funTableLabels(BeamFile beam) {
    Optional<byte[]> funT = beam.chunk("FunT");
    if (funT.isEmpty()) {
      return List.of();
    }
    ByteBuffer in = ByteBuffer.wrap(funT.get());
    int count = in.getInt();
    List<Long> result = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      in.getInt(); // function atom
      in.getInt(); // arity
      result.add(Integer.toUnsignedLong(in.getInt()));
      in.getInt(); // index
      in.getInt(); // free variables
      in.getInt(); // old unique
    }
    return result;
  }

  /**
   * Reads one operand; returns {tag, value}. Atom operands (also inside lists) go to {@code
   * atomIndexes}, literal operands to {@code literalIndexes}.
   */
  private static long[] operand(
      ByteBuffer in, Set<Long> atomIndexes, List<Integer> literalIndexes) {
    int b = Byte.toUnsignedInt(in.get());
    int tag = b & 7;
    if (tag != CompactTerms.TAG_Z) {
      long value = CompactTerms.value(in, b);
      if (tag == CompactTerms.TAG_A && value != 0) {
        atomIndexes.add(value);
      }
      return new long[] {tag, value};
    }
    switch (b >> 4) {
      case 1: // list: a count, then that many operands
        {
          long count = CompactTerms.untagged(in);
          for (long i = 0; i < count; i++) {
            operand(in, atomIndexes, literalIndexes);
          }
          return new long[] {tag, count};
        }
      case 2: // floating-point register
        return new long[] {tag, CompactTerms.untagged(in)};
      case 3: // allocation list: a count, then (type, value) pairs
        {
          long count = CompactTerms.untagged(in);
          for (long i = 0; i < 2 * count; i++) {
            CompactTerms.untagged(in);
          }
          return new long[] {tag, count};
        }
      case 4: // literal
        {
          long index = CompactTerms.untagged(in);
          literalIndexes.add((int) index);
          return new long[] {tag, index};
        }
      case 5: // type-tagged register: a register, then a type index
        operand(in, atomIndexes, literalIndexes);
        CompactTerms.untagged(in);
        return new long[] {tag, 0};
      default: // floats before OTP 20 and anything newer
        throw new IllegalStateException("unknown extended operand tag " + (b >> 4));
    }
  }
}
