package dev.elixirworkers.wasi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Live reload for the {@link DevServer}: a {@code Supplier<WorkerRuntime>} that rebuilds the worker
 * when a file under the watched directories changes (size, time or presence), swaps in a new
 * runtime and closes the old one once its requests have finished.
 *
 * <p>Every {@link #get()} compares the sources with the last build (a walk of the directories, a
 * few microseconds for a project's sources), so the request that follows a save runs the new code;
 * a background poll rebuilds meanwhile so that request rarely waits. While the last build failed,
 * {@link #get()} throws {@link WorkerUnavailableException} with the build's message ({@code
 * file:line} diagnostics), which the dev server shows as an error page; the server keeps running
 * and the next successful build serves again.
 */
public final class ReloadingWorker implements Supplier<WorkerRuntime>, AutoCloseable {
  /** Rebuilds the worker; an exception's message is what the error page shows. */
  @FunctionalInterface
  public interface Build {
    WorkerBundle build() throws Exception;
  }

  private final List<Path> roots;
  private final Build build;
  private final Function<WorkerBundle, WorkerRuntime> runtimes;
  private final Consumer<String> log;
  private final Object buildLock = new Object();
  private final ScheduledExecutorService poller;
  private volatile List<String> built;
  private volatile WorkerRuntime current;
  private volatile String failure;
  private volatile boolean building;
  private volatile boolean closed;

  private ReloadingWorker(
      List<Path> roots,
      Build build,
      Function<WorkerBundle, WorkerRuntime> runtimes,
      Consumer<String> log) {
    this.roots = List.copyOf(roots);
    this.build = build;
    this.runtimes = runtimes;
    this.log = log;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "elixir-workers-reload");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts serving {@code initial} (already built from the sources as they are now) and watching
   * {@code roots}.
   *
   * @param runtimes makes the runtime of a bundle
   * @param log receives "rebuilding…", "reloaded" and build failures
   * @param pollInterval how often the background check runs; zero for none (checks then happen only
   *     on {@link #get()})
   */
  public static ReloadingWorker start(
      WorkerBundle initial,
      List<Path> roots,
      Build build,
      Function<WorkerBundle, WorkerRuntime> runtimes,
      Consumer<String> log,
      Duration pollInterval) {
    ReloadingWorker worker =
        new ReloadingWorker(
            roots,
            Objects.requireNonNull(build),
            Objects.requireNonNull(runtimes),
            Objects.requireNonNull(log));
    worker.built = worker.fingerprint();
    worker.current = runtimes.apply(initial);
    if (!pollInterval.isZero()) { // only now: a poll must see the initial build
      worker.poller.scheduleWithFixedDelay(
          worker::poll, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return worker;
  }

  /**
   * The runtime for the sources as they are now, rebuilding first when they changed.
   *
   * @throws WorkerUnavailableException while the sources do not build
   */
  @Override
  public WorkerRuntime get() {
    refresh();
    String failed = failure;
    if (failed != null) {
      throw new WorkerUnavailableException("the worker does not build", failed);
    }
    return current;
  }

  /**
   * Rebuilds when the sources differ from the last build, or waits for a rebuild in progress;
   * returns whether this call rebuilt.
   */
  public boolean refresh() {
    // built is read before building: a thread that sees the new fingerprint sees building too
    if (closed || (fingerprint().equals(built) && !building)) {
      return false;
    }
    synchronized (buildLock) {
      List<String> now = fingerprint();
      if (closed || now.equals(built)) {
        return false; // another thread rebuilt meanwhile (this one waited for it)
      }
      building = true;
      try {
        rebuild(now);
      } finally {
        building = false;
      }
      return true;
    }
  }

  private void rebuild(List<String> now) {
    built = now; // taken before building: a change made during the build triggers another
    long start = System.nanoTime();
    log.accept("Sources changed — rebuilding the worker");
    try {
      WorkerRuntime next = runtimes.apply(build.build());
      WorkerRuntime old = current;
      current = next;
      failure = null;
      if (old != null) {
        old.close(); // requests in flight finish on it
      }
      log.accept("Reloaded in " + (System.nanoTime() - start) / 1_000_000 + " ms");
    } catch (Exception | LinkageError e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      failure = message;
      log.accept(
          "The worker does not build; requests get the error page until it does:\n" + message);
    }
  }

  /** The message of the last failed build, if the last build failed. */
  public java.util.Optional<String> failure() {
    return java.util.Optional.ofNullable(failure);
  }

  private void poll() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.accept("Live reload check failed: " + e);
    }
  }

  /** Path, size and modification time of every file under the roots, sorted. */
  private List<String> fingerprint() {
    List<String> out = new ArrayList<>();
    for (Path root : roots) {
      if (!Files.isDirectory(root)) {
        out.add(root + " (absent)");
        continue;
      }
      try (Stream<Path> walk = Files.walk(root)) {
        walk.forEach(
            p -> {
              try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                if (a.isRegularFile()) {
                  out.add(p + " " + a.size() + " " + a.lastModifiedTime());
                }
              } catch (IOException e) {
                out.add(p + " (unreadable)"); // deleted during the walk
              }
            });
      } catch (IOException | UncheckedIOException e) {
        out.add(root + " (unreadable)");
      }
    }
    out.sort(null);
    return out;
  }

  /** Stops watching and closes the current runtime. */
  @Override
  public void close() {
    closed = true;
    poller.shutdownNow();
    synchronized (buildLock) {
      WorkerRuntime last = current;
      if (last != null) {
        last.close();
      }
    }
  }
}
