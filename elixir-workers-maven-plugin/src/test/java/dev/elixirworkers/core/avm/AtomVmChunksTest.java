package dev.elixirworkers.core.avm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.Fixtures;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomVmChunksTest {
  @TempDir static Path work;
  static Path app;

  @BeforeAll
  static void compileFixtures() throws Exception {
    app = Fixtures.compile(Fixtures.resource("pack/app"), work.resolve("app"));
  }

  @Test
  void strippingReplacesLitTWithTheInflatedLiterals() throws Exception {
    BeamFile original = BeamFile.read(app.resolve("Elixir.HelloWorker.beam"));
    byte[] litT = original.chunk("LitT").orElseThrow();
    int declared = ByteBuffer.wrap(litT).getInt();
    byte[] inflated;
    if (declared == 0) {
      // OTP 28+ writes the table uncompressed, after a size of 0
      inflated = Arrays.copyOfRange(litT, 4, litT.length);
    } else {
      try (InflaterInputStream in =
          new InflaterInputStream(new ByteArrayInputStream(litT, 4, litT.length - 4))) {
        inflated = in.readAllBytes();
      }
      assertEquals(declared, inflated.length);
    }

    BeamFile stripped = BeamFile.parse(AtomVmChunks.strip(original, false), "stripped");
    assertArrayEquals(inflated, stripped.chunk("LitU").orElseThrow());
    assertTrue(stripped.chunk("LitT").isEmpty());
  }

  @Test
  void strippingDropsDebugDocsAndAttributeChunksAndKeepsTheRestInOrder() {
    BeamFile original = BeamFile.read(app.resolve("Elixir.HelloWorker.beam"));
    assertTrue(original.chunkIds().containsAll(List.of("Dbgi", "Docs", "CInf", "Attr", "Line")));

    BeamFile stripped = BeamFile.parse(AtomVmChunks.strip(original, false), "stripped");
    List<String> expected =
        original.chunkIds().stream()
            .map(id -> id.equals("LitT") ? "LitU" : id)
            .filter(AtomVmChunks.READ::contains)
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
  void theLineTableIsKeptOnlyOnRequest() {
    BeamFile original = BeamFile.read(app.resolve("Elixir.HelloWorker.beam"));
    assertFalse(
        BeamFile.parse(AtomVmChunks.strip(original, false), "stripped")
            .chunkIds()
            .contains("Line"));
    BeamFile withLines = BeamFile.parse(AtomVmChunks.strip(original, true), "stripped");
    assertArrayEquals(original.chunk("Line").orElseThrow(), withLines.chunk("Line").orElseThrow());
  }

  @Test
  void strippedModuleHeaderSizeMatchesItsLength() {
    byte[] stripped = AtomVmChunks.strip(BeamFile.read(app.resolve("erlfun.beam")), false);
    assertEquals(stripped.length - 8, ByteBuffer.wrap(stripped).getInt(4));
    assertEquals(0, stripped.length % 4);
  }
}
