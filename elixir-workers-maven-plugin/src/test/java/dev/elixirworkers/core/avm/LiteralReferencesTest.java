package dev.elixirworkers.core.avm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiteralReferencesTest {
  @TempDir static Path work;
  static Path app;

  @BeforeAll
  static void compileFixtures() throws Exception {
    app = Fixtures.compile(Fixtures.resource("pack/app"), work.resolve("app"));
  }

  @Test
  void literalReferencesIncludeAtomsAndExternalFunModules() {
    LiteralReferences refs =
        LiteralReferences.of(BeamFile.read(app.resolve("Elixir.HelloWorker.beam")));
    assertTrue(refs.atoms().contains("Elixir.Listed.Handler"), refs.toString());
    assertTrue(refs.atoms().contains("Elixir.Person"), refs.toString());
    assertTrue(refs.funModules().contains("erlfun"), refs.toString());
    assertTrue(refs.funs().contains("erlfun:go/0"), refs.toString());
    assertFalse(
        refs.atoms().contains("go"), "the function of a fun literal is in funs, not in atoms");
  }

  @Test
  void eachLiteralHasItsOwnReferences() {
    BeamFile beam = BeamFile.read(app.resolve("Elixir.HelloWorker.beam"));
    List<LiteralReferences> each = LiteralReferences.ofEach(beam);
    assertEquals(beam.literals().size(), each.size());
    assertTrue(each.stream().allMatch(Objects::nonNull), each.toString());
    assertEquals(
        1,
        each.stream().filter(r -> r.atoms().contains("Elixir.Listed.Handler")).count(),
        "one literal holds [Listed.Handler, :not_a_module]: " + each);
    assertEquals(
        1, each.stream().filter(r -> r.funs().contains("erlfun:go/0")).count(), each.toString());
  }

  @Test
  void aLiteralHoldingALocalFunCouldReachAnything() throws Exception {
    // OTP 27+ compilers make funs without free variables literals; OTP's assembler writes one here
    Path beamFile = work.resolve("localfun.beam");
    Fixtures.erl(
        "{ok, _, Bin} = compile:forms({localfun, [{term, 0}], [], [{function, term, 0, 2,"
            + " [{label, 1}, {func_info, {atom, localfun}, {atom, term}, 0}, {label, 2},"
            + " {move, {literal, {[fun erlang:self/0], fun() -> ok end}}, {x, 0}}, return]}], 3},"
            + " [from_asm, binary]), ok = file:write_file(\""
            + beamFile
            + "\", Bin), halt().");
    BeamFile beam = BeamFile.read(beamFile);

    assertEquals(Arrays.asList((LiteralReferences) null), LiteralReferences.ofEach(beam));
    assertTrue(
        LiteralReferences.of(beam).funs().contains("erlang:self/0"),
        "all literals together still count the external fun");
    assertTrue(FunctionReferences.of(beam).isEmpty(), "the module cannot be followed");
  }
}
