package dev.elixirworkers.wasi;

import dev.elixirworkers.wasi.preview1.InMemoryDirectory;
import dev.elixirworkers.wasi.preview1.OutputBuffer;
import dev.elixirworkers.wasi.preview1.WasiPreview1;
import dev.elixirworkers.wasi.wasmtime.GuestOutcome;
import dev.elixirworkers.wasi.wasmtime.WasiModule;
import dev.elixirworkers.wasi.wasmtime.WasiSession;
import dev.elixirworkers.wasi.wasmtime.WasmtimeEngine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
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

  private final WorkerBundle bundle;
  private final Options options;
  private final WasiModule module;
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
    this.module = WasiModule.load(WasmtimeEngine.shared(), bundle.wasm());
    this.appDir = InMemoryDirectory.of(WorkerBundle.APP, bundle.app());
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
   * Runs one request to completion.
   *
   * @throws WasiSession.HostFailure when a WASI host function failed (a bug in this host)
   * @throws IllegalStateException after {@link #close()}
   */
  public WorkerResponse handle(WorkerRequest request) {
    WasiSession session;
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("The worker runtime is closed");
      }
      inFlight++;
      session = idle.pollFirst();
    }
    prepareSpare(); // when that was the last idle store, make the next one meanwhile
    boolean keep = false;
    try {
      if (session == null) {
        session = module.newSession();
      }
      long limitMillis = options.timeLimit.toMillis();
      long start = System.nanoTime();
      OutputBuffer stdout = new OutputBuffer(options.stdoutLimit, OutputBuffer.Overflow.REJECT);
      OutputBuffer stderr =
          new OutputBuffer(
              options.stderrLimit, OutputBuffer.Overflow.KEEP_TAIL, options.stderrListener);
      WasiPreview1 wasi =
          WasiPreview1.builder()
              .args(ARGS)
              .stdin(Frames.encodeRequest(request))
              .stdout(stdout)
              .stderr(stderr)
              .preopen(APP_DIR, appDir)
              .deadlineNanos(start + limitMillis * 1_000_000L)
              .build();
      GuestOutcome outcome;
      try {
        outcome = session.run(wasi, limitMillis);
      } finally {
        stderr.flushLines();
      }
      keep = outcome instanceof GuestOutcome.Exited && session.runs() < options.runsPerStore;
      return respond(outcome, stdout, stderr);
    } finally {
      finish(session, keep, false);
    }
  }

  private WorkerResponse respond(GuestOutcome outcome, OutputBuffer stdout, OutputBuffer stderr) {
    if (outcome instanceof GuestOutcome.TimedOut t) {
      return WorkerResponse.text(504, "the worker ran longer than " + t.limitMillis() + " ms\n");
    }
    if (outcome instanceof GuestOutcome.Trapped t) {
      return WorkerResponse.text(500, "the worker crashed: " + t.message() + "\n" + tail(stderr));
    }
    byte[] out = stdout.toByteArray();
    if (stdout.overflowed()) {
      // checked before the exit status: a guest whose write failed may have exited because of it
      return WorkerResponse.text(
          502,
          "the worker wrote an invalid response: more than "
              + stdout.limit()
              + " bytes on stdout\nfirst bytes: "
              + Frames.preview(out, PREVIEW_BYTES)
              + "\n");
    }
    int status = ((GuestOutcome.Exited) outcome).status();
    if (status != 0) {
      return WorkerResponse.text(
          500, "the worker exited with status " + status + "\n" + tail(stderr));
    }
    try {
      return Frames.decodeResponse(out);
    } catch (Frames.InvalidFrameException e) {
      return WorkerResponse.text(
          502,
          "the worker wrote an invalid response: "
              + e.getMessage()
              + "\nfirst bytes: "
              + Frames.preview(out, PREVIEW_BYTES)
              + "\n");
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

    private Options(Builder b) {
      this.timeLimit = b.timeLimit;
      this.stdoutLimit = b.stdoutLimit;
      this.stderrLimit = b.stderrLimit;
      this.stderrListener = b.stderrListener;
      this.runsPerStore = b.runsPerStore;
    }

    /** 10 s wall time, 32 MiB stdout, 64 KiB stderr tail, stderr lines to System.err. */
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

    public int runsPerStore() {
      return runsPerStore;
    }

    public static final class Builder {
      private Duration timeLimit = Duration.ofSeconds(10);
      private long stdoutLimit = 32L << 20;
      private long stderrLimit = 64L << 10;
      private Consumer<String> stderrListener = line -> System.err.println("[worker] " + line);
      private int runsPerStore = 8;

      private Builder() {}

      /** Wall-clock limit per request; past it the guest is interrupted and 504 returned. */
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
       * new store per request.
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
