package dev.elixirworkers.core.wrangler;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A running {@code wrangler dev}: workerd serving a worker directory on a local address, with local
 * KV and D1 state in {@code persistTo}. {@link #close()} stops wrangler and every process it
 * started (workerd included): the whole process tree, not just wrangler's own PID, which would
 * leave workerd orphaned and holding the port.
 */
public final class WranglerDev implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("Ready on (https?://\\S+)");
  private static final int TAIL = 40;

  private final Process process;
  private final URI uri;
  private final Deque<String> tail;

  private WranglerDev(Process process, URI uri, Deque<String> tail) {
    this.process = process;
    this.uri = uri;
    this.tail = tail;
  }

  /** Where and how to serve. */
  public record Options(
      String host,
      int port,
      Path persistTo,
      Optional<Path> envFile,
      Duration startTimeout,
      Consumer<String> output) {
    public Options {
      Objects.requireNonNull(host);
      Objects.requireNonNull(persistTo);
      Objects.requireNonNull(envFile);
      Objects.requireNonNull(startTimeout);
      Objects.requireNonNull(output);
    }

    /** 127.0.0.1:{@code port}, one minute to start, output to {@code output}. */
    public static Options local(int port, Path persistTo, Consumer<String> output) {
      return new Options(
          "127.0.0.1", port, persistTo, Optional.empty(), Duration.ofMinutes(1), output);
    }

    public Options withEnvFile(Path file) {
      return new Options(host, port, persistTo, Optional.of(file), startTimeout, output);
    }
  }

  static WranglerDev start(Wrangler wrangler, Path workerDirectory, Options options, BuildLog log) {
    int inspector = freePort(options.host());
    List<String> args =
        new ArrayList<>(
            List.of(
                "dev",
                "--ip",
                options.host(),
                "--port",
                Integer.toString(options.port()),
                // wrangler holds 9229 by default: take a free port instead
                "--inspector-port",
                Integer.toString(inspector),
                "--persist-to",
                options.persistTo().toAbsolutePath().toString(),
                "--show-interactive-dev-session=false",
                "--log-level",
                "info"));
    options
        .envFile()
        .ifPresent(f -> args.addAll(List.of("--env-file", f.toAbsolutePath().toString())));
    List<String> command = wrangler.command(args);
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(workerDirectory.toFile()).redirectErrorStream(true);
    builder.environment().putAll(wrangler.environment());
    try {
      Files.createDirectories(options.persistTo());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new BuildException(
          "Could not start `" + String.join(" ", command) + "`: " + e.getMessage(), e);
    }
    log.debug("wrangler dev: " + String.join(" ", command));
    Deque<String> tail = new ArrayDeque<>();
    CountDownLatch ready = new CountDownLatch(1);
    String[] url = new String[1];
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > TAIL) {
                      tail.removeFirst();
                    }
                  }
                  Matcher m = READY.matcher(line.replaceAll("\u001B\\[[;\\d]*m", ""));
                  if (url[0] == null && m.find()) {
                    url[0] = m.group(1);
                    ready.countDown();
                  }
                  try {
                    options.output().accept(line);
                  } catch (RuntimeException ignored) {
                    // a failing logger must not stop the server
                  }
                }
              } catch (IOException e) {
                // the process went away
              } finally {
                ready.countDown();
              }
            },
            "wrangler-dev-output");
    reader.setDaemon(true);
    reader.start();
    WranglerDev dev = null;
    try {
      boolean signalled = ready.await(options.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
      if (url[0] == null) {
        String why =
            !signalled
                ? "did not get ready within " + options.startTimeout().toSeconds() + " s"
                : process.isAlive() ? "closed its output" : "exited with code " + process.waitFor();
        destroyTree(process);
        throw new BuildException(
            "`"
                + String.join(" ", command)
                + "` "
                + why
                + (tail.isEmpty() ? "" : ":\n" + String.join("\n", snapshot(tail))));
      }
      dev =
          new WranglerDev(process, URI.create(url[0].endsWith("/") ? url[0] : url[0] + "/"), tail);
      return dev;
    } catch (InterruptedException e) {
      destroyTree(process);
      Thread.currentThread().interrupt();
      throw new BuildException("Interrupted while starting wrangler dev", e);
    }
  }

  /** Where it serves, e.g. {@code http://127.0.0.1:8798/}. */
  public URI uri() {
    return uri;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The last lines wrangler printed. */
  public List<String> tail() {
    return snapshot(tail);
  }

  /** Blocks until wrangler exits on its own; returns its exit code. */
  public int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  /** The PIDs of wrangler and everything it started. */
  public List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    pids.add(process.pid());
    process.descendants().forEach(p -> pids.add(p.pid()));
    return pids;
  }

  /** Stops wrangler and every process under it (workerd too). Idempotent. */
  @Override
  public void close() {
    destroyTree(process);
  }

  private static void destroyTree(Process process) {
    // snapshot first: once wrangler is gone, workerd would be re-parented and out of reach
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (ProcessHandle p : tree) {
      try {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          p.onExit().get(left, TimeUnit.NANOSECONDS);
        }
      } catch (Exception e) {
        // still alive: forced below
      }
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  private static List<String> snapshot(Deque<String> tail) {
    synchronized (tail) {
      return List.copyOf(tail);
    }
  }

  /** A port nothing listens on right now. */
  public static int freePort(String host) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
