package dev.elixirworkers.maven;

import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.wrangler.Wrangler;
import dev.elixirworkers.core.wrangler.WranglerDev;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.apache.maven.plugin.logging.Log;

/**
 * {@code elixir-workers:run -Delixir-workers.runtime=workerd}: serves {@code target/worker} with
 * {@code wrangler dev} (workerd, Cloudflare's runtime) instead of the JVM host, with local KV and
 * D1 state in {@code .wrangler/state} of the project and the project's {@code .dev.vars} as
 * secrets. Stops wrangler and workerd on Ctrl-C.
 */
final class WorkerdServer {
  private WorkerdServer() {}

  static void serve(
      Path baseDirectory,
      Path workerDirectory,
      Path cacheRoot,
      Path workDirectory,
      String host,
      int port,
      Log log,
      BuildLog buildLog)
      throws InterruptedException {
    Wrangler wrangler = Wrangler.install(cacheRoot, workDirectory, System.getenv("PATH"), buildLog);
    WranglerDev.Options options =
        new WranglerDev.Options(
            host,
            port,
            baseDirectory.resolve(".wrangler/state"),
            java.util.Optional.empty(),
            java.time.Duration.ofMinutes(2),
            line -> log.info("[wrangler] " + line));
    Path devVars = baseDirectory.resolve(".dev.vars");
    if (Files.isRegularFile(devVars)) {
      options = options.withEnvFile(devVars);
    }
    WranglerDev dev = wrangler.dev(workerDirectory, options);
    log.info(
        "Serving "
            + workerDirectory
            + " with wrangler "
            + wrangler.version()
            + " (workerd) on "
            + dev.uri()
            + " — press Ctrl-C to stop");
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              dev.close();
              stopped.countDown();
            },
            "elixir-workers-wrangler-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    int exit = dev.waitFor();
    if (stopped.getCount() > 0) {
      // wrangler ended on its own
      dev.close();
      log.warn("wrangler dev exited with code " + exit);
    }
  }
}
