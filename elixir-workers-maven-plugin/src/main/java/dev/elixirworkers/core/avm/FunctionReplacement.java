package dev.elixirworkers.core.avm;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.BeamOpcodes;
import dev.elixirworkers.core.beam.CodeChunk;
import dev.elixirworkers.core.beam.ExternalTerms;
import dev.elixirworkers.core.beam.Instruction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Calls of one library function redirected to another module's function of the same name and arity,
 * for a function that cannot work on AtomVM as written — Elixir's {@code Float.round/2} matches
 * 1-bit bitstring segments, which AtomVM's loader refuses — or that works but reaches far more than
 * a worker needs. A stand-in module declares what it replaces:
 *
 * <pre>
 * -module(elixir_workers_float).
 * -elixir_workers_replaces([{'Elixir.Float', round, 2}]).
 * -export([round/2]).
 * </pre>
 *
 * <p>The packer then follows such calls into the stand-in, and rewrites every other packed module
 * so that {@code call_ext} of {@code 'Elixir.Float':round/2} runs {@code
 * elixir_workers_float:round/2} (its import table) and so does a {@code &Float.round/2} it loads
 * (the external funs in its literal table). The declaring module's own calls and funs are left
 * alone, so it may call the original for the cases it does not handle.
 *
 * <p>A replacement can also be confined to the calls one module makes, for a function that is fine
 * everywhere but in that module (or missing, and only that module's use of it can be met another
 * way):
 *
 * <pre>
 * -elixir_workers_replaces_in([{rand, [{erlang, phash2, 1}]}]).
 * </pre>
 *
 * <p>Only {@code rand}'s imports of {@code erlang:phash2/1} then run the stand-in's {@code
 * phash2/1}; such a key is {@link #inModule}{@code ("rand", "erlang:phash2/1")}, and it wins over a
 * replacement of the same function everywhere.
 */
final class FunctionReplacement {
  /** The attribute a stand-in declares its replacements with. */
  static final String ATTRIBUTE = "elixir_workers_replaces";

  /** The attribute of a replacement confined to one module's calls. */
  static final String ATTRIBUTE_IN = "elixir_workers_replaces_in";

  private static final Set<Integer> BIF_OPCODES =
      Set.of(
          BeamOpcodes.BIF0,
          BeamOpcodes.BIF1,
          BeamOpcodes.BIF2,
          BeamOpcodes.GC_BIF1,
          BeamOpcodes.GC_BIF2,
          BeamOpcodes.GC_BIF3);

  private FunctionReplacement() {}

  /**
   * What {@code beam} declares it replaces: {@code module:function/arity} of the original → the
   * same in {@code beam}'s module; empty for most modules.
   */
  static Map<String, String> declaredBy(BeamFile beam) {
    Optional<byte[]> attributes = beam.chunk("Attr");
    if (attributes.isEmpty()
        || !new String(attributes.get(), StandardCharsets.ISO_8859_1).contains(ATTRIBUTE)) {
      return Map.of();
    }
    Set<String> replaced = new LinkedHashSet<>();
    if (!(ExternalTerms.decode(attributes.get()) instanceof List<?> entries)) {
      return Map.of();
    }
    for (Object entry : entries) {
      if (entry instanceof ExternalTerms.Tuple t
          && t.elements().size() == 2
          && t.elements().get(0).equals(new ExternalTerms.Atom(ATTRIBUTE))
          && t.elements().get(1) instanceof List<?> functions) {
        for (Object function : functions) {
          replaced.add(original(beam, function));
        }
      } else if (entry instanceof ExternalTerms.Tuple t
          && t.elements().size() == 2
          && t.elements().get(0).equals(new ExternalTerms.Atom(ATTRIBUTE_IN))
          && t.elements().get(1) instanceof List<?> scopes) {
        for (Object scope : scopes) {
          if (!(scope instanceof ExternalTerms.Tuple s
              && s.elements().size() == 2
              && s.elements().get(0) instanceof ExternalTerms.Atom caller
              && s.elements().get(1) instanceof List<?> functions)) {
            throw new PackException(
                beam.origin()
                    + ": -"
                    + ATTRIBUTE_IN
                    + " takes a list of {CallingModule, [{Module, Function, Arity}]}, not "
                    + ExternalTerms.text(scope));
          }
          for (Object function : functions) {
            replaced.add(inModule(caller.name(), original(beam, function)));
          }
        }
      }
    }
    Map<String, String> result = new LinkedHashMap<>();
    for (String original : replaced) {
      String name = original.substring(original.indexOf(':') + 1);
      int slash = name.lastIndexOf('/');
      if (!beam.exports(name.substring(0, slash), Integer.parseInt(name.substring(slash + 1)))) {
        throw new PackException(
            beam.origin()
                + " declares -"
                + ATTRIBUTE
                + " of "
                + original
                + " but does not export "
                + name
                + ": a replacement has the replaced function's name and arity");
      }
      result.put(original, beam.module() + ":" + name);
    }
    return result;
  }

  /** The key of a replacement of {@code mfa} in the calls {@code caller} makes, and only those. */
  static String inModule(String caller, String mfa) {
    return caller + " " + mfa;
  }

  /** What a call of {@code mfa} made by {@code caller} runs instead, or null. */
  static String replacementFor(Map<String, String> replacements, String caller, String mfa) {
    String confined = replacements.get(inModule(caller, mfa));
    return confined != null ? confined : replacements.get(mfa);
  }

  private static String original(BeamFile beam, Object function) {
    if (function instanceof ExternalTerms.Tuple t
        && t.elements().size() == 3
        && t.elements().get(0) instanceof ExternalTerms.Atom module
        && t.elements().get(1) instanceof ExternalTerms.Atom name
        && t.elements().get(2) instanceof Long arity) {
      return module.name() + ":" + name.name() + "/" + arity;
    }
    throw new PackException(
        beam.origin()
            + ": -"
            + ATTRIBUTE
            + " takes a list of {Module, Function, Arity}, not "
            + ExternalTerms.text(function));
  }

  /**
   * {@code beam} with its imports and external fun literals of replaced functions pointing at their
   * replacements, or empty when it refers to none of them (or is the module that declares them).
   */
  static Optional<BeamFile> apply(BeamFile beam, Map<String, String> replacements) {
    List<BeamFile.Import> imports = beam.imports();
    List<int[]> table = new ArrayList<>(beam.table("ImpT", 3));
    List<String> atoms = new ArrayList<>(beam.atoms());
    boolean changed = false;
    for (int i = 0; i < imports.size(); i++) {
      BeamFile.Import imported = imports.get(i);
      String replacement =
          replacementFor(
              replacements,
              beam.module(),
              imported.module() + ":" + imported.function() + "/" + imported.arity());
      if (replacement == null || replacement.startsWith(beam.module() + ":")) {
        continue;
      }
      if (calledAsBif(beam, i)) {
        throw new PackException(
            beam.origin()
                + " calls "
                + imported.module()
                + ":"
                + imported.function()
                + "/"
                + imported.arity()
                + " as a BIF, which a module's function cannot replace: remove it from -"
                + ATTRIBUTE);
      }
      String module = replacement.substring(0, replacement.indexOf(':'));
      String function =
          replacement.substring(replacement.indexOf(':') + 1, replacement.lastIndexOf('/'));
      table.set(
          i, new int[] {atomIndex(atoms, module), atomIndex(atoms, function), table.get(i)[2]});
      changed = true;
    }
    List<byte[]> literals = new ArrayList<>(beam.literals());
    boolean funsChanged = false;
    for (int i = 0; i < literals.size(); i++) {
      byte[] literal = literals.get(i);
      byte[] rewritten =
          ExternalTerms.withExportFunsReplaced(
              literal,
              mfa -> {
                String replacement = replacementFor(replacements, beam.module(), mfa);
                return replacement == null || replacement.startsWith(beam.module() + ":")
                    ? null
                    : replacement;
              });
      if (rewritten != literal) {
        literals.set(i, rewritten);
        funsChanged = true;
      }
    }
    if (!changed && !funsChanged) {
      return Optional.empty();
    }
    List<BeamFile.Chunk> chunks = new ArrayList<>();
    for (BeamFile.Chunk chunk : beam.chunks()) {
      switch (chunk.id()) {
        case "ImpT" -> chunks.add(new BeamFile.Chunk("ImpT", BeamFile.tableChunk(table)));
        case "AtU8", "Atom" ->
            chunks.add(new BeamFile.Chunk("AtU8", BeamFile.atomChunk(atoms, beam.origin())));
        case "LitT", "LitU" ->
            chunks.add(
                funsChanged ? new BeamFile.Chunk("LitU", BeamFile.literalChunk(literals)) : chunk);
        default -> chunks.add(chunk);
      }
    }
    return Optional.of(BeamFile.parse(BeamFile.build(chunks), beam.origin()));
  }

  /** The 1-based index of {@code atom} in {@code atoms}, appended when absent. */
  private static int atomIndex(List<String> atoms, String atom) {
    int index = atoms.indexOf(atom);
    if (index < 0) {
      atoms.add(atom);
      index = atoms.size() - 1;
    }
    return index + 1;
  }

  private static boolean calledAsBif(BeamFile beam, int importIndex) {
    Optional<CodeChunk> code = CodeChunk.of(beam);
    if (code.isEmpty()) {
      return false;
    }
    for (Instruction instruction : code.get().instructions()) {
      if (BIF_OPCODES.contains(instruction.opcode()) && instruction.importIndex() == importIndex) {
        return true;
      }
    }
    return false;
  }
}
