package dev.elixirworkers.wasi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elixirworkers.wasi.bindings.BindingException;
import dev.elixirworkers.wasi.bindings.WorkerBindings;
import dev.elixirworkers.wasi.preview1.InMemoryDirectory;
import dev.elixirworkers.wasi.preview1.OutputBuffer;
import dev.elixirworkers.wasi.preview1.WasiPreview1;
import dev.elixirworkers.wasi.wasmtime.GuestOutcome;
import dev.elixirworkers.wasi.wasmtime.WasiModule;
import dev.elixirworkers.wasi.wasmtime.WasiSession;
import dev.elixirworkers.wasi.wasmtime.WasmtimeEngine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a {@link WorkerBundle} in this JVM, one fresh guest instance per request, as the Cloudflare
 * Worker does: the request frame on stdin, {@code ["atomvm", "/app/app.avm"]} as arguments, {@code
 * /app} preopened read-only, the response frame read from stdout, stderr lines handed to a
 * listener. Guest failures become responses as docs/protocol.md says (502 invalid frame, 500 trap
 * or non-zero exit, 504 time limit).
 *
 * <p>The module is compiled once per process (see {@link WasmtimeEngine}); each request gets a new
 * instance in a pooled store. Thread-safe: concurrent requests run in parallel.
 */
public final class WorkerRuntime implements AutoCloseable {
  /** The guest's arguments. */
  public static final List<String> ARGS = List.of("atomvm", "/app/app.avm");

  /** Where the application archive appears in the guest. */
  public static final String APP_DIR = "/app";

  static final int PREVIEW_BYTES = 200;
  static final int STDERR_TAIL_BYTES = 4096;
  static final int MAX_IDLE = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  /**
   * A store keeps the memory of every instance it ran until it is dropped: one whose last guest
   * grew its memory past this is dropped at once rather than reused.
   */
  static final long RETAIN_MEMORY_BYTES = 32L << 20;

  /** Fulfils needs of a round in parallel, for every runtime in the process. */
  private static final ExecutorService NEEDS =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "elixir-workers-needs");
            t.setDaemon(true);
            return t;
          });

  private final WorkerBundle bundle;
  private final Options options;
  private final WasiModule module;
  private final int runsPerStore;
  private final InMemoryDirectory appDir;
  private final Object lock = new Object();
  private final Deque<WasiSession> idle = new ArrayDeque<>();
  private int inFlight;
  private boolean refilling;
  private boolean closed;
  private boolean moduleReleased;

  /**
   * Creates and drops stores off the request path, for every runtime in the process. Its queue is
   * short: when it is full the request thread does the work itself (back-pressure, so retired
   * stores cannot pile up).
   */
  private static final Executor BACKGROUND =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(8),
          r -> {
            Thread t = new Thread(r, "elixir-workers-stores");
            t.setDaemon(true);
            return t;
          });

  private WorkerRuntime(WorkerBundle bundle, Options options) {
    this.bundle = bundle;
    this.options = options;
    this.module = WasiModule.load(WasmtimeEngine.shared(), bundle.wasm(), options.memoryLimit);
    this.runsPerStore =
        options.runsPerStore > 0
            ? options.runsPerStore
            : module.importsMemory()
                ? Options.Builder.RUNS_PER_STORE_LENT_MEMORY
                : Options.Builder.RUNS_PER_STORE;
    // a snapshot holds the application: its /app is empty
    this.appDir =
        bundle
            .app()
            .map(app -> InMemoryDirectory.of(WorkerBundle.APP, app))
            .orElseGet(() -> InMemoryDirectory.builder().build());
    prepareSpare();
  }

  /**
   * Compiles (or takes from the process cache) and links the bundle's VM.
   *
   * @throws dev.elixirworkers.wasi.wasmtime.GuestLinkException when the VM imports something the
   *     host cannot provide
   */
  public static WorkerRuntime create(WorkerBundle bundle, Options options) {
    return new WorkerRuntime(Objects.requireNonNull(bundle), Objects.requireNonNull(options));
  }

  public static WorkerRuntime create(WorkerBundle bundle) {
    return create(bundle, Options.defaults());
  }

  public WorkerBundle bundle() {
    return bundle;
  }

  public Options options() {
    return options;
  }

  /**
   * Runs one request to completion, effects included: the response is returned after the effects
   * have been performed (failed ones are logged), so a test sees their result at once.
   *
   * @throws WasiSession.HostFailure when a WASI host function failed (a bug in this host)
   * @throws IllegalStateException after {@link #close()}
   */
  public WorkerResponse handle(WorkerRequest request) {
    WorkerExchange exchange = exchange(request);
    exchange.applyEffects();
    return exchange.response();
  }

  /**
   * Runs the rounds of one request (docs/protocol.md): the guest, then its needs (independent ones
   * concurrently), then the guest again with the results and its state, until it answers with a
   * response or a limit is hit. The effects are not performed yet: call {@link
   * WorkerExchange#applyEffects()} once the response has been sent.
   *
   * @throws WasiSession.HostFailure when a WASI host function failed (a bug in this host)
   * @throws IllegalStateException after {@link #close()}
   */
  public WorkerExchange exchange(WorkerRequest request) {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("The worker runtime is closed");
      }
      inFlight++; // a request that has started finishes all its rounds, even if closed meanwhile
    }
    try {
      return rounds(request);
    } finally {
      finish(null, false, false);
    }
  }

  private WorkerExchange rounds(WorkerRequest request) {
    long started = System.nanoTime();
    WorkerBindings bindings = options.bindings;
    if (request.body().length > options.maxRequestBodyBytes) {
      return done(
          request,
          WorkerResponse.text(
              413,
              "the request body is "
                  + request.body().length
                  + " bytes; the limit is "
                  + options.maxRequestBodyBytes
                  + "\n"),
          0,
          0,
          List.of(),
          started);
    }
    Frames.RequestContext context = Frames.RequestContext.first(bindings.env(), bindings.types());
    long budget = options.timeLimit.toNanos();
    long used = 0;
    int needCount = 0;
    Set<String> ids = new HashSet<>();
    for (; ; ) {
      int rounds = context.round() + 1;
      if (used >= budget) {
        return done(request, timedOut(), rounds - 1, needCount, List.of(), started);
      }
      Pass pass = runPass(Frames.encodeRequest(request, context), budget - used);
      used += pass.nanos();
      if (pass.failure() != null) {
        return done(request, pass.failure(), rounds, needCount, List.of(), started);
      }
      if (pass.answer() instanceof Frames.Final answer) {
        return done(request, answer.response(), rounds, needCount, answer.effects(), started);
      }
      Frames.Needs answer = (Frames.Needs) pass.answer();
      List<ObjectNode> needs = answer.needs();
      needCount += needs.size();
      if (needs.size() > options.maxNeedsPerRound) {
        return done(
            request,
            WorkerResponse.text(
                500,
                "the worker asked for "
                    + needs.size()
                    + " needs in one round; the limit is "
                    + options.maxNeedsPerRound
                    + "\n"),
            rounds,
            needCount,
            List.of(),
            started);
      }
      if (rounds >= options.maxRounds) {
        return done(
            request,
            WorkerResponse.text(
                500, "the worker asked for more than " + options.maxRounds + " rounds\n"),
            rounds,
            needCount,
            List.of(),
            started);
      }
      for (ObjectNode need : needs) {
        String id = need.get("id").asText();
        if (!ids.add(id)) {
          return done(
              request,
              WorkerResponse.text(
                  502,
                  "the worker wrote an invalid response: need id \""
                      + id
                      + "\" was already used for this request\n"),
              rounds,
              needCount,
              List.of(),
              started);
        }
      }
      ObjectNode results = context.results();
      fulfil(bindings, needs, results);
      context = context.next(answer.state(), results);
    }
  }

  private WorkerExchange done(
      WorkerRequest request,
      WorkerResponse response,
      int rounds,
      int needs,
      List<JsonNode> effects,
      long started) {
    return new WorkerExchange(
        request,
        response,
        rounds,
        needs,
        effects,
        System.nanoTime() - started,
        options.bindings,
        options.hostLog);
  }

  private WorkerResponse timedOut() {
    return WorkerResponse.text(
        504, "the worker ran longer than " + options.timeLimit.toMillis() + " ms\n");
  }

  /** Fulfils the needs of one round, in parallel when there are several; results in need order. */
  private static void fulfil(WorkerBindings bindings, List<ObjectNode> needs, ObjectNode results) {
    if (needs.size() == 1) {
      results.set(needs.get(0).get("id").asText(), fulfilOne(bindings, needs.get(0)));
      return;
    }
    List<CompletableFuture<ObjectNode>> pending = new ArrayList<>();
    for (ObjectNode need : needs) {
      pending.add(CompletableFuture.supplyAsync(() -> fulfilOne(bindings, need), NEEDS));
    }
    for (int i = 0; i < needs.size(); i++) {
      results.set(needs.get(i).get("id").asText(), pending.get(i).join());
    }
  }

  private static ObjectNode fulfilOne(WorkerBindings bindings, ObjectNode need) {
    try {
      ObjectNode result = bindings.fulfil(need);
      return result != null
          ? result
          : WorkerBindings.error(BindingException.Code.INTERNAL, "the host returned no result");
    } catch (RuntimeException e) {
      return WorkerBindings.error(BindingException.Code.INTERNAL, "the host failed: " + e);
    }
  }

  /** One run of the guest: its answer, or the response that reports its failure. */
  private record Pass(Frames.GuestAnswer answer, WorkerResponse failure, long nanos) {}

  private Pass runPass(byte[] frame, long budgetNanos) {
    WasiSession session;
    synchronized (lock) {
      inFlight++;
      session = idle.pollFirst();
    }
    prepareSpare(); // when that was the last idle store, make the next one meanwhile
    boolean keep = false;
    long start = System.nanoTime();
    try {
      if (session == null) {
        session = module.newSession();
      }
      long limitMillis = Math.max(1, (budgetNanos + 999_999) / 1_000_000);
      OutputBuffer stdout = new OutputBuffer(options.stdoutLimit, OutputBuffer.Overflow.REJECT);
      OutputBuffer stderr =
          new OutputBuffer(
              options.stderrLimit, OutputBuffer.Overflow.KEEP_TAIL, options.stderrListener);
      WasiPreview1 wasi =
          WasiPreview1.builder()
              .args(ARGS)
              .stdin(frame)
              .stdout(stdout)
              .stderr(stderr)
              .preopen(APP_DIR, appDir)
              .deadlineNanos(start + budgetNanos)
              .build();
      GuestOutcome outcome;
      try {
        outcome = session.run(wasi, limitMillis);
      } finally {
        stderr.flushLines();
      }
      keep =
          outcome instanceof GuestOutcome.Exited
              && session.runs() < runsPerStore
              && session.lastMemoryBytes() <= RETAIN_MEMORY_BYTES;
      return respond(outcome, stdout, stderr, System.nanoTime() - start);
    } finally {
      finish(session, keep, false);
    }
  }

  private Pass respond(GuestOutcome outcome, OutputBuffer stdout, OutputBuffer stderr, long nanos) {
    if (outcome instanceof GuestOutcome.TimedOut) {
      return new Pass(null, timedOut(), nanos);
    }
    if (outcome instanceof GuestOutcome.OutOfMemory oom) {
      return new Pass(
          null,
          WorkerResponse.text(
              500,
              "the worker ran out of memory (the limit is "
                  + (oom.limitBytes() >> 20)
                  + " MiB)\n"
                  + tail(stderr)),
          nanos);
    }
    if (outcome instanceof GuestOutcome.Trapped t) {
      return new Pass(
          null,
          WorkerResponse.text(500, "the worker crashed: " + t.message() + "\n" + tail(stderr)),
          nanos);
    }
    byte[] out = stdout.toByteArray();
    if (stdout.overflowed()) {
      // checked before the exit status: a guest whose write failed may have exited because of it
      return new Pass(
          null,
          WorkerResponse.text(
              502,
              "the worker wrote an invalid response: more than "
                  + stdout.limit()
                  + " bytes on stdout\nfirst bytes: "
                  + Frames.preview(out, PREVIEW_BYTES)
                  + "\n"),
          nanos);
    }
    int status = ((GuestOutcome.Exited) outcome).status();
    if (status != 0) {
      return new Pass(
          null,
          WorkerResponse.text(500, "the worker exited with status " + status + "\n" + tail(stderr)),
          nanos);
    }
    try {
      return new Pass(Frames.decodeAnswer(out), null, nanos);
    } catch (Frames.InvalidFrameException e) {
      return new Pass(
          null,
          WorkerResponse.text(
              502,
              "the worker wrote an invalid response: "
                  + e.getMessage()
                  + "\nfirst bytes: "
                  + Frames.preview(out, PREVIEW_BYTES)
                  + "\n"),
          nanos);
    }
  }

  private static String tail(OutputBuffer stderr) {
    String tail = stderr.tail(STDERR_TAIL_BYTES);
    return tail.isEmpty() ? "" : "stderr:\n" + tail + (tail.endsWith("\n") ? "" : "\n");
  }

  private void finish(WasiSession session, boolean keep, boolean spare) {
    boolean release = false;
    WasiSession retired = null;
    synchronized (lock) {
      inFlight--;
      if (session != null) {
        if (keep && !closed && idle.size() < MAX_IDLE) {
          if (spare) {
            idle.addLast(session); // used stores first: fewer stores hold dead instances
          } else {
            idle.addFirst(session);
          }
        } else {
          retired = session;
        }
      }
      if (closed && inFlight == 0 && !moduleReleased) {
        moduleReleased = release = true;
      }
    }
    if (retired == null) {
      if (release) {
        module.close();
      }
      return;
    }
    prepareSpare();
    // dropping a store costs about as much as making one: keep it off the request path, and give
    // the module back only after the store is gone
    WasiSession toClose = retired;
    boolean releaseAfter = release;
    runBackground(
        () -> {
          toClose.close();
          if (releaseAfter) {
            module.close();
          }
        });
  }

  private static void runBackground(Runnable task) {
    try {
      BACKGROUND.execute(task);
    } catch (RuntimeException e) {
      task.run();
    }
  }

  /**
   * When no store is idle, creates one in the background, so that the next request does not pay for
   * host-function setup (about 100 µs per import).
   */
  private void prepareSpare() {
    synchronized (lock) {
      if (closed || refilling || !idle.isEmpty()) {
        return;
      }
      refilling = true;
      inFlight++; // keeps the module alive until the spare is made
    }
    runBackground(
        () -> {
          WasiSession spare = null;
          try {
            spare = module.newSession();
          } catch (RuntimeException e) {
            // the request path will create its own and report any failure
          } finally {
            synchronized (lock) {
              refilling = false;
            }
            finish(spare, spare != null, true);
          }
        });
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /** Stops taking requests; requests in flight finish. Idempotent. */
  @Override
  public void close() {
    List<WasiSession> drained;
    boolean releaseModule = false;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      drained = List.copyOf(idle);
      idle.clear();
      if (inFlight == 0) {
        moduleReleased = releaseModule = true;
      }
    }
    drained.forEach(WasiSession::close);
    if (releaseModule) {
      module.close();
    }
  }

  /** Limits and hooks of a runtime. Immutable; build with {@link #builder()}. */
  public static final class Options {
    private final Duration timeLimit;
    private final long stdoutLimit;
    private final long stderrLimit;
    private final Consumer<String> stderrListener;
    private final int runsPerStore;
    private final WorkerBindings bindings;
    private final int maxRounds;
    private final int maxNeedsPerRound;
    private final long maxRequestBodyBytes;
    private final long memoryLimit;
    private final Consumer<String> hostLog;

    private Options(Builder b) {
      this.timeLimit = b.timeLimit;
      this.stdoutLimit = b.stdoutLimit;
      this.stderrLimit = b.stderrLimit;
      this.stderrListener = b.stderrListener;
      this.runsPerStore = b.runsPerStore;
      this.bindings = b.bindings;
      this.maxRounds = b.maxRounds;
      this.maxNeedsPerRound = b.maxNeedsPerRound;
      this.maxRequestBodyBytes = b.maxRequestBodyBytes;
      this.memoryLimit = b.memoryLimit;
      this.hostLog = b.hostLog;
    }

    /**
     * The limits of docs/protocol.md: 10 s of guest time per request, 32 MiB stdout, 8 rounds, 64
     * needs per round, 100 MiB request body, 128 MiB memory; no bindings; 64 KiB stderr tail,
     * stderr lines and host messages (failed effects) to System.err.
     */
    public static Options defaults() {
      return builder().build();
    }

    public static Builder builder() {
      return new Builder();
    }

    public Duration timeLimit() {
      return timeLimit;
    }

    public long stdoutLimit() {
      return stdoutLimit;
    }

    public long stderrLimit() {
      return stderrLimit;
    }

    public Consumer<String> stderrListener() {
      return stderrListener;
    }

    /** The runs per store set with the builder, or 0 for the default (see the builder). */
    public int runsPerStore() {
      return runsPerStore;
    }

    public WorkerBindings bindings() {
      return bindings;
    }

    public int maxRounds() {
      return maxRounds;
    }

    public int maxNeedsPerRound() {
      return maxNeedsPerRound;
    }

    public long maxRequestBodyBytes() {
      return maxRequestBodyBytes;
    }

    public long memoryLimit() {
      return memoryLimit;
    }

    public Consumer<String> hostLog() {
      return hostLog;
    }

    public static final class Builder {
      private Duration timeLimit = Duration.ofSeconds(10);
      private long stdoutLimit = 32L << 20;
      private long stderrLimit = 64L << 10;
      private Consumer<String> stderrListener = line -> System.err.println("[worker] " + line);
      private int runsPerStore; // 0: the default for the module
      private WorkerBindings bindings = WorkerBindings.none();
      private int maxRounds = 8;
      private int maxNeedsPerRound = 64;
      private long maxRequestBodyBytes = 100L << 20;
      private long memoryLimit = 128L << 20;
      private Consumer<String> hostLog = line -> System.err.println("[elixir-workers] " + line);

      static final int RUNS_PER_STORE = 8;
      static final int RUNS_PER_STORE_LENT_MEMORY = 256;

      private Builder() {}

      /** The worker's env and bindings (default: none). */
      public Builder bindings(WorkerBindings bindings) {
        this.bindings = Objects.requireNonNull(bindings);
        return this;
      }

      /** How many times the guest may run for one request; asking for more is a 500. */
      public Builder maxRounds(int rounds) {
        if (rounds < 1) {
          throw new IllegalArgumentException("maxRounds must be at least 1: " + rounds);
        }
        this.maxRounds = rounds;
        return this;
      }

      /** How many needs one answer may hold; more is a 500. */
      public Builder maxNeedsPerRound(int needs) {
        if (needs < 1) {
          throw new IllegalArgumentException("maxNeedsPerRound must be at least 1: " + needs);
        }
        this.maxNeedsPerRound = needs;
        return this;
      }

      /** Larger request bodies get 413 before the guest runs. */
      public Builder maxRequestBodyBytes(long bytes) {
        if (bytes < 0) {
          throw new IllegalArgumentException("maxRequestBodyBytes must not be negative: " + bytes);
        }
        this.maxRequestBodyBytes = bytes;
        return this;
      }

      /**
       * Most linear memory a guest may have (whole 64 KiB pages); growing past it fails in the
       * guest, and a guest that then fails gets a 500 "the worker ran out of memory".
       */
      public Builder memoryLimit(long bytes) {
        if (bytes < (1L << 16)) {
          throw new IllegalArgumentException("memoryLimit must be at least 64 KiB: " + bytes);
        }
        this.memoryLimit = bytes;
        return this;
      }

      /** Receives what the host has to say about a request, e.g. an effect that failed. */
      public Builder hostLog(Consumer<String> log) {
        this.hostLog = Objects.requireNonNull(log);
        return this;
      }

      /**
       * Guest time per request, summed over its rounds (time spent fulfilling needs does not
       * count); past it the guest is interrupted and 504 returned.
       */
      public Builder timeLimit(Duration timeLimit) {
        if (timeLimit.isNegative() || timeLimit.isZero()) {
          throw new IllegalArgumentException("timeLimit must be positive: " + timeLimit);
        }
        this.timeLimit = timeLimit;
        return this;
      }

      /** Most bytes the guest may write to stdout (frame head + body); more is a 502. */
      public Builder stdoutLimit(long bytes) {
        this.stdoutLimit = bytes;
        return this;
      }

      /** How much of the end of stderr is kept for error responses. */
      public Builder stderrLimit(long bytes) {
        this.stderrLimit = bytes;
        return this;
      }

      /** Receives each line the guest writes to stderr, as it is written. */
      public Builder stderrListener(Consumer<String> listener) {
        this.stderrListener = Objects.requireNonNull(listener);
        return this;
      }

      /**
       * How many requests one wasmtime store serves (each in its own fresh instance) before it is
       * dropped: higher saves host-function setup, lower frees instance memory sooner. 1 means a
       * new store per request. Default: {@value #RUNS_PER_STORE}, or {@value
       * #RUNS_PER_STORE_LENT_MEMORY} for a module that imports its memory (a snapshot), whose
       * instances all use the one memory the store lends them and leave little behind.
       */
      public Builder runsPerStore(int runs) {
        if (runs < 1) {
          throw new IllegalArgumentException("runsPerStore must be at least 1: " + runs);
        }
        this.runsPerStore = runs;
        return this;
      }

      public Options build() {
        return new Options(this);
      }
    }
  }
}
