package dev.elixirworkers.benchmarks;

import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.WorkerBuild;
import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.core.compat.CompatibilityMode;
import dev.elixirworkers.core.server.LocalServer;
import dev.elixirworkers.core.server.ServerSettings;
import dev.elixirworkers.wasi.bindings.D1Database;
import dev.elixirworkers.wasi.bindings.KvNamespace;
import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The fault-and-load harness (not a test): builds {@code src/main/fault-worker} with the real
 * AtomVM, serves it with the JVM dev server in this JVM (local KV and D1 on SQLite), and sends
 * 2,000 requests at concurrency 8, 2 % of them to routes that misbehave — loop forever, abort,
 * exhaust memory (a growing list, one huge binary), overflow the C stack, flood stderr, write
 * garbage to stdout, run {@code ATTACH} and {@code BEGIN} through D1 — while four clients trickle a
 * request head a byte a second. It reports the good requests that failed (must be 0), whether the
 * server still answers, the status of every bad request, writes lost (successful KV and D1 writes
 * missing once the server has stopped), and the heap used after GC before and after the run (must
 * stay flat). Exits 1 when a criterion fails. Run from the repository root:
 *
 * <pre>./mvnw -B -Pfault-load -DskipTests install -pl benchmarks -am -Datomvm.source=...</pre>
 */
public final class FaultLoad {
  static final String COMMAND =
      "./mvnw -B -Pfault-load -DskipTests install -pl benchmarks -am -Datomvm.source=<AtomVM"
          + " checkout>";
  static final int CONCURRENCY = 8;

  /** One request in 50 is bad: 2 %. */
  static final int BAD_EVERY = 50;

  static final long HEAP_SLACK = 32L << 20;

  /** Clients that trickle their request during the run, a byte a second (slowloris). */
  static final int SLOW_CLIENTS = 4;

  /**
   * Connections that send a request head one byte a second and never finish it; the dev server must
   * close each at its request timeout without the run noticing.
   */
  static final class SlowClients {
    private final List<Socket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger cut = new AtomicInteger();

    static SlowClients start(int port, int count) throws IOException {
      SlowClients slow = new SlowClients();
      for (int i = 0; i < count; i++) {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        slow.sockets.add(socket);
        Thread t =
            new Thread(
                () -> {
                  byte[] head = bytes("GET /ok HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
                  try {
                    OutputStream out = socket.getOutputStream();
                    for (int b = 0; ; b++) {
                      out.write(b < head.length ? head[b] : 'x');
                      out.flush();
                      Thread.sleep(1000);
                    }
                  } catch (IOException closedByTheServer) {
                    slow.cut.incrementAndGet();
                  } catch (InterruptedException stopped) {
                    // the harness gave up waiting
                  }
                },
                "fault-load-slow-" + i);
        t.setDaemon(true);
        t.start();
        slow.threads.add(t);
      }
      return slow;
    }

    /** Waits up to {@code limit} for the server to close them; how many it closed. */
    int finish(Duration limit) throws InterruptedException {
      long deadline = System.nanoTime() + limit.toNanos();
      for (Thread t : threads) {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
      for (Thread t : threads) {
        t.interrupt();
      }
      for (Socket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closed already
        }
      }
      return cut.get();
    }
  }

  /** The misbehaving routes, in the order they take turns. */
  enum Bad {
    LOOP("/bad/loop", "loops forever"),
    ABORT("/bad/abort", "aborts (a trap)"),
    MEMORY_LIST("/bad/memory-list", "grows a list until memory runs out"),
    MEMORY_BINARY("/bad/memory-binary", "allocates a 200 MB binary"),
    STACK("/bad/stack", "overflows the C stack"),
    STDERR("/bad/stderr", "writes 64 MiB to stderr"),
    GARBAGE("/bad/garbage", "writes garbage to stdout"),
    ATTACH("/bad/attach", "runs ATTACH DATABASE through D1"),
    BEGIN("/bad/begin", "runs BEGIN through D1");

    final String path;
    final String what;

    Bad(String path, String what) {
      this.path = path;
      this.what = what;
    }
  }

  /** What one bad request got. */
  record Outcome(int status, String firstLine, long millis) {}

  private final Path root = Path.of(System.getProperty("benchmarks.root", "..")).toAbsolutePath();
  private final Path work =
      Path.of(System.getProperty("benchmarks.work", "target/benchmarks")).toAbsolutePath();
  private final int requests = Integer.getInteger("fault-load.requests", 2000);
  private final long timeLimitMs = Long.getLong("fault-load.timeLimitMs", 5000);

  private final ConcurrentLinkedQueue<String> goodFailures = new ConcurrentLinkedQueue<>();
  private final Map<Bad, List<Outcome>> badOutcomes = new ConcurrentHashMap<>();
  private final List<Integer> rowsInserted = Collections.synchronizedList(new ArrayList<>());
  private final List<String> keysStored = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong workerLogLines = new AtomicLong();
  private final AtomicLong workerLogBytes = new AtomicLong();
  private final ConcurrentLinkedQueue<String> warnings = new ConcurrentLinkedQueue<>();
  private Path attachTarget;
  private long rssBefore = -1;
  private int slowClientsCut = -1;
  private long rssAfter = -1;

  public static void main(String[] args) throws Exception {
    Optional<Path> atomvm = atomvmSource();
    if (atomvm.isEmpty()) {
      System.out.println(
          "FaultLoad: skipped — no AtomVM source: the harness builds a worker with the real VM;"
              + " set -Datomvm.source=<AtomVM checkout> (or ATOMVM_SOURCE): "
              + COMMAND);
      return;
    }
    System.exit(new FaultLoad().run(atomvm.get()) ? 0 : 1);
  }

  static Optional<Path> atomvmSource() {
    for (String value :
        new String[] {System.getProperty("atomvm.source"), System.getenv("ATOMVM_SOURCE")}) {
      if (value != null && !value.isBlank() && !value.startsWith("${")) {
        return Optional.of(Path.of(value));
      }
    }
    return Optional.empty();
  }

  boolean run(Path atomvm) throws Exception {
    Path project = work.resolve("fault-worker");
    copyTree(root.resolve("benchmarks/src/main/fault-worker"), project);
    BuildLog log = log();
    WorkerProject worker =
        WorkerProject.atConventionalPaths(
            project, "FaultWorker", Optional.of(atomvm), CacheDirectory.root(), true);
    WorkerBuild build = new WorkerBuild(worker, log, CompatibilityMode.WARN);
    build.compile();
    build.bundle();

    Path state = project.resolve(".elixir-workers/state");
    attachTarget = work.resolve("attach-target.sqlite").toAbsolutePath();
    Files.deleteIfExists(attachTarget);
    ServerSettings settings =
        new ServerSettings(
            InetAddress.getLoopbackAddress(),
            0,
            state,
            true,
            Duration.ofMillis(timeLimitMs),
            8,
            100L << 20,
            128L << 20,
            Duration.ofHours(1),
            ServerSettings.DEFAULT_MAX_CONCURRENT_REQUESTS,
            ServerSettings.DEFAULT_REQUEST_TIMEOUT);
    LocalServer server = LocalServer.start(worker, settings, log);
    boolean answering;
    long baseline;
    long after;
    double seconds;
    try {
      server.bindings().kv("CACHE").orElseThrow().put("greeting", bytes("hello"), null, null, null);
      server
          .bindings()
          .d1("DB")
          .orElseThrow()
          .executeScript(List.of("CREATE TABLE rows (n INTEGER NOT NULL)"));
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(10))
              .executor(Executors.newFixedThreadPool(2))
              .build();

      System.out.println("== warm-up: 200 good requests");
      load(client, server.uri(), 200, -1_000_000, false);
      goodFailures.clear();
      rowsInserted.clear();
      keysStored.clear();
      baseline = settledHeap();
      rssBefore = rssMiB();

      System.out.printf(
          "== %d requests at concurrency %d, every %dth bad (time limit %d ms)%n",
          requests, CONCURRENCY, BAD_EVERY, timeLimitMs);
      long start = System.nanoTime();
      SlowClients slow = SlowClients.start(server.port(), SLOW_CLIENTS);
      load(client, server.uri(), requests, 0, true);
      seconds = (System.nanoTime() - start) / 1e9;
      slowClientsCut = slow.finish(Duration.ofSeconds(45));

      answering = answers(client, server.uri());
      after = settledHeap();
      rssAfter = rssMiB();
    } finally {
      server.close();
    }
    List<String> lost = lostWrites(state);
    boolean attachCreated = Files.exists(attachTarget);

    String report = report(seconds, answering, baseline, after, lost, attachCreated);
    System.out.println();
    System.out.println(report);
    Path output = work.resolve("fault-load.md");
    Files.createDirectories(output.getParent());
    Files.writeString(output, report);
    System.out.println("Wrote " + output);
    return goodFailures.isEmpty()
        && answering
        && slowClientsCut == SLOW_CLIENTS
        && lost.isEmpty()
        && after <= baseline + HEAP_SLACK;
  }

  private BuildLog log() {
    return new BuildLog() {
      @Override
      public void info(String message) {
        if (message.startsWith("[worker] ")) {
          // a flood of stderr would drown the report: count it instead
          workerLogLines.incrementAndGet();
          workerLogBytes.addAndGet(message.length());
        } else if (!message.matches("(GET|POST) .*")) {
          System.out.println("[build] " + message);
        }
      }

      @Override
      public void warn(String message) {
        warnings.add(message.length() > 300 ? message.substring(0, 300) + "…" : message);
      }

      @Override
      public void debug(String message) {}
    };
  }

  /** Sends n requests on CONCURRENCY threads; request i is bad when {@code withBad} picks it. */
  void load(HttpClient client, URI base, int n, int offset, boolean withBad) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < CONCURRENCY; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = thread; i < n; i += CONCURRENCY) {
                    if (withBad && i % BAD_EVERY == BAD_EVERY / 2) {
                      bad(client, base, Bad.values()[(i / BAD_EVERY) % Bad.values().length]);
                    } else {
                      good(client, base, i + offset);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  void good(HttpClient client, URI base, int i) {
    int n = Math.abs(i);
    HttpRequest.Builder request;
    String expect;
    Runnable onSuccess = () -> {};
    switch (n % 5) {
      case 0 -> {
        request = HttpRequest.newBuilder(base.resolve("/ok"));
        expect = "ok";
      }
      case 1 -> {
        request = HttpRequest.newBuilder(base.resolve("/kv/greeting"));
        expect = "hello";
      }
      case 2 -> {
        String key = "note-" + i;
        request =
            HttpRequest.newBuilder(base.resolve("/kv/" + key))
                .POST(HttpRequest.BodyPublishers.ofString("v" + i));
        expect = "stored " + key;
        onSuccess = () -> keysStored.add(key);
      }
      case 3 -> {
        request =
            HttpRequest.newBuilder(base.resolve("/d1/rows/" + i))
                .POST(HttpRequest.BodyPublishers.noBody());
        expect = "inserted " + i;
        onSuccess = () -> rowsInserted.add(i);
      }
      default -> {
        request = HttpRequest.newBuilder(base.resolve("/d1/count"));
        expect = null; // a number
      }
    }
    try {
      HttpResponse<String> response =
          client.send(
              request.timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString());
      boolean ok =
          response.statusCode() == 200
              && (expect == null
                  ? response.body().matches("\\d+")
                  : response.body().equals(expect));
      if (ok) {
        onSuccess.run();
      } else {
        goodFailures.add(
            request.build().uri().getPath()
                + " -> "
                + response.statusCode()
                + " "
                + firstLine(response.body()));
      }
    } catch (Exception e) {
      goodFailures.add(request.build().uri().getPath() + " -> " + e);
    }
  }

  void bad(HttpClient client, URI base, Bad kind) {
    URI uri =
        kind == Bad.ATTACH
            ? base.resolve(kind.path + "?path=" + attachTarget.toString().replace(" ", "%20"))
            : base.resolve(kind.path);
    long t0 = System.nanoTime();
    Outcome outcome;
    try {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(2)).build(),
              HttpResponse.BodyHandlers.ofString());
      outcome =
          new Outcome(
              response.statusCode(),
              firstLine(response.body()),
              (System.nanoTime() - t0) / 1_000_000);
    } catch (Exception e) {
      outcome = new Outcome(0, e.toString(), (System.nanoTime() - t0) / 1_000_000);
    }
    badOutcomes
        .computeIfAbsent(kind, k -> Collections.synchronizedList(new ArrayList<>()))
        .add(outcome);
  }

  static boolean answers(HttpClient client, URI base) {
    try {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(base.resolve("/ok")).timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 && response.body().equals("ok");
    } catch (Exception e) {
      return false;
    }
  }

  /** Successful writes that are not in the state once the server has stopped and closed it. */
  List<String> lostWrites(Path state) throws Exception {
    List<String> lost = new ArrayList<>();
    WorkerConfig config = WorkerConfig.of(Map.of(), Map.of(), List.of("CACHE"), List.of("DB"));
    try (LocalBindings reopened = LocalBindings.open(config, state)) {
      KvNamespace kv = reopened.kv("CACHE").orElseThrow();
      synchronized (keysStored) {
        for (String key : keysStored) {
          if (kv.get(key).isEmpty()) {
            lost.add("KV " + key);
          }
        }
      }
      D1Database d1 = reopened.d1("DB").orElseThrow();
      long rows =
          d1.query(new D1Database.Statement("SELECT count(*) AS c FROM rows", List.of()))
              .path("results")
              .path(0)
              .path("c")
              .asLong();
      if (rows < rowsInserted.size()) {
        lost.add("D1: " + (rowsInserted.size() - rows) + " of " + rowsInserted.size() + " rows");
      }
    }
    return lost;
  }

  String report(
      double seconds,
      boolean answering,
      long baseline,
      long after,
      List<String> lost,
      boolean attachCreated) {
    StringBuilder out = new StringBuilder();
    int bad = badOutcomes.values().stream().mapToInt(List::size).sum();
    out.append("# Fault and load\n\n")
        .append("    ")
        .append(COMMAND)
        .append("\n\n")
        .append(
            String.format(
                "%d requests at concurrency %d on the JVM dev server in %.1f s, %d of them bad"
                    + " (time limit %d ms, memory limit 128 MiB); Java %s, %d cores.%n%n",
                requests,
                CONCURRENCY,
                seconds,
                bad,
                timeLimitMs,
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors()))
        .append("| check | result |\n| --- | --- |\n")
        .append(
            "| good requests failed | "
                + goodFailures.size()
                + (goodFailures.isEmpty() ? "" : " (e.g. `" + goodFailures.peek() + "`)")
                + " |\n")
        .append("| server answers afterwards | " + (answering ? "yes" : "**no**") + " |\n")
        .append(
            "| slow clients (a byte a second) cut off by the server | "
                + slowClientsCut
                + " of "
                + SLOW_CLIENTS
                + " |\n")
        .append(
            "| writes lost (after stop) | "
                + (lost.isEmpty() ? "none" : "**" + String.join(", ", lost) + "**")
                + " |\n")
        .append(
            String.format(
                "| heap used after GC, before → after | %d MiB → %d MiB%s |%n",
                baseline >> 20, after >> 20, after <= baseline + HEAP_SLACK ? "" : " (**grew**)"))
        .append(
            String.format(
                "| resident set (heap, Wasmtime, code), before → after | %d MiB → %d MiB |%n",
                rssBefore, rssAfter))
        .append(
            "| worker stderr logged | "
                + workerLogLines.get()
                + " lines, "
                + (workerLogBytes.get() >> 20)
                + " MiB |\n")
        .append("| ATTACH created its file | " + (attachCreated ? "**yes**" : "no") + " |\n\n");
    out.append("| bad route | does | statuses (count × status: first line) | slowest |\n")
        .append("| --- | --- | --- | ---: |\n");
    for (Bad kind : Bad.values()) {
      List<Outcome> outcomes = badOutcomes.getOrDefault(kind, List.of());
      Map<String, Integer> counts = new TreeMap<>();
      long slowest = 0;
      synchronized (outcomes) {
        for (Outcome o : outcomes) {
          counts.merge(o.status() + ": " + o.firstLine(), 1, Integer::sum);
          slowest = Math.max(slowest, o.millis());
        }
      }
      List<String> cells = new ArrayList<>();
      counts.forEach((k, v) -> cells.add(v + " × `" + k.replace("|", "\\|") + "`"));
      out.append("| `")
          .append(kind.path)
          .append("` | ")
          .append(kind.what)
          .append(" | ")
          .append(String.join("<br>", cells))
          .append(" | ")
          .append(slowest)
          .append(" ms |\n");
    }
    if (!goodFailures.isEmpty()) {
      out.append("\nGood requests that failed (first 10):\n\n");
      goodFailures.stream().limit(10).forEach(f -> out.append("- `").append(f).append("`\n"));
    }
    if (!warnings.isEmpty()) {
      out.append("\nHost warnings (first 10 of ").append(warnings.size()).append("):\n\n");
      warnings.stream().limit(10).forEach(w -> out.append("- ").append(oneLine(w)).append('\n'));
    }
    return out.toString();
  }

  static String firstLine(String body) {
    String line = body.lines().findFirst().orElse("");
    return line.length() > 120 ? line.substring(0, 120) + "…" : line;
  }

  static String oneLine(String text) {
    String line = text.replace('\n', ' ');
    return line.length() > 200 ? line.substring(0, 200) + "…" : line;
  }

  static long settledHeap() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(200);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** VmRSS of this process, in MiB; -1 where /proc is not there. */
  static long rssMiB() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("VmRSS:"))
          .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) >> 10)
          .findFirst()
          .orElse(-1);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path source : (Iterable<Path>) walk::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
