package dev.elixirworkers.core.avm;

import java.util.Map;

/** The generic BEAM instruction set as far as decoding needs it: how many operands each takes. */
public final class BeamOpcodes {
  // Arities of the generic BEAM instructions 1..184 (OTP's genop.tab; 181-184 are OTP 26-28).
  private static final int[] ARITY = {
    -1, 1, 3, 0, 2, 3, 2, 2, 3, 2, 4, 5, 2, 3, 2, 3, 2, 1, 1, 0, 0, 0, 0, 2, 1, 1, 2, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 1, 2, 1,
    2, 3, 3, 3, 3, 3, 2, 1, 1, 0, 1, 1, 3, 2, 2, 2, 5, 5, 5, 4, 2, 1, 1, 2, 2, 5, 5, 5, 2, 1, 0, 1,
    2, 2, 4, 4, 4, 4, 3, 1, 2, 1, 1, 1, 2, 6, 3, 5, 1, 2, 2, 3, 5, 7, 7, 7, 5, 3, 2, 2, 5, 6, 2, 2,
    2, 2, 1, 3, 4, 0, 8, 6, 2, 6, 5, 4, 5, 4, 5, 4, 3, 3, 3, 3, 3, 0, 1, 1, 7, 1, 5, 5, 2, 3, 3, 4,
    0, 0, 2, 2, 2, 3, 4, 3, 2, 2, 4, 3, 1, 2, 1, 1, 1, 6, 3, 0, 1, 5, 3, 2, 4
  };

  /** Instructions that name an import, and the position of that operand. */
  private static final Map<Integer, Integer> IMPORT_OPERAND =
      Map.of(
          7, 1, // call_ext Arity Import
          8, 1, // call_ext_last Arity Import Dealloc
          78, 1, // call_ext_only Arity Import
          9, 0, // bif0 Bif Dst
          10, 1, // bif1 Fail Bif Arg Dst
          11, 1, // bif2 Fail Bif Arg1 Arg2 Dst
          124, 2, // gc_bif1 Fail Live Bif Arg Dst
          125, 2, // gc_bif2
          152, 2); // gc_bif3

  private BeamOpcodes() {}

  /** The position of {@code op}'s import-index operand, or -1 when it names no import. */
  public static int importOperand(int op) {
    return IMPORT_OPERAND.getOrDefault(op, -1);
  }

  /** Whether {@code op} is an instruction this table knows (0 is not an instruction). */
  public static boolean known(int op) {
    return op > 0 && op < ARITY.length;
  }

  /** The number of operands of a {@link #known} instruction. */
  public static int arity(int op) {
    return ARITY[op];
  }
}
