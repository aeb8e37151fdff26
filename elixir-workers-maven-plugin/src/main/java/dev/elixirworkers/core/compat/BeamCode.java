package dev.elixirworkers.core.compat;

import dev.elixirworkers.core.avm.BeamFile;
import dev.elixirworkers.core.avm.BeamFormatException;
import dev.elixirworkers.core.avm.BeamOpcodes;
import dev.elixirworkers.core.avm.CompactTerms;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The calls a BEAM module makes to other modules, each with the source line it is on: the {@code
 * Code} chunk is decoded instruction by instruction (the compact term encoding of the BEAM file
 * format), the last {@code line} instruction gives the line of each {@code call_ext}, {@code bif}
 * and {@code gc_bif} that names an import, and of each external fun literal ({@code &Mod.fun/1})
 * that is loaded. Lines come from the {@code Line} chunk, files from it and from the compile info.
 *
 * <p>Modules from OTP 25 to 28 compilers are understood; an instruction this decoder does not know
 * ends the decoding, and the module's remaining imports are reported without a line.
 */
final class BeamCode {
  /** One call in a module's code. {@code line} is 0 when unknown. */
  record CallSite(Mfa target, String file, int line) {}

  private static final int OP_FUNC_INFO = 2;
  private static final int OP_LINE = 153;
  private static final int OP_EXECUTABLE_LINE = 183;
  private static final int OP_INT_CODE_END = 3;

  /** Calls, returns and function starts: a literal loaded before one of them is used there. */
  private static final Set<Integer> ENDS_EXPRESSION =
      Set.of(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 19, 75, 78, 112, 113, 124, 125, 152, 178);

  private BeamCode() {}

  /** Every external call and external fun literal of {@code beam}, in code order. */
  static List<CallSite> callSites(BeamFile beam) {
    LineTable lines = LineTable.of(beam);
    Map<Integer, List<Mfa>> funLiterals = exportFunLiterals(beam);
    List<BeamFile.Import> imports = beam.imports();
    List<CallSite> sites = new ArrayList<>();
    boolean[] seen = new boolean[imports.size()];
    Optional<byte[]> code = beam.chunk("Code");
    if (code.isPresent()) {
      try {
        decode(code.get(), beam.atoms(), imports, funLiterals, lines, sites, seen);
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

  private static void decode(
      byte[] chunk,
      List<String> atoms,
      List<BeamFile.Import> imports,
      Map<Integer, List<Mfa>> funLiterals,
      LineTable lines,
      List<CallSite> sites,
      boolean[] seen) {
    ByteBuffer in = ByteBuffer.wrap(chunk);
    int headerSize = in.getInt();
    in.position(4 + headerSize);
    int line = 0;
    String file = lines.file(0);
    List<Long> operands = new ArrayList<>();
    // External funs of literals loaded since the last line or call: arguments are set up before
    // the line instruction of the call they are for, so they take the line that comes next.
    List<Mfa> pendingFuns = new ArrayList<>();
    // A macro's body (the function MACRO-name) runs in the compiler, never on the VM: what it
    // calls (Elixir 1.18's :elixir_quote.shallow_validate_ast/1 for unquote, say) is not checked.
    boolean inMacro = false;
    while (in.hasRemaining()) {
      int op = Byte.toUnsignedInt(in.get());
      if (!BeamOpcodes.known(op)) {
        throw new IllegalStateException("unknown instruction " + op);
      }
      operands.clear();
      List<Integer> literals = new ArrayList<>();
      for (int i = 0; i < BeamOpcodes.arity(op); i++) {
        operands.add(operand(in, literals));
      }
      if (op == OP_LINE || op == OP_EXECUTABLE_LINE) {
        int item = operands.get(0).intValue();
        line = lines.line(item);
        file = lines.fileOfItem(item);
      }
      for (int literal : literals) {
        pendingFuns.addAll(funLiterals.getOrDefault(literal, List.of()));
      }
      if (!pendingFuns.isEmpty()
          && (op == OP_LINE || op == OP_EXECUTABLE_LINE || ENDS_EXPRESSION.contains(op))) {
        if (!inMacro) {
          for (Mfa fun : pendingFuns) {
            sites.add(new CallSite(fun, file, line));
          }
        }
        pendingFuns.clear();
      }
      if (op == OP_FUNC_INFO) {
        inMacro = atoms.get(operands.get(1).intValue() - 1).startsWith("MACRO-");
      }
      if (BeamOpcodes.importOperand(op) >= 0) {
        int index = operands.get(BeamOpcodes.importOperand(op)).intValue();
        if (index >= 0 && index < imports.size()) {
          BeamFile.Import imp = imports.get(index);
          if (!inMacro) {
            sites.add(new CallSite(new Mfa(imp.module(), imp.function(), imp.arity()), file, line));
          }
          seen[index] = true;
        }
      } else if (op == OP_INT_CODE_END) {
        break;
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
    Optional<byte[]> code = beam.chunk("Code");
    if (code.isEmpty()) {
      return Set.of();
    }
    List<BeamFile.Import> imports = beam.imports();
    Map<String, Set<String>> calls = new HashMap<>();
    try {
      ByteBuffer in = ByteBuffer.wrap(code.get());
      int headerSize = in.getInt();
      in.position(4 + headerSize);
      String function = null;
      List<Long> operands = new ArrayList<>();
      List<Integer> literals = new ArrayList<>();
      while (in.hasRemaining()) {
        int op = Byte.toUnsignedInt(in.get());
        if (!BeamOpcodes.known(op)) {
          return Set.of();
        }
        operands.clear();
        for (int i = 0; i < BeamOpcodes.arity(op); i++) {
          operands.add(operand(in, literals));
        }
        if (op == OP_FUNC_INFO) {
          function =
              beam.atoms().get(operands.get(1).intValue() - 1) + "/" + operands.get(2).intValue();
          calls.putIfAbsent(function, new TreeSet<>());
        } else if (function != null && BeamOpcodes.importOperand(op) >= 0) {
          int index = operands.get(BeamOpcodes.importOperand(op)).intValue();
          if (index >= 0 && index < imports.size()) {
            BeamFile.Import imp = imports.get(index);
            calls.get(function).add(imp.module() + ":" + imp.function() + "/" + imp.arity());
          }
        } else if (op == OP_INT_CODE_END) {
          break;
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
   * Reads one operand; returns its value for the u/i/a/x/y/f/h tags (the index for literals), and
   * adds literal indexes to {@code literals}.
   */
  private static long operand(ByteBuffer in, List<Integer> literals) {
    int b = Byte.toUnsignedInt(in.get());
    int tag = b & 7;
    if (tag != CompactTerms.TAG_Z) {
      return CompactTerms.signedValue(in, b);
    }
    switch (b >> 4) {
      case 0: // float (before OTP 20)
        in.position(in.position() + 8);
        return 0;
      case 1: // list: a count, then that many operands
        {
          long count = CompactTerms.untagged(in);
          for (long i = 0; i < count; i++) {
            operand(in, literals);
          }
          return count;
        }
      case 2: // floating-point register
        return CompactTerms.untagged(in);
      case 3: // allocation list: a count, then (type, value) pairs
        {
          long count = CompactTerms.untagged(in);
          for (long i = 0; i < 2 * count; i++) {
            CompactTerms.untagged(in);
          }
          return count;
        }
      case 4: // literal
        {
          long index = CompactTerms.untagged(in);
          literals.add((int) index);
          return index;
        }
      case 5: // type-tagged register: a register, then a type index
        operand(in, literals);
        CompactTerms.untagged(in);
        return 0;
      default:
        throw new IllegalStateException("unknown extended operand tag " + (b >> 4));
    }
  }

  /** Literal index -> the external funs ({@code fun M:F/A}) inside that literal. */
  private static Map<Integer, List<Mfa>> exportFunLiterals(BeamFile beam) {
    Map<Integer, List<Mfa>> funs = new HashMap<>();
    if (!beam.literalReferences().funModules().isEmpty()) {
      byte[] table = beam.uncompressedLiterals().orElse(null);
      if (table != null) {
        ByteBuffer in = ByteBuffer.wrap(table);
        int count = in.getInt();
        for (int i = 0; i < count; i++) {
          int size = in.getInt();
          int start = in.position();
          try {
            List<Mfa> found = new ArrayList<>();
            collectFuns(ExternalTerms.decode(table, start, size), found);
            if (!found.isEmpty()) {
              funs.put(i, found);
            }
          } catch (RuntimeException e) {
            // a literal this reader cannot decode holds no fun it can report
          }
          in.position(start + size);
        }
      }
    }
    return funs;
  }

  private static void collectFuns(Object term, List<Mfa> found) {
    if (term instanceof ExternalTerms.ExportFun fun) {
      if (fun.module() instanceof ExternalTerms.Atom m
          && fun.function() instanceof ExternalTerms.Atom f
          && fun.arity() instanceof Long a) {
        found.add(new Mfa(m.name(), f.name(), a.intValue()));
      }
    } else if (term instanceof List<?> list) {
      list.forEach(e -> collectFuns(e, found));
    } else if (term instanceof ExternalTerms.ImproperList list) {
      list.elements().forEach(e -> collectFuns(e, found));
      collectFuns(list.tail(), found);
    } else if (term instanceof ExternalTerms.Tuple tuple) {
      tuple.elements().forEach(e -> collectFuns(e, found));
    } else if (term instanceof Map<?, ?> map) {
      map.forEach(
          (k, v) -> {
            collectFuns(k, found);
            collectFuns(v, found);
          });
    }
  }

  /** The {@code Line} chunk: line items (1-based) and file names, plus the module's source. */
  static final class LineTable {
    private final int[] lines;
    private final int[] files;
    private final List<String> names;

    private LineTable(int[] lines, int[] files, List<String> names) {
      this.lines = lines;
      this.files = files;
      this.names = names;
    }

    static LineTable of(BeamFile beam) {
      List<String> names = new ArrayList<>();
      names.add(source(beam));
      Optional<byte[]> chunk = beam.chunk("Line");
      if (chunk.isEmpty()) {
        return new LineTable(new int[1], new int[1], names);
      }
      try {
        ByteBuffer in = ByteBuffer.wrap(chunk.get());
        int version = in.getInt();
        if (version != 0) {
          return new LineTable(new int[1], new int[1], names);
        }
        in.getInt(); // flags
        in.getInt(); // line instructions
        int items = in.getInt();
        int fileCount = in.getInt();
        int[] lines = new int[items + 1];
        int[] files = new int[items + 1];
        int file = 0;
        int i = 1;
        while (i <= items) {
          int b = Byte.toUnsignedInt(in.get());
          int tag = b & 7;
          long value = CompactTerms.signedValue(in, b);
          if (tag == CompactTerms.TAG_A) {
            file = (int) value;
          } else {
            lines[i] = (int) value;
            files[i] = file;
            i++;
          }
        }
        for (int f = 0; f < fileCount; f++) {
          byte[] name = new byte[Short.toUnsignedInt(in.getShort())];
          in.get(name);
          names.add(new String(name, StandardCharsets.UTF_8));
        }
        return new LineTable(lines, files, names);
      } catch (RuntimeException e) {
        throw new BeamFormatException("damaged Line chunk in module " + beam.module(), e);
      }
    }

    int line(int item) {
      return item > 0 && item < lines.length ? lines[item] : 0;
    }

    String fileOfItem(int item) {
      return file(item > 0 && item < files.length ? files[item] : 0);
    }

    String file(int index) {
      return index >= 0 && index < names.size() ? names.get(index) : names.get(0);
    }

    /** The source file from the compile info ({@code CInf}), or the module name. */
    private static String source(BeamFile beam) {
      Optional<byte[]> cinf = beam.chunk("CInf");
      if (cinf.isPresent()) {
        try {
          Object info = ExternalTerms.decode(cinf.get(), 0, cinf.get().length);
          if (info instanceof List<?> list) {
            for (Object entry : list) {
              if (entry instanceof ExternalTerms.Tuple t
                  && t.elements().size() == 2
                  && t.elements().get(0) instanceof ExternalTerms.Atom key
                  && key.name().equals("source")) {
                String text = ExternalTerms.text(t.elements().get(1));
                if (text != null) {
                  return text;
                }
              }
            }
          }
        } catch (RuntimeException e) {
          // fall back to the module name
        }
      }
      return beam.module();
    }
  }
}
