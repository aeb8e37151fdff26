package dev.elixirworkers.core.compat;

import dev.elixirworkers.core.BuildException;
import java.util.List;

/** The compatibility check found calls AtomVM cannot run, and the build treats them as errors. */
public final class CompatibilityException extends BuildException {
  private static final long serialVersionUID = 1L;

  private final transient List<CompatibilityChecker.Finding> findings;

  public CompatibilityException(String message, List<CompatibilityChecker.Finding> findings) {
    super(message);
    this.findings = List.copyOf(findings);
  }

  public List<CompatibilityChecker.Finding> findings() {
    return findings;
  }
}
