package dev.elixirworkers.core.avm;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.BeamOpcodes;
import dev.elixirworkers.core.beam.CodeChunk;
import dev.elixirworkers.core.beam.Instruction;
import dev.elixirworkers.core.beam.Operand;
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
 * What each function of a module refers to, from its {@code Code} chunk instruction by instruction:
 * the local functions it calls ({@code call}, {@code call_last}, {@code call_only}) or makes funs
 * of ({@code make_fun2/3} through {@code FunT}), the imports it calls ({@code call_ext*}, {@code
 * bif*}, {@code gc_bif*}), the atoms it uses as operands (the {@code func_info} header excepted)
 * and the atoms and external funs of the literals it loads.
 *
 * <p>{@link #of} is empty when the module cannot be followed function by function: an instruction
 * that cannot be decoded (a newer compiler), a literal that cannot, or damaged code. The packer
 * then treats the module as one unit, the way it did before functions were followed.
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

  /** Local calls: {@code call}, {@code call_last}, {@code call_only}; the label is operand 1. */
  private static final Set<Integer> LOCAL_CALL =
      Set.of(BeamOpcodes.CALL, BeamOpcodes.CALL_LAST, BeamOpcodes.CALL_ONLY);

  /**
   * Instructions that only compare with their atom operands ({@code is_eq_exact}, {@code
   * select_val}, {@code is_tagged_tuple}…): the atom never reaches a register, so it can't become a
   * module called by name. Elixir's standard library matches structs this way ({@code %Stream{}} in
   * Enum), and counting those atoms made every matched struct's module whole.
   */
  private static final Set<String> COMPARISONS =
      Set.of(
          "is_lt",
          "is_ge",
          "is_eq",
          "is_ne",
          "is_eq_exact",
          "is_ne_exact",
          "select_val",
          "is_tagged_tuple");

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
    Optional<CodeChunk> code = CodeChunk.of(beam);
    if (code.isEmpty()) {
      return null;
    }
    List<LiteralReferences> literals = LiteralReferences.ofEach(beam);
    List<String> atoms = beam.atoms();
    List<BeamFile.Import> imports = beam.imports();

    Map<String, Function> functions = new LinkedHashMap<>();
    Map<String, List<Integer>> localLabels = new HashMap<>();
    Map<String, List<Integer>> funIndexes = new HashMap<>();
    Map<Long, String> labels = new HashMap<>();
    String current = null;
    Function fn = null;

    for (Instruction instruction : code.get()) {
      int op = instruction.opcode();
      if (op == BeamOpcodes.INT_CODE_END) {
        break;
      }
      if (op == BeamOpcodes.FUNC_INFO) {
        current =
            atoms.get((int) instruction.operand(1).value() - 1)
                + "/"
                + instruction.operand(2).value();
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
      if (op == BeamOpcodes.LABEL) {
        labels.put(instruction.operand(0).value(), current);
        continue;
      }
      Set<Long> atomIndexes = new TreeSet<>();
      List<Integer> literalIndexes = new ArrayList<>();
      for (Operand operand : instruction.allOperands()) {
        if (operand.kind() == Operand.Kind.FLOAT) {
          return null; // code from before OTP 20, which this was never checked against
        } else if (operand.isAtom() && !COMPARISONS.contains(instruction.name())) {
          atomIndexes.add(operand.value());
        } else if (operand.kind() == Operand.Kind.LITERAL) {
          literalIndexes.add((int) operand.value());
        }
      }
      if (fn == null) {
        if (!atomIndexes.isEmpty() || !literalIndexes.isEmpty() || op != BeamOpcodes.LINE) {
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
        localLabels
            .computeIfAbsent(current, k -> new ArrayList<>())
            .add((int) instruction.operand(1).value());
      } else if (op == BeamOpcodes.MAKE_FUN2 || op == BeamOpcodes.MAKE_FUN3) {
        funIndexes
            .computeIfAbsent(current, k -> new ArrayList<>())
            .add((int) instruction.operand(0).value());
      } else if (BeamOpcodes.importOperand(op) >= 0) {
        BeamFile.Import imp = imports.get(instruction.importIndex());
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
    List<Long> result = new ArrayList<>();
    for (int[] entry : beam.table("FunT", 6)) {
      result.add(Integer.toUnsignedLong(entry[2]));
    }
    return result;
  }
}
