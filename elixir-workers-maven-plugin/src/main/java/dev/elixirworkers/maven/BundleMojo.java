package dev.elixirworkers.maven;

import dev.elixirworkers.build.WorkerBuild;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Builds (or reuses) {@code atomvm.wasm} and AtomVM's standard library, packs {@code app.avm} from
 * the start module, assembles {@code target/worker/} and prints its sizes. The worker directory,
 * zipped, becomes the project's artifact.
 */
@Mojo(name = "bundle", defaultPhase = LifecyclePhase.PACKAGE, threadSafe = true)
public class BundleMojo extends AbstractProjectMojo {

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
    WorkerBuild.Bundle bundle = new WorkerBuild(workerProject(), buildLog()).bundle();
    try {
      zip(List.of(bundle.wasm(), bundle.avm()), archive.toPath());
    } catch (IOException e) {
      throw new MojoExecutionException("Cannot write " + archive + ": " + e.getMessage(), e);
    }
    project.getArtifact().setFile(archive);
  }

  /** Fixed timestamps, so the same worker zips to the same bytes. */
  private static void zip(List<Path> files, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    try (OutputStream out = Files.newOutputStream(target);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Path file : files) {
        ZipEntry entry = new ZipEntry(file.getFileName().toString());
        entry.setLastModifiedTime(FileTime.fromMillis(315532800000L));
        zip.putNextEntry(entry);
        Files.copy(file, zip);
        zip.closeEntry();
      }
    }
  }
}
