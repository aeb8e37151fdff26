package dev.elixirworkers.wasi;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The threads the JDK server runs its exchanges on: at most {@code workers} requests at once, and a
 * few threads more whose requests are only told that the server is busy; past those the JDK closes
 * the connection. The JDK reads the request line and headers on these threads, so a watchdog closes
 * the connection of any exchange that spends longer than the request timeout reading its request or
 * writing its response (a client that trickles bytes or stops reading): it interrupts the thread,
 * and the JDK's blocking channel closes itself on an interrupt. Running the worker and applying its
 * effects are never interrupted; the time limit bounds the first.
 */
final class RequestThreads implements Executor {
  /** Threads for requests that arrive while every worker thread is taken: each answers 503. */
  static final int BUSY_THREADS = 2;

  private static final long WATCHDOG_MILLIS = 100;

  /**
   * How long a request that found every worker thread taken waits for one before it is told the
   * server is busy: a thread whose connection just closed is a moment from taking work again.
   */
  private static final long HANDOFF_MILLIS = 100;

  /** What an exchange's thread is doing, as far as the watchdog is concerned. */
  enum Phase {
    /** Request line, headers, body: under the request timeout. */
    READING,
    /** Running the worker or applying its effects: not interrupted. */
    RUNNING,
    /** Sending the response: under the request timeout. */
    WRITING,
    /** The watchdog closed the connection. */
    TIMED_OUT,
    DONE
  }

  /** One exchange on one thread. */
  static final class Exchange {
    private final Thread thread;
    private final boolean busy;
    private final long started = System.nanoTime();
    private Phase phase = Phase.READING;
    private long deadline;
    private volatile boolean handled;

    private Exchange(Thread thread, boolean busy, long timeoutNanos) {
      this.thread = thread;
      this.busy = busy;
      this.deadline = started + timeoutNanos;
    }

    /** True when it runs on a busy thread: answer 503 without reading the body. */
    boolean busy() {
      return busy;
    }

    /**
     * Moves to {@code next}; false when the watchdog has closed the connection already (the
     * thread's interrupt is cleared then, so what follows runs normally).
     */
    synchronized boolean enter(Phase next, long timeoutNanos) {
      handled = true;
      if (phase == Phase.TIMED_OUT) {
        Thread.interrupted();
        return false;
      }
      phase = next;
      deadline = System.nanoTime() + timeoutNanos;
      return true;
    }

    synchronized boolean timedOut() {
      return phase == Phase.TIMED_OUT;
    }

    private synchronized boolean expire(long now) {
      if ((phase == Phase.READING || phase == Phase.WRITING) && now - deadline > 0) {
        phase = Phase.TIMED_OUT;
        // inside the lock: enter() then sees the interrupt delivered and can clear it
        thread.interrupt();
        return true;
      }
      return false;
    }

    private synchronized void finish() {
      phase = Phase.DONE;
      Thread.interrupted();
    }
  }

  private static final ThreadLocal<Exchange> CURRENT = new ThreadLocal<>();

  private final int workers;
  private final long timeoutNanos;
  private final ThreadPoolExecutor workerPool;
  private final ThreadPoolExecutor busyPool;
  private final ScheduledExecutorService watchdog;
  private final Set<Exchange> running = ConcurrentHashMap.newKeySet();
  private final Consumer<String> log;

  RequestThreads(int workers, long timeoutMillis, Consumer<String> log) {
    this.workers = workers;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    this.log = log;
    AtomicInteger count = new AtomicInteger();
    workerPool = pool(workers, "elixir-workers-dev-", count);
    busyPool = pool(BUSY_THREADS, "elixir-workers-dev-busy-", new AtomicInteger());
    watchdog =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "elixir-workers-dev-watchdog");
              t.setDaemon(true);
              return t;
            });
    watchdog.scheduleWithFixedDelay(
        this::expireSlowExchanges, WATCHDOG_MILLIS, WATCHDOG_MILLIS, TimeUnit.MILLISECONDS);
  }

  private static ThreadPoolExecutor pool(int size, String name, AtomicInteger count) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            size,
            size,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, name + count.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  int workers() {
    return workers;
  }

  long timeoutNanos() {
    return timeoutNanos;
  }

  long timeoutMillis() {
    return TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
  }

  /** The exchange running on this thread; null off these threads. */
  static Exchange current() {
    return CURRENT.get();
  }

  /**
   * Runs the JDK's exchange on a worker thread, or on a busy thread when all are taken.
   *
   * @throws RejectedExecutionException when the busy threads are taken too: the JDK closes the
   *     connection
   */
  @Override
  public void execute(Runnable exchange) {
    try {
      workerPool.execute(() -> run(exchange, false));
    } catch (RejectedExecutionException full) {
      busyPool.execute(() -> handOffOrRefuse(exchange));
    }
  }

  private void handOffOrRefuse(Runnable exchange) {
    try {
      // a worker waiting on the queue takes it; the JDK has not started the exchange yet
      if (workerPool.getQueue().offer(() -> run(exchange, false), HANDOFF_MILLIS, MILLISECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    run(exchange, true);
  }

  private void run(Runnable jdkExchange, boolean busy) {
    Exchange exchange = new Exchange(Thread.currentThread(), busy, timeoutNanos);
    CURRENT.set(exchange);
    running.add(exchange);
    try {
      jdkExchange.run();
    } finally {
      running.remove(exchange);
      exchange.finish();
      CURRENT.remove();
    }
  }

  private void expireSlowExchanges() {
    long now = System.nanoTime();
    for (Exchange exchange : running) {
      boolean headOnly = !exchange.handled;
      if (exchange.expire(now) && headOnly) {
        // the handler never saw this one, so it cannot log it
        log.accept(
            "closed a connection that sent no complete request head within "
                + timeoutMillis()
                + " ms");
      }
    }
  }

  /** Stops taking exchanges; those running get {@code millis} to end, then are interrupted. */
  void shutdown(long millis) {
    workerPool.shutdown();
    busyPool.shutdown();
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      if (!workerPool.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
        workerPool.shutdownNow();
      }
      if (!busyPool.awaitTermination(
          Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        busyPool.shutdownNow();
      }
    } catch (InterruptedException e) {
      workerPool.shutdownNow();
      busyPool.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      watchdog.shutdownNow();
    }
  }
}
