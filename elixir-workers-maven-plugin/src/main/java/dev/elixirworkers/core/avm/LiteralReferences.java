package dev.elixirworkers.core.avm;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.ExternalTerms;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a module's literal table refers to. Atoms inside literals ({@code [Foo.A, Foo.B]}, a
 * struct's {@code __struct__}) are encoded in the external term format and are not in the atom
 * table, and an external fun literal ({@code &Foo.bar/1}) names a module without an import entry.
 *
 * @param atoms every atom found in a literal, sorted, except the module and function of an external
 *     fun (those are in {@code funs})
 * @param funModules the modules of external fun literals ({@code EXPORT_EXT}), sorted
 * @param funs the external fun literals as {@code module:function/arity}, sorted (those whose
 *     function and arity are an atom and an integer)
 */
public record LiteralReferences(Set<String> atoms, Set<String> funModules, Set<String> funs) {

  public LiteralReferences {
    atoms = Collections.unmodifiableSet(new TreeSet<>(atoms));
    funModules = Collections.unmodifiableSet(new TreeSet<>(funModules));
    funs = Collections.unmodifiableSet(new TreeSet<>(funs));
  }

  /**
   * What all the literals of {@code beam} refer to. A literal that cannot be decoded is skipped; it
   * only ever makes the tree-shaker keep fewer modules, and {@code extraModules} covers that.
   */
  static LiteralReferences of(BeamFile beam) {
    Collector all = new Collector();
    for (byte[] literal : beam.literals()) {
      Object term = decode(literal);
      if (term != null) {
        ExternalTerms.forEach(term, all::add);
      }
    }
    return all.references();
  }

  /**
   * The references of each literal of {@code beam}, by literal index (what a {@code Code} chunk's
   * literal operands count). A literal that cannot be decoded, or that holds a local fun ({@code
   * NEW_FUN_EXT}: which function it runs is not followed), gets {@code null}: who uses it must
   * assume it could reach anything.
   */
  static List<LiteralReferences> ofEach(BeamFile beam) {
    List<LiteralReferences> result = new ArrayList<>();
    for (byte[] literal : beam.literals()) {
      Object term = decode(literal);
      Collector one = new Collector();
      if (term != null) {
        ExternalTerms.forEach(term, one::add);
      }
      result.add(term != null && !one.localFun ? one.references() : null);
    }
    return result;
  }

  private static Object decode(byte[] literal) {
    try {
      return ExternalTerms.decode(literal);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static final class Collector {
    private final Set<String> atoms = new TreeSet<>();
    private final Set<String> funModules = new TreeSet<>();
    private final Set<String> funs = new TreeSet<>();
    private boolean localFun;

    void add(Object term) {
      if (term instanceof ExternalTerms.Atom atom) {
        atoms.add(atom.name());
      } else if (term instanceof ExternalTerms.LocalFun) {
        localFun = true;
      } else if (term instanceof ExternalTerms.ExportFun fun
          && fun.module() instanceof ExternalTerms.Atom module) {
        funModules.add(module.name());
        if (fun.function() instanceof ExternalTerms.Atom function
            && fun.arity() instanceof Long arity) {
          funs.add(module.name() + ":" + function.name() + "/" + arity);
        }
      }
    }

    LiteralReferences references() {
      return new LiteralReferences(atoms, funModules, funs);
    }
  }
}
