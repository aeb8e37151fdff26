package dev.elixirworkers.core.compiler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@link BeamCompiler#compile} did, root by root.
 *
 * @param roots one entry per source root, in request order
 * @param elapsed wall time of the whole call
 */
public record CompileResult(List<RootResult> roots, Duration elapsed) {

  public enum Status {
    /** inputs, flags and compiler versions unchanged since the last successful compile */
    UP_TO_DATE,
    COMPILED,
    /** the root does not exist or holds no .erl/.ex files */
    NO_SOURCES
  }

  /**
   * @param root the source root as given
   * @param status what happened
   * @param sourceFiles how many .erl/.ex files the root holds
   * @param modules the modules this root produces (from the last compile when up to date), sorted
   * @param warnings warnings of this compile (none when up to date)
   */
  public record RootResult(
      Path root,
      Status status,
      int sourceFiles,
      List<String> modules,
      List<Diagnostic> warnings,
      Duration elapsed) {
    public RootResult {
      modules = List.copyOf(modules);
      warnings = List.copyOf(warnings);
    }
  }

  public CompileResult {
    roots = List.copyOf(roots);
  }

  /** True when no compiler ran. */
  public boolean upToDate() {
    return roots.stream().noneMatch(r -> r.status() == Status.COMPILED);
  }

  public List<String> modules() {
    return roots.stream().flatMap(r -> r.modules().stream()).sorted().toList();
  }

  public List<Diagnostic> warnings() {
    return roots.stream().flatMap(r -> r.warnings().stream()).toList();
  }
}
