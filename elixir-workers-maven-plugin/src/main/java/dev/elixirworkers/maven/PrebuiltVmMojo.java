package dev.elixirworkers.maven;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.core.vm.PrebuiltVm;
import dev.elixirworkers.core.vm.PrebuiltVmBuild;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
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
public class PrebuiltVmMojo extends AbstractWorkerMojo {

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
    if (source.isEmpty() && !download) {
      skipped(
          archive,
          "no AtomVM source: pass -Datomvm.source=<checkout of AtomVM "
              + release.version()
              + "> or build with -Prelease (downloads the pinned release)");
      return;
    }
    if (source.isEmpty() && session.isOffline()) {
      skipped(
          archive,
          "Maven is offline and no -Datomvm.source=<checkout of AtomVM "
              + release.version()
              + "> is given");
      return;
    }
    Optional<String> mismatch = source.flatMap(dir -> PrebuiltVmBuild.mismatch(dir, release));
    if (mismatch.isPresent()) {
      skipped(archive, mismatch.get());
      return;
    }
    new PrebuiltVmBuild(
            cacheRoot(),
            work(),
            Optional.ofNullable(toolchainRoot).map(f -> f.toPath().toAbsolutePath()),
            buildLog())
        .build(source, release, session.isOffline(), archive);
    projectHelper.attachArtifact(project, PrebuiltVm.EXTENSION, classifier, archive.toFile());
  }

  /** Logs why, and deletes an archive left by an earlier build so nothing stale is used. */
  private void skipped(Path archive, String reason) {
    getLog().info("SKIPPED prebuilt-vm: " + reason + " — no prebuilt VM is attached");
    try {
      if (Files.deleteIfExists(archive)) {
        getLog().info("Deleted " + archive + " of an earlier build");
      }
    } catch (IOException e) {
      throw new BuildException("Cannot delete the stale " + archive + ": " + e.getMessage(), e);
    }
  }
}
