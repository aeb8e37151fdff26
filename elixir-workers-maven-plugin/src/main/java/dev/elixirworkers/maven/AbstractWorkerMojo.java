package dev.elixirworkers.maven;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.File;
import java.nio.file.Path;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * What every goal shares: skip handling (always logged with its reason), the cache location, and
 * the translation of core exceptions into Maven's.
 */
abstract class AbstractWorkerMojo extends AbstractMojo {

  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  protected MavenProject project;

  @Parameter(defaultValue = "${session}", readonly = true, required = true)
  protected MavenSession session;

  /** Skips every elixir-workers goal. */
  @Parameter(property = "elixir-workers.skip", defaultValue = "false")
  private boolean skip;

  /**
   * Shared cache for downloaded AtomVM releases, built VMs and the compiled standard library.
   * Defaults to {@code $ELIXIR_WORKERS_CACHE}, {@code $XDG_CACHE_HOME/elixir-workers} or {@code
   * ~/.cache/elixir-workers}.
   */
  @Parameter(property = "elixir-workers.cache")
  private File cacheDirectory;

  /** This project's scratch space under {@code target/}. */
  @Parameter(defaultValue = "${project.build.directory}/elixir-workers", readonly = true)
  protected File workDirectory;

  @Override
  public final void execute() throws MojoExecutionException, MojoFailureException {
    if (skip) {
      getLog().info("Skipping " + goal() + ": elixir-workers.skip is true");
      return;
    }
    try {
      run();
    } catch (BuildException e) {
      throw new MojoFailureException(e.getMessage(), e);
    }
  }

  protected abstract String goal();

  protected abstract void run() throws MojoExecutionException, MojoFailureException;

  protected Path cacheRoot() {
    return cacheDirectory != null
        ? cacheDirectory.toPath().toAbsolutePath()
        : CacheDirectory.root().toAbsolutePath();
  }

  protected Path work() {
    return workDirectory.toPath();
  }

  protected BuildLog buildLog() {
    return new BuildLog() {
      @Override
      public void info(String message) {
        getLog().info(message);
      }

      @Override
      public void warn(String message) {
        getLog().warn(message);
      }

      @Override
      public void debug(String message) {
        getLog().debug(message);
      }
    };
  }
}
