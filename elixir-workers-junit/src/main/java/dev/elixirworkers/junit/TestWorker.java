package dev.elixirworkers.junit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerExchange;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.bindings.BindingException;
import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.bindings.WorkerConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The built worker ({@code target/worker}) running in this JVM for tests, with the project's {@code
 * wrangler.jsonc} / {@code .dev.vars} and local KV and D1 in a temporary state directory of its
 * own, so test runs never see each other's (or the dev server's) data.
 *
 * <pre>{@code
 * try (TestWorker worker = TestWorker.load()) {
 *   worker.post("/notes").form("note", "hi").send().assertStatus(303);
 *   worker.get("/").send().assertOk().assertBodyContains("hi");
 *   worker.kv("NOTES").assertValue("latest", "hi");
 * }
 * }</pre>
 *
 * <p>{@link TestRequest#send()} returns once the worker's effects (KV writes, D1 statements) have
 * been performed, so state can be inspected right away; a failed effect fails the call with an
 * {@link AssertionError} unless {@link Builder#failOnEffectErrors(boolean) turned off}. To look at
 * the effects before they run, use {@link TestRequest#exchange()} and then {@link
 * TestResponse#applyEffects()}. No JUnit needed; {@link ElixirWorkerExtension} wires this into
 * JUnit 5.
 */
public final class TestWorker implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  private final WorkerConfig config;
  private final Path stateRoot;
  private final boolean deleteStateRoot;
  private final boolean failOnEffectErrors;
  private final String baseUrl;
  private final SwitchableBindings bindings;
  private final WorkerRuntime runtime;
  private final List<String> log = Collections.synchronizedList(new ArrayList<>());
  private final Consumer<String> echo;
  private int generation;

  private TestWorker(Builder b, WorkerBundle bundle, WorkerConfig config) throws IOException {
    this.config = config;
    this.failOnEffectErrors = b.failOnEffectErrors;
    this.baseUrl =
        b.baseUrl.endsWith("/") ? b.baseUrl.substring(0, b.baseUrl.length() - 1) : b.baseUrl;
    this.echo = b.echo;
    if (b.stateDirectory != null) {
      this.stateRoot = b.stateDirectory.toAbsolutePath();
      this.deleteStateRoot = false;
      Files.createDirectories(stateRoot);
    } else {
      this.stateRoot = Files.createTempDirectory("elixir-workers-test-");
      this.deleteStateRoot = true;
    }
    this.bindings = new SwitchableBindings(openBindings());
    WorkerRuntime.Options.Builder options =
        WorkerRuntime.Options.builder()
            .bindings(bindings)
            .stderrListener(line -> record("[worker] " + line))
            .hostLog(line -> record("[host] " + line));
    if (b.options != null) {
      b.options.accept(options);
    }
    WorkerRuntime created;
    try {
      created = WorkerRuntime.create(bundle, options.build());
    } catch (RuntimeException e) {
      bindings.delegate.close();
      throw e;
    }
    this.runtime = created;
  }

  /**
   * The worker of the project in the working directory (where Maven runs tests): {@code
   * target/worker}, {@code wrangler.jsonc} and {@code .dev.vars}.
   */
  public static TestWorker load() {
    return builder().build();
  }

  /** The worker of the project in {@code projectDirectory}. */
  public static TestWorker load(Path projectDirectory) {
    return builder().projectDirectory(projectDirectory).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  private void record(String line) {
    log.add(line);
    if (echo != null) {
      echo.accept(line);
    }
  }

  private LocalBindings openBindings() {
    Path dir = deleteStateRoot ? stateRoot.resolve("state-" + (++generation)) : stateRoot;
    try {
      if (!deleteStateRoot) {
        LocalBindings.reset(dir);
      }
      return LocalBindings.open(config, dir);
    } catch (BindingException e) {
      throw new IllegalStateException(
          "cannot open the local KV/D1 state in " + dir + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reset the local KV/D1 state in " + dir, e);
    }
  }

  /** Empties KV and D1: the next request and {@link #kv}/{@link #d1} see fresh state. */
  public synchronized void resetState() {
    LocalBindings old = bindings.delegate;
    bindings.delegate = openBindings();
    old.close();
  }

  /** The state directory of the current KV and D1 files (SQLite; open them with sqlite3). */
  public Path stateDirectory() {
    return bindings.delegate.stateDirectory();
  }

  /** The vars, secrets and bindings the worker runs with. */
  public WorkerConfig config() {
    return config;
  }

  /** The runtime, for what this class does not cover. */
  public WorkerRuntime runtime() {
    return runtime;
  }

  /**
   * What the worker wrote to stderr ({@code [worker] …}) and the host logged ({@code [host] …}).
   */
  public List<String> log() {
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  public TestRequest get(String path) {
    return request("GET", path);
  }

  public TestRequest post(String path) {
    return request("POST", path);
  }

  public TestRequest put(String path) {
    return request("PUT", path);
  }

  public TestRequest delete(String path) {
    return request("DELETE", path);
  }

  /**
   * A request to {@code path} ({@code /x?y=1}, relative to {@code http://localhost}) or a full URL.
   */
  public TestRequest request(String method, String path) {
    Objects.requireNonNull(path, "path");
    String url =
        path.startsWith("http://") || path.startsWith("https://")
            ? path
            : baseUrl + (path.startsWith("/") ? path : "/" + path);
    return new TestRequest(this, method, url);
  }

  /** Sends a request and performs its effects before returning. */
  public TestResponse send(WorkerRequest request) {
    TestResponse response = exchange(request);
    response.applyEffects();
    return response;
  }

  /** Sends a request; its effects are not performed until {@link TestResponse#applyEffects()}. */
  public TestResponse exchange(WorkerRequest request) {
    WorkerExchange exchange = runtime.exchange(request);
    return new TestResponse(exchange, failOnEffectErrors, this::log);
  }

  /** A KV namespace declared in {@code wrangler.jsonc}, to seed and inspect. */
  public KvState kv(String binding) {
    return new KvState(
        binding,
        () ->
            bindings
                .delegate
                .kv(binding)
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "no KV namespace "
                                + binding
                                + " is declared; the worker's kv_namespaces are "
                                + config.kvNamespaces()
                                + " ("
                                + config.source().map(Path::toString).orElse("no wrangler.jsonc")
                                + ")")));
  }

  /** A D1 database declared in {@code wrangler.jsonc}, to seed and inspect. */
  public D1State d1(String binding) {
    return new D1State(
        binding,
        () ->
            bindings
                .delegate
                .d1(binding)
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "no D1 database "
                                + binding
                                + " is declared; the worker's d1_databases are "
                                + config.d1Databases()
                                + " ("
                                + config.source().map(Path::toString).orElse("no wrangler.jsonc")
                                + ")")));
  }

  /** Closes the runtime and the bindings and deletes the temporary state. */
  @Override
  public synchronized void close() {
    try {
      runtime.close();
    } finally {
      bindings.delegate.close();
      if (deleteStateRoot) {
        deleteTree(stateRoot);
      }
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory left behind is not worth failing a test for
    }
  }

  @Override
  public String toString() {
    return "TestWorker[" + runtime.bundle() + ", state " + stateDirectory() + "]";
  }

  /** Bindings the runtime keeps while {@link #resetState()} swaps the state underneath. */
  private static final class SwitchableBindings implements WorkerBindings {
    volatile LocalBindings delegate;

    SwitchableBindings(LocalBindings delegate) {
      this.delegate = delegate;
    }

    @Override
    public Map<String, String> env() {
      return delegate.env();
    }

    @Override
    public Map<String, String> types() {
      return delegate.types();
    }

    @Override
    public ObjectNode fulfil(ObjectNode need) {
      return delegate.fulfil(need);
    }

    @Override
    public ObjectNode fulfil(ObjectNode need, Duration timeLeft) {
      return delegate.fulfil(need, timeLeft);
    }

    @Override
    public void apply(JsonNode effect) throws BindingException {
      delegate.apply(effect);
    }
  }

  /** Where the worker and its configuration come from, and how it runs. */
  public static final class Builder {
    private Path projectDirectory = Path.of("");
    private Path bundleDirectory;
    private WorkerBundle bundle;
    private WorkerConfig config;
    private Path stateDirectory;
    private boolean failOnEffectErrors = true;
    private String baseUrl = "http://localhost";
    private Consumer<WorkerRuntime.Options.Builder> options;
    private Consumer<String> echo = System.err::println;

    private Builder() {}

    /** The project (default: the working directory): {@code target/worker} and wrangler.jsonc. */
    public Builder projectDirectory(Path directory) {
      this.projectDirectory = Objects.requireNonNull(directory);
      return this;
    }

    /** The bundle directory (default {@code target/worker} in the project). */
    public Builder bundleDirectory(Path directory) {
      this.bundleDirectory = directory;
      return this;
    }

    /** A bundle given directly instead of a directory. */
    public Builder bundle(WorkerBundle bundle) {
      this.bundle = bundle;
      return this;
    }

    /** The configuration (default: the project's wrangler.jsonc and .dev.vars). */
    public Builder config(WorkerConfig config) {
      this.config = config;
      return this;
    }

    /**
     * A fixed state directory (emptied at start and by {@link TestWorker#resetState()}, kept
     * afterwards for a look with sqlite3) instead of a temporary one.
     */
    public Builder stateDirectory(Path directory) {
      this.stateDirectory = directory;
      return this;
    }

    /** Whether a failed effect fails {@link TestRequest#send()} (default true). */
    public Builder failOnEffectErrors(boolean fail) {
      this.failOnEffectErrors = fail;
      return this;
    }

    /** Scheme and host that relative paths are resolved against (default http://localhost). */
    public Builder baseUrl(String baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl);
      return this;
    }

    /** Runtime limits (time, rounds, memory…); the bindings and log listeners are set here. */
    public Builder runtimeOptions(Consumer<WorkerRuntime.Options.Builder> options) {
      this.options = options;
      return this;
    }

    /**
     * Where worker stderr and host log lines go besides {@link TestWorker#log()} (default stderr;
     * null: nowhere).
     */
    public Builder echo(Consumer<String> echo) {
      this.echo = echo;
      return this;
    }

    /**
     * Loads the bundle and the configuration and starts the runtime.
     *
     * @throws IllegalStateException when there is no built worker or the configuration is invalid,
     *     saying what to do
     */
    public TestWorker build() {
      Path project = projectDirectory.toAbsolutePath();
      WorkerBundle worker = bundle;
      if (worker == null) {
        Path dir =
            bundleDirectory != null ? bundleDirectory : project.resolve("target").resolve("worker");
        try {
          worker = WorkerBundle.load(dir);
        } catch (IOException e) {
          throw new IllegalStateException(
              "no built worker in "
                  + dir
                  + " ("
                  + e.getMessage()
                  + "): run the tests with `mvn verify`, which packages the worker first",
              e);
        }
      }
      WorkerConfig cfg = config;
      if (cfg == null) {
        try {
          cfg = WorkerConfig.load(project);
        } catch (WorkerConfigException e) {
          throw new IllegalStateException(e.getMessage(), e);
        }
      }
      try {
        return new TestWorker(this, worker, cfg);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot create the state directory for the worker's KV and D1", e);
      }
    }
  }
}
