package dev.elixirworkers.build;

import dev.elixirworkers.build.atomvm.AtomVmSource;
import dev.elixirworkers.build.atomvm.AtomVmSourceResolver;
import dev.elixirworkers.build.bundle.SizeReport;
import dev.elixirworkers.build.bundle.WorkerAssembler;
import dev.elixirworkers.build.bundle.WranglerConfig;
import dev.elixirworkers.build.compile.AtomVmStdlib;
import dev.elixirworkers.build.compile.BeamCompiler;
import dev.elixirworkers.build.compile.CompileRequest;
import dev.elixirworkers.build.compile.CompileResult;
import dev.elixirworkers.build.compile.StdlibResult;
import dev.elixirworkers.build.compile.Toolchain;
import dev.elixirworkers.build.pack.AvmPacker;
import dev.elixirworkers.build.pack.PackRequest;
import dev.elixirworkers.build.pack.PackResult;
import dev.elixirworkers.build.vm.AdapterSources;
import dev.elixirworkers.build.vm.VmBuilder;
import dev.elixirworkers.build.vm.VmToolchain;
import dev.elixirworkers.wasi.toolchain.WasiToolchain;
import dev.elixirworkers.wasi.toolchain.WasiToolchainException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The build of one worker, in two steps the lifecycle runs at different phases: {@link #compile}
 * (fast, no AtomVM needed) and {@link #bundle} (AtomVM source, VM, standard library, pack,
 * assemble).
 */
public final class WorkerBuild {
  private final WorkerProject project;
  private final BuildLog log;
  private final Toolchain beamToolchain;

  public WorkerBuild(WorkerProject project, BuildLog log) {
    this.project = project;
    this.log = log;
    this.beamToolchain = Toolchain.fromEnvironment();
  }

  /** Compiles the runtime library, then the project's Erlang and Elixir sources against it. */
  public CompileResult compile() {
    Path adapter = AdapterSources.extractTo(project.adapterDirectory());
    BeamCompiler compiler = new BeamCompiler(beamToolchain, log);
    compiler.compile(
        CompileRequest.builder(project.runtimeBeams()).sourceRoot(adapter.resolve("lib")).build(),
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

  /** What {@link #bundle} made. */
  public record Bundle(Path wasm, Path avm, PackResult pack, SizeReport sizes) {}

  /** Builds (or reuses) the VM and the standard library, packs app.avm, assembles the worker. */
  public Bundle bundle() {
    AtomVmSource source =
        new AtomVmSourceResolver(project.cacheRoot(), log)
            .resolve(project.atomvmSource(), project.release(), project.offline());
    Path adapter = AdapterSources.extractTo(project.adapterDirectory());
    Path wasm =
        new VmBuilder(project.cacheRoot(), project.workDirectory(), log)
            .build(source, adapter, vmToolchain());
    StdlibResult stdlib = new AtomVmStdlib(beamToolchain, log).build(source, project.cacheRoot());
    PackResult pack =
        AvmPacker.pack(
            PackRequest.builder(project.startModule())
                .inputs(List.of(project.appBeams(), project.runtimeBeams(), stdlib.directory()))
                .output(project.appArchive())
                .build());
    log.info(
        "Packed "
            + pack.modules().size()
            + " modules into "
            + relative(project.appArchive())
            + " ("
            + pack.archiveSize()
            + " bytes)");
    pack.describe().forEach(log::debug);
    WranglerConfig wrangler =
        WranglerConfig.forProject(
            project.baseDirectory(), project.workerName(), project.workerDirectory());
    SizeReport sizes =
        WorkerAssembler.assemble(wasm, project.appArchive(), project.workerDirectory(), wrangler);
    log.info(
        wrangler
            .source()
            .map(s -> "wrangler.jsonc made from " + relative(s))
            .orElse("wrangler.jsonc made with defaults (the project has no wrangler.jsonc)"));
    log.info("Worker assembled in " + relative(project.workerDirectory()) + ":");
    sizes.lines().forEach(line -> log.info("  " + line));
    return new Bundle(
        project.workerDirectory().resolve(WorkerAssembler.WASM),
        project.workerDirectory().resolve(WorkerAssembler.AVM),
        pack,
        sizes);
  }

  private VmToolchain vmToolchain() {
    WasiToolchain toolchain;
    try {
      toolchain = WasiToolchain.discover(project.cacheRoot().resolve("toolchain"));
    } catch (WasiToolchainException e) {
      throw new BuildException(e.getMessage(), e);
    }
    log.debug("WASI toolchain: " + toolchain);
    return new VmToolchain(
        toolchain.clang(), toolchain.sysroot(), toolchain.wasmOpt(), toolchain.version());
  }

  private void warn(dev.elixirworkers.build.compile.Diagnostic warning) {
    log.warn(warning.toString());
  }

  private String relative(Path path) {
    Path absolute = path.toAbsolutePath().normalize();
    return absolute.startsWith(project.baseDirectory())
        ? project.baseDirectory().relativize(absolute).toString()
        : absolute.toString();
  }
}
