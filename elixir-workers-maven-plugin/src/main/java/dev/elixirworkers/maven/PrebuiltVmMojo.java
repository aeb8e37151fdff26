package dev.elixirworkers.maven;

import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.core.vm.PrebuiltVm;
import dev.elixirworkers.core.vm.PrebuiltVmBuild;
import java.io.File;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProjectHelper;

/**
 * Builds the prebuilt VM of the default AtomVM pin — {@code atomvm.wasm}, AtomVM's compiled
 * standard library and its table of native functions — and attaches it to the project as {@code
 * <artifactId>-<version>-atomvm-<pin>.zip}, so that deploying the project publishes it. Worker
 * builds with {@code <vm>auto</vm>} or {@code prebuilt} resolve it as {@code
 * dev.elixirworkers:prebuilt-vm:<plugin version>:zip:atomvm-<pin>} instead of building AtomVM.
 *
 * <p>This project's release build runs it in the {@code prebuilt-vm} module. It needs an AtomVM
 * source: {@code atomvmSource} (a checkout of the pinned version) or {@code download}. Without
 * either it skips and says so, which keeps an offline build without AtomVM green.
 */
@Mojo(name = "prebuilt-vm", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class PrebuiltVmMojo extends AbstractBuildMojo {

  /**
   * A local checkout of the pinned AtomVM version to build from. (A string: an empty {@code
   * -Datomvm.source=} means none, where a File parameter would turn it into the base directory.)
   */
  @Parameter(property = "atomvm.source")
  private String atomvmSource;

  /** Download the pinned AtomVM release when no {@code atomvmSource} is given. */
  @Parameter(property = "elixir-workers.prebuiltVm.download", defaultValue = "false")
  private boolean download;

  /** See the {@code toolchainRoot} of the worker goals. */
  @Parameter(property = "elixir-workers.toolchainRoot")
  private File toolchainRoot;

  @Parameter(
      defaultValue = "${project.build.directory}/${project.artifactId}-${project.version}",
      readonly = true)
  private String archiveBase;

  @Component private MavenProjectHelper projectHelper;

  @Override
  protected String goal() {
    return "prebuilt-vm";
  }

  @Override
  protected void run() {
    AtomVmRelease release = AtomVmRelease.DEFAULT;
    String classifier = PrebuiltVm.classifier(release);
    Path archive = Path.of(archiveBase + "-" + classifier + "." + PrebuiltVm.EXTENSION);
    Optional<Path> source =
        Optional.ofNullable(atomvmSource)
            .filter(path -> !path.isBlank())
            .map(path -> project.getBasedir().toPath().resolve(path).toAbsolutePath().normalize());
    new PrebuiltVmBuild(
            cacheRoot(),
            work(),
            Optional.ofNullable(toolchainRoot).map(f -> f.toPath().toAbsolutePath()),
            buildLog())
        .buildUnlessSkipped(source, download, session.isOffline(), release, archive)
        .ifPresentOrElse(
            this::skip,
            () ->
                projectHelper.attachArtifact(
                    project, PrebuiltVm.EXTENSION, classifier, archive.toFile()));
  }
}
