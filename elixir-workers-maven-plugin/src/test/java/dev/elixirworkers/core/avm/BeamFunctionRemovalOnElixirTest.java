package dev.elixirworkers.core.avm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.wasi.process.ProcessRunner;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BeamFunctionRemoval} over real modules: every module of Elixir's own standard library (the
 * one installed with elixirc), each cut down to what a third of its exports reach, must still be
 * accepted by the Erlang VM's loader, which checks every label, atom, import, fun and literal.
 */
class BeamFunctionRemovalOnElixirTest {
  @TempDir Path temp;

  @Test
  void elixirsStandardLibraryCutDownStillLoads() throws Exception {
    Path ebin = elixirEbin();
    Path out = Files.createDirectories(temp.resolve("ebin"));
    List<String> rewritten = new ArrayList<>();
    int modules = 0;
    try (Stream<Path> files = Files.list(ebin)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".beam")).sorted().toList()) {
        modules++;
        BeamFile beam = BeamFile.read(file);
        Optional<Map<String, FunctionReferences.Function>> functions = FunctionReferences.of(beam);
        if (functions.isEmpty()) {
          continue;
        }
        Set<String> kept = closure(beam, functions.get());
        Optional<BeamFile> cut = BeamFunctionRemoval.removeFrom(beam, kept);
        if (cut.isPresent()) {
          Files.write(out.resolve(file.getFileName()), loadable(cut.get()));
          rewritten.add(beam.module());
        }
      }
    }
    assertTrue(modules > 200, modules + " modules in " + ebin);
    assertTrue(
        rewritten.size() > modules / 2,
        "only " + rewritten.size() + " of " + modules + " modules were rewritten");

    // load each rewritten module from `out` into a VM that has no Elixir on its code path
    StringBuilder load = new StringBuilder("Failed = [{M, R} || M <- [");
    for (int i = 0; i < rewritten.size(); i++) {
      load.append(i == 0 ? "" : ",").append('\'').append(rewritten.get(i)).append('\'');
    }
    load.append("], {error, R} <- [code:load_file(M)]], io:format(\"~p~n\", [Failed]), halt().");
    ProcessRunner.Result erl =
        ProcessRunner.run(
            List.of("erl", "-noshell", "-pa", out.toString(), "-eval", load.toString()),
            Duration.ofMinutes(2));
    String output = String.join("\n", erl.lines()).trim();
    assertEquals(0, erl.exitCode(), erl.failure(Integer.MAX_VALUE));
    assertEquals("[]", output, "modules the loader refused");
    System.out.println(
        "BeamFunctionRemovalOnElixirTest: the Erlang loader accepted all "
            + rewritten.size()
            + " rewritten modules of "
            + modules
            + " in "
            + ebin);
  }

  /** What a third of the exports (every third, in table order) reach through local calls. */
  private static Set<String> closure(BeamFile beam, Map<String, FunctionReferences.Function> fns) {
    Set<String> reached = new HashSet<>();
    Deque<String> queue = new ArrayDeque<>();
    List<BeamFile.Export> exports = beam.exports();
    for (int i = 0; i < exports.size(); i += 3) {
      queue.add(exports.get(i).function() + "/" + exports.get(i).arity());
    }
    while (!queue.isEmpty()) {
      String f = queue.removeFirst();
      FunctionReferences.Function fn = fns.get(f);
      if (fn != null && reached.add(f)) {
        queue.addAll(fn.locals());
      }
    }
    return reached;
  }

  /** The module as the Erlang VM reads it: literals compressed again ({@code LitT}). */
  static byte[] loadable(BeamFile beam) {
    List<BeamFile.Chunk> chunks = new ArrayList<>();
    for (BeamFile.Chunk chunk : beam.chunks()) {
      if (!chunk.id().equals("LitU")) {
        chunks.add(chunk);
        continue;
      }
      Deflater deflater = new Deflater();
      deflater.setInput(chunk.data());
      deflater.finish();
      ByteArrayOutputStream litT = new ByteArrayOutputStream();
      litT.writeBytes(ByteBuffer.allocate(4).putInt(chunk.data().length).array());
      byte[] buffer = new byte[8192];
      while (!deflater.finished()) {
        litT.write(buffer, 0, deflater.deflate(buffer));
      }
      deflater.end();
      chunks.add(new BeamFile.Chunk("LitT", litT.toByteArray()));
    }
    return BeamFile.build(chunks);
  }

  static Path elixirEbin() throws Exception {
    ProcessRunner.Result elixir =
        ProcessRunner.run(
            List.of("elixir", "-e", "IO.puts(:code.lib_dir(:elixir))"), Duration.ofMinutes(2));
    assertEquals(
        0,
        elixir.exitCode(),
        "elixir (needed to build workers) failed: " + elixir.failure(Integer.MAX_VALUE));
    String dir = String.join("\n", elixir.lines()).trim();
    return Path.of(dir, "ebin").toRealPath();
  }
}
