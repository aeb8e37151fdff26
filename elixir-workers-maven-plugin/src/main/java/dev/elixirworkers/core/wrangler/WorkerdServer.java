package dev.elixirworkers.core.wrangler;

import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.WorkerProject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code elixir-workers:run -Delixir-workers.runtime=workerd}: serves the built worker directory
 * with {@code wrangler dev} (workerd, Cloudflare's runtime) instead of the JVM host, with local KV
 * and D1 state in {@code .wrangler/state} of the project and the project's {@code .dev.vars} as
 * secrets. Stops wrangler and workerd on Ctrl-C.
 */
public final class WorkerdServer {
  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);

  private WorkerdServer() {}

  /**
   * Installs the pinned wrangler if needed, serves {@code project.workerDirectory()} on {@code
   * host}:{@code port} and returns when wrangler exits or this JVM shuts down (Ctrl-C).
   *
   * @throws dev.elixirworkers.core.BuildException when wrangler cannot be installed or started
   */
  public static void serveUntilShutdown(
      WorkerProject project, String host, int port, BuildLog log) {
    Wrangler wrangler =
        Wrangler.install(project.cacheRoot(), project.workDirectory(), System.getenv("PATH"), log);
    WranglerDev.Options options =
        new WranglerDev.Options(
            host,
            port,
            project.baseDirectory().resolve(".wrangler/state"),
            Optional.empty(),
            START_TIMEOUT,
            line -> log.info("[wrangler] " + line));
    Path devVars = project.baseDirectory().resolve(".dev.vars");
    if (Files.isRegularFile(devVars)) {
      options = options.withEnvFile(devVars);
    }
    WranglerDev dev = wrangler.dev(project.workerDirectory(), options);
    log.info(
        "Serving "
            + project.workerDirectory()
            + " with wrangler "
            + wrangler.version()
            + " (workerd) on "
            + dev.uri()
            + " — press Ctrl-C to stop");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  dev.close();
                  stopped.countDown();
                },
                "elixir-workers-wrangler-shutdown"));
    try {
      int exit = dev.waitFor();
      if (stopped.getCount() > 0) {
        // wrangler ended on its own, not through the shutdown hook
        dev.close();
        log.warn("wrangler dev exited with code " + exit);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
