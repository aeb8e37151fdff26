package dev.elixirworkers.core.beam;

import java.util.Map;

/**
 * The generic BEAM instruction set (OTP's {@code genop.tab}): each opcode's name and number of
 * operands, and the constants for the instructions this plugin looks at.
 */
public final class BeamOpcodes {
  public static final int LABEL = 1;
  public static final int FUNC_INFO = 2;
  public static final int INT_CODE_END = 3;
  public static final int CALL = 4;
  public static final int CALL_LAST = 5;
  public static final int CALL_ONLY = 6;
  public static final int CALL_EXT = 7;
  public static final int CALL_EXT_LAST = 8;
  public static final int BIF0 = 9;
  public static final int BIF1 = 10;
  public static final int BIF2 = 11;
  public static final int RETURN = 19;
  public static final int BS_INIT2 = 109;
  public static final int CALL_FUN = 75;
  public static final int CALL_EXT_ONLY = 78;
  public static final int MAKE_FUN2 = 103;
  public static final int APPLY = 112;
  public static final int APPLY_LAST = 113;
  public static final int GC_BIF1 = 124;
  public static final int GC_BIF2 = 125;
  public static final int GC_BIF3 = 152;
  public static final int LINE = 153;
  public static final int MAKE_FUN3 = 171;
  public static final int CALL_FUN2 = 178;
  public static final int EXECUTABLE_LINE = 183;

  /**
   * {@code name/arity} of opcodes 1, 2, 3 ... in order, as {@code beam_opcodes:opname/1} gives them
   * (181-184 are OTP 26-28).
   */
  private static final String GENOP =
      """
      label/1 func_info/3 int_code_end/0 call/2 call_last/3 call_only/2 call_ext/2
      call_ext_last/3 bif0/2 bif1/4 bif2/5 allocate/2 allocate_heap/3 allocate_zero/2
      allocate_heap_zero/3 test_heap/2 init/1 deallocate/1 return/0 send/0 remove_message/0
      timeout/0 loop_rec/2 loop_rec_end/1 wait/1 wait_timeout/2 m_plus/4 m_minus/4 m_times/4
      m_div/4 int_div/4 int_rem/4 int_band/4 int_bor/4 int_bxor/4 int_bsl/4 int_bsr/4 int_bnot/3
      is_lt/3 is_ge/3 is_eq/3 is_ne/3 is_eq_exact/3 is_ne_exact/3 is_integer/2 is_float/2
      is_number/2 is_atom/2 is_pid/2 is_reference/2 is_port/2 is_nil/2 is_binary/2 is_constant/2
      is_list/2 is_nonempty_list/2 is_tuple/2 test_arity/3 select_val/3 select_tuple_arity/3
      jump/1 catch/2 catch_end/1 move/2 get_list/3 get_tuple_element/3 set_tuple_element/3
      put_string/3 put_list/3 put_tuple/2 put/1 badmatch/1 if_end/0 case_end/1 call_fun/1
      make_fun/3 is_function/2 call_ext_only/2 bs_start_match/2 bs_get_integer/5 bs_get_float/5
      bs_get_binary/5 bs_skip_bits/4 bs_test_tail/2 bs_save/1 bs_restore/1 bs_init/2 bs_final/2
      bs_put_integer/5 bs_put_binary/5 bs_put_float/5 bs_put_string/2 bs_need_buf/1 fclearerror/0
      fcheckerror/1 fmove/2 fconv/2 fadd/4 fsub/4 fmul/4 fdiv/4 fnegate/3 make_fun2/1 try/2
      try_end/1 try_case/1 try_case_end/1 raise/2 bs_init2/6 bs_bits_to_bytes/3 bs_add/5 apply/1
      apply_last/2 is_boolean/2 is_function2/3 bs_start_match2/5 bs_get_integer2/7
      bs_get_float2/7 bs_get_binary2/7 bs_skip_bits2/5 bs_test_tail2/3 bs_save2/2 bs_restore2/2
      gc_bif1/5 gc_bif2/6 bs_final2/2 bs_bits_to_bytes2/2 put_literal/2 is_bitstr/2
      bs_context_to_binary/1 bs_test_unit/3 bs_match_string/4 bs_init_writable/0 bs_append/8
      bs_private_append/6 trim/2 bs_init_bits/6 bs_get_utf8/5 bs_skip_utf8/4 bs_get_utf16/5
      bs_skip_utf16/4 bs_get_utf32/5 bs_skip_utf32/4 bs_utf8_size/3 bs_put_utf8/3 bs_utf16_size/3
      bs_put_utf16/3 bs_put_utf32/3 on_load/0 recv_mark/1 recv_set/1 gc_bif3/7 line/1
      put_map_assoc/5 put_map_exact/5 is_map/2 has_map_fields/3 get_map_elements/3
      is_tagged_tuple/4 build_stacktrace/0 raw_raise/0 get_hd/2 get_tl/2 put_tuple2/2
      bs_get_tail/3 bs_start_match3/4 bs_get_position/3 bs_set_position/2 swap/2
      bs_start_match4/4 make_fun3/3 init_yregs/1 recv_marker_bind/2 recv_marker_clear/1
      recv_marker_reserve/1 recv_marker_use/1 bs_create_bin/6 call_fun2/3 nif_start/0 badrecord/1
      update_record/5 bs_match/3 executable_line/2 debug_line/4
      """;

  private static final String[] NAMES;
  private static final int[] ARITIES;

  static {
    String[] ops = GENOP.trim().split("\\s+");
    NAMES = new String[ops.length + 1];
    ARITIES = new int[ops.length + 1];
    for (int i = 0; i < ops.length; i++) {
      int slash = ops[i].indexOf('/');
      NAMES[i + 1] = ops[i].substring(0, slash);
      ARITIES[i + 1] = Integer.parseInt(ops[i].substring(slash + 1));
    }
  }

  /** Instructions that name an import, and the position of that operand. */
  private static final Map<Integer, Integer> IMPORT_OPERAND =
      Map.of(
          CALL_EXT, 1, // call_ext Arity Import
          CALL_EXT_LAST, 1, // call_ext_last Arity Import Dealloc
          CALL_EXT_ONLY, 1, // call_ext_only Arity Import
          BIF0, 0, // bif0 Bif Dst
          BIF1, 1, // bif1 Fail Bif Arg Dst
          BIF2, 1, // bif2 Fail Bif Arg1 Arg2 Dst
          GC_BIF1, 2, // gc_bif1 Fail Live Bif Arg Dst
          GC_BIF2, 2, // gc_bif2
          GC_BIF3, 2); // gc_bif3

  private BeamOpcodes() {}

  /** The position of {@code op}'s import-index operand, or -1 when it names no import. */
  public static int importOperand(int op) {
    return IMPORT_OPERAND.getOrDefault(op, -1);
  }

  /** Whether {@code op} is an instruction this table knows (0 is not an instruction). */
  public static boolean known(int op) {
    return op > 0 && op < NAMES.length;
  }

  /** The number of operands of a {@link #known} instruction. */
  public static int arity(int op) {
    return ARITIES[op];
  }

  /** The name of a {@link #known} instruction, as in {@code genop.tab}. */
  public static String name(int op) {
    return NAMES[op];
  }
}
