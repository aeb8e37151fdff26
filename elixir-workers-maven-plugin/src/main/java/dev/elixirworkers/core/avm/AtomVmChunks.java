package dev.elixirworkers.core.avm;

import dev.elixirworkers.core.beam.BeamFile;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The chunks of a BEAM module that AtomVM reads, and a module rewritten with only those, literals
 * uncompressed, the way AtomVM's packbeam does.
 */
final class AtomVmChunks {

  /**
   * The chunks AtomVM 0.7 reads ({@code src/libAtomVM/iff.c}), minus {@code Line}, {@code LitT} and
   * {@code Type}: literals are stored uncompressed as {@code LitU} so the VM needs no zlib, and
   * only the JIT reads {@code Type} (through {@code code_server}'s type resolver), which the WASI
   * build does not have (2.4 % of the example's app.avm).
   */
  static final Set<String> READ =
      Collections.unmodifiableSet(
          new LinkedHashSet<>(
              List.of("AtU8", "Code", "ExpT", "LocT", "ImpT", "LitU", "FunT", "StrT", "avmN")));

  /** Line numbers for stack traces; AtomVM reads it when present. Kept only on request. */
  static final String LINE = "Line";

  private AtomVmChunks() {}

  /**
   * {@code beam} rewritten for AtomVM: only {@link #READ} (plus {@code Line} when asked), in their
   * original order, {@code LitT} replaced in place by {@code LitU}, and a latin-1 {@code Atom}
   * table (pre-OTP 20) converted to {@code AtU8}.
   */
  static byte[] strip(BeamFile beam, boolean keepLineTable) {
    List<BeamFile.Chunk> kept = new ArrayList<>();
    boolean hasAtU8 = beam.chunk("AtU8").isPresent();
    boolean hasLitU = beam.chunk("LitU").isPresent();
    for (BeamFile.Chunk chunk : beam.chunks()) {
      String id = chunk.id();
      if (id.equals("LitT")) {
        if (!hasLitU) {
          kept.add(new BeamFile.Chunk("LitU", beam.uncompressedLiterals().orElseThrow()));
        }
      } else if (id.equals("Atom")) {
        if (!hasAtU8) {
          kept.add(new BeamFile.Chunk("AtU8", BeamFile.atomChunk(beam.atoms(), beam.origin())));
        }
      } else if (READ.contains(id) || (keepLineTable && id.equals(LINE))) {
        kept.add(chunk);
      }
    }
    return BeamFile.build(kept);
  }
}
