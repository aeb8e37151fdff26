package dev.elixirworkers.core.compiler;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.beam.BeamFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Protocol consolidation with the installation's elixir, and its reuse of an earlier result. */
class ProtocolConsolidationTest {
  @TempDir Path work;

  @Test
  void consolidatesOnceAndAgainOnlyWhenAnInputChanges() throws Exception {
    ElixirInstallation elixir = ElixirInstallation.fromEnvironment();
    Path ebin = elixir.libraryDirectories().elixir();
    // a copy of the protocol and one implementation, so the test can change one of them
    Path lib = Files.createDirectories(work.resolve("lib"));
    for (String module : List.of("Elixir.String.Chars", "Elixir.String.Chars.Atom")) {
      Files.copy(ebin.resolve(module + ".beam"), lib.resolve(module + ".beam"));
    }
    Map<String, List<String>> implementations =
        Map.of("Elixir.String.Chars", List.of("Elixir.Atom"));
    Path out = work.resolve("consolidated");

    assertTrue(ProtocolConsolidation.consolidate(elixir, implementations, List.of(lib, ebin), out));
    assertTrue(Files.isRegularFile(out.resolve("Elixir.String.Chars.beam")));
    assertFalse(
        ProtocolConsolidation.consolidate(elixir, implementations, List.of(lib, ebin), out),
        "the same inputs: the earlier result stands");

    // the implementation rebuilt (here: the same module without its documentation chunk)
    Path atomImpl = lib.resolve("Elixir.String.Chars.Atom.beam");
    BeamFile original = BeamFile.read(atomImpl);
    Files.write(
        atomImpl,
        BeamFile.build(
            original.chunks().stream().filter(chunk -> !chunk.id().equals("Docs")).toList()));
    assertTrue(
        ProtocolConsolidation.consolidate(elixir, implementations, List.of(lib, ebin), out),
        "an input changed: consolidated again");
    assertTrue(
        ProtocolConsolidation.consolidate(
            elixir,
            Map.of("Elixir.String.Chars", List.of("Elixir.Atom", "Elixir.Integer")),
            List.of(lib, ebin),
            out),
        "other implementations: consolidated again");
  }
}
