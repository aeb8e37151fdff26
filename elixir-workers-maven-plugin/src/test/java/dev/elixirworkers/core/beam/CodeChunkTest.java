package dev.elixirworkers.core.beam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.beam.Operand.Kind;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeChunkTest {
  @TempDir static Path work;
  static List<Path> modules = new ArrayList<>();

  /** The fixtures, and the host's own OTP and Elixir modules: every instruction kind they emit. */
  @BeforeAll
  static void collectModules() throws Exception {
    Path app = Fixtures.compile(Fixtures.resource("pack/app"), work.resolve("app"));
    try (Stream<Path> files = Files.list(app)) {
      files.filter(f -> f.toString().endsWith(".beam")).sorted().forEach(modules::add);
    }
    String ebins =
        Fixtures.erl(
            "io:format(\"~s~n~s~n~s\", [code:lib_dir(stdlib, ebin), code:lib_dir(compiler, ebin),"
                + " code:lib_dir(kernel, ebin)]), halt().");
    for (String ebin : ebins.trim().split("\n")) {
      for (String module : List.of("lists", "maps", "gen_server", "beam_asm", "code", "binary")) {
        Path beam = Path.of(ebin, module + ".beam");
        if (Files.exists(beam)) {
          modules.add(beam);
        }
      }
    }
    Path elixir = Path.of("/usr/lib/elixir/lib/elixir/ebin");
    for (String module : List.of("Elixir.Enum", "Elixir.Kernel", "Elixir.String", "elixir_erl")) {
      if (Files.exists(elixir.resolve(module + ".beam"))) {
        modules.add(elixir.resolve(module + ".beam"));
      }
    }
    assertTrue(modules.size() > 15, modules.toString());
  }

  @Test
  void theOpcodeTableAgreesWithTheHostsCompiler() throws Exception {
    String ops =
        Fixtures.erl(
            "[try io:format(\"~w ~s/~w~n\", [N | tuple_to_list(beam_opcodes:opname(N))])"
                + " catch error:_ -> unknown end || N <- lists:seq(1, 255)], halt().");
    int known = 0;
    for (String line : ops.trim().split("\n")) {
      int op = Integer.parseInt(line.substring(0, line.indexOf(' ')));
      assertTrue(BeamOpcodes.known(op), line);
      assertEquals(line, op + " " + BeamOpcodes.name(op) + "/" + BeamOpcodes.arity(op));
      known++;
    }
    assertTrue(known >= 180, "OTP 25 knows 180 opcodes: " + known);
  }

  @Test
  void everyInstructionOfRealModulesIsDecodedToTheEndOfTheChunk() {
    for (Path file : modules) {
      CodeChunk code = CodeChunk.of(BeamFile.read(file)).orElseThrow();
      List<Instruction> instructions = code.instructions();
      Instruction last = instructions.get(instructions.size() - 1);
      assertEquals(BeamOpcodes.INT_CODE_END, last.opcode(), file.toString());
      assertEquals(code.bytes().length, last.end(), file + ": nothing after int_code_end");
      long labels = instructions.stream().filter(i -> i.opcode() == BeamOpcodes.LABEL).count();
      long functions =
          instructions.stream().filter(i -> i.opcode() == BeamOpcodes.FUNC_INFO).count();
      assertEquals(code.labelCount() - 1, labels, file + ": labels, as the header counts them");
      assertEquals(code.functionCount(), functions, file + ": functions");
      for (int i = 1; i < instructions.size(); i++) {
        assertEquals(instructions.get(i - 1).end(), instructions.get(i).start(), file.toString());
      }
    }
  }

  @Test
  void instructionsAreTheOnesOtpsDisassemblerShows() throws Exception {
    // beam_disasm lists every instruction but int_code_end, by name, except that it groups tests,
    // BIFs, calls of BIFs and float arithmetic under test, bif, gc_bif and arithfbif, and moves a
    // function's line instruction before its opening label: lines are compared by count
    StringBuilder list = new StringBuilder();
    for (Path file : modules) {
      list.append(list.length() == 0 ? "" : ", ").append('"').append(file).append('"');
    }
    String output =
        Fixtures.erl(
            "lists:foreach(fun(P) -> {beam_file, _, _, _, _, Fs} = beam_disasm:file(P),"
                + " io:format(\"~s~n~s~n\", [P, lists:join(\" \", [atom_to_list(if"
                + " is_tuple(I) -> element(1, I); true -> I end) || {function, _, _, _, Is} <- Fs,"
                + " I <- Is])]) end, ["
                + list
                + "]), halt().");
    String[] lines = output.trim().split("\n");
    Map<String, List<String>> disassembled = new TreeMap<>();
    for (int i = 0; i + 1 < lines.length; i += 2) {
      disassembled.put(lines[i], List.of(lines[i + 1].split(" ")));
    }
    Set<String> grouped = Set.of("test", "bif", "gc_bif", "arithfbif");
    for (Path file : modules) {
      List<String> ours = new ArrayList<>();
      for (Instruction instruction : CodeChunk.of(BeamFile.read(file)).orElseThrow()) {
        ours.add(instruction.name());
      }
      assertEquals("int_code_end", ours.remove(ours.size() - 1));
      List<String> theirs = disassembled.get(file.toString());
      assertEquals(theirs.size(), ours.size(), file + ": instruction count");
      assertEquals(
          theirs.stream().filter("line"::equals).count(),
          ours.stream().filter("line"::equals).count(),
          file + ": line instructions");
      List<String> oursWithoutLines = ours.stream().filter(n -> !n.equals("line")).toList();
      List<String> theirsWithoutLines = theirs.stream().filter(n -> !n.equals("line")).toList();
      for (int i = 0; i < theirsWithoutLines.size(); i++) {
        if (!grouped.contains(theirsWithoutLines.get(i))) {
          assertEquals(
              theirsWithoutLines.get(i), oursWithoutLines.get(i), file + ": instruction " + i);
        }
      }
    }
  }

  @Test
  void operandsWrittenBackAsTheyWereReadGiveTheSameBytes() {
    for (Path file : modules) {
      CodeChunk code = CodeChunk.of(BeamFile.read(file)).orElseThrow();
      CodeWriter copied = new CodeWriter(code);
      CodeWriter reencoded = new CodeWriter(code);
      Set<Kind> simple = Set.of(Kind.UNSIGNED, Kind.ATOM, Kind.LABEL, Kind.X_REGISTER);
      for (Instruction instruction : code) {
        copied.write(instruction, (position, operand) -> OptionalLong.empty());
        reencoded.write(
            instruction,
            (position, operand) ->
                simple.contains(operand.kind())
                    ? OptionalLong.of(operand.value())
                    : OptionalLong.empty());
      }
      byte[] original = code.bytes();
      assertArrayEquals(
          original, copied.toByteArray(code.labelCount(), code.functionCount()), file.toString());
      assertArrayEquals(
          original,
          reencoded.toByteArray(code.labelCount(), code.functionCount()),
          file + ": the compiler's encoding is the one CompactTerms writes");
    }
  }

  @Test
  void whatComesBeforeAnUnknownInstructionIsSeen() throws Exception {
    BeamFile beam = BeamFile.read(modules.get(0));
    byte[] bytes = beam.chunk("Code").orElseThrow().clone();
    CodeChunk original = CodeChunk.of(beam).orElseThrow();
    Instruction third = original.instructions().get(2);
    bytes[third.start()] = (byte) 0xfe;
    List<BeamFile.Chunk> chunks = new ArrayList<>();
    for (BeamFile.Chunk chunk : beam.chunks()) {
      chunks.add(chunk.id().equals("Code") ? new BeamFile.Chunk("Code", bytes) : chunk);
    }
    CodeChunk patched =
        CodeChunk.of(BeamFile.parse(BeamFile.build(chunks), "patched")).orElseThrow();

    Iterator<Instruction> instructions = patched.iterator();
    assertEquals(original.instructions().get(0), instructions.next());
    assertEquals(original.instructions().get(1), instructions.next());
    BeamFormatException e = assertThrows(BeamFormatException.class, instructions::next);
    assertTrue(e.getMessage().contains("unknown instruction 254"), e.getMessage());
    assertThrows(BeamFormatException.class, patched::instructions);
  }

  @Test
  void nestedOperandsAreVisitedWithTheirOwnPosition() {
    // select_val {x,0} {f,9} {list,[{a,1},{f,3}]}
    ByteBuffer bytes = ByteBuffer.wrap(new byte[] {0x03, (byte) 0x95, 0x17, 0x20, 0x12, 0x35});
    List<Operand> operands = new ArrayList<>();
    while (bytes.hasRemaining()) {
      operands.add(CompactTerms.read(bytes));
    }
    Instruction selectVal = new Instruction(59, operands, 0, 6);
    assertEquals("select_val", selectVal.name());
    List<String> visited = new ArrayList<>();
    selectVal.forEachOperand((position, operand) -> visited.add(position + " " + operand.kind()));
    assertEquals(List.of("0 X_REGISTER", "1 LABEL", "2 LIST", "-1 ATOM", "-1 LABEL"), visited);
  }
}
