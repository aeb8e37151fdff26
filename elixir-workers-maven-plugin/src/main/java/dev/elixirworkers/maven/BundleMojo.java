package dev.elixirworkers.maven;

import dev.elixirworkers.core.WorkerBuild;
import dev.elixirworkers.core.bundle.BundleArchive;
import java.io.File;
import java.io.IOException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Builds (or reuses) {@code atomvm.wasm} and AtomVM's standard library, packs {@code app.avm} from
 * the start module, assembles {@code target/worker/} (the VM, the archive, the Worker's JavaScript
 * and wrangler.jsonc) and prints its sizes. The whole worker directory, zipped deterministically,
 * becomes the project's artifact.
 */
@Mojo(name = "bundle", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class BundleMojo extends AbstractPackageMojo {

  @Parameter(
      defaultValue = "${project.build.directory}/${project.build.finalName}.zip",
      readonly = true)
  private File archive;

  @Override
  protected String goal() {
    return "bundle";
  }

  @Override
  protected void run() throws MojoExecutionException {
    new WorkerBuild(workerProject(), buildLog(), compatibilityMode(), sizeBudget()).bundle();
    try {
      BundleArchive.zip(workerDirectory.toPath(), archive.toPath());
    } catch (IOException e) {
      throw new MojoExecutionException("Cannot write " + archive + ": " + e.getMessage(), e);
    }
    project.getArtifact().setFile(archive);
  }
}
