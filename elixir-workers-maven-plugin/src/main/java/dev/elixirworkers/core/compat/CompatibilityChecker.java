package dev.elixirworkers.core.compat;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.LineTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Finds the calls AtomVM cannot run. A call is fine when AtomVM implements the function in C (a BIF
 * or NIF, see {@link AtomVmNatives}) or when a module that can be packed exports it (AtomVM's
 * standard library, the framework, the project); anything else fails with {@code undef} when it
 * runs, which is what AtomVM's smaller standard library makes easy to write ({@code
 * String.upcase/1}, {@code Enum.sort/1}).
 */
public final class CompatibilityChecker {

  /**
   * A call to a function AtomVM does not have, where it is in the source.
   *
   * @param call the function that is missing
   * @param caller the module whose code is at {@code file:line}
   * @param through when the missing call is made by library code the caller reaches: the library
   *     functions from the one called at {@code file:line} to the one making the missing call;
   *     empty for a call made at {@code file:line} itself
   */
  public record Finding(
      String file, int line, Mfa call, String caller, String hint, List<Mfa> through) {

    public Finding {
      through = List.copyOf(through);
    }

    public Finding(String file, int line, Mfa call, String caller, String hint) {
      this(file, line, call, caller, hint, List.of());
    }

    /**
     * {@code file:line: Module.fun/arity is not available on AtomVM} (and a hint, if any); for a
     * call made by library code, {@code file:line: Lib.f/1 calls :mod.fun/2, which is not available
     * on AtomVM (through …)}.
     */
    public String message() {
      String where = (line > 0 ? file + ":" + line : file) + ": ";
      if (call.equals(ModuleCalls.REGEX_LITERAL) && hint != null) {
        return where + hint;
      }
      if (!through.isEmpty()) {
        List<String> names = through.stream().map(Mfa::display).toList();
        return where
            + names.get(0)
            + " may fail: it calls "
            + call.display()
            + ", which is not available on AtomVM"
            + (names.size() > 1
                ? " (through " + String.join(" → ", names.subList(1, names.size())) + ")"
                : "");
      }
      return where
          + call.display()
          + " is not available on AtomVM"
          + (hint == null ? "" : " (" + hint + ")");
    }

    /** The same finding with the file shown another way (e.g. relative to the project). */
    public Finding withFile(String newFile) {
      return new Finding(newFile, line, call, caller, hint, through);
    }

    @Override
    public String toString() {
      return message();
    }
  }

  /** The outcome: findings sorted by file and line, and what was looked at. */
  public record Report(List<Finding> findings, int modulesChecked, int callsChecked) {
    public Report {
      findings = List.copyOf(findings);
    }
  }

  private final AtomVmNatives natives;
  private final Map<String, Set<String>> exports;
  private final Map<String, Path> files;
  private final Map<String, Set<String>> stubs = new HashMap<>();

  /**
   * @param natives the functions AtomVM implements in C
   * @param exports module -> exported {@code function/arity}, for every module that can be packed
   */
  public CompatibilityChecker(AtomVmNatives natives, Map<String, Set<String>> exports) {
    this(natives, exports, Map.of());
  }

  private CompatibilityChecker(
      AtomVmNatives natives, Map<String, Set<String>> exports, Map<String, Path> files) {
    this.natives = natives;
    this.exports = Collections.unmodifiableMap(new HashMap<>(exports));
    this.files = Map.copyOf(files);
  }

  /**
   * A checker for the modules in {@code inputs} (directories of {@code .beam} files, the first
   * definition of a module wins). An exported function that is only a NIF stub ({@code
   * erlang:nif_error/1}) counts as available only when AtomVM has the NIF.
   */
  public static CompatibilityChecker forInputs(AtomVmNatives natives, List<Path> inputs) {
    Map<String, Set<String>> exports = new HashMap<>();
    Map<String, Path> files = new HashMap<>();
    for (Path directory : inputs) {
      if (!Files.isDirectory(directory)) {
        continue;
      }
      try (Stream<Path> list = Files.list(directory)) {
        for (Path file :
            list.filter(f -> f.getFileName().toString().endsWith(".beam")).sorted().toList()) {
          BeamFile beam = BeamFile.read(file);
          if (!exports.containsKey(beam.module())) {
            Set<String> names = new TreeSet<>();
            beam.exports().forEach(e -> names.add(e.function() + "/" + e.arity()));
            exports.put(beam.module(), names);
            files.put(beam.module(), file);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Could not list " + directory, e);
      }
    }
    return new CompatibilityChecker(natives, exports, files);
  }

  /** Checks each module's calls. */
  public Report check(Collection<BeamFile> modules) {
    List<Finding> findings = new ArrayList<>();
    int calls = 0;
    for (BeamFile beam : modules) {
      Set<String> seen = new LinkedHashSet<>();
      for (ModuleCalls.CallSite site :
          ModuleCalls.unsupportedRegexLiterals(beam, ModuleCalls.unsupportedRegexes(beam))) {
        if (seen.add(site.file() + ":" + site.line() + ":" + site.problem())) {
          findings.add(
              new Finding(site.file(), site.line(), site.target(), beam.module(), site.problem()));
        }
      }
      for (ModuleCalls.CallSite site : ModuleCalls.callSites(beam)) {
        calls++;
        if (!available(site.target())
            && seen.add(site.file() + ":" + site.line() + ":" + site.target())) {
          findings.add(
              new Finding(
                  site.file(), site.line(), site.target(), beam.module(), hint(site.target())));
        }
      }
    }
    findings.sort(
        Comparator.comparing(Finding::file)
            .thenComparingInt(Finding::line)
            .thenComparing(f -> f.call().key()));
    return new Report(findings, modules.size(), calls);
  }

  /**
   * The calls library code makes that AtomVM cannot run, reached from {@code ours} (the project's
   * and the framework's modules): each is reported at the line of {@code ours} where the chain that
   * reached it leaves them.
   *
   * @param unsatisfied calls the packer found no function for, each with the chain that reached it
   *     ({@code module:name/arity} nodes, root first; see {@code PackResult#unsatisfiedCalls})
   */
  public List<Finding> reachedThroughLibraries(
      Map<String, List<String>> unsatisfied, Map<String, BeamFile> ours) {
    List<Finding> findings = new ArrayList<>();
    Map<String, List<ModuleCalls.CallSite>> sites = new HashMap<>();
    unsatisfied.forEach(
        (target, chain) -> {
          Mfa call = Mfa.parse(target);
          if (available(call) || chain.isEmpty()) {
            return;
          }
          int last = chain.size() - 1;
          while (last >= 0 && !ours.containsKey(moduleOf(chain.get(last)))) {
            last--;
          }
          if (last < 0 || last == chain.size() - 1) {
            return; // reached from nowhere of ours, or called by ours: reported at its line
          }
          String leaving = moduleOf(chain.get(last));
          String entered = chain.get(last + 1);
          ModuleCalls.CallSite site =
              sites.computeIfAbsent(leaving, m -> ModuleCalls.callSites(ours.get(leaving))).stream()
                  .filter(s -> s.target().key().equals(entered))
                  .findFirst()
                  .orElse(null);
          List<Mfa> through =
              chain.subList(last + 1, chain.size()).stream()
                  .filter(node -> node.contains("/"))
                  .map(Mfa::parse)
                  .toList();
          findings.add(
              site == null
                  ? new Finding(
                      LineTable.of(ours.get(leaving)).file(0), 0, call, leaving, null, through)
                  : new Finding(site.file(), site.line(), call, leaving, null, through));
        });
    return findings;
  }

  private static String moduleOf(String node) {
    return node.substring(0, node.indexOf(':'));
  }

  /** Whether AtomVM can run a call to {@code mfa}. */
  public boolean available(Mfa mfa) {
    if (natives.contains(mfa)) {
      return true;
    }
    Set<String> exported = exports.get(mfa.module());
    String name = mfa.function() + "/" + mfa.arity();
    return exported != null && exported.contains(name) && !stubsOf(mfa.module()).contains(name);
  }

  private Set<String> stubsOf(String module) {
    return stubs.computeIfAbsent(
        module,
        m -> files.containsKey(m) ? ModuleCalls.nifStubs(BeamFile.read(files.get(m))) : Set.of());
  }

  private String hint(Mfa call) {
    if (call.module().equals("Elixir.String")
        && available(new Mfa("Elixir.ElixirWorkers.String", call.function(), call.arity()))) {
      return "ElixirWorkers.String." + call.function() + "/" + call.arity() + " is";
    }
    if (!exports.containsKey(call.module()) && !hasNatives(call.module())) {
      return "AtomVM has no module " + call.display().substring(0, call.display().lastIndexOf('.'));
    }
    return null;
  }

  private boolean hasNatives(String module) {
    String prefix = module + ":";
    return natives.keys().stream().anyMatch(k -> k.startsWith(prefix));
  }
}
