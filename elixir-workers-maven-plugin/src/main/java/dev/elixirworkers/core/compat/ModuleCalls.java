package dev.elixirworkers.core.compat;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.BeamOpcodes;
import dev.elixirworkers.core.beam.CodeChunk;
import dev.elixirworkers.core.beam.ExternalTerms;
import dev.elixirworkers.core.beam.Instruction;
import dev.elixirworkers.core.beam.LineTable;
import dev.elixirworkers.core.beam.Operand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The calls a BEAM module makes to other modules, each with the source line it is on: walking the
 * {@code Code} chunk, the last {@code line} instruction gives the line of each {@code call_ext},
 * {@code bif} and {@code gc_bif} that names an import, and of each external fun literal ({@code
 * &Mod.fun/1}) that is loaded. Lines come from the {@code Line} chunk, files from it and from the
 * compile info.
 *
 * <p>Modules from OTP 25 to 28 compilers are understood; an instruction that cannot be decoded ends
 * the walk, and the module's remaining imports are reported without a line.
 */
final class ModuleCalls {
  /** One call in a module's code. {@code line} is 0 when unknown. */
  record CallSite(Mfa target, String file, int line, String problem) {
    CallSite(Mfa target, String file, int line) {
      this(target, file, line, null);
    }
  }

  /** Calls, returns and function starts: a literal loaded before one of them is used there. */
  private static final Set<Integer> ENDS_EXPRESSION =
      Set.of(
          BeamOpcodes.FUNC_INFO,
          BeamOpcodes.INT_CODE_END,
          BeamOpcodes.CALL,
          BeamOpcodes.CALL_LAST,
          BeamOpcodes.CALL_ONLY,
          BeamOpcodes.CALL_EXT,
          BeamOpcodes.CALL_EXT_LAST,
          BeamOpcodes.BIF0,
          BeamOpcodes.BIF1,
          BeamOpcodes.BIF2,
          BeamOpcodes.RETURN,
          BeamOpcodes.CALL_FUN,
          BeamOpcodes.CALL_EXT_ONLY,
          BeamOpcodes.APPLY,
          BeamOpcodes.APPLY_LAST,
          BeamOpcodes.GC_BIF1,
          BeamOpcodes.GC_BIF2,
          BeamOpcodes.GC_BIF3,
          BeamOpcodes.CALL_FUN2);

  private ModuleCalls() {}

  /** Every external call and external fun literal of {@code beam}, in code order. */
  static List<CallSite> callSites(BeamFile beam) {
    LineTable lines = LineTable.of(beam);
    Map<Integer, List<Mfa>> funLiterals = exportFunLiterals(beam);
    List<BeamFile.Import> imports = beam.imports();
    List<CallSite> sites = new ArrayList<>();
    boolean[] seen = new boolean[imports.size()];
    Optional<CodeChunk> code = CodeChunk.of(beam);
    if (code.isPresent()) {
      try {
        walk(code.get(), beam.atoms(), imports, funLiterals, lines, sites, seen);
      } catch (RuntimeException e) {
        // unknown or damaged code: what was decoded stands, the rest is reported without lines
      }
    }
    for (int i = 0; i < imports.size(); i++) {
      if (!seen[i]) {
        BeamFile.Import imp = imports.get(i);
        sites.add(
            new CallSite(new Mfa(imp.module(), imp.function(), imp.arity()), lines.file(0), 0));
      }
    }
    return sites;
  }

  private static void walk(
      CodeChunk code,
      List<String> atoms,
      List<BeamFile.Import> imports,
      Map<Integer, List<Mfa>> funLiterals,
      LineTable lines,
      List<CallSite> sites,
      boolean[] seen) {
    int line = 0;
    String file = lines.file(0);
    // External funs of literals loaded since the last line or call: arguments are set up before
    // the line instruction of the call they are for, so they take the line that comes next.
    List<Mfa> pendingFuns = new ArrayList<>();
    // A macro's body (the function MACRO-name) runs in the compiler, never on the VM: what it
    // calls (Elixir 1.18's :elixir_quote.shallow_validate_ast/1 for unquote, say) is not checked.
    boolean inMacro = false;
    for (Instruction instruction : code) {
      int op = instruction.opcode();
      boolean isLine = op == BeamOpcodes.LINE || op == BeamOpcodes.EXECUTABLE_LINE;
      if (isLine) {
        int item = (int) instruction.operand(0).value();
        line = lines.line(item);
        file = lines.fileOfItem(item);
      }
      for (Operand operand : instruction.allOperands()) {
        if (operand.kind() == Operand.Kind.LITERAL) {
          pendingFuns.addAll(funLiterals.getOrDefault((int) operand.value(), List.of()));
        }
      }
      if (!pendingFuns.isEmpty() && (isLine || ENDS_EXPRESSION.contains(op))) {
        if (!inMacro) {
          for (Mfa fun : pendingFuns) {
            sites.add(new CallSite(fun, file, line));
          }
        }
        pendingFuns.clear();
      }
      if (op == BeamOpcodes.FUNC_INFO) {
        inMacro = atoms.get((int) instruction.operand(1).value() - 1).startsWith("MACRO-");
      }
      int index = instruction.importIndex();
      if (index >= 0 && index < imports.size()) {
        BeamFile.Import imp = imports.get(index);
        if (!inMacro) {
          sites.add(new CallSite(new Mfa(imp.module(), imp.function(), imp.arity()), file, line));
        }
        seen[index] = true;
      }
    }
    if (!inMacro) {
      for (Mfa fun : pendingFuns) {
        sites.add(new CallSite(fun, file, line));
      }
    }
  }

  /**
   * The exported functions of {@code beam} whose only call is {@code erlang:nif_error/1}: stubs for
   * NIFs (AtomVM's standard library declares the functions of its C modules this way). When the VM
   * has no such NIF, calling the stub fails as surely as calling nothing.
   */
  static Set<String> nifStubs(BeamFile beam) {
    Optional<CodeChunk> code = CodeChunk.of(beam);
    if (code.isEmpty()) {
      return Set.of();
    }
    List<BeamFile.Import> imports = beam.imports();
    Map<String, Set<String>> calls = new HashMap<>();
    try {
      String function = null;
      for (Instruction instruction : code.get()) {
        if (instruction.opcode() == BeamOpcodes.FUNC_INFO) {
          function =
              beam.atoms().get((int) instruction.operand(1).value() - 1)
                  + "/"
                  + instruction.operand(2).value();
          calls.putIfAbsent(function, new TreeSet<>());
        } else if (function != null && instruction.importIndex() >= 0) {
          int index = instruction.importIndex();
          if (index < imports.size()) {
            BeamFile.Import imp = imports.get(index);
            calls.get(function).add(imp.module() + ":" + imp.function() + "/" + imp.arity());
          }
        }
      }
    } catch (RuntimeException e) {
      return Set.of();
    }
    Set<String> stubs = new TreeSet<>();
    calls.forEach(
        (function, called) -> {
          if (called.equals(Set.of("erlang:nif_error/1"))) {
            stubs.add(function);
          }
        });
    return stubs;
  }

  /**
   * The {@code ~r} literals of {@code beam} that the VM's engine cannot compile, each where it is
   * loaded: {@code hint} is the finding's text.
   */
  static List<CallSite> unsupportedRegexLiterals(BeamFile beam, Map<Integer, String> problems) {
    List<CallSite> sites = new ArrayList<>();
    if (problems.isEmpty()) {
      return sites;
    }
    LineTable lines = LineTable.of(beam);
    Optional<CodeChunk> code = CodeChunk.of(beam);
    if (code.isEmpty()) {
      return sites;
    }
    int line = 0;
    String file = lines.file(0);
    List<Integer> pending = new ArrayList<>();
    try {
      for (Instruction instruction : code.get()) {
        int op = instruction.opcode();
        boolean isLine = op == BeamOpcodes.LINE || op == BeamOpcodes.EXECUTABLE_LINE;
        if (isLine) {
          int item = (int) instruction.operand(0).value();
          line = lines.line(item);
          file = lines.fileOfItem(item);
        }
        for (Operand operand : instruction.allOperands()) {
          if (operand.kind() == Operand.Kind.LITERAL
              && problems.containsKey((int) operand.value())) {
            pending.add((int) operand.value());
          }
        }
        if (!pending.isEmpty() && (isLine || ENDS_EXPRESSION.contains(op))) {
          for (int literal : pending) {
            sites.add(new CallSite(REGEX_LITERAL, file, line, problems.get(literal)));
          }
          pending.clear();
        }
      }
    } catch (RuntimeException e) {
      // unknown or damaged code: what was decoded stands
    }
    for (int literal : pending) {
      sites.add(new CallSite(REGEX_LITERAL, file, line, problems.get(literal)));
    }
    return sites;
  }

  /** What a finding about a {@code ~r} literal names as its call: the sigil's macro. */
  static final Mfa REGEX_LITERAL = new Mfa("Elixir.Kernel", "sigil_r", 2);

  /**
   * Literal index -> why the VM's engine rejects the {@code %Regex{}} in it ({@code ~r/…/opts
   * cannot be compiled in the VM: …}), for the literals holding one it rejects.
   */
  static Map<Integer, String> unsupportedRegexes(BeamFile beam) {
    Map<Integer, String> problems = new HashMap<>();
    List<byte[]> literals = beam.literals();
    for (int i = 0; i < literals.size(); i++) {
      String[] problem = {null};
      try {
        ExternalTerms.forEach(
            ExternalTerms.decode(literals.get(i)),
            term -> {
              if (problem[0] == null
                  && term instanceof Map<?, ?> map
                  && new ExternalTerms.Atom("Elixir.Regex")
                      .equals(map.get(new ExternalTerms.Atom("__struct__")))
                  && map.get(new ExternalTerms.Atom("source")) instanceof byte[] source) {
                Object opts = map.get(new ExternalTerms.Atom("opts"));
                boolean extended =
                    (opts instanceof byte[] letters
                            && new String(letters, StandardCharsets.ISO_8859_1).contains("x"))
                        || (opts instanceof List<?> list
                            && list.contains(new ExternalTerms.Atom("extended")));
                VmRegexSyntax.check(source, extended)
                    .ifPresent(
                        u ->
                            problem[0] =
                                "~r/"
                                    + new String(source, StandardCharsets.UTF_8)
                                    + "/ cannot be compiled in the VM: "
                                    + u.message()
                                    + " (at position "
                                    + u.position()
                                    + "); rewrite it with the syntax of docs/regex.md");
              }
            });
      } catch (RuntimeException e) {
        continue;
      }
      if (problem[0] != null) {
        problems.put(i, problem[0]);
      }
    }
    return problems;
  }

  /** Literal index -> the external funs ({@code fun M:F/A}) inside that literal, in term order. */
  private static Map<Integer, List<Mfa>> exportFunLiterals(BeamFile beam) {
    Map<Integer, List<Mfa>> funs = new HashMap<>();
    List<byte[]> literals = beam.literals();
    for (int i = 0; i < literals.size(); i++) {
      List<Mfa> found = new ArrayList<>();
      try {
        ExternalTerms.forEach(
            ExternalTerms.decode(literals.get(i)),
            term -> {
              if (term instanceof ExternalTerms.ExportFun fun
                  && fun.module() instanceof ExternalTerms.Atom m
                  && fun.function() instanceof ExternalTerms.Atom f
                  && fun.arity() instanceof Long a) {
                found.add(new Mfa(m.name(), f.name(), a.intValue()));
              }
            });
      } catch (RuntimeException e) {
        continue; // a literal this reader cannot decode holds no fun it can report
      }
      if (!found.isEmpty()) {
        funs.put(i, found);
      }
    }
    return funs;
  }
}
