package dev.elixirworkers.maven;

import dev.elixirworkers.build.serve.LocalServer;
import dev.elixirworkers.build.serve.ServeSettings;
import java.io.File;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.apache.maven.plugin.MojoExecutionException;
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
public class RunMojo extends AbstractProjectMojo {

  /** The port to listen on. */
  @Parameter(property = "elixir-workers.port", defaultValue = "8797")
  private int port;

  /** The address to bind; loopback by default so the dev server is not reachable from outside. */
  @Parameter(property = "elixir-workers.host", defaultValue = "127.0.0.1")
  private String host;

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

  /** Guest time per request in milliseconds, summed over its rounds; past it, 504. */
  @Parameter(property = "elixir-workers.timeLimitMs", defaultValue = "10000")
  private long timeLimitMs;

  /** Runs of the worker per request (needs and their results); past it, 500. */
  @Parameter(property = "elixir-workers.maxRounds", defaultValue = "8")
  private int maxRounds;

  /** Largest request body in bytes; larger ones get 413. */
  @Parameter(property = "elixir-workers.maxBodyBytes", defaultValue = "104857600")
  private long maxBodyBytes;

  /** The worker's memory in MiB (128 on Workers); past it, 500. */
  @Parameter(property = "elixir-workers.memoryLimitMb", defaultValue = "128")
  private long memoryLimitMb;

  @Override
  protected String goal() {
    return "run";
  }

  @Override
  protected void run() throws MojoExecutionException, MojoFailureException {
    if ("workerd".equals(runtime)) {
      try {
        WorkerdServer.serve(
            project.getBasedir().toPath(),
            workerDirectory.toPath(),
            cacheRoot(),
            work(),
            host,
            port,
            getLog(),
            buildLog());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    if (!"jvm".equals(runtime)) {
      throw new MojoFailureException(
          "-Delixir-workers.runtime="
              + runtime
              + " is not a runtime — use jvm (default) or workerd");
    }
    ServeSettings settings;
    try {
      settings =
          new ServeSettings(
              InetAddress.getByName(host),
              port,
              stateDirectory.toPath(),
              resetState,
              Duration.ofMillis(timeLimitMs),
              maxRounds,
              maxBodyBytes,
              memoryLimitMb << 20,
              Duration.ofMillis(500));
    } catch (UnknownHostException e) {
      throw new MojoFailureException(
          "-Delixir-workers.host=" + host + " is not an address — use 127.0.0.1 or a local name");
    }
    LocalServer server = LocalServer.start(workerProject(), settings, buildLog());
    getLog()
        .info(
            "Serving "
                + workerDirectory
                + " on "
                + server.uri()
                + " — edits under src/main reload on the next request; Ctrl-C stops");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "elixir-workers-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
