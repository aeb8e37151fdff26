package dev.elixirworkers.build.pack;

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

  private BeamOpcodes() {}

  /** Whether {@code op} is an instruction this table knows (0 is not an instruction). */
  public static boolean known(int op) {
    return op > 0 && op < ARITY.length;
  }

  /** The number of operands of a {@link #known} instruction. */
  public static int arity(int op) {
    return ARITY[op];
  }
}
