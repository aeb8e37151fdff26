package dev.elixirworkers.maven;

import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import java.io.File;
import java.util.Optional;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * The settings that describe a worker project: its sources and its AtomVM pin, shared by every goal
 * that builds it. The pin is read (and checked) by compile too, so a bad one fails the first goal.
 */
abstract class AbstractProjectMojo extends AbstractBuildMojo {

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
   * The project as compile needs it; the VM settings keep their defaults (built from source with
   * the toolchain found on this machine, a snapshot), which {@link AbstractVmMojo} replaces for the
   * goals that bundle.
   */
  protected WorkerProject baseProject() {
    return WorkerProject.builder()
        .baseDirectory(project.getBasedir().toPath().toAbsolutePath())
        .elixirSources(elixirSourceDirectory.toPath())
        .erlangSources(erlangSourceDirectory.toPath())
        .workDirectory(work())
        .workerDirectory(workerDirectory.toPath())
        .startModule(startModule)
        .atomvmSource(
            Optional.ofNullable(atomvmSource)
                .filter(file -> !file.getPath().isBlank())
                .map(File::toPath))
        .release(AtomVmRelease.fromSettings(atomvmVersion, atomvmUrl, atomvmSha256))
        .cacheRoot(cacheRoot())
        .offline(session.isOffline())
        .workerName(project.getArtifactId())
        .build();
  }
}
