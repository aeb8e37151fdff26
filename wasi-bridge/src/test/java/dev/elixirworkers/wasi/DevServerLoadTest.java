package dev.elixirworkers.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.testing.TestGuest;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded load on loopback: 2,000 requests at concurrency 8 against the dev server running the
 * test guest with local bindings (a third echo a body, a third read KV in two rounds, a third write
 * KV as an effect). No request may fail, and the heap must come back to its baseline. Prints
 * throughput and latency percentiles.
 */
class DevServerLoadTest {
  static final int REQUESTS = 2_000;
  static final int CONCURRENCY = 8;
  static final long HEAP_SLACK = 24L << 20;

  @Test
  void twoThousandRequestsAtConcurrencyEightWithoutFailureOrHeapGrowth(@TempDir Path state)
      throws Exception {
    try (LocalBindings bindings =
            LocalBindings.open(
                WorkerConfig.of(Map.of(), Map.of(), List.of("CACHE"), List.of()), state);
        WorkerRuntime runtime =
            WorkerRuntime.create(
                TestGuest.bundle(),
                WorkerRuntime.Options.builder()
                    .bindings(bindings)
                    .stderrListener(l -> {})
                    .build());
        DevServer server =
            DevServer.start(
                () -> runtime, DevServer.Options.builder().port(0).log(l -> {}).build())) {
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .executor(Executors.newFixedThreadPool(2))
              .build();
      bindings.kv("CACHE").orElseThrow().put("greeting", "hello".getBytes(), null, null, null);

      run(client, server.uri(), 200); // warm-up: JIT, stores, connections
      long baseline = settledHeap();

      long start = System.nanoTime();
      long[] latencies = run(client, server.uri(), REQUESTS);
      double seconds = (System.nanoTime() - start) / 1e9;

      long after = settledHeap();
      Arrays.sort(latencies);
      System.out.printf(
          "DevServerLoadTest: %d requests at concurrency %d in %.2f s: %.0f req/s, p50 %.2f ms,"
              + " p99 %.2f ms; heap %d MiB -> %d MiB%s%n",
          REQUESTS,
          CONCURRENCY,
          seconds,
          REQUESTS / seconds,
          latencies[latencies.length / 2] / 1e6,
          latencies[(int) (latencies.length * 0.99)] / 1e6,
          baseline >> 20,
          after >> 20,
          rss());
      assertTrue(
          after <= baseline + HEAP_SLACK,
          "heap after GC grew from " + (baseline >> 20) + " MiB to " + (after >> 20) + " MiB");
      assertEquals(
          "written",
          new String(bindings.kv("CACHE").orElseThrow().get("w-0").orElseThrow().value()));
    }
  }

  /** Runs n requests on CONCURRENCY threads; fails on the first wrong answer. */
  static long[] run(HttpClient client, URI base, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    long[] latencies = new long[n];
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < CONCURRENCY; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = thread; i < n; i += CONCURRENCY) {
                    long t0 = System.nanoTime();
                    String failure = one(client, base, i);
                    latencies[i] = System.nanoTime() - t0;
                    if (failure != null) {
                      failures.add(failure);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(failures.isEmpty(), failures.size() + " failures, e.g. " + failures.peek());
    return latencies;
  }

  static String one(HttpClient client, URI base, int i) {
    try {
      HttpRequest.Builder request;
      String expect;
      switch (i % 3) {
        case 0 -> {
          request =
              HttpRequest.newBuilder(base.resolve("/echo"))
                  .POST(HttpRequest.BodyPublishers.ofString("body " + i));
          expect = "body " + i;
        }
        case 1 -> {
          request =
              HttpRequest.newBuilder(base.resolve("/script"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"rounds\":[[{\"id\":\"g\",\"type\":\"kv.get\",\"binding\":\"CACHE\",\"key\":\"greeting\"}]]}"));
          expect = "\"g\":{\"ok\":\"hello\"}";
        }
        default -> {
          request =
              HttpRequest.newBuilder(base.resolve("/script"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"effects\":[{\"type\":\"kv.put\",\"binding\":\"CACHE\",\"key\":\"w-"
                              + (i % 50)
                              + "\",\"value\":\"written\"}]}"));
          expect = "\"round\":0";
        }
      }
      HttpResponse<String> response =
          client.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200 || !response.body().contains(expect)) {
        return "request " + i + ": " + response.statusCode() + " " + response.body();
      }
      return null;
    } catch (Exception e) {
      return "request " + i + ": " + e;
    }
  }

  static long settledHeap() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  static String rss() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("VmRSS:"))
          .map(l -> "; RSS " + (Long.parseLong(l.replaceAll("\\D", "")) >> 10) + " MiB")
          .findFirst()
          .orElse("");
    } catch (Exception e) {
      return "";
    }
  }
}
