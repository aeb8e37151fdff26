package dev.elixirworkers.wasi;

import dev.elixirworkers.wasi.wasmtime.WasiModule;
import dev.elixirworkers.wasi.wasmtime.WasiSession;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The wasmtime stores ({@link WasiSession}s) of one runtime's module. A run takes a store, runs one
 * fresh instance in it and gives it back; the pool keeps it for the next run until it has served
 * {@code runsPerStore} runs. Host functions cost about 100 µs per import to create, so there is
 * always a spare made in the background, and stores are dropped in the background too.
 *
 * <p>The pool owns the module: after {@link #close()} it gives the module back once the last
 * request, store and spare in flight is done. Thread-safe.
 */
final class SessionPool implements AutoCloseable {
  /** Runs per store of a module that defines its memory: each run leaves an instance behind. */
  static final int RUNS_PER_STORE = 8;

  /** Runs per store of a module that imports its memory (a snapshot): runs share one memory. */
  static final int RUNS_PER_STORE_LENT_MEMORY = 256;

  static final int MAX_IDLE = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  /**
   * A store keeps the memory of every instance it ran until it is dropped: one whose last guest
   * grew its memory past this is dropped at once rather than reused.
   */
  static final long RETAIN_MEMORY_BYTES = 32L << 20;

  /**
   * Creates and drops stores off the request path, for every pool in the process. Its queue is
   * short: when it is full the calling thread does the work itself (back-pressure, so retired
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

  private final WasiModule module;
  private final int runsPerStore;
  private final Object lock = new Object();
  private final Deque<WasiSession> idle = new ArrayDeque<>();

  /** Requests, taken stores and spares being made: the module stays open while any exist. */
  private int inFlight;

  private boolean refilling;
  private boolean closed;
  private boolean moduleReleased;

  /**
   * @param runsPerStore how many runs a store serves; 0 for {@value #RUNS_PER_STORE}, or {@value
   *     #RUNS_PER_STORE_LENT_MEMORY} when the module imports its memory
   */
  SessionPool(WasiModule module, int runsPerStore) {
    this.module = module;
    this.runsPerStore =
        runsPerStore > 0
            ? runsPerStore
            : module.importsMemory() ? RUNS_PER_STORE_LENT_MEMORY : RUNS_PER_STORE;
    prepareSpare();
  }

  /**
   * Counts a request in flight until {@link #endRequest()}: a request that has started can take
   * stores for all its rounds, even when the pool is closed meanwhile.
   *
   * @throws IllegalStateException when the pool is closed
   */
  void beginRequest() {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("The worker runtime is closed");
      }
      inFlight++;
    }
  }

  void endRequest() {
    release(null, false, false);
  }

  /** An idle store, or a new one; when that was the last idle store, the next is made meanwhile. */
  WasiSession take() {
    WasiSession session;
    synchronized (lock) {
      inFlight++;
      session = idle.pollFirst();
    }
    prepareSpare();
    if (session != null) {
      return session;
    }
    try {
      return module.newSession();
    } catch (RuntimeException | Error e) {
      release(null, false, false);
      throw e;
    }
  }

  /**
   * Returns a store taken with {@link #take()}. It is kept for the next run when its guest exited
   * (rather than trapping or running out of time), has runs left and did not grow its memory past
   * {@link #RETAIN_MEMORY_BYTES}; otherwise it is dropped.
   */
  void giveBack(WasiSession session, boolean exited) {
    boolean keep =
        exited && session.runs() < runsPerStore && session.lastMemoryBytes() <= RETAIN_MEMORY_BYTES;
    release(session, keep, false);
  }

  private void release(WasiSession session, boolean keep, boolean spare) {
    boolean releaseModule = false;
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
        moduleReleased = releaseModule = true;
      }
    }
    if (retired == null) {
      if (releaseModule) {
        module.close();
      }
      return;
    }
    prepareSpare();
    // dropping a store costs about as much as making one: keep it off the request path, and give
    // the module back only after the store is gone
    WasiSession toClose = retired;
    boolean releaseAfter = releaseModule;
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

  /** When no store is idle, creates one in the background, so that the next run does not wait. */
  private void prepareSpare() {
    synchronized (lock) {
      if (closed || refilling || !idle.isEmpty()) {
        return;
      }
      refilling = true;
      inFlight++;
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
            release(spare, spare != null, true);
          }
        });
  }

  boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /** Stops handing out stores to new requests and drops the idle ones. Idempotent. */
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
}
