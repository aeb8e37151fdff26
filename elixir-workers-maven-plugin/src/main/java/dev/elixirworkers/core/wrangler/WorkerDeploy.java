package dev.elixirworkers.core.wrangler;

import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.WorkerBuild;
import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.core.bundle.SizeBudget;
import dev.elixirworkers.core.compat.CompatibilityMode;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * {@code elixir-workers:deploy}: builds the worker (unchanged parts are reused) and runs {@code
 * wrangler deploy} in its worker directory with the pinned wrangler. Made by {@link #prepare},
 * which fails on missing credentials before anything is resolved or built.
 */
public final class WorkerDeploy {
  private final Optional<Path> dryRunOutputDirectory;
  private final Optional<String> wranglerEnv;
  private final Map<String, String> environment;

  private WorkerDeploy(
      Optional<Path> dryRunOutputDirectory,
      Optional<String> wranglerEnv,
      Map<String, String> environment) {
    this.dryRunOutputDirectory = dryRunOutputDirectory;
    this.wranglerEnv = wranglerEnv;
    this.environment = environment;
  }

  /**
   * @param dryRunOutputDirectory present for {@code wrangler deploy --dry-run}, which writes what
   *     it would upload there and needs no account
   * @param wranglerEnv {@code wrangler deploy --env NAME}
   * @param environment this process's environment: {@code PATH} to find Node.js in, and the
   *     Cloudflare credentials a real deploy needs
   * @throws dev.elixirworkers.core.BuildException without credentials for a real deploy
   */
  public static WorkerDeploy prepare(
      Optional<Path> dryRunOutputDirectory,
      Optional<String> wranglerEnv,
      Map<String, String> environment) {
    if (dryRunOutputDirectory.isEmpty()) {
      Wrangler.checkCredentials(environment);
    }
    return new WorkerDeploy(dryRunOutputDirectory, wranglerEnv, environment);
  }

  /**
   * @throws dev.elixirworkers.core.BuildException when the build or wrangler fails
   */
  public void deploy(
      WorkerProject project, CompatibilityMode compatibility, SizeBudget sizeBudget, BuildLog log) {
    WorkerBuild build = new WorkerBuild(project, log, compatibility, sizeBudget);
    build.compile();
    build.bundle();
    Wrangler wrangler =
        Wrangler.install(
            project.cacheRoot(), project.workDirectory(), environment.get("PATH"), log);
    boolean dryRun = dryRunOutputDirectory.isPresent();
    log.info(
        (dryRun ? "Dry run: wrangler " : "Deploying with wrangler ")
            + wrangler.version()
            + " from "
            + project.workerDirectory());
    wrangler.deploy(project.workerDirectory(), dryRunOutputDirectory, wranglerEnv, environment);
    dryRunOutputDirectory.ifPresent(
        directory -> log.info("Dry run done: what would be uploaded is in " + directory));
  }
}
