package dev.elixirworkers.core.avm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.InflaterInputStream;
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
  void strippingReplacesLitTWithTheInflatedLiterals() throws Exception {
    BeamFile original = BeamFile.read(app.resolve("Elixir.HelloWorker.beam"));
    byte[] litT = original.chunk("LitT").orElseThrow();
    int declared = ByteBuffer.wrap(litT).getInt();
    byte[] inflated;
    if (declared == 0) {
      // OTP 28+ writes the table uncompressed, after a size of 0
      inflated = java.util.Arrays.copyOfRange(litT, 4, litT.length);
    } else {
      try (InflaterInputStream in =
          new InflaterInputStream(new ByteArrayInputStream(litT, 4, litT.length - 4))) {
        inflated = in.readAllBytes();
      }
      assertEquals(declared, inflated.length);
    }

    BeamFile stripped = BeamFile.parse(original.stripped(false), "stripped");
    assertArrayEquals(inflated, stripped.chunk("LitU").orElseThrow());
    assertTrue(stripped.chunk("LitT").isEmpty());
  }

  @Test
  void strippingDropsDebugDocsAndAttributeChunksAndKeepsTheRestInOrder() {
    BeamFile original = BeamFile.read(app.resolve("Elixir.HelloWorker.beam"));
    assertTrue(original.chunkIds().containsAll(List.of("Dbgi", "Docs", "CInf", "Attr", "Line")));

    BeamFile stripped = BeamFile.parse(original.stripped(false), "stripped");
    List<String> expected =
        original.chunkIds().stream()
            .map(id -> id.equals("LitT") ? "LitU" : id)
            .filter(BeamFile.ATOMVM_CHUNKS::contains)
            .toList();
    assertEquals(expected, stripped.chunkIds());
    assertEquals(original.atoms(), stripped.atoms());
    assertEquals(original.imports(), stripped.imports());
    assertEquals(original.exports(), stripped.exports());
    assertTrue(original.chunkIds().contains("Type"), "OTP 25+ writes a Type chunk");
    assertFalse(
        stripped.chunkIds().contains("Type"), "only AtomVM's JIT reads it; the WASI VM has none");
    assertTrue(
        Arrays.equals(original.chunk("Code").orElseThrow(), stripped.chunk("Code").orElseThrow()));
  }

  @Test
  void strippedModuleHeaderSizeMatchesItsLength() {
    byte[] stripped = BeamFile.read(app.resolve("erlfun.beam")).stripped(false);
    assertEquals(stripped.length - 8, ByteBuffer.wrap(stripped).getInt(4));
    assertEquals(0, stripped.length % 4);
  }

  @Test
  void literalReferencesIncludeAtomsAndExternalFunModules() {
    LiteralReferences refs =
        BeamFile.read(app.resolve("Elixir.HelloWorker.beam")).literalReferences();
    assertTrue(refs.atoms().contains("Elixir.Listed.Handler"), refs.toString());
    assertTrue(refs.atoms().contains("Elixir.Person"), refs.toString());
    assertTrue(refs.funModules().contains("erlfun"), refs.toString());
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
