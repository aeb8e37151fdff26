package dev.elixirworkers.core.avm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@link AvmPacker#pack} produced, for reporting.
 *
 * @param output the file written, or null when the request had none
 * @param written false when {@code output} already held these exact bytes and was left alone
 * @param modules the packed modules in archive order (start module first)
 * @param archiveSize bytes in the archive
 * @param unresolvedModules modules called or named in fun literals by reachable code but absent
 *     from the inputs, sorted; most are implemented natively by AtomVM ({@code erlang}, {@code
 *     atomvm}), the rest fail with {@code undef} when called
 * @param excludedReferences excluded modules (see {@link PackRequest#excludedModules()}) that
 *     something referenced, sorted
 * @param unsatisfiedCalls the calls reachable code makes that fail with {@code undef} when they run
 *     — the module is not in the inputs (and AtomVM does not implement the function), does not
 *     export the function, or exports only a NIF stub — as {@code module:name/arity}, sorted, each
 *     with the chain of functions that reached it (root first, the caller last); calls of excluded
 *     modules are not among them
 * @param elapsed time spent packing
 */
public record PackResult(
    Path output,
    boolean written,
    List<PackedModule> modules,
    long archiveSize,
    Set<String> unresolvedModules,
    Set<String> excludedReferences,
    Map<String, List<String>> unsatisfiedCalls,
    Duration elapsed,
    byte[] archive) {

  /** Why a module is in the archive. */
  public enum Reason {
    START,
    /** reachable code of {@code via} calls one of its functions (an import) */
    IMPORT,
    /** reachable code of {@code via} uses its name, an {@code Elixir.*} atom, as an operand */
    ELIXIR_ATOM,
    /**
     * its name, an {@code Elixir.*} atom, is in a literal loaded by reachable code of {@code via}
     */
    LITERAL_ATOM,
    /** reachable code of {@code via} loads an external fun literal ({@code &Mod.fun/1}) of it */
    FUN_LITERAL,
    /** implements protocol {@code via}, which is packed (implementations are found by name) */
    PROTOCOL_IMPL,
    /** listed in extraModules */
    EXTRA,
    /** tree-shaking was off */
    ALL
  }

  /**
   * One packed module.
   *
   * @param module the module name
   * @param source where it came from (file, or archive and section)
   * @param originalSize bytes of the input BEAM
   * @param packedSize bytes of the section payload after stripping
   * @param reason why it was included
   * @param via the module whose reference pulled it in (null for START, EXTRA, ALL)
   * @param reachedBy the functions ({@code module:name/arity}) through which the start module first
   *     reached this one, root first; empty when tree-shaking was off
   */
  public record PackedModule(
      String module,
      String source,
      int originalSize,
      int packedSize,
      Reason reason,
      String via,
      List<String> reachedBy) {
    public PackedModule {
      reachedBy = List.copyOf(reachedBy);
    }

    public String sectionName() {
      return module + ".beam";
    }
  }

  public PackResult {
    modules = List.copyOf(modules);
    unresolvedModules = Set.copyOf(unresolvedModules);
    excludedReferences = Set.copyOf(excludedReferences);
    unsatisfiedCalls = Collections.unmodifiableMap(new TreeMap<>(unsatisfiedCalls));
  }

  public List<String> moduleNames() {
    return modules.stream().map(PackedModule::module).toList();
  }

  /** A few lines for the build log: totals, then one line per module. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    int original = modules.stream().mapToInt(PackedModule::originalSize).sum();
    lines.add(
        String.format(
            "Packed %d modules into %s: %,d bytes (input BEAMs %,d bytes) in %d ms",
            modules.size(),
            output == null ? "memory" : output.getFileName(),
            archiveSize,
            original,
            elapsed.toMillis()));
    for (PackedModule m : modules) {
      lines.add(
          String.format(
              "  %-48s %,9d bytes  %s",
              m.sectionName(),
              m.packedSize(),
              m.reason().name().toLowerCase().replace('_', ' ')
                  + (m.via() == null ? "" : " from " + m.via())));
      if (m.reachedBy().size() > 1) {
        lines.add("      reached by " + String.join(" → ", m.reachedBy()));
      }
    }
    if (!excludedReferences.isEmpty()) {
      lines.add("  referenced but excluded: " + String.join(", ", sorted(excludedReferences)));
    }
    if (!unresolvedModules.isEmpty()) {
      lines.add(
          "  referenced, not in the inputs (native in AtomVM, or undef at run time): "
              + String.join(", ", sorted(unresolvedModules)));
    }
    return lines;
  }

  private static List<String> sorted(Set<String> set) {
    return set.stream().sorted().toList();
  }
}
