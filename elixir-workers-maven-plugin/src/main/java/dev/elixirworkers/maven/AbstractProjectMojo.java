package dev.elixirworkers.maven;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.core.bundle.SizeBudget;
import dev.elixirworkers.core.compat.CompatibilityMode;
import dev.elixirworkers.core.vm.PrebuiltVm;
import dev.elixirworkers.core.vm.VmInput;
import dev.elixirworkers.core.vm.VmMode;
import dev.elixirworkers.core.vm.VmSelection;
import java.io.File;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.resolution.ArtifactRequest;
import org.eclipse.aether.resolution.ArtifactResolutionException;
import org.eclipse.aether.resolution.ArtifactResult;

/** The settings that describe a worker project, shared by the goals that build it. */
abstract class AbstractProjectMojo extends AbstractWorkerMojo {

  /** The module whose {@code start/0} the VM runs, e.g. {@code HelloWorker}. */
  @Parameter(property = "elixir-workers.startModule", required = true)
  private String startModule;

  /** The worker's Elixir sources. */
  @Parameter(defaultValue = "${project.basedir}/src/main/elixir")
  private File elixirSourceDirectory;

  /** The worker's Erlang sources, compiled before the Elixir ones. */
  @Parameter(defaultValue = "${project.basedir}/src/main/erlang")
  private File erlangSourceDirectory;

  @Parameter(defaultValue = "${project.build.directory}/worker", readonly = true)
  protected File workerDirectory;

  /** A local AtomVM source tree to build instead of downloading the pinned release. */
  @Parameter(property = "atomvm.source")
  private File atomvmSource;

  /**
   * Another upstream AtomVM release to download; needs {@code atomvmUrl} and {@code atomvmSha256}.
   */
  @Parameter(property = "atomvm.version")
  private String atomvmVersion;

  /** Where to download {@code atomvmVersion}: a {@code .tar.gz} with one top-level directory. */
  @Parameter(property = "atomvm.url")
  private String atomvmUrl;

  /** The SHA-256 the {@code atomvmUrl} archive must have (64 hex digits). */
  @Parameter(property = "atomvm.sha256")
  private String atomvmSha256;

  /**
   * What to do with calls from the project's (and the framework's) modules to functions AtomVM does
   * not have, such as {@code String.upcase/1}: {@code warn} (default), {@code error} (fail the
   * build) or {@code off}.
   */
  @Parameter(property = "elixir-workers.compatibility", defaultValue = "warn")
  private String compatibility;

  /**
   * Size budget of {@code atomvm.wasm}, raw (default 1536KiB). Every budget is bytes or a size such
   * as {@code 1MiB}, {@code 300KiB} or {@code 900KB}, or {@code off}; the build fails past any
   * budget and the size table shows them.
   */
  @Parameter(property = "elixir-workers.budget.wasm")
  private String sizeBudgetWasm;

  /** Size budget of {@code atomvm.wasm} (with a snapshot: VM and application), gzip (384KiB). */
  @Parameter(property = "elixir-workers.budget.wasm.gzip")
  private String sizeBudgetWasmGzip;

  /**
   * Size budget of {@code app.avm}, raw (default 1MiB). It ships only with {@code
   * <snapshot>false</snapshot>}: a snapshot's {@code atomvm.wasm} holds the application and falls
   * under the wasm budgets.
   */
  @Parameter(property = "elixir-workers.budget.avm")
  private String sizeBudgetAvm;

  /** Size budget of {@code app.avm} (shipped only without a snapshot), gzip (default 256KiB). */
  @Parameter(property = "elixir-workers.budget.avm.gzip")
  private String sizeBudgetAvmGzip;

  /** Size budget of the Worker's JavaScript modules together, raw (default 128KiB). */
  @Parameter(property = "elixir-workers.budget.js")
  private String sizeBudgetJs;

  /** Size budget of the Worker's JavaScript modules together, gzip (default 32KiB). */
  @Parameter(property = "elixir-workers.budget.js.gzip")
  private String sizeBudgetJsGzip;

  /** Size budget of every uploaded file together, raw (default 64MB, Cloudflare's limit). */
  @Parameter(property = "elixir-workers.budget.total")
  private String sizeBudgetTotal;

  /**
   * Size budget of every uploaded file together, gzip (default 3MB, Cloudflare's limit on the free
   * plan).
   */
  @Parameter(property = "elixir-workers.budget.total.gzip")
  private String sizeBudgetTotalGzip;

  protected SizeBudget sizeBudget() {
    SizeBudget d = SizeBudget.DEFAULT;
    return new SizeBudget(
        SizeBudget.parse(sizeBudgetWasm, d.wasmRaw(), "sizeBudgetWasm"),
        SizeBudget.parse(sizeBudgetWasmGzip, d.wasmGzip(), "sizeBudgetWasmGzip"),
        SizeBudget.parse(sizeBudgetAvm, d.avmRaw(), "sizeBudgetAvm"),
        SizeBudget.parse(sizeBudgetAvmGzip, d.avmGzip(), "sizeBudgetAvmGzip"),
        SizeBudget.parse(sizeBudgetJs, d.jsRaw(), "sizeBudgetJs"),
        SizeBudget.parse(sizeBudgetJsGzip, d.jsGzip(), "sizeBudgetJsGzip"),
        SizeBudget.parse(sizeBudgetTotal, d.totalRaw(), "sizeBudgetTotal"),
        SizeBudget.parse(sizeBudgetTotalGzip, d.totalGzip(), "sizeBudgetTotalGzip"));
  }

  /**
   * Where {@code atomvm.wasm} and AtomVM's standard library come from: {@code auto} (default) uses
   * the prebuilt VM artifact {@code dev.elixirworkers:prebuilt-vm:<plugin
   * version>:zip:atomvm-<pin>} from the Maven repositories for the default AtomVM pin, and builds
   * from source when it cannot be resolved, when {@code atomvmSource} is set or when the pin is
   * custom; {@code prebuilt} only uses the artifact (no C toolchain, CMake or AtomVM source
   * needed); {@code source} always builds from source.
   */
  @Parameter(property = "elixir-workers.vm", defaultValue = "auto")
  private String vm;

  /**
   * Look for the WASI C toolchain (wasi-sdk, or clang + wasm-ld + wasi-libc) only under this
   * directory, as if it were the file-system root ({@code opt/wasi-sdk}, {@code usr/bin}, {@code
   * usr/lib/llvm-N}, {@code usr/include/wasm32-wasi} ...), without consulting {@code PATH}. For a
   * toolchain installed under a prefix; {@code WASI_SDK_PATH} still wins.
   */
  @Parameter(property = "elixir-workers.toolchainRoot")
  private File toolchainRoot;

  @Parameter(defaultValue = "${plugin}", readonly = true)
  private PluginDescriptor plugin;

  @Component private RepositorySystem repositorySystem;

  /**
   * Pre-initialise the bundled {@code atomvm.wasm}: at package time the VM runs once inside the
   * build (wasmtime), reads {@code app.avm} and loads its modules, and its memory becomes the
   * shipped module, so requests skip that work; the bundle then has no {@code app.avm}. {@code
   * false} ships the plain VM and {@code app.avm}, which it reads on every request.
   */
  @Parameter(property = "elixir-workers.snapshot", defaultValue = "true")
  private boolean snapshot;

  protected CompatibilityMode compatibilityMode() {
    return CompatibilityMode.parse(compatibility, "<compatibility>");
  }

  /** The project with its VM chosen ({@link VmSelection}): for the goals that bundle. */
  protected WorkerProject workerProject() {
    WorkerProject base = baseProject();
    String coordinates = PrebuiltVm.coordinates(plugin.getVersion(), base.release());
    VmInput input =
        VmSelection.choose(
            VmMode.parse(vm, "<vm>"),
            base.release(),
            base.atomvmSource(),
            coordinates,
            () -> resolvePrebuilt(base));
    return base.withVm(input);
  }

  /** Asks Maven's repository system (plugin and project repositories) for the prebuilt VM. */
  private VmSelection.Lookup resolvePrebuilt(WorkerProject base) {
    DefaultArtifact artifact =
        new DefaultArtifact(
            PrebuiltVm.GROUP_ID,
            PrebuiltVm.ARTIFACT_ID,
            PrebuiltVm.classifier(base.release()),
            PrebuiltVm.EXTENSION,
            plugin.getVersion());
    List<RemoteRepository> repositories = new ArrayList<>();
    Set<String> ids = new LinkedHashSet<>();
    for (List<RemoteRepository> list :
        List.of(project.getRemotePluginRepositories(), project.getRemoteProjectRepositories())) {
      for (RemoteRepository repository : list) {
        if (ids.add(repository.getId())) {
          repositories.add(repository);
        }
      }
    }
    try {
      ArtifactResult result =
          repositorySystem.resolveArtifact(
              session.getRepositorySession(), new ArtifactRequest(artifact, repositories, null));
      return VmSelection.Lookup.found(result.getArtifact().getFile().toPath());
    } catch (ArtifactResolutionException e) {
      String message = String.valueOf(e.getMessage());
      int newline = message.indexOf('\n');
      return VmSelection.Lookup.missing(
          (newline > 0 ? message.substring(0, newline) : message)
              + (session.isOffline() ? " (Maven is offline)" : ""));
    }
  }

  /** The project without a VM choice (built from source if it came to that): for compile. */
  protected WorkerProject baseProject() {
    return new WorkerProject(
        project.getBasedir().toPath().toAbsolutePath(),
        elixirSourceDirectory.toPath(),
        erlangSourceDirectory.toPath(),
        work(),
        workerDirectory.toPath(),
        startModule,
        Optional.ofNullable(atomvmSource)
            .filter(file -> !file.getPath().isBlank())
            .map(File::toPath),
        release(),
        cacheRoot(),
        session.isOffline(),
        project.getArtifactId(),
        VmInput.SOURCE,
        Optional.ofNullable(toolchainRoot).map(f -> f.toPath().toAbsolutePath()),
        snapshot);
  }

  private AtomVmRelease release() {
    if (atomvmVersion == null && atomvmUrl == null && atomvmSha256 == null) {
      return AtomVmRelease.DEFAULT;
    }
    if (atomvmVersion == null || atomvmUrl == null || atomvmSha256 == null) {
      throw new BuildException(
          "<atomvmVersion>, <atomvmUrl> and <atomvmSha256> go together (got version="
              + atomvmVersion
              + ", url="
              + atomvmUrl
              + ", sha256="
              + atomvmSha256
              + ") — set all three, or none to use "
              + AtomVmRelease.DEFAULT.version());
    }
    if (!atomvmSha256.matches("[0-9a-fA-F]{64}")) {
      throw new BuildException(
          "<atomvmSha256> must be 64 hex digits, got '"
              + atomvmSha256
              + "' — use the output of `sha256sum` on the release archive");
    }
    return new AtomVmRelease(atomvmVersion, URI.create(atomvmUrl), atomvmSha256);
  }
}
