package dev.elixirworkers.core.compat;

import dev.elixirworkers.core.beam.BeamFile;
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

  /** A call to a function AtomVM does not have, where it is in the source. */
  public record Finding(String file, int line, Mfa call, String caller, String hint) {

    /** {@code file:line: Module.fun/arity is not available on AtomVM} (and a hint, if any). */
    public String message() {
      return (line > 0 ? file + ":" + line : file)
          + ": "
          + call.display()
          + " is not available on AtomVM"
          + (hint == null ? "" : " (" + hint + ")");
    }

    /** The same finding with the file shown another way (e.g. relative to the project). */
    public Finding withFile(String newFile) {
      return new Finding(newFile, line, call, caller, hint);
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
