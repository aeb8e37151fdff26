package dev.elixirworkers.maven;

import dev.elixirworkers.core.server.DevRuntime;
import dev.elixirworkers.core.server.LocalServer;
import dev.elixirworkers.core.server.ServerSettings;
import dev.elixirworkers.core.wrangler.WorkerdServer;
import java.io.File;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Builds the worker, then serves {@code target/worker} on http://localhost:8797 through the same
 * {@code atomvm.wasm} and {@code app.avm} that deploy, running inside this JVM, with the project's
 * {@code wrangler.jsonc} vars and bindings, {@code .dev.vars} secrets, local KV and D1 on SQLite in
 * {@code .elixir-workers/state}, and live reload of the sources. Stops on Ctrl-C.
 */
@Mojo(name = "run", requiresProject = true, threadSafe = true)
@Execute(phase = LifecyclePhase.PACKAGE)
public class RunMojo extends AbstractServeMojo {

  /**
   * {@code jvm} (the JVM host) or {@code workerd} ({@code wrangler dev}: Cloudflare's runtime from
   * npm, local KV and D1 in {@code .wrangler/state}).
   */
  @Parameter(property = "elixir-workers.runtime", defaultValue = "jvm")
  private String runtime;

  /**
   * Local KV and D1 state of the JVM runtime: one SQLite file per binding, kept across runs and
   * {@code mvn clean}.
   */
  @Parameter(
      property = "elixir-workers.stateDirectory",
      defaultValue = "${project.basedir}/.elixir-workers/state")
  private File stateDirectory;

  /** Deletes the local KV and D1 state before starting. */
  @Parameter(property = "elixir-workers.resetState", defaultValue = "false")
  private boolean resetState;

  @Override
  protected String goal() {
    return "run";
  }

  @Override
  protected void run() throws MojoFailureException {
    switch (DevRuntime.parse(runtime, "<runtime> (-Delixir-workers.runtime)")) {
      case WORKERD -> WorkerdServer.serveUntilShutdown(baseProject(), host, port, buildLog());
      case JVM -> {
        ServerSettings settings = serverSettings(stateDirectory, resetState);
        LocalServer.serveUntilShutdown(workerProject(), settings, buildLog());
      }
    }
  }
}
