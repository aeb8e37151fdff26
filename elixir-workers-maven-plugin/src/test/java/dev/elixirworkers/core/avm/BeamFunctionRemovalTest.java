package dev.elixirworkers.core.avm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.Fixtures;
import dev.elixirworkers.wasi.process.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dropping functions from modules erlc compiled; the rewritten code is then loaded and run by the
 * real Erlang VM, whose loader checks every label, export and fun entry.
 */
class BeamFunctionRemovalTest {
  @TempDir static Path temp;

  private static BeamFile original;

  /**
   * {@code used/1}: a local fun, a call of a local function and a select_val jump table (labels
   * inside a list operand), no literals. {@code unused/1}: a literal, a fun and an import of its
   * own.
   */
  private static final String SOURCE =
      """
      -module(shaken).
      -export([used/1, unused/1]).

      used(X) ->
          F = fun(Y) -> helper(Y) end,
          [R] = lists:map(F, [X]),
          case R of
              2 -> two;
              4 -> four;
              6 -> six;
              8 -> eight;
              N -> N
          end.

      unused(X) ->
          G = fun(Z) -> [Z, X] end,
          {lists:map(G, lists:seq(1, X)), <<"a literal only unused/1 loads">>}.

      helper(X) -> X * 2.
      """;

  @BeforeAll
  static void compile() throws Exception {
    Path src = Files.createDirectories(temp.resolve("src"));
    Files.writeString(src.resolve("shaken.erl"), SOURCE);
    original = BeamFile.read(Fixtures.compile(src, temp.resolve("ebin")).resolve("shaken.beam"));
  }

  private static Set<String> usedOnly() {
    List<String> lambdas =
        FunctionReferences.of(original).orElseThrow().keySet().stream()
            .filter(f -> f.startsWith("-used/1-fun-"))
            .toList();
    assertEquals(1, lambdas.size(), "the fun of used/1");
    return Set.of("used/1", "helper/1", lambdas.get(0));
  }

  @Test
  void theFunctionsKeptStillRunAndTheOthersAreGone() throws Exception {
    BeamFile shaken = BeamFunctionRemoval.removeFrom(original, usedOnly()).orElseThrow();

    assertEquals(
        List.of("used/1"),
        shaken.exports().stream().map(e -> e.function() + "/" + e.arity()).toList());
    assertTrue(shaken.chunk("Code").get().length < original.chunk("Code").get().length);
    String literals = new String(shaken.uncompressedLiterals().orElseThrow(), UTF_8);
    assertFalse(literals.contains("a literal only unused/1 loads"), "its literal is gone");
    assertTrue(original.atoms().containsAll(List.of("unused", "seq", "lists")));
    assertEquals("shaken", shaken.module());
    assertFalse(shaken.atoms().contains("unused"), shaken.atoms().toString());
    assertFalse(shaken.atoms().contains("seq"), shaken.atoms().toString());
    assertTrue(
        shaken.imports().stream().noneMatch(i -> i.function().equals("seq")),
        shaken.imports().toString());
    assertEquals(
        2, java.nio.ByteBuffer.wrap(original.chunk("FunT").orElseThrow()).getInt(), "two funs");
    assertEquals(
        1, java.nio.ByteBuffer.wrap(shaken.chunk("FunT").orElseThrow()).getInt(), "one kept");

    Path dir = Files.createDirectories(temp.resolve("shaken"));
    Files.write(dir.resolve("shaken.beam"), BeamFile.build(shaken.chunks()));
    assertEquals(
        "[eight,14,{error,undef}]",
        erl(
            dir,
            "io:format(\"~w\", [[shaken:used(4), shaken:used(7),"
                + " try shaken:unused(1) catch error:E -> {error, E} end]])"));
  }

  @Test
  void aModuleWithNothingToDropIsLeftAsItIs() {
    Set<String> all = FunctionReferences.of(original).orElseThrow().keySet();
    assertEquals(Optional.empty(), BeamFunctionRemoval.removeFrom(original, all));
  }

  /** Runs {@code expression} in erl with {@code dir} on the code path; returns what it printed. */
  private static String erl(Path dir, String expression) throws Exception {
    ProcessRunner.Result result =
        ProcessRunner.run(
            List.of("erl", "-noshell", "-pa", dir.toString(), "-eval", expression + ", halt()."),
            Duration.ofMinutes(2));
    assertEquals(0, result.exitCode(), result.failure(Integer.MAX_VALUE));
    return String.join("\n", result.lines()).trim();
  }
}
