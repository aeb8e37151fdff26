package dev.elixirworkers.core.avm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FunctionReferencesTest {
  @TempDir static Path work;
  static Path app;

  @BeforeAll
  static void compileFixtures() throws Exception {
    app = Fixtures.compile(Fixtures.resource("pack/app"), work.resolve("app"));
  }

  /** What this decoder finds, in the format of disasm_call_graph.erl.txt. */
  private static Set<String> decoded(Path file) {
    BeamFile beam = BeamFile.read(file);
    Map<String, FunctionReferences.Function> functions =
        FunctionReferences.of(beam).orElseThrow(() -> new AssertionError("not decoded: " + file));
    Set<String> lines = new TreeSet<>();
    functions.forEach(
        (name, fn) -> {
          fn.locals().forEach(l -> lines.add(name + "\tloc " + l));
          fn.externals().forEach(e -> lines.add(name + "\text " + e));
          fn.funLiterals().forEach(f -> lines.add(name + "\tfun " + f));
        });
    return lines;
  }

  /** The same from OTP's own disassembler. */
  private static Map<Path, Set<String>> disassembled(List<Path> files) throws Exception {
    StringBuilder list = new StringBuilder("Files = [");
    for (int i = 0; i < files.size(); i++) {
      list.append(i == 0 ? "" : ", ").append('"').append(files.get(i)).append('"');
    }
    String script =
        Files.readString(Fixtures.resource("pack/disasm_call_graph.erl.txt"))
            .replace(
                "lists:foreach(fun(P) ->\n",
                "lists:foreach(fun(P) -> io:format(\"@~s~n\", [P]),\n");
    String output = Fixtures.erl(list + "], " + script);
    Map<Path, Set<String>> result = new TreeMap<>();
    Set<String> current = null;
    for (String line : output.split("\n")) {
      if (line.startsWith("@")) {
        current = new TreeSet<>();
        result.put(Path.of(line.substring(1)), current);
      } else if (!line.isBlank()) {
        current.add(line);
      }
    }
    return result;
  }

  @Test
  void callGraphAgreesWithBeamDisasmOnFixturesAndOnOtpAndElixirModules() throws Exception {
    List<Path> files = new ArrayList<>();
    try (var list = Files.list(app)) {
      list.filter(f -> f.toString().endsWith(".beam")).sorted().forEach(files::add);
    }
    // Large real modules, compiled by the host's OTP and Elixir, when they are where Debian puts
    // them: every instruction kind the compilers emit appears in these.
    String lib = Fixtures.erl("io:format(\"~s\", [code:lib_dir()]), halt().").trim();
    for (String name : List.of("stdlib", "kernel")) {
      try (var dirs = Files.list(Path.of(lib))) {
        for (Path dir :
            dirs.filter(d -> d.getFileName().toString().startsWith(name + "-")).toList()) {
          for (String module : List.of("lists", "maps", "gen_server", "proplists", "code")) {
            Path beam = dir.resolve("ebin").resolve(module + ".beam");
            if (Files.exists(beam)) {
              files.add(beam);
            }
          }
        }
      }
    }
    Path elixir = Path.of("/usr/lib/elixir/lib/elixir/ebin");
    for (String module :
        List.of("Elixir.Enum", "Elixir.Kernel", "Elixir.Exception", "Elixir.String")) {
      if (Files.exists(elixir.resolve(module + ".beam"))) {
        files.add(elixir.resolve(module + ".beam"));
      }
    }
    assertTrue(files.size() > 8, files.toString());

    Map<Path, Set<String>> expected = disassembled(files);
    for (Path file : files) {
      assertEquals(expected.get(file), decoded(file), file.toString());
    }
  }

  @Test
  void operandAtomsExcludeTheFunctionHeaderAndLiteralAtomsAreSeparate() {
    Map<String, FunctionReferences.Function> functions =
        FunctionReferences.of(BeamFile.read(app.resolve("Elixir.HelloWorker.beam"))).orElseThrow();
    assertTrue(functions.get("start/0").atoms().contains("Elixir.Dynamic.Target"));
    assertTrue(functions.get("handlers/0").literalAtoms().contains("Elixir.Listed.Handler"));
    assertFalse(
        functions.get("start/0").atoms().contains("Elixir.HelloWorker"),
        "func_info names the module in every function; that is not a use of the atom");
    assertTrue(
        functions.get("module_info/0").atoms().contains("Elixir.HelloWorker"),
        "module_info/0 passes the module's name to erlang:get_module_info/1");
  }
}
