package dev.elixirworkers.core.snapshot;

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
 * <p>Finding the calls means walking every instruction. The walk knows the instructions clang emits
 * for wasm32 with the features atomvm.wasm is built with (MVP, sign extension, non-trapping
 * float-to-int, bulk memory, reference types, multi-value, tail calls); an instruction it does not
 * know (SIMD, threads, exceptions, GC) leaves the module as it was.
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
    Optional<WasmModule.Section> start = m.section(WasmModule.START);
    if (start.isPresent()) {
      roots.add(new WasmModule.Reader(start.get().content()).u32());
    }
    for (WasmModule.Global g : m.globals()) {
      refFuncs(g.init(), roots);
    }
    Optional<WasmModule.Section> elements = m.section(WasmModule.ELEMENT);
    if (elements.isPresent()) {
      elementFunctions(new WasmModule.Reader(elements.get().content()), roots);
    }
    return roots;
  }

  /** Every function an element segment names, for each of the eight segment encodings. */
  private static void elementFunctions(WasmModule.Reader r, List<Long> out)
      throws WasmFormatException {
    long segments = r.u32();
    for (long s = 0; s < segments; s++) {
      int flags = (int) r.u32();
      if (flags > 7) {
        throw new WasmFormatException("element segment with flags " + flags);
      }
      boolean explicitTable = (flags & 2) != 0;
      boolean active = (flags & 1) == 0;
      boolean expressions = (flags & 4) != 0;
      if (active && explicitTable) {
        r.u32(); // table
      }
      if (active) {
        r.constExpr(); // offset
      }
      if (!active || explicitTable) {
        r.u8(); // element kind (0x00: funcref) or reference type
      }
      long n = r.u32();
      for (long i = 0; i < n; i++) {
        if (expressions) {
          refFuncs(r.constExpr(), out);
        } else {
          out.add(r.u32());
        }
      }
    }
  }

  private static void refFuncs(byte[] constExpr, List<Long> out) throws WasmFormatException {
    WasmModule.Reader r = new WasmModule.Reader(constExpr);
    while (!r.done()) {
      int op = r.u8();
      switch (op) {
        case 0xd2 -> out.add(r.u32());
        case 0x41, 0x42 -> r.s64();
        case 0x43 -> r.bytes(4);
        case 0x44 -> r.bytes(8);
        case 0x23 -> r.u32();
        case 0xd0 -> r.u8();
        default -> {}
      }
    }
  }

  /**
   * The functions a body names in {@code call}, {@code return_call} and {@code ref.func}, or null
   * when it holds an instruction this walk does not know.
   */
  static int[] callsOf(byte[] body) throws WasmFormatException {
    WasmModule.Reader r = new WasmModule.Reader(body);
    long groups = r.u32();
    for (long g = 0; g < groups; g++) {
      r.u32(); // count
      r.u8(); // type
    }
    List<Integer> calls = new ArrayList<>();
    while (!r.done()) {
      int op = r.u8();
      if (op == 0x10 || op == 0x12 || op == 0xd2) { // call, return_call, ref.func
        calls.add((int) r.u32());
      } else if (!skipImmediates(op, r)) {
        return null;
      }
    }
    return calls.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Reads past {@code op}'s immediates; false when {@code op} is not known. */
  private static boolean skipImmediates(int op, WasmModule.Reader r) throws WasmFormatException {
    if (op <= 0x01 || op == 0x05 || op == 0x0b || op == 0x0f || op == 0x1a || op == 0x1b) {
      return true; // unreachable, nop, else, end, return, drop, select
    }
    if (op >= 0x45 && op <= 0xc4) {
      return true; // numeric instructions and sign extension: no immediates
    }
    if (op >= 0x28 && op <= 0x3e) { // loads and stores: alignment, offset
      r.u32();
      r.u64();
      return true;
    }
    switch (op) {
      case 0x02, 0x03, 0x04 -> r.s64(); // block type: 0x40, a value type or a type index (s33)
      case 0x0c, 0x0d, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26 -> r.u32();
      case 0x0e -> { // br_table: the targets, then the default
        long n = r.u32();
        for (long i = 0; i <= n; i++) {
          r.u32();
        }
      }
      case 0x11, 0x13 -> { // call_indirect, return_call_indirect: type, table
        r.u32();
        r.u32();
      }
      case 0x1c -> r.bytes(r.size()); // select with types
      case 0x3f, 0x40 -> r.u32(); // memory.size, memory.grow: the memory
      case 0x41, 0x42 -> r.s64(); // i32.const, i64.const
      case 0x43 -> r.bytes(4);
      case 0x44 -> r.bytes(8);
      case 0xd0 -> r.u8(); // ref.null: the reference type
      case 0xd1 -> {} // ref.is_null
      case 0xfc -> {
        return skipPrefixed((int) r.u32(), r);
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** The 0xFC instructions: saturating truncation, bulk memory, tables. */
  private static boolean skipPrefixed(int op, WasmModule.Reader r) throws WasmFormatException {
    switch (op) {
      case 0, 1, 2, 3, 4, 5, 6, 7 -> {} // i32/i64.trunc_sat_f32/f64_s/u
      case 8 -> { // memory.init: data segment, memory
        r.u32();
        r.u32();
      }
      case 9, 13, 15, 16, 17 -> r.u32(); // data.drop, elem.drop, table.grow/size/fill
      case 10, 12, 14 -> { // memory.copy, table.init, table.copy: two indices
        r.u32();
        r.u32();
      }
      case 11 -> r.u32(); // memory.fill: the memory
      default -> {
        return false;
      }
    }
    return true;
  }
}
