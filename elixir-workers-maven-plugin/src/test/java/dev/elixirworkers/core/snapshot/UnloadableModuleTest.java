package dev.elixirworkers.core.snapshot;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.GatedAtomVm;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.WorkerBuild;
import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.core.avm.AvmPacker;
import dev.elixirworkers.core.avm.PackRequest;
import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.Fixtures;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A module whose code AtomVM's loader does not know (here: an opcode past the last one) makes the
 * snapshot step fail naming the module, not only the opcode. Runs when {@link GatedAtomVm} finds an
 * AtomVM source ({@code -Datomvm.source}, or the pinned release cached or downloaded); otherwise it
 * is skipped and says why.
 */
class UnloadableModuleTest {
  @TempDir Path work;

  @Test
  void theSnapshotStepNamesTheModuleAtomVmCannotLoad() throws Exception {
    Optional<Path> atomvm =
        Optional.of(
            GatedAtomVm.sourceOrSkip(
                "UnloadableModuleTest", "to load a module AtomVM does not understand"));
    // the plain VM, from the example built without a snapshot
    Path project = work.resolve("hello");
    GatedAtomVm.copyTree(GatedAtomVm.EXAMPLE_SOURCES, project.resolve("src"));
    WorkerProject worker =
        WorkerProject.atConventionalPaths(
                project, "HelloWorker", atomvm, CacheDirectory.root(), true)
            .toBuilder()
            .snapshot(false)
            .build();
    WorkerBuild build = new WorkerBuild(worker, new RecordingLog());
    build.compile();
    Path wasm = build.bundle().wasm();

    Path src = Files.createDirectories(work.resolve("src"));
    Files.writeString(
        src.resolve("s.erl"), "-module(s).\n-export([start/0]).\nstart() -> bad:go().\n");
    Files.writeString(src.resolve("bad.erl"), "-module(bad).\n-export([go/0]).\ngo() -> ok.\n");
    Path ebin = Fixtures.compile(src, work.resolve("ebin"));
    Path bad = ebin.resolve("bad.beam");
    Files.write(bad, withFirstOpcode(BeamFile.read(bad), 250));

    Path avm = work.resolve("app.avm");
    AvmPacker.pack(PackRequest.builder("s").input(ebin).output(avm).build());
    BuildException e =
        assertThrows(
            BuildException.class,
            () ->
                new VmSnapshots(work.resolve("snapshots"), new RecordingLog()).snapshot(wasm, avm));
    assertTrue(e.getMessage().contains("AtomVM could not load module bad"), e.getMessage());
  }

  /** {@code beam} with the first instruction's opcode byte replaced. */
  private static byte[] withFirstOpcode(BeamFile beam, int opcode) {
    List<BeamFile.Chunk> chunks = new ArrayList<>();
    for (BeamFile.Chunk chunk : beam.chunks()) {
      if (chunk.id().equals("Code")) {
        byte[] code = chunk.data().clone();
        int headerSize = java.nio.ByteBuffer.wrap(code).getInt();
        code[4 + headerSize] = (byte) opcode; // the sub-header, then the first instruction
        chunks.add(new BeamFile.Chunk("Code", code));
      } else {
        chunks.add(chunk);
      }
    }
    return BeamFile.build(chunks);
  }
}
