package dev.elixirworkers.core.avm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What to pack: an immutable description built with {@link #builder(String)}.
 *
 * <p>Inputs are searched in order and the first definition of a module wins, so list the project's
 * own output first, then the framework, then the AtomVM standard library. An input is a directory
 * (its {@code *.beam} files, not recursive), a {@code .beam} file, or an {@code .avm} archive.
 */
public final class PackRequest {
  /**
   * Never packed unless named in {@code extraModules}: when AtomVM finds a module called {@code
   * init} it boots through {@code init:boot/1} (OTP mode) instead of calling {@code start/0}.
   */
  public static final Set<String> DEFAULT_EXCLUDED_MODULES = Set.of("init");

  private final String startModule;
  private final List<Path> inputs;
  private final Path output;
  private final Set<String> extraModules;
  private final Set<String> excludedModules;
  private final boolean treeShake;
  private final boolean keepLineTables;
  private final boolean requireStartFunction;
  private final Set<String> nativeFunctions;

  private PackRequest(Builder b) {
    this.startModule = b.startModule;
    this.inputs = List.copyOf(b.inputs);
    this.output = b.output;
    this.extraModules = Collections.unmodifiableSet(new TreeSet<>(b.extraModules));
    this.excludedModules = Collections.unmodifiableSet(new TreeSet<>(b.excludedModules));
    this.treeShake = b.treeShake;
    this.keepLineTables = b.keepLineTables;
    this.requireStartFunction = b.requireStartFunction;
    this.nativeFunctions = Set.copyOf(b.nativeFunctions);
  }

  /**
   * @param startModule the module AtomVM starts, as its BEAM name ({@code Elixir.HelloWorker}); an
   *     Elixir alias without the prefix ({@code HelloWorker}) is accepted too
   */
  public static Builder builder(String startModule) {
    return new Builder(startModule);
  }

  public String startModule() {
    return startModule;
  }

  public List<Path> inputs() {
    return inputs;
  }

  /** Where to write the archive; null to only return its bytes. */
  public Path output() {
    return output;
  }

  public Set<String> extraModules() {
    return extraModules;
  }

  public Set<String> excludedModules() {
    return excludedModules;
  }

  public boolean treeShake() {
    return treeShake;
  }

  public boolean keepLineTables() {
    return keepLineTables;
  }

  public boolean requireStartFunction() {
    return requireStartFunction;
  }

  /** Functions the VM implements itself, as {@code module:function/arity}. */
  public Set<String> nativeFunctions() {
    return nativeFunctions;
  }

  public static final class Builder {
    private final String startModule;
    private final List<Path> inputs = new ArrayList<>();
    private Path output;
    private final Set<String> extraModules = new TreeSet<>();
    private final Set<String> excludedModules = new TreeSet<>(DEFAULT_EXCLUDED_MODULES);
    private boolean treeShake = true;
    private boolean keepLineTables;
    private boolean requireStartFunction = true;
    private final Set<String> nativeFunctions = new TreeSet<>();

    private Builder(String startModule) {
      Objects.requireNonNull(startModule, "startModule");
      if (startModule.isBlank()) {
        throw new IllegalArgumentException("startModule is blank");
      }
      this.startModule = startModule.trim();
    }

    /** Adds inputs, lowest index = highest priority. */
    public Builder input(Path... paths) {
      inputs.addAll(List.of(paths));
      return this;
    }

    public Builder inputs(List<Path> paths) {
      inputs.addAll(paths);
      return this;
    }

    public Builder output(Path output) {
      this.output = output;
      return this;
    }

    /**
     * Modules to pack even though nothing references them statically (reached through {@code
     * apply/3} with a computed name, say). Each must exist in the inputs.
     */
    public Builder extraModules(Iterable<String> modules) {
      modules.forEach(extraModules::add);
      return this;
    }

    /** Replaces the modules never to pack (default {@link #DEFAULT_EXCLUDED_MODULES}). */
    public Builder excludedModules(Iterable<String> modules) {
      excludedModules.clear();
      modules.forEach(excludedModules::add);
      return this;
    }

    /** {@code false} packs every module of every input (default {@code true}). */
    public Builder treeShake(boolean treeShake) {
      this.treeShake = treeShake;
      return this;
    }

    /** Keep {@code Line} chunks so stack traces show line numbers (default {@code false}). */
    public Builder keepLineTables(boolean keep) {
      this.keepLineTables = keep;
      return this;
    }

    /** Fail when the start module does not export {@code start/0} (default {@code true}). */
    public Builder requireStartFunction(boolean require) {
      this.requireStartFunction = require;
      return this;
    }

    /**
     * Functions the VM implements in C ({@code module:function/arity}: AtomVM's BIFs and NIFs). A
     * call to one of them does not pull its module into the archive: AtomVM resolves such a call
     * before it looks for a module, so {@code erlang:atom_to_binary/2} needs no {@code erlang.beam}
     * (which would bring {@code gen_server} and more with it).
     */
    public Builder nativeFunctions(Set<String> functions) {
      nativeFunctions.addAll(functions);
      return this;
    }

    public PackRequest build() {
      if (inputs.isEmpty()) {
        throw new IllegalArgumentException("no inputs to pack");
      }
      return new PackRequest(this);
    }
  }
}
