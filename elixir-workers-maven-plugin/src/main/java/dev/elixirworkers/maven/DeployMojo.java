package dev.elixirworkers.maven;

import dev.elixirworkers.core.wrangler.WorkerDeploy;
import java.io.File;
import java.util.Optional;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Builds the worker (unchanged parts are reused) and runs {@code wrangler deploy} in {@code
 * target/worker}, with the wrangler version the plugin pins (installed once into the cache with
 * npm). A real deploy needs {@code CLOUDFLARE_API_TOKEN}; {@code -Delixir-workers.dryRun=true} runs
 * {@code wrangler deploy --dry-run --outdir target/wrangler-dry-run} and needs no account.
 *
 * <p>{@code mvn elixir-workers:deploy} from the command line; to deploy in {@code mvn deploy}, add
 * an execution of this goal to the plugin (it binds to the deploy phase by default).
 */
@Mojo(
    name = "deploy",
    defaultPhase = LifecyclePhase.DEPLOY,
    requiresProject = true,
    threadSafe = true)
public class DeployMojo extends AbstractPackageMojo {

  /** Runs {@code wrangler deploy --dry-run}: bundles and checks, uploads nothing. */
  @Parameter(property = "elixir-workers.dryRun", defaultValue = "false")
  private boolean dryRun;

  /** Where a dry run writes what it would upload. */
  @Parameter(defaultValue = "${project.build.directory}/wrangler-dry-run")
  private File dryRunOutputDirectory;

  /**
   * A wrangler environment ({@code wrangler deploy --env NAME}) from the project's wrangler.jsonc.
   */
  @Parameter(property = "elixir-workers.wranglerEnv")
  private String wranglerEnv;

  @Override
  protected String goal() {
    return "deploy";
  }

  @Override
  protected void run() {
    // before the project is read: without credentials nothing is resolved or built
    WorkerDeploy deploy =
        WorkerDeploy.prepare(
            dryRun ? Optional.of(dryRunOutputDirectory.toPath()) : Optional.empty(),
            Optional.ofNullable(wranglerEnv).filter(e -> !e.isBlank()),
            System.getenv());
    deploy.deploy(workerProject(), compatibilityMode(), sizeBudget(), buildLog());
  }
}
