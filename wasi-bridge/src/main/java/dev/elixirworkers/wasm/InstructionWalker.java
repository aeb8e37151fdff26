package dev.elixirworkers.wasm;

/**
 * Steps through the instructions of a function body or a constant expression, reading past each
 * one's immediates, and tells the caller where each instruction is and which function or memory the
 * ones callers care about name.
 *
 * <p>It knows the instructions of the MVP, sign extension, non-trapping float-to-int, bulk memory,
 * reference types, multi-value, tail calls, fixed-width and relaxed SIMD, threads (atomics) and
 * exception handling (both the legacy {@code try}/{@code catch} and the {@code try_table}
 * encoding), with multi-memory and memory64 memory arguments. It does not know typed function
 * references, GC or anything newer: such an instruction is reported as not {@link #known()}, and
 * the walk cannot go past it since its immediates are unknown. What to do then is the caller's
 * choice (MemoryCap leaves the code as it is, WasmFunctionEmptying the whole module).
 *
 * <p>The JVM host's engine (wasmtime 7, in wasmtime-java 0.19) runs the MVP through multi-value,
 * and SIMD. Tail calls, threads and exceptions are followed as well: each costs a few lines and
 * neither caller has a reason to refuse them ({@code return_call} is reported like {@code call};
 * none of the others names a function or grows memory).
 */
public final class InstructionWalker {
  public static final int CALL = 0x10;
  public static final int RETURN_CALL = 0x12;
  private static final int MEMORY_SIZE = 0x3f;
  public static final int MEMORY_GROW = 0x40;
  public static final int REF_FUNC = 0xd2;

  private final Reader r;
  private int start;
  private int opcode;
  private long index;
  private boolean known = true;

  private InstructionWalker(Reader r) {
    this.r = r;
    this.start = r.position();
  }

  /**
   * The instructions of a function body as {@link WasmModule#code()} gives it: after its locals.
   */
  public static InstructionWalker overBody(byte[] body) throws WasmFormatException {
    Reader r = new Reader(body);
    long groups = r.u32();
    for (long g = 0; g < groups; g++) {
      r.u32(); // how many
      r.valType();
    }
    return new InstructionWalker(r);
  }

  /** The instructions of {@code code}: a constant expression, or code without locals. */
  public static InstructionWalker over(byte[] code) {
    return new InstructionWalker(new Reader(code));
  }

  /**
   * Moves to the next instruction.
   *
   * @return false at the end of the code
   * @throws WasmFormatException when an instruction runs past the end
   * @throws IllegalStateException after an instruction that is not {@link #known()}
   */
  public boolean next() throws WasmFormatException {
    if (!known) {
      throw new IllegalStateException("the walk cannot go past an unknown instruction");
    }
    if (r.done()) {
      return false;
    }
    start = r.position();
    opcode = r.u8();
    index = -1;
    known = readImmediates();
    return true;
  }

  /** Whether the walk knows the current instruction; when not, it stops there. */
  public boolean known() {
    return known;
  }

  /** The current instruction's opcode; the prefix (0xfc, 0xfd, 0xfe) for prefixed ones. */
  public int opcode() {
    return opcode;
  }

  /**
   * The function {@link #CALL}, {@link #RETURN_CALL} and {@link #REF_FUNC} name, the memory of
   * {@code memory.size} and {@link #MEMORY_GROW}; -1 for other instructions.
   */
  public long index() {
    return index;
  }

  /** Where the current instruction starts in the code. */
  public int start() {
    return start;
  }

  /** Where the current instruction ends (the next one starts). */
  public int end() {
    return r.position();
  }

  private boolean readImmediates() throws WasmFormatException {
    if (opcode >= 0x45 && opcode <= 0xc4) {
      return true; // numeric instructions and sign extension: no immediates
    }
    if (opcode >= 0x28 && opcode <= 0x3e) {
      r.memarg(); // loads and stores
      return true;
    }
    switch (opcode) {
      case 0x00, 0x01, 0x05, 0x0a, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1 -> {
        // unreachable, nop, else, throw_ref, end, return, catch_all, drop, select, ref.is_null
      }
      case 0x02, 0x03, 0x04, 0x06 -> r.blockType(); // block, loop, if, try
      case 0x07, 0x08, 0x09, 0x0c, 0x0d, 0x18 ->
          r.u32(); // catch, throw, rethrow, br, br_if, delegate
      case 0x0e -> { // br_table: the targets, then the default
        long n = r.u32();
        for (long i = 0; i <= n; i++) {
          r.u32();
        }
      }
      case CALL, RETURN_CALL, REF_FUNC, MEMORY_SIZE, MEMORY_GROW -> index = r.u32();
      case 0x11, 0x13 -> { // call_indirect, return_call_indirect: type, table
        r.u32();
        r.u32();
      }
      case 0x1c -> { // select with types
        long n = r.u32();
        for (long i = 0; i < n; i++) {
          r.valType();
        }
      }
      case 0x1f -> tryTable();
      case 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26 -> r.u32(); // locals, globals, table.get/set
      case 0x41, 0x42 -> r.s64(); // i32.const, i64.const
      case 0x43 -> r.skip(4);
      case 0x44 -> r.skip(8);
      case 0xd0 -> r.s64(); // ref.null: the heap type (s33)
      case 0xfc -> {
        return miscellaneous(r.u32());
      }
      case 0xfd -> simd(r.u32());
      case 0xfe -> atomic(r.u32());
      default -> {
        return false;
      }
    }
    return true;
  }

  /** try_table: a block type, then catch clauses (catch and catch_ref name a tag, all a label). */
  private void tryTable() throws WasmFormatException {
    r.blockType();
    long n = r.u32();
    for (long i = 0; i < n; i++) {
      int kind = r.u8();
      if (kind == 0 || kind == 1) {
        r.u32();
      }
      r.u32();
    }
  }

  /** The 0xfc instructions: saturating truncation, bulk memory, tables. */
  private boolean miscellaneous(long op) throws WasmFormatException {
    if (op <= 7) {
      return true; // i32/i64.trunc_sat_f32/f64_s/u
    }
    switch ((int) op) {
      case 8, 10, 12, 14 -> { // memory.init, memory.copy, table.init, table.copy: two indices
        r.u32();
        r.u32();
      }
      case 9, 11, 13, 15, 16, 17 -> r.u32(); // data.drop, memory.fill, elem.drop, table.*
      default -> {
        return false;
      }
    }
    return true;
  }

  /** The 0xfd instructions; those not named here (and relaxed SIMD) have no immediates. */
  private void simd(long op) throws WasmFormatException {
    if (op <= 11 || op == 92 || op == 93) { // v128 loads and stores
      r.memarg();
    } else if (op == 12 || op == 13) { // v128.const, i8x16.shuffle
      r.skip(16);
    } else if (op >= 21 && op <= 34) { // extract_lane, replace_lane
      r.skip(1);
    } else if (op >= 84 && op <= 91) { // load_lane, store_lane
      r.memarg();
      r.skip(1);
    }
  }

  /** The 0xfe instructions: atomic.fence has a zero byte, every other one a memory argument. */
  private void atomic(long op) throws WasmFormatException {
    if (op == 3) {
      r.skip(1);
    } else {
      r.memarg();
    }
  }
}
