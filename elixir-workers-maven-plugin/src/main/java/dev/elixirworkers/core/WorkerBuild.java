package dev.elixirworkers.core;

import dev.elixirworkers.core.atomvm.AtomVmSource;
import dev.elixirworkers.core.atomvm.AtomVmSourceResolver;
import dev.elixirworkers.core.avm.AvmPacker;
import dev.elixirworkers.core.avm.PackRequest;
import dev.elixirworkers.core.avm.PackResult;
import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.bundle.SizeBudget;
import dev.elixirworkers.core.bundle.SizeReport;
import dev.elixirworkers.core.bundle.WorkerAssembler;
import dev.elixirworkers.core.bundle.WranglerConfig;
import dev.elixirworkers.core.compat.AtomVmNatives;
import dev.elixirworkers.core.compat.CompatibilityChecker;
import dev.elixirworkers.core.compat.CompatibilityException;
import dev.elixirworkers.core.compat.CompatibilityMode;
import dev.elixirworkers.core.compiler.AtomVmStdlib;
import dev.elixirworkers.core.compiler.BeamCompiler;
import dev.elixirworkers.core.compiler.CaseMappingData;
import dev.elixirworkers.core.compiler.CompileRequest;
import dev.elixirworkers.core.compiler.CompileResult;
import dev.elixirworkers.core.compiler.ElixirInstallation;
import dev.elixirworkers.core.compiler.ElixirStdlib;
import dev.elixirworkers.core.compiler.ProtocolConsolidation;
import dev.elixirworkers.core.compiler.StdlibResult;
import dev.elixirworkers.core.compiler.SupportedToolchains;
import dev.elixirworkers.core.snapshot.VmSnapshots;
import dev.elixirworkers.core.vm.AdapterSources;
import dev.elixirworkers.core.vm.PrebuiltVm;
import dev.elixirworkers.core.vm.VmBuilder;
import dev.elixirworkers.core.vm.VmCompiler;
import dev.elixirworkers.core.vm.VmInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The build of one worker, in two steps the lifecycle runs at different phases: {@link #compile}
 * (fast, no AtomVM needed) and {@link #bundle} (AtomVM source, VM, standard library, pack,
 * assemble).
 */
public final class WorkerBuild {
  private final WorkerProject project;
  private final BuildLog log;
  private final ElixirInstallation elixir;
  private final CompatibilityMode compatibility;
  private final SizeBudget sizeBudget;

  public WorkerBuild(WorkerProject project, BuildLog log) {
    this(project, log, CompatibilityMode.WARN);
  }

  public WorkerBuild(WorkerProject project, BuildLog log, CompatibilityMode compatibility) {
    this(project, log, compatibility, SizeBudget.DEFAULT);
  }

  /**
   * @param compatibility what {@link #bundle} does with calls AtomVM cannot run
   * @param sizeBudget the sizes {@link #bundle} fails past
   */
  public WorkerBuild(
      WorkerProject project, BuildLog log, CompatibilityMode compatibility, SizeBudget sizeBudget) {
    this.project = project;
    this.log = log;
    this.elixir = ElixirInstallation.fromEnvironment();
    this.compatibility = compatibility;
    this.sizeBudget = sizeBudget;
  }

  /**
   * Compiles the runtime library and the stand-ins, then the project's Erlang and Elixir sources
   * against the runtime library.
   */
  public CompileResult compile() {
    SupportedToolchains.check(elixir);
    Path adapter = AdapterSources.extractTo(project.adapterDirectory());
    BeamCompiler compiler = new BeamCompiler(elixir, log);
    compiler.compile(
        CompileRequest.builder(project.runtimeBeams()).sourceRoot(adapter.resolve("lib")).build(),
        this::warn);
    compiler.compile(
        CompileRequest.builder(project.standInBeams())
            .sourceRoot(adapter.resolve("stand-ins"))
            .build(),
        this::warn);
    List<Path> roots = new ArrayList<>();
    for (Path root : List.of(project.erlangSources(), project.elixirSources())) {
      if (Files.isDirectory(root)) {
        roots.add(root);
      }
    }
    if (roots.isEmpty()) {
      throw new BuildException(
          "No worker sources: neither "
              + relative(project.elixirSources())
              + " nor "
              + relative(project.erlangSources())
              + " exists — put the worker's Elixir modules in "
              + relative(project.elixirSources()));
    }
    CompileResult result =
        compiler.compile(
            CompileRequest.builder(project.appBeams())
                .sourceRoots(roots)
                .codePaths(List.of(project.runtimeBeams()))
                .build(),
            this::warn);
    log.info(
        result.upToDate()
            ? "Elixir sources unchanged — nothing to compile"
            : "Compiled "
                + result.modules().size()
                + " module(s) to "
                + relative(project.appBeams()));
    return result;
  }

  /**
   * What {@link #bundle} made.
   *
   * @param wasm the worker directory's atomvm.wasm
   * @param avm the packed app.avm in the work directory; the worker directory has a copy unless
   *     {@code snapshot}
   * @param snapshot whether atomvm.wasm is a snapshot that holds app.avm
   */
  public record Bundle(
      Path wasm,
      Path avm,
      boolean snapshot,
      PackResult pack,
      SizeReport sizes,
      CompatibilityChecker.Report compatibility) {}

  /** Builds (or reuses) the VM and the standard library, packs app.avm, assembles the worker. */
  public Bundle bundle() {
    Path adapter = AdapterSources.extractTo(project.adapterDirectory());
    VmParts vm = vm(adapter);
    Path wasm = vm.wasm();
    AtomVmNatives natives = vm.natives();
    List<Path> inputs = packInputs(vm.stdlib(), adapter);
    if (project.elixirStdlib()) {
      inputs = withConsolidatedProtocols(inputs, natives);
    }
    PackResult pack =
        AvmPacker.pack(packRequest(inputs, natives).output(project.appArchive()).build());
    log.info(
        "Packed "
            + pack.modules().size()
            + " modules into "
            + relative(project.appArchive())
            + " ("
            + pack.archiveSize()
            + " bytes)"
            + (project.elixirStdlib()
                ? " with the standard library of Elixir "
                    + elixir.elixirVersion()
                    + " ("
                    + elixir.libraryDirectories().elixir()
                    + ")"
                : ""));
    pack.describe().forEach(log::debug);
    CompatibilityChecker.Report compat = checkCompatibility(natives, inputs, pack);
    WranglerConfig wrangler =
        WranglerConfig.forProject(
            project.baseDirectory(), project.workerName(), project.workerDirectory());
    Path shipped = wasm;
    if (project.snapshot()) {
      shipped =
          new VmSnapshots(project.snapshotDirectory(), log).snapshot(wasm, project.appArchive());
    } else {
      log.info("Snapshot off (<snapshot>false</snapshot>): shipping the plain atomvm.wasm");
    }
    // a snapshot holds app.avm in its memory: the bundle does not ship it again
    SizeReport sizes =
        WorkerAssembler.assemble(
            shipped,
            project.snapshot() ? Optional.empty() : Optional.of(project.appArchive()),
            project.workerDirectory(),
            wrangler);
    log.info(
        wrangler
            .source()
            .map(s -> "wrangler.jsonc made from " + relative(s))
            .orElse("wrangler.jsonc made with defaults (the project has no wrangler.jsonc)"));
    log.info("Worker assembled in " + relative(project.workerDirectory()) + ":");
    sizes.lines(sizeBudget).forEach(line -> log.info("  " + line));
    sizeBudget.enforce(sizes);
    return new Bundle(
        project.workerDirectory().resolve(WorkerAssembler.WASM),
        project.appArchive(),
        project.snapshot(),
        pack,
        sizes,
        compat);
  }

  /**
   * Reports every call from the packed project, framework and stand-in modules to a function AtomVM
   * does not have: its BIFs and NIFs (read from the AtomVM source), the platform's NIFs, and the
   * exports of the modules that can be packed.
   */
  private CompatibilityChecker.Report checkCompatibility(
      AtomVmNatives natives, List<Path> inputs, PackResult pack) {
    if (compatibility == CompatibilityMode.OFF) {
      log.info("Compatibility check skipped: <compatibility> is off");
      return new CompatibilityChecker.Report(List.of(), 0, 0);
    }
    List<Path> ours = List.of(project.appBeams(), project.runtimeBeams(), project.standInBeams());
    List<BeamFile> modules = new ArrayList<>();
    for (PackResult.PackedModule packed : pack.modules()) {
      Path file = Path.of(packed.source()).toAbsolutePath().normalize();
      if (ours.stream().anyMatch(dir -> file.startsWith(dir.toAbsolutePath().normalize()))) {
        modules.add(BeamFile.read(file));
      }
    }
    CompatibilityChecker checker = CompatibilityChecker.forInputs(natives, inputs);
    CompatibilityChecker.Report report = checker.check(modules);
    List<CompatibilityChecker.Finding> findings =
        report.findings().stream().map(this::withRelativeFile).toList();
    Map<String, BeamFile> byName = new TreeMap<>();
    modules.forEach(beam -> byName.put(beam.module(), beam));
    List<CompatibilityChecker.Finding> deep =
        checker.reachedThroughLibraries(pack.unsatisfiedCalls(), byName).stream()
            .map(this::withRelativeFile)
            .sorted(
                Comparator.comparing(CompatibilityChecker.Finding::file)
                    .thenComparingInt(CompatibilityChecker.Finding::line)
                    .thenComparing(f -> f.call().key()))
            .toList();
    reportLibraryCalls(deep, isFrom(project.appBeams()));
    List<CompatibilityChecker.Finding> all =
        Stream.concat(findings.stream(), deep.stream()).toList();
    if (findings.isEmpty()) {
      log.info(
          "Compatibility check: "
              + report.callsChecked()
              + " calls in "
              + report.modulesChecked()
              + " modules, all available on AtomVM");
      return new CompatibilityChecker.Report(all, report.modulesChecked(), report.callsChecked());
    }
    String summary =
        findings.size()
            + " call(s) to functions AtomVM does not have; each fails with undef when it runs"
            + (project.elixirStdlib()
                ? " (they are in none of the modules that can be packed — the project's, Elixir's"
                    + " and OTP's standard libraries — nor among AtomVM's natives)"
                : " (AtomVM's standard library is smaller than Elixir's: it has no String module"
                    + " and only part of Enum; <elixirStdlib>true</elixirStdlib> packs Elixir's"
                    + " own)");
    if (compatibility == CompatibilityMode.ERROR) {
      throw new CompatibilityException(
          summary
              + ":\n  "
              + String.join("\n  ", findings.stream().map(f -> f.message()).toList())
              + "\nRemove these calls, or set <compatibility>warn</compatibility>"
              + " (-Delixir-workers.compatibility=warn) to build anyway.",
          findings);
    }
    findings.forEach(f -> log.warn(f.message()));
    log.warn(
        summary
            + ". Set <compatibility>error</compatibility> (-Delixir-workers.compatibility=error)"
            + " to fail the build on them.");
    return new CompatibilityChecker.Report(all, report.modulesChecked(), report.callsChecked());
  }

  /**
   * Calls the libraries make that AtomVM cannot run, on paths the project's or the framework's code
   * reaches. They fail only when that path runs (often an error path: a warning, a message), so
   * they never fail the build; the project's are warnings, the framework's are listed with -X.
   */
  private void reportLibraryCalls(
      List<CompatibilityChecker.Finding> deep, Predicate<String> isProjectModule) {
    List<CompatibilityChecker.Finding> projects =
        deep.stream().filter(f -> isProjectModule.test(f.caller())).toList();
    long framework = deep.size() - projects.size();
    projects.forEach(f -> log.warn(f.message()));
    if (!projects.isEmpty()) {
      log.warn(
          projects.size()
              + " call(s) inside the standard library, on paths the project's code reaches, to"
              + " functions AtomVM does not have: each fails with undef if that path runs (the"
              + " build goes on under any <compatibility>)");
    }
    if (framework > 0) {
      deep.stream()
          .filter(f -> !isProjectModule.test(f.caller()))
          .forEach(f -> log.debug(f.message()));
      log.info(
          framework
              + " call(s) inside the standard library, on paths the framework reaches (mostly"
              + " error formatting), to functions AtomVM does not have; -X lists them");
    }
  }

  /** Whether a module's BEAM file is in {@code directory}. */
  private static Predicate<String> isFrom(Path directory) {
    return module -> Files.isRegularFile(directory.resolve(module + ".beam"));
  }

  private CompatibilityChecker.Finding withRelativeFile(CompatibilityChecker.Finding f) {
    return isSourceFile(f.file()) ? f.withFile(relative(Path.of(f.file()))) : f;
  }

  /**
   * Where modules are packed from, first definition winning: the project, the framework, the
   * stand-ins, then AtomVM's standard library, or with {@code <elixirStdlib>} the installation's
   * ({@link ElixirStdlib#packInputs}) and its case mapping tables ({@link CaseMappingData}).
   */
  private List<Path> packInputs(Path atomvmStdlib, Path adapter) {
    List<Path> inputs = new ArrayList<>(ownInputs());
    if (project.elixirStdlib()) {
      // the tables of stand-ins/elixir_workers_case.erl, which replaces String.Unicode
      inputs.add(CaseMappingData.build(elixir, adapter, project.cacheRoot(), log));
      inputs.addAll(ElixirStdlib.of(elixir).packInputs(atomvmStdlib));
    } else {
      inputs.add(atomvmStdlib);
    }
    return inputs;
  }

  private PackRequest.Builder packRequest(List<Path> inputs, AtomVmNatives natives) {
    return PackRequest.builder(project.startModule())
        .inputs(inputs)
        .excludedModules(excludedModules())
        .nativeFunctions(natives.keys());
  }

  /**
   * {@code inputs} behind the protocols they define, consolidated over the implementations a first
   * pack reached ({@link ProtocolConsolidation}); the second pack then reaches only those.
   */
  private List<Path> withConsolidatedProtocols(List<Path> inputs, AtomVmNatives natives) {
    PackResult probe = AvmPacker.pack(packRequest(inputs, natives).build());
    Map<String, List<String>> types = new TreeMap<>();
    Map<String, BeamFile> packed =
        new TreeMap<>(); // sorted: the consolidated code is the same every build
    for (PackResult.PackedModule module : probe.modules()) {
      if (!module.source().contains("!")) {
        packed.put(module.module(), BeamFile.read(Path.of(module.source())));
      }
    }
    packed.forEach(
        (name, beam) -> {
          if (beam.exports("__protocol__", 1)) {
            types.put(name, new ArrayList<>());
          }
        });
    packed.forEach(
        (name, beam) -> {
          for (String protocol : types.keySet()) {
            if (name.startsWith(protocol + ".") && beam.exports("__impl__", 1)) {
              types.get(protocol).add("Elixir." + name.substring(protocol.length() + 1));
            }
          }
        });
    if (types.isEmpty()) {
      return inputs;
    }
    Path consolidated = project.workDirectory().resolve("consolidated");
    boolean written = ProtocolConsolidation.consolidate(elixir, types, inputs, consolidated);
    log.info(
        (written ? "Consolidated " : "Consolidated protocols unchanged since the last build: ")
            + types.size()
            + " protocol(s): "
            + String.join(", ", types.keySet()));
    List<Path> result = new ArrayList<>();
    result.add(consolidated);
    result.addAll(inputs);
    return result;
  }

  /** The packer's default exclusions, and Elixir's compiler ({@link ElixirStdlib}). */
  private Set<String> excludedModules() {
    Set<String> excluded = new TreeSet<>(PackRequest.DEFAULT_EXCLUDED_MODULES);
    if (project.elixirStdlib()) {
      excluded.addAll(ElixirStdlib.of(elixir).compilerModules(ownInputs()));
    }
    return excluded;
  }

  private List<Path> ownInputs() {
    return List.of(project.appBeams(), project.runtimeBeams(), project.standInBeams());
  }

  /** The VM, the standard library's BEAMs and AtomVM's natives, from wherever they come. */
  record VmParts(Path wasm, Path stdlib, AtomVmNatives natives) {}

  private VmParts vm(Path adapter) {
    if (project.vm() instanceof VmInput.Prebuilt prebuilt) {
      try {
        return prebuilt(prebuilt, adapter);
      } catch (BuildException e) {
        if (prebuilt.required()) {
          throw e;
        }
        log.warn("Not using the prebuilt VM: " + e.getMessage());
        return fromSource(adapter, "the prebuilt VM " + prebuilt.coordinates() + " is unusable");
      }
    }
    return fromSource(adapter, ((VmInput.FromSource) project.vm()).whyNotPrebuilt());
  }

  private VmParts prebuilt(VmInput.Prebuilt input, Path adapter) {
    PrebuiltVm.Unpacked vm = PrebuiltVm.unpack(input.archive(), project.cacheRoot(), log);
    String adapterDigest = AdapterSources.vmDigest(adapter);
    if (!adapterDigest.equals(vm.adapterDigest())) {
      throw new BuildException(
          "The prebuilt VM "
              + input.coordinates()
              + " was built from other atomvm-wasi C sources than this plugin's (adapter digest "
              + abbreviate(vm.adapterDigest())
              + ", the plugin's "
              + abbreviate(adapterDigest)
              + ") — use the prebuilt-vm artifact of the plugin's own version, or build from source"
              + " with -Delixir-workers.vm=source");
    }
    log.info(
        "Using the prebuilt VM "
            + input.coordinates()
            + " (AtomVM "
            + vm.atomvmVersion()
            + "): no AtomVM source, C toolchain or VM build needed");
    return new VmParts(vm.wasm(), vm.stdlib(), AtomVmNatives.withPlatform(vm.natives(), adapter));
  }

  private VmParts fromSource(Path adapter, String whyNotPrebuilt) {
    if (!whyNotPrebuilt.isBlank()) {
      log.info("Building the VM from source: " + whyNotPrebuilt);
    }
    VmCompiler compiler;
    AtomVmSource source;
    try {
      // the toolchain first: a missing one fails at once, not after a download
      compiler = VmCompiler.discover(project.cacheRoot(), project.toolchainRoot());
      log.debug("WASI C compiler: " + compiler);
      source =
          new AtomVmSourceResolver(project.cacheRoot(), log)
              .resolve(project.atomvmSource(), project.release(), project.offline());
    } catch (BuildException e) {
      if (whyNotPrebuilt.isBlank()) {
        throw e;
      }
      throw new BuildException(
          e.getMessage() + "\n(Not using a prebuilt VM: " + whyNotPrebuilt + ")", e);
    }
    Path wasm =
        new VmBuilder(project.cacheRoot(), project.workDirectory(), log)
            .build(source, adapter, compiler);
    StdlibResult stdlib = new AtomVmStdlib(elixir, log).build(source, project.cacheRoot());
    return new VmParts(wasm, stdlib.directory(), AtomVmNatives.read(source.directory(), adapter));
  }

  private static String abbreviate(String digest) {
    return digest.isEmpty() ? "none" : digest.substring(0, Math.min(12, digest.length()));
  }

  private void warn(dev.elixirworkers.core.compiler.Diagnostic warning) {
    log.warn(warning.toString());
  }

  /** A compiler's source path (absolute, or relative to this process's directory). */
  private static boolean isSourceFile(String file) {
    return file.endsWith(".ex") || file.endsWith(".exs") || file.endsWith(".erl");
  }

  private String relative(Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    return absolute.startsWith(project.baseDirectory())
        ? project.baseDirectory().relativize(absolute).toString()
        : absolute.toString();
  }
}
