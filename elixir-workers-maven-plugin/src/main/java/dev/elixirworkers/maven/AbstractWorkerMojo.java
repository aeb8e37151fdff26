package dev.elixirworkers.maven;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * What every goal shares: skip handling (always logged with its reason, in one wording), the
 * translation of core exceptions into Maven's, and the core's log.
 *
 * <p>The goals' parameters are spread over the subclasses so that each goal has only those it
 * reads: {@link AbstractBuildMojo} (cache, scratch space), {@link AbstractProjectMojo} (the
 * project's sources, for compile), {@link AbstractVmMojo} (the VM), {@link AbstractPackageMojo}
 * (compatibility check and size budgets, for bundle and deploy) and {@link AbstractServeMojo} (the
 * dev server, for run and start).
 */
abstract class AbstractWorkerMojo extends AbstractMojo {

  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  protected MavenProject project;

  /** Skips every elixir-workers goal. */
  @Parameter(property = "elixir-workers.skip", defaultValue = "false")
  private boolean skip;

  @Override
  public final void execute() throws MojoExecutionException, MojoFailureException {
    if (skip) {
      skip("elixir-workers.skip is true");
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

  /** Every skip of every goal says so in these words, with why. */
  protected final void skip(String reason) {
    getLog().info("Skipping " + goal() + ": " + reason);
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
