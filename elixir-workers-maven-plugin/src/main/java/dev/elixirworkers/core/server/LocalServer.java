package dev.elixirworkers.core.server;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.WorkerBuild;
import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.core.bundle.SizeBudget;
import dev.elixirworkers.core.compat.CompatibilityMode;
import dev.elixirworkers.wasi.DevServer;
import dev.elixirworkers.wasi.ReloadingWorker;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.bindings.BindingException;
import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.bindings.WorkerConfigException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The JVM dev server of a worker project: the project's {@code wrangler.jsonc} and {@code
 * .dev.vars} for env and bindings, local KV and D1 on SQLite in the state directory, the built
 * worker from {@code target/worker}, and live reload — a change under the Elixir or Erlang sources
 * is recompiled and repacked, and the next request runs it; a compile error is an error page with
 * {@code file:line} until it is fixed. One log line per request.
 */
public final class LocalServer implements AutoCloseable {
  /** Time past the guest's time limit for a stopping request to write its response and effects. */
  static final Duration STOP_EFFECTS_GRACE = Duration.ofSeconds(5);

  private final LocalBindings bindings;
  private final ReloadingWorker worker;
  private final DevServer server;

  private LocalServer(LocalBindings bindings, ReloadingWorker worker, DevServer server) {
    this.bindings = bindings;
    this.worker = worker;
    this.server = server;
  }

  /**
   * Starts serving the worker already built in {@code project.workerDirectory()}.
   *
   * @throws BuildException when the configuration is invalid, the worker is not built, the state
   *     cannot be opened or the port is taken — the message says what to do
   */
  public static LocalServer start(WorkerProject project, ServerSettings settings, BuildLog log) {
    WorkerConfig config;
    try {
      config = WorkerConfig.load(project.baseDirectory());
    } catch (WorkerConfigException e) {
      throw new BuildException(e.getMessage(), e);
    }
    Path state = settings.stateDirectory();
    if (settings.resetState()) {
      try {
        int deleted = LocalBindings.reset(state);
        log.info("Reset the local state in " + state + " (" + deleted + " files deleted)");
      } catch (IOException e) {
        throw new BuildException(
            "Cannot reset the local state in " + state + ": " + e.getMessage(), e);
      }
    }
    LocalBindings bindings;
    try {
      bindings = LocalBindings.open(config, state);
    } catch (BindingException e) {
      throw new BuildException(
          e.getMessage() + " — set <stateDirectory> (-Delixir-workers.stateDirectory) elsewhere",
          e);
    }
    describe(config, state, log);
    WorkerBundle initial;
    try {
      initial = WorkerBundle.load(project.workerDirectory());
    } catch (IOException e) {
      bindings.close();
      throw new BuildException("Cannot load the worker: " + e.getMessage(), e);
    }
    WorkerRuntime.Options options =
        WorkerRuntime.Options.builder()
            .bindings(bindings)
            .timeLimit(settings.timeLimit())
            .maxRounds(settings.maxRounds())
            .maxRequestBodyBytes(settings.maxBodyBytes())
            .memoryLimit(settings.memoryLimitBytes())
            .stderrListener(line -> log.info("[worker] " + line))
            .hostLog(log::warn)
            .build();
    ReloadingWorker worker;
    try {
      worker =
          ReloadingWorker.start(
              initial,
              List.of(project.elixirSources(), project.erlangSources()),
              () -> rebuild(project, log),
              bundle -> WorkerRuntime.create(bundle, options),
              log::info,
              settings.pollInterval());
    } catch (RuntimeException e) {
      bindings.close();
      throw e;
    }
    DevServer server;
    try {
      server =
          DevServer.start(
              worker,
              DevServer.Options.builder()
                  .port(settings.port())
                  .bindAddress(settings.bindAddress())
                  .maxBodyBytes(settings.maxBodyBytes())
                  .allowedHosts(configuredHostName(settings.bindAddress()))
                  .maxConcurrentRequests(settings.maxConcurrentRequests())
                  .requestTimeout(settings.requestTimeout())
                  // a request in progress may run for the whole time limit, then apply its effects
                  .stopGrace(settings.timeLimit().plus(STOP_EFFECTS_GRACE))
                  .log(log::info)
                  .build());
    } catch (BindException e) {
      worker.close();
      bindings.close();
      throw new BuildException(
          "Port "
              + settings.port()
              + " is in use — stop what holds it or choose another with"
              + " -Delixir-workers.port=<port>");
    } catch (IOException e) {
      worker.close();
      bindings.close();
      throw new BuildException("Cannot start the dev server: " + e.getMessage(), e);
    }
    return new LocalServer(bindings, worker, server);
  }

  /**
   * {@code elixir-workers:run}: starts serving as {@link #start} does and returns when this JVM
   * shuts down (Ctrl-C), after requests in progress finish.
   */
  public static void serveUntilShutdown(
      WorkerProject project, ServerSettings settings, BuildLog log) {
    LocalServer server = start(project, settings, log);
    log.info(
        "Serving "
            + project.workerDirectory()
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

  /**
   * The name {@code -Delixir-workers.host} gave, when it was a name: {@link InetAddress#toString}
   * is {@code name/literal} and keeps the name as given, without a reverse lookup.
   */
  static Set<String> configuredHostName(InetAddress bindAddress) {
    String given = bindAddress.toString();
    String name = given.substring(0, Math.max(0, given.indexOf('/')));
    return name.isEmpty() ? Set.of() : Set.of(name);
  }

  private static WorkerBundle rebuild(WorkerProject project, BuildLog log) throws IOException {
    // The dev server serves whatever the sources make: size budgets are for package and deploy.
    WorkerBuild build = new WorkerBuild(project, log, CompatibilityMode.WARN, SizeBudget.UNLIMITED);
    build.compile();
    build.bundle();
    return WorkerBundle.load(project.workerDirectory());
  }

  private static void describe(WorkerConfig config, Path state, BuildLog log) {
    log.info(
        "Configuration: "
            + config.source().map(Path::toString).orElse("no wrangler.jsonc")
            + (config.vars().isEmpty() ? "" : "; vars " + String.join(", ", config.vars().keySet()))
            + (config.secrets().isEmpty()
                ? ""
                : "; secrets from .dev.vars: " + String.join(", ", config.secrets().keySet())));
    for (String kv : config.kvNamespaces()) {
      log.info("KV " + kv + ": " + LocalBindings.kvFile(state, kv));
    }
    for (String d1 : config.d1Databases()) {
      log.info("D1 " + d1 + ": " + LocalBindings.d1File(state, d1));
    }
  }

  public URI uri() {
    return server.uri();
  }

  public int port() {
    return server.port();
  }

  public LocalBindings bindings() {
    return bindings;
  }

  /**
   * Lets requests in progress finish (up to the time limit) and applies their effects, then stops
   * serving and closes the state.
   */
  @Override
  public void close() {
    server.close();
    worker.close();
    bindings.close();
  }
}
