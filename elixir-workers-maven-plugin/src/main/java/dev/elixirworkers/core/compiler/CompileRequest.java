package dev.elixirworkers.core.compiler;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What to compile: source roots (each searched recursively for {@code .erl} and {@code .ex}) into
 * one output directory of {@code .beam} files. Immutable; build it with {@link #builder(Path)}.
 *
 * <p>Roots compile in the order given, Erlang before Elixir within a root, and each later root sees
 * the modules of the earlier ones (the output directory is on its code path).
 */
public final class CompileRequest {
  /** erlc flags used unless replaced: no absolute paths or timestamps in the output. */
  public static final List<String> DEFAULT_ERLC_OPTIONS = List.of("+deterministic");

  private final List<Path> sourceRoots;
  private final Path outputDirectory;
  private final Path stateDirectory;
  private final List<Path> includeDirectories;
  private final List<Path> codePaths;
  private final List<String> erlcOptions;
  private final boolean elixirDocs;
  private final boolean elixirDebugInfo;
  private final boolean ignoreModuleConflict;
  private final boolean warningsAsErrors;

  private CompileRequest(Builder b) {
    this.sourceRoots = List.copyOf(b.sourceRoots);
    this.outputDirectory = b.outputDirectory;
    this.stateDirectory =
        b.stateDirectory != null ? b.stateDirectory : b.outputDirectory.resolve(".compile-state");
    this.includeDirectories = List.copyOf(b.includeDirectories);
    this.codePaths = List.copyOf(b.codePaths);
    this.erlcOptions = List.copyOf(b.erlcOptions);
    this.elixirDocs = b.elixirDocs;
    this.elixirDebugInfo = b.elixirDebugInfo;
    this.ignoreModuleConflict = b.ignoreModuleConflict;
    this.warningsAsErrors = b.warningsAsErrors;
  }

  /**
   * @param outputDirectory where the {@code .beam} files go
   */
  public static Builder builder(Path outputDirectory) {
    return new Builder(outputDirectory);
  }

  public List<Path> sourceRoots() {
    return sourceRoots;
  }

  public Path outputDirectory() {
    return outputDirectory;
  }

  /** Where stamps and scratch files live; defaults to {@code <output>/.compile-state}. */
  public Path stateDirectory() {
    return stateDirectory;
  }

  public List<Path> includeDirectories() {
    return includeDirectories;
  }

  public List<Path> codePaths() {
    return codePaths;
  }

  public List<String> erlcOptions() {
    return erlcOptions;
  }

  public boolean elixirDocs() {
    return elixirDocs;
  }

  public boolean elixirDebugInfo() {
    return elixirDebugInfo;
  }

  public boolean ignoreModuleConflict() {
    return ignoreModuleConflict;
  }

  public boolean warningsAsErrors() {
    return warningsAsErrors;
  }

  public static final class Builder {
    private final List<Path> sourceRoots = new ArrayList<>();
    private final Path outputDirectory;
    private Path stateDirectory;
    private final List<Path> includeDirectories = new ArrayList<>();
    private final List<Path> codePaths = new ArrayList<>();
    private final List<String> erlcOptions = new ArrayList<>(DEFAULT_ERLC_OPTIONS);
    private boolean elixirDocs;
    private boolean elixirDebugInfo;
    private boolean ignoreModuleConflict;
    private boolean warningsAsErrors;

    private Builder(Path outputDirectory) {
      this.outputDirectory = Objects.requireNonNull(outputDirectory, "outputDirectory");
    }

    public Builder sourceRoot(Path... roots) {
      sourceRoots.addAll(List.of(roots));
      return this;
    }

    public Builder sourceRoots(List<Path> roots) {
      sourceRoots.addAll(roots);
      return this;
    }

    public Builder stateDirectory(Path directory) {
      this.stateDirectory = directory;
      return this;
    }

    /** erlc {@code -I}: where {@code -include} looks besides the source's own directory. */
    public Builder includeDirectories(List<Path> directories) {
      includeDirectories.addAll(directories);
      return this;
    }

    /** Directories of {@code .beam} files the sources need at compile time (macros, behaviours). */
    public Builder codePaths(List<Path> directories) {
      codePaths.addAll(directories);
      return this;
    }

    /** Replaces the erlc flags (default {@link #DEFAULT_ERLC_OPTIONS}). */
    public Builder erlcOptions(List<String> options) {
      erlcOptions.clear();
      erlcOptions.addAll(options);
      return this;
    }

    /** Keep Elixir docs chunks (default off: the packer drops them anyway). */
    public Builder elixirDocs(boolean docs) {
      this.elixirDocs = docs;
      return this;
    }

    /** Keep Elixir debug info (default off: the packer drops it anyway). */
    public Builder elixirDebugInfo(boolean debugInfo) {
      this.elixirDebugInfo = debugInfo;
      return this;
    }

    /** Allow redefining modules the compiler has loaded, as elixirc --ignore-module-conflict. */
    public Builder ignoreModuleConflict(boolean ignore) {
      this.ignoreModuleConflict = ignore;
      return this;
    }

    /** Fail the compile when there are warnings. */
    public Builder warningsAsErrors(boolean warningsAsErrors) {
      this.warningsAsErrors = warningsAsErrors;
      return this;
    }

    public CompileRequest build() {
      return new CompileRequest(this);
    }
  }
}
