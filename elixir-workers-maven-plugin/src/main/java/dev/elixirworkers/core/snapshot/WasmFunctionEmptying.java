package dev.elixirworkers.core.snapshot;

import dev.elixirworkers.wasm.InstructionWalker;
import dev.elixirworkers.wasm.WasmFormatException;
import dev.elixirworkers.wasm.WasmModule;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Empties the functions of a module that nothing can call any more: those no export, start
 * function, table element or global initialiser reaches, directly or through {@code call} and
 * {@code ref.func}. Each keeps its index and type and gets the body {@code unreachable}, so no
 * index in the module changes. A snapshot needs this because pre-initialisation leaves code behind
 * that only the work already captured used (AtomVM's module loader, for one).
 *
 * <p>Finding the calls means walking every instruction ({@link InstructionWalker}, which says what
 * it knows); an instruction it does not know (typed function references, GC) leaves the module as
 * it was.
 */
final class WasmFunctionEmptying {

  /** The body of an emptied function: no locals, {@code unreachable}, {@code end}. */
  static final byte[] EMPTIED_BODY = {0x00, 0x00, 0x0b};

  /** What {@link #empty} did: how many functions it emptied and the bytes of code they had. */
  record Emptied(int functions, long codeBytes) {}

  private WasmFunctionEmptying() {}

  /**
   * Empties, in {@code m}'s code section, every function nothing reaches; empty when an instruction
   * is not known (the module is then unchanged).
   */
  static Optional<Emptied> empty(WasmModule m) throws WasmFormatException {
    int imported = (int) m.importCount(WasmModule.KIND_FUNC);
    List<byte[]> bodies = m.code();
    List<int[]> callees = new ArrayList<>(bodies.size());
    for (byte[] body : bodies) {
      int[] calls = callsOf(body);
      if (calls == null) {
        return Optional.empty();
      }
      callees.add(calls);
    }

    BitSet reached = new BitSet(imported + bodies.size());
    Deque<Integer> queue = new ArrayDeque<>();
    for (long root : roots(m)) {
      if (root >= imported && !reached.get((int) root)) {
        reached.set((int) root);
        queue.add((int) root);
      }
    }
    while (!queue.isEmpty()) {
      for (int callee : callees.get(queue.removeFirst() - imported)) {
        if (callee >= imported && !reached.get(callee)) {
          reached.set(callee);
          queue.add(callee);
        }
      }
    }

    List<byte[]> out = new ArrayList<>(bodies);
    int emptied = 0;
    long bytes = 0;
    for (int i = 0; i < bodies.size(); i++) {
      if (!reached.get(imported + i) && bodies.get(i).length > EMPTIED_BODY.length) {
        bytes += bodies.get(i).length - EMPTIED_BODY.length;
        out.set(i, EMPTIED_BODY);
        emptied++;
      }
    }
    if (emptied > 0) {
      m.put(WasmModule.CODE, WasmModule.encodeCode(out));
    }
    return Optional.of(new Emptied(emptied, bytes));
  }

  /** Functions reachable from outside the code: exports, start, tables, global initialisers. */
  private static List<Long> roots(WasmModule m) throws WasmFormatException {
    List<Long> roots = new ArrayList<>();
    for (WasmModule.Export e : m.exports()) {
      if (e.kind() == WasmModule.KIND_FUNC) {
        roots.add(e.index());
      }
    }
    m.startFunction().ifPresent(roots::add);
    for (WasmModule.Global g : m.globals()) {
      roots.addAll(WasmModule.refFuncs(g.init()));
    }
    roots.addAll(m.elementFunctions());
    return roots;
  }

  /**
   * The functions a body names in {@code call}, {@code return_call} and {@code ref.func}, or null
   * when it holds an instruction the walk does not know.
   */
  static int[] callsOf(byte[] body) throws WasmFormatException {
    InstructionWalker code = InstructionWalker.overBody(body);
    List<Integer> calls = new ArrayList<>();
    while (code.next()) {
      if (!code.known()) {
        return null;
      }
      int op = code.opcode();
      if (op == InstructionWalker.CALL
          || op == InstructionWalker.RETURN_CALL
          || op == InstructionWalker.REF_FUNC) {
        calls.add((int) code.index());
      }
    }
    return calls.stream().mapToInt(Integer::intValue).toArray();
  }
}
