package dev.elixirworkers.core.avm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.BeamOpcodes;
import dev.elixirworkers.core.beam.CodeChunk;
import dev.elixirworkers.core.beam.Operand;
import dev.elixirworkers.wasi.process.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AllocationListRewrite} over Elixir's installed standard library: afterwards no {@code
 * bs_init2} has an allocation list where AtomVM's loader reads a number, and the Erlang VM's loader
 * still accepts every rewritten module.
 */
class AllocationListRewriteTest {
  @TempDir Path temp;

  @Test
  void bsInit2AllocationListsBecomeWordCountsTheErlangLoaderAccepts() throws Exception {
    Path ebin = BeamFunctionRemovalOnElixirTest.elixirEbin();
    Path out = Files.createDirectories(temp.resolve("ebin"));
    List<String> rewritten = new ArrayList<>();
    try (Stream<Path> files = Files.list(ebin)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".beam")).sorted().toList()) {
        Optional<BeamFile> fixed = AllocationListRewrite.apply(BeamFile.read(file));
        if (fixed.isPresent()) {
          assertFalse(hasAllocationListInBsInit2(fixed.get()), fixed.get().module());
          Files.write(
              out.resolve(file.getFileName()),
              BeamFunctionRemovalOnElixirTest.loadable(fixed.get()));
          rewritten.add(fixed.get().module());
        }
      }
    }
    assumeFalse(rewritten.isEmpty(), "this Elixir's compiler wrote no bs_init2 allocation list");

    StringBuilder load = new StringBuilder("Failed = [{M, R} || M <- [");
    for (int i = 0; i < rewritten.size(); i++) {
      load.append(i == 0 ? "" : ",").append('\'').append(rewritten.get(i)).append('\'');
    }
    load.append("], {error, R} <- [code:load_file(M)]], io:format(\"~p~n\", [Failed]), halt().");
    ProcessRunner.Result erl =
        ProcessRunner.run(
            List.of("erl", "-noshell", "-pa", out.toString(), "-eval", load.toString()),
            Duration.ofMinutes(2));
    assertEquals(0, erl.exitCode(), erl.failure(Integer.MAX_VALUE));
    assertEquals("[]", String.join("\n", erl.lines()).trim(), "modules the loader refused");
  }

  private static boolean hasAllocationListInBsInit2(BeamFile beam) {
    return CodeChunk.of(beam).orElseThrow().instructions().stream()
        .anyMatch(
            i ->
                i.opcode() == BeamOpcodes.BS_INIT2
                    && i.operand(2).kind() == Operand.Kind.ALLOCATION_LIST);
  }
}
