package dev.elixirworkers.maven;

import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.core.vm.PrebuiltVm;
import dev.elixirworkers.core.vm.VmInput;
import dev.elixirworkers.core.vm.VmMode;
import dev.elixirworkers.core.vm.VmSelection;
import java.io.File;
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

/**
 * Where the VM comes from and what ships: for the goals that bundle the worker (bundle, deploy, and
 * run and start, whose live reload bundles).
 */
abstract class AbstractVmMojo extends AbstractProjectMojo {

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

  /**
   * Run the worker on the standard library of the Elixir that compiles it (Enum, String, URI,
   * DateTime… as that Elixir has them, and OTP's stdlib for what they call), packed from the
   * installation and tree-shaken. {@code false} packs AtomVM's partial exavmlib instead (smaller,
   * but without String, Stream, URI, Float, Regex or the calendar modules).
   */
  @Parameter(property = "elixir-workers.elixirStdlib", defaultValue = "true")
  private boolean elixirStdlib;

  /** The project with its VM chosen ({@link VmSelection}). */
  protected WorkerProject workerProject() {
    WorkerProject base =
        baseProject().toBuilder()
            .toolchainRoot(Optional.ofNullable(toolchainRoot).map(f -> f.toPath().toAbsolutePath()))
            .snapshot(snapshot)
            .elixirStdlib(elixirStdlib)
            .build();
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
}
