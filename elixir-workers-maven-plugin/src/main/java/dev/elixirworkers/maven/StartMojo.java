package dev.elixirworkers.maven;

import dev.elixirworkers.core.server.BackgroundServers;
import dev.elixirworkers.core.server.LocalServer;
import dev.elixirworkers.core.server.ServerSettings;
import java.io.File;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Starts the JVM dev server on the built {@code target/worker} in the background of this Maven
 * build and returns, so integration tests can send it HTTP requests; {@code elixir-workers:stop}
 * stops it. Not bound by the {@code elixir-worker} packaging: add an execution (default phase
 * {@code pre-integration-test}). The port and URL are set as project properties ({@code
 * <portProperty>}, default {@code elixir-workers.port}, and {@code elixir-workers.url}, e.g. {@code
 * http://localhost:8797} without a trailing slash) for later plugins, e.g. failsafe's {@code
 * <systemPropertyVariables>}.
 */
@Mojo(
    name = "start",
    defaultPhase = LifecyclePhase.PRE_INTEGRATION_TEST,
    requiresProject = true,
    threadSafe = true)
public class StartMojo extends AbstractServeMojo {

  /** The project property that receives the port actually used. */
  @Parameter(property = "elixir-workers.portProperty", defaultValue = "elixir-workers.port")
  private String portProperty;

  /**
   * Local KV and D1 state of the started server, emptied at start unless {@code resetState=false}.
   */
  @Parameter(
      property = "elixir-workers.start.stateDirectory",
      defaultValue = "${project.build.directory}/elixir-workers/start-state")
  private File stateDirectory;

  /** Empties the state before starting (default true, so every run starts from the same state). */
  @Parameter(property = "elixir-workers.start.resetState", defaultValue = "true")
  private boolean resetState;

  @Override
  protected String goal() {
    return "start";
  }

  @Override
  protected void run() throws MojoExecutionException, MojoFailureException {
    ServerSettings settings = serverSettings(stateDirectory, resetState);
    LocalServer server = BackgroundServers.start(workerProject(), settings, buildLog());
    project.getProperties().setProperty(portProperty, Integer.toString(server.port()));
    String url = server.uri().toString();
    // without the trailing slash, so ${elixir-workers.url}/api/health reads naturally
    project
        .getProperties()
        .setProperty(
            "elixir-workers.url", url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    getLog()
        .info(
            "Started "
                + workerDirectory
                + " on "
                + server.uri()
                + " in the background (${"
                + portProperty
                + "}="
                + server.port()
                + "); elixir-workers:stop stops it");
  }
}
