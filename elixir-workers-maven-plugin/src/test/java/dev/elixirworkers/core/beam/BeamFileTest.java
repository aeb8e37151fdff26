package dev.elixirworkers.core.beam;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeamFileTest {
  @TempDir static Path work;
  static Path app;

  @BeforeAll
  static void compileFixtures() throws Exception {
    app = Fixtures.compile(Fixtures.resource("pack/app"), work.resolve("app"));
  }

  @Test
  void readsTheModuleNameAtomsImportsAndExports() {
    BeamFile beam = BeamFile.read(app.resolve("Elixir.HelloWorker.beam"));
    assertEquals("Elixir.HelloWorker", beam.module());
    assertTrue(beam.atoms().contains("Elixir.Dynamic.Target"));
    assertTrue(beam.importedModules().contains("Elixir.Helper"), beam.imports().toString());
    assertTrue(beam.imports().contains(new BeamFile.Import("Elixir.Helper", "greet", 1)));
    assertTrue(beam.exports("start", 0));
    assertFalse(beam.exports("start", 1));
  }

  @Test
  void erlangModulesParseToo() {
    BeamFile beam = BeamFile.read(app.resolve("erlfun.beam"));
    assertEquals("erlfun", beam.module());
    assertTrue(beam.exports("go", 0));
  }

  @Test
  void literalsAreTheTermsOfTheLiteralTableInOrder() {
    BeamFile beam = BeamFile.read(app.resolve("Elixir.HelloWorker.beam"));
    List<byte[]> literals = beam.literals();
    assertEquals(
        ByteBuffer.wrap(beam.uncompressedLiterals().orElseThrow()).getInt(), literals.size());
    List<Object> terms = literals.stream().map(ExternalTerms::decode).toList();
    assertTrue(
        terms.contains(
            List.of(
                new ExternalTerms.Atom("Elixir.Listed.Handler"),
                new ExternalTerms.Atom("not_a_module"))),
        terms.toString());
    assertEquals(List.of(), BeamFile.read(app.resolve("erlfun.beam")).literals(), "go() -> gone.");
  }

  @Test
  void tablesAreReadAsTheirFieldsAndWrittenBackTheSame() {
    BeamFile beam = BeamFile.read(app.resolve("Elixir.HelloWorker.beam"));
    List<int[]> exports = beam.table("ExpT", 3);
    assertEquals(beam.exports().size(), exports.size());
    for (int i = 0; i < exports.size(); i++) {
      BeamFile.Export export = beam.exports().get(i);
      assertEquals(export.function(), beam.atoms().get(exports.get(i)[0] - 1));
      assertEquals(export.arity(), exports.get(i)[1]);
      assertEquals(export.label(), exports.get(i)[2]);
    }
    for (String id : List.of("ExpT", "LocT", "ImpT")) {
      assertArrayEquals(beam.chunk(id).orElseThrow(), BeamFile.tableChunk(beam.table(id, 3)), id);
    }
    assertArrayEquals(
        beam.chunk("AtU8").orElseThrow(),
        BeamFile.atomChunk(beam.atoms(), "test"),
        "the atom table as the compiler wrote it (OTP 25: 1-byte lengths)");
    assertEquals(List.of(), beam.table("Nope", 3));
  }

  @Test
  void notABeamFileIsRejectedWithItsName() throws Exception {
    Path bogus = work.resolve("bogus.beam");
    Files.writeString(bogus, "definitely not IFF");
    BeamFormatException e = assertThrows(BeamFormatException.class, () -> BeamFile.read(bogus));
    assertTrue(e.getMessage().contains("bogus.beam"), e.getMessage());
  }

  @Test
  void truncatedBeamIsRejected() throws Exception {
    byte[] bytes = Files.readAllBytes(app.resolve("erlfun.beam"));
    byte[] cut = Arrays.copyOf(bytes, bytes.length / 2);
    assertThrows(BeamFormatException.class, () -> BeamFile.parse(cut, "cut"));
  }
}
