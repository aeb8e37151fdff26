package dev.elixirworkers.wasi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elixirworkers.wasi.bindings.BindingException;
import dev.elixirworkers.wasi.bindings.WorkerBindings;
import dev.elixirworkers.wasi.preview1.InMemoryDirectory;
import dev.elixirworkers.wasi.preview1.OutputBuffer;
import dev.elixirworkers.wasi.preview1.WasiPreview1;
import dev.elixirworkers.wasi.wasmtime.GuestLinkException;
import dev.elixirworkers.wasi.wasmtime.GuestOutcome;
import dev.elixirworkers.wasi.wasmtime.WasiModule;
import dev.elixirworkers.wasi.wasmtime.WasiSession;
import dev.elixirworkers.wasi.wasmtime.WasmtimeEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Runs a {@link WorkerBundle} in this JVM, one fresh guest instance per request, as the Cloudflare
 * Worker does: the request frame on stdin, {@code ["atomvm", "/app/app.avm"]} as arguments, {@code
 * /app} preopened read-only, the response frame read from stdout, stderr lines handed to a
 * listener. Guest failures and limits become responses as docs/protocol.md says ({@link
 * RequestFailure}: 502 invalid frame, 500 trap or non-zero exit, 504 time limit, ...).
 *
 * <p>The module is compiled once per process (see {@link WasmtimeEngine}); each request gets a new
 * instance in a store from the {@link SessionPool}. Thread-safe: concurrent requests run in
 * parallel.
 */
public final class WorkerRuntime implements AutoCloseable {
  /** The guest's arguments. */
  public static final List<String> ARGS = List.of("atomvm", "/app/app.avm");

  /** Where the application archive appears in the guest. */
  public static final String APP_DIR = "/app";

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
  private final SessionPool sessions;
  private final InMemoryDirectory appDir;

  private WorkerRuntime(WorkerBundle bundle, Options options) {
    this.bundle = bundle;
    this.options = options;
    WasiModule module;
    try {
      module = WasiModule.load(WasmtimeEngine.shared(), bundle.wasm(), options.memoryLimit());
    } catch (GuestLinkException e) {
      if (bundle.directory().isEmpty()) {
        throw e;
      }
      throw new GuestLinkException(
          bundle.directory().get().resolve(WorkerBundle.WASM) + ": " + e.getMessage());
    }
    this.sessions = new SessionPool(module, options.runsPerStore());
    // a snapshot holds the application: its /app is empty
    this.appDir =
        bundle
            .app()
            .map(app -> InMemoryDirectory.of(WorkerBundle.APP, app))
            .orElseGet(() -> InMemoryDirectory.builder().build());
  }

  /**
   * Compiles (or takes from the process cache) and links the bundle's VM.
   *
   * @throws GuestLinkException when the VM cannot be read, capped or compiled, or imports something
   *     the host cannot provide; the message starts with the bundle's file when it has one
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
    sessions.beginRequest();
    try {
      long started = System.nanoTime();
      Tally tally = new Tally();
      Frames.Final answer = runRounds(request, tally);
      return new WorkerExchange(
          request,
          answer.response(),
          tally.rounds,
          tally.needs,
          answer.effects(),
          System.nanoTime() - started,
          options.bindings(),
          options.hostLog());
    } finally {
      sessions.endRequest();
    }
  }

  /** What the exchange reports besides the answer. */
  private static final class Tally {
    int rounds;
    int needs;
  }

  /** The guest's final answer, or the response of the failure that ended the request early. */
  private Frames.Final runRounds(WorkerRequest request, Tally tally) {
    WorkerBindings bindings = options.bindings();
    boolean developmentMode = RequestFailure.developmentMode(bindings.env());
    RequestFailure failure;
    OutputBuffer.LineLog stderrLog =
        new OutputBuffer.LineLog(options.stderrListener(), options.stderrLogLimit());
    try {
      Object outcome = rounds(request, tally, stderrLog);
      if (outcome instanceof Frames.Final last) {
        return last;
      }
      failure = (RequestFailure) outcome;
    } finally {
      if (stderrLog.dropped() > 0) {
        options
            .hostLog()
            .accept(
                label(request)
                    + ": "
                    + stderrLog.dropped()
                    + " bytes dropped from the worker's stderr (the log takes "
                    + options.stderrLogLimit()
                    + " bytes of it per request)");
      }
    }
    options.hostLog().accept(label(request) + ": " + failure.logText());
    // a failure ends the request with its response; the guest's effects, if any, are dropped
    return new Frames.Final(failure.response(developmentMode), List.of());
  }

  private static String label(WorkerRequest request) {
    return request.method() + " " + request.url();
  }

  /**
   * The rounds of one request: the guest's final answer, or the {@link RequestFailure} that ended
   * them. The checks of an answer come in the order docs/protocol.md gives ("Errors the host
   * reports"): a valid frame, need ids not used before, the round limit, the needs limit.
   */
  private Object rounds(WorkerRequest request, Tally tally, OutputBuffer.LineLog stderrLog) {
    if (request.body().length > options.maxRequestBodyBytes()) {
      return RequestFailure.requestBodyTooLarge(options.maxRequestBodyBytes());
    }
    WorkerBindings bindings = options.bindings();
    Frames.RequestContext context = Frames.RequestContext.first(bindings.env(), bindings.types());
    long budget = options.timeLimit().toNanos();
    long used = 0;
    Set<String> ids = new HashSet<>();
    for (; ; ) {
      if (used >= budget) {
        return RequestFailure.timeLimit(options.timeLimit());
      }
      tally.rounds = context.round() + 1;
      Pass pass = runPass(Frames.encodeRequest(request, context), budget - used, stderrLog, ids);
      used += pass.nanos();
      if (pass.answer() instanceof RequestFailure failed) {
        return failed;
      }
      if (pass.answer() instanceof Frames.Final last) {
        int status = last.response().status();
        // the effects of an answer that cannot be sent are dropped, as for any failure
        return status < 200 ? RequestFailure.informationalStatus(status) : last;
      }
      Frames.Needs asked = (Frames.Needs) pass.answer();
      List<ObjectNode> needs = asked.needs();
      tally.needs += needs.size();
      if (tally.rounds >= options.maxRounds()) {
        return RequestFailure.tooManyRounds(options.maxRounds());
      }
      if (needs.size() > options.maxNeedsPerRound()) {
        return RequestFailure.tooManyNeeds(needs.size(), options.maxNeedsPerRound());
      }
      for (ObjectNode need : needs) {
        ids.add(need.get("id").asText());
      }
      ObjectNode results = context.results();
      fulfil(bindings, needs, results, Duration.ofNanos(budget - used));
      context = context.next(asked.state(), results);
    }
  }

  /**
   * Fulfils the needs of one round, in parallel when there are several; results in need order. A
   * need may take what is left of the request's time limit ({@code timeLeft}).
   */
  private static void fulfil(
      WorkerBindings bindings, List<ObjectNode> needs, ObjectNode results, Duration timeLeft) {
    if (needs.size() == 1) {
      results.set(needs.get(0).get("id").asText(), fulfilOne(bindings, needs.get(0), timeLeft));
      return;
    }
    List<CompletableFuture<ObjectNode>> pending = new ArrayList<>();
    for (ObjectNode need : needs) {
      pending.add(CompletableFuture.supplyAsync(() -> fulfilOne(bindings, need, timeLeft), NEEDS));
    }
    for (int i = 0; i < needs.size(); i++) {
      results.set(needs.get(i).get("id").asText(), pending.get(i).join());
    }
  }

  private static ObjectNode fulfilOne(WorkerBindings bindings, ObjectNode need, Duration timeLeft) {
    try {
      ObjectNode result = bindings.fulfil(need, timeLeft);
      return result != null
          ? result
          : WorkerBindings.error(BindingException.Code.INTERNAL, "the host returned no result");
    } catch (RuntimeException e) {
      return WorkerBindings.error(BindingException.Code.INTERNAL, "the host failed: " + e);
    }
  }

  /**
   * One run of the guest and how long it took.
   *
   * @param answer what the guest answered ({@link Frames.Final} or {@link Frames.Needs}), or the
   *     {@link RequestFailure} it ran into
   */
  private record Pass(Object answer, long nanos) {}

  private Pass runPass(
      byte[] frame, long budgetNanos, OutputBuffer.LineLog stderrLog, Set<String> usedIds) {
    long start = System.nanoTime();
    WasiSession session = sessions.take();
    boolean exited = false;
    try {
      long limitMillis = Math.max(1, (budgetNanos + 999_999) / 1_000_000);
      OutputBuffer stdout = new OutputBuffer(options.stdoutLimit(), OutputBuffer.Overflow.REJECT);
      OutputBuffer stderr =
          new OutputBuffer(options.stderrLimit(), OutputBuffer.Overflow.KEEP_TAIL, stderrLog);
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
      exited = outcome instanceof GuestOutcome.Exited;
      return new Pass(answer(outcome, stdout, stderr, usedIds), System.nanoTime() - start);
    } finally {
      sessions.giveBack(session, exited);
    }
  }

  private Object answer(
      GuestOutcome outcome, OutputBuffer stdout, OutputBuffer stderr, Set<String> usedIds) {
    if (outcome instanceof GuestOutcome.TimedOut) {
      return RequestFailure.timeLimit(options.timeLimit());
    }
    if (outcome instanceof GuestOutcome.OutOfMemory oom) {
      return RequestFailure.outOfMemory(oom.limitBytes(), stderr);
    }
    if (outcome instanceof GuestOutcome.Trapped trap) {
      return RequestFailure.crashed(trap.message(), stderr);
    }
    byte[] out = stdout.toByteArray();
    if (stdout.overflowed()) {
      // checked before the exit status: a guest whose write failed may have exited because of it
      return RequestFailure.stdoutTooLarge(stdout.limit(), out);
    }
    int status = ((GuestOutcome.Exited) outcome).status();
    if (status != 0) {
      return RequestFailure.exited(status, stderr);
    }
    Frames.GuestAnswer answer;
    try {
      answer = Frames.decodeAnswer(out);
    } catch (Frames.InvalidFrameException e) {
      return RequestFailure.invalidResponse(e.getMessage(), out);
    }
    if (answer instanceof Frames.Needs asked) {
      for (ObjectNode need : asked.needs()) {
        String id = need.get("id").asText();
        if (usedIds.contains(id)) {
          return RequestFailure.needIdReused(id, out);
        }
      }
    }
    return answer;
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return sessions.isClosed();
  }

  /** Stops taking requests; requests in flight finish. Idempotent. */
  @Override
  public void close() {
    sessions.close();
  }

  /**
   * Limits and hooks of a runtime; build with {@link #builder()}, which starts from the defaults.
   *
   * @param bindings the worker's env and bindings (default: none)
   * @param maxRequestBodyBytes larger request bodies get 413 before the guest runs (default 100
   *     MiB)
   * @param stdoutLimit most bytes the guest may write to stdout (frame head + body); more is a 502
   *     (default 32 MiB)
   * @param maxRounds how many times the guest may run for one request; asking for more is a 500
   *     (default 8)
   * @param maxNeedsPerRound how many needs one answer may hold; more is a 500 (default 64)
   * @param timeLimit guest time per request, summed over its rounds (time spent fulfilling needs
   *     does not count); past it the guest is interrupted and 504 returned (default 10 s)
   * @param memoryLimit most linear memory a guest may have (whole 64 KiB pages); growing past it
   *     fails in the guest, and a guest that then fails gets a 500 "the worker ran out of memory"
   *     (default 128 MiB)
   * @param stderrLimit how much of the end of stderr one run keeps for the report of a failure
   *     (default 64 KiB)
   * @param stderrLogLimit how many bytes of stderr one request hands to {@code stderrListener},
   *     over all its rounds; the rest is counted and the count logged (default 64 KiB, as the
   *     JavaScript host: more is slow to log under workerd)
   * @param runsPerStore how many requests one wasmtime store serves (each in its own fresh
   *     instance) before it is dropped: higher saves host-function setup, lower frees instance
   *     memory sooner; 1 means a new store per request. 0, the default, means {@value
   *     SessionPool#RUNS_PER_STORE}, or {@value SessionPool#RUNS_PER_STORE_LENT_MEMORY} for a
   *     module that imports its memory (a snapshot), whose instances all use the one memory the
   *     store lends them and leave little behind.
   * @param stderrListener receives each line the guest writes to stderr, as it is written (default:
   *     System.err)
   * @param hostLog receives what the host has to say about a request, e.g. an effect that failed
   *     (default: System.err)
   */
  public record Options(
      WorkerBindings bindings,
      long maxRequestBodyBytes,
      long stdoutLimit,
      int maxRounds,
      int maxNeedsPerRound,
      Duration timeLimit,
      long memoryLimit,
      long stderrLimit,
      long stderrLogLimit,
      int runsPerStore,
      Consumer<String> stderrListener,
      Consumer<String> hostLog) {

    public Options {
      Objects.requireNonNull(bindings, "bindings");
      Objects.requireNonNull(timeLimit, "timeLimit");
      Objects.requireNonNull(stderrListener, "stderrListener");
      Objects.requireNonNull(hostLog, "hostLog");
      if (maxRequestBodyBytes < 0) {
        throw new IllegalArgumentException(
            "maxRequestBodyBytes must not be negative: " + maxRequestBodyBytes);
      }
      if (maxRounds < 1) {
        throw new IllegalArgumentException("maxRounds must be at least 1: " + maxRounds);
      }
      if (maxNeedsPerRound < 1) {
        throw new IllegalArgumentException(
            "maxNeedsPerRound must be at least 1: " + maxNeedsPerRound);
      }
      if (timeLimit.isNegative() || timeLimit.isZero()) {
        throw new IllegalArgumentException("timeLimit must be positive: " + timeLimit);
      }
      if (memoryLimit < (1L << 16)) {
        throw new IllegalArgumentException("memoryLimit must be at least 64 KiB: " + memoryLimit);
      }
      if (stderrLogLimit < 0) {
        throw new IllegalArgumentException(
            "stderrLogLimit must not be negative: " + stderrLogLimit);
      }
      if (runsPerStore < 0) {
        throw new IllegalArgumentException(
            "runsPerStore must be at least 1, or 0 for the default: " + runsPerStore);
      }
    }

    /**
     * The limits of docs/protocol.md: 10 s of guest time per request, 32 MiB stdout, 8 rounds, 64
     * needs per round, 100 MiB request body, 128 MiB memory; no bindings; 64 KiB stderr tail,
     * stderr lines (64 KiB per request) and host messages (failures, failed effects) to System.err.
     */
    public static Options defaults() {
      return builder().build();
    }

    public static Builder builder() {
      return new Builder();
    }

    /** Starts from the defaults; each setter is a component of {@link Options}. */
    public static final class Builder {
      private WorkerBindings bindings = WorkerBindings.none();
      private long maxRequestBodyBytes = 100L << 20;
      private long stdoutLimit = 32L << 20;
      private int maxRounds = 8;
      private int maxNeedsPerRound = 64;
      private Duration timeLimit = Duration.ofSeconds(10);
      private long memoryLimit = 128L << 20;
      private long stderrLimit = 64L << 10;
      private long stderrLogLimit = 64L << 10;
      private int runsPerStore;
      private Consumer<String> stderrListener = line -> System.err.println("[worker] " + line);
      private Consumer<String> hostLog = line -> System.err.println("[elixir-workers] " + line);

      private Builder() {}

      public Builder bindings(WorkerBindings bindings) {
        this.bindings = bindings;
        return this;
      }

      public Builder maxRequestBodyBytes(long bytes) {
        this.maxRequestBodyBytes = bytes;
        return this;
      }

      public Builder stdoutLimit(long bytes) {
        this.stdoutLimit = bytes;
        return this;
      }

      public Builder maxRounds(int rounds) {
        this.maxRounds = rounds;
        return this;
      }

      public Builder maxNeedsPerRound(int needs) {
        this.maxNeedsPerRound = needs;
        return this;
      }

      public Builder timeLimit(Duration timeLimit) {
        this.timeLimit = timeLimit;
        return this;
      }

      public Builder memoryLimit(long bytes) {
        this.memoryLimit = bytes;
        return this;
      }

      public Builder stderrLimit(long bytes) {
        this.stderrLimit = bytes;
        return this;
      }

      public Builder stderrLogLimit(long bytes) {
        this.stderrLogLimit = bytes;
        return this;
      }

      /** At least 1; leave it unset for the module's default (see {@link Options}). */
      public Builder runsPerStore(int runs) {
        // 0 is how Options spells "the default", not a choice to make here
        if (runs < 1) {
          throw new IllegalArgumentException("runsPerStore must be at least 1: " + runs);
        }
        this.runsPerStore = runs;
        return this;
      }

      public Builder stderrListener(Consumer<String> listener) {
        this.stderrListener = listener;
        return this;
      }

      public Builder hostLog(Consumer<String> log) {
        this.hostLog = log;
        return this;
      }

      /**
       * @throws IllegalArgumentException when a setting is out of range (the message names it)
       * @throws NullPointerException when a setting was set to null
       */
      public Options build() {
        return new Options(
            bindings,
            maxRequestBodyBytes,
            stdoutLimit,
            maxRounds,
            maxNeedsPerRound,
            timeLimit,
            memoryLimit,
            stderrLimit,
            stderrLogLimit,
            runsPerStore,
            stderrListener,
            hostLog);
      }
    }
  }
}
