package dev.elixirworkers.maven;

import dev.elixirworkers.core.server.BackgroundServers;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Stops the dev server {@code elixir-workers:start} started for this project (requests in progress
 * finish first). Default phase {@code post-integration-test}.
 */
@Mojo(
    name = "stop",
    defaultPhase = LifecyclePhase.POST_INTEGRATION_TEST,
    requiresProject = true,
    threadSafe = true)
public class StopMojo extends AbstractWorkerMojo {

  @Override
  protected String goal() {
    return "stop";
  }

  @Override
  protected void run() {
    BackgroundServers.stop(project.getBasedir().toPath())
        .ifPresentOrElse(
            server -> getLog().info("Stopped the dev server on " + server.uri()),
            () ->
                getLog()
                    .info(
                        "No dev server is running for this project (elixir-workers:start did not"
                            + " run in this build); nothing to stop"));
  }
}
