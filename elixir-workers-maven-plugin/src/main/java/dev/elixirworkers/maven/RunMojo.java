package dev.elixirworkers.maven;

import dev.elixirworkers.wasi.DevServer;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRuntime;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.util.concurrent.CountDownLatch;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Execute;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * Builds the worker, then serves {@code target/worker} on http://localhost:8797 through the same
 * {@code atomvm.wasm} and {@code app.avm} that deploy, running inside this JVM. Stops on Ctrl-C.
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

  @Override
  protected String goal() {
    return "run";
  }

  @Override
  protected void run() throws MojoExecutionException, MojoFailureException {
    WorkerRuntime runtime;
    try {
      runtime =
          WorkerRuntime.create(
              WorkerBundle.load(workerDirectory.toPath()),
              WorkerRuntime.Options.builder()
                  .stderrListener(line -> getLog().info("[worker] " + line))
                  .build());
    } catch (IOException e) {
      throw new MojoFailureException(
          "Cannot load the worker from " + workerDirectory + ": " + e.getMessage(), e);
    }
    DevServer server;
    try {
      server =
          DevServer.start(
              () -> runtime,
              DevServer.Options.builder()
                  .port(port)
                  .bindAddress(InetAddress.getByName(host))
                  .log(getLog()::info)
                  .build());
    } catch (BindException e) {
      runtime.close();
      throw new MojoFailureException(
          "Port "
              + port
              + " is in use — stop what holds it or choose another with -Delixir-workers.port=<port>");
    } catch (IOException e) {
      runtime.close();
      throw new MojoExecutionException("Cannot start the dev server: " + e.getMessage(), e);
    }
    getLog().info("Serving " + workerDirectory + " on " + server.uri() + " — press Ctrl-C to stop");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  runtime.close();
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
