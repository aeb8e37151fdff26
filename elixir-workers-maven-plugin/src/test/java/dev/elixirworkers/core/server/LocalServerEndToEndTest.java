package dev.elixirworkers.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.GatedAtomVm;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.WorkerBuild;
import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The JVM dev server on the example worker with the real AtomVM: requests, throughput (a benchmark,
 * {@code -Dgroups=benchmark}), live reload of an edited source, and a compile error shown as an
 * error page while the server keeps running. Runs when {@link GatedAtomVm} finds an AtomVM source
 * ({@code -Datomvm.source}, or the pinned release cached or downloaded); otherwise it is skipped
 * and says why.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalServerEndToEndTest {
  static Path project;
  static LocalServer server;
  static final RecordingLog log = new RecordingLog();
  static final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void buildAndServe() throws IOException {
    Optional<Path> atomvm =
        Optional.of(
            GatedAtomVm.sourceOrSkip(
                "LocalServerEndToEndTest",
                "to run the dev server end-to-end tests on the example worker"));
    project = Files.createTempDirectory("hello-worker-dev");
    GatedAtomVm.copyTree(GatedAtomVm.EXAMPLE_SOURCES, project.resolve("src"));
    WorkerProject worker =
        WorkerProject.atConventionalPaths(
            project, "HelloWorker", atomvm, CacheDirectory.root(), true);
    WorkerBuild build = new WorkerBuild(worker, log);
    build.compile();
    build.bundle();
    server =
        LocalServer.start(
            worker,
            ServerSettings.defaults(project).withPort(0),
            new dev.elixirworkers.core.BuildLog() {
              @Override
              public void info(String message) {
                log.info(message);
              }

              @Override
              public void warn(String message) {
                log.warn(message);
              }

              @Override
              public void debug(String message) {}
            });
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static HttpResponse<String> get(String path, String accept) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.uri().resolve(path)).timeout(Duration.ofSeconds(120));
    if (accept != null) {
      request.header("Accept", accept);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Replaces text in whichever source file holds it (the example's layout may change). */
  static void edit(String from, String to) throws IOException {
    Path source;
    try (Stream<Path> walk = Files.walk(project.resolve("src/main/elixir"))) {
      source =
          walk.filter(p -> p.toString().endsWith(".ex"))
              .filter(
                  p -> {
                    try {
                      return Files.readString(p).contains(from);
                    } catch (IOException e) {
                      return false;
                    }
                  })
              .findFirst()
              .orElseThrow(() -> new AssertionError("no example source holds " + from));
    }
    Files.writeString(source, Files.readString(source).replace(from, to));
    Files.setLastModifiedTime(
        source, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 2000));
  }

  @Test
  @Order(1)
  void servesTheExampleAndLogsEachRequest() throws Exception {
    HttpResponse<String> health = get("/api/health", null);
    HttpResponse<String> page = get("/", "text/html");

    assertEquals(200, health.statusCode(), health.body());
    assertTrue(health.body().contains("\"status\":\"ok\""), health.body());
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("<html"), page.body());
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!log.contains("GET / 200") && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(log.contains("GET /api/health 200"), log.lines.toString());
    assertTrue(log.contains("rounds=1 needs=0 effects=0"), log.lines.toString());
  }

  /** Measures; run with {@code -Dgroups=benchmark}. No request may fail. */
  @Test
  @Order(2)
  @Tag("benchmark")
  void throughputOnTheExample() throws Exception {
    for (String path : List.of("/api/health", "/")) {
      load(path, 40); // warm-up
      int n = 400;
      long start = System.nanoTime();
      long[] latencies = load(path, n);
      double seconds = (System.nanoTime() - start) / 1e9;
      Arrays.sort(latencies);
      System.out.printf(
          "LocalServerEndToEndTest: GET %s, %d requests at concurrency 8: %.0f req/s, p50 %.1f"
              + " ms, p99 %.1f ms%n",
          path, n, n / seconds, latencies[n / 2] / 1e6, latencies[(int) (n * 0.99)] / 1e6);
    }
  }

  static long[] load(String path, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    long[] latencies = new long[n];
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = thread; i < n; i += 8) {
                    long t0 = System.nanoTime();
                    try {
                      HttpResponse<String> r = get(path, null);
                      if (r.statusCode() != 200) {
                        failures.add(r.statusCode() + " " + r.body());
                      }
                    } catch (Exception e) {
                      failures.add(e.toString());
                    }
                    latencies[i] = System.nanoTime() - t0;
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(failures.isEmpty(), failures.size() + " failures, e.g. " + failures.peek());
    return latencies;
  }

  @Test
  @Order(3)
  void anEditedSourceIsServedByTheNextRequest() throws Exception {
    edit("\"status\" => \"ok\"", "\"status\" => \"reloaded\"");

    HttpResponse<String> health = get("/api/health", null);

    assertEquals(200, health.statusCode(), health.body());
    assertTrue(health.body().contains("\"status\":\"reloaded\""), health.body());
  }

  @Test
  @Order(4)
  void aCompileErrorIsAnErrorPageWithFileAndLineUntilFixed() throws Exception {
    edit("\"status\" => \"reloaded\"", "\"status\" => (\"reloaded\"");

    HttpResponse<String> page = get("/api/health", "text/html");
    HttpResponse<String> text = get("/api/health", null);

    assertEquals(500, page.statusCode());
    assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
    assertTrue(text.body().startsWith("the worker does not build"), text.body());
    assertTrue(text.body().matches("(?s).*\\.ex:\\d+.*"), text.body());

    edit("\"status\" => (\"reloaded\"", "\"status\" => \"reloaded\"");

    HttpResponse<String> fixed = get("/api/health", null);
    assertEquals(200, fixed.statusCode(), fixed.body());
    assertTrue(fixed.body().contains("\"status\":\"reloaded\""), fixed.body());
  }
}
