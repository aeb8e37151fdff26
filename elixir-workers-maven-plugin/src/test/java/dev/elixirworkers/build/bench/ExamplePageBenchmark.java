package dev.elixirworkers.build.bench;

import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Not a test: the median latency of the example worker's pages through {@link WorkerRuntime} (a
 * fresh guest instance per request), for the performance target of the framework (the HTML page in
 * at most 3 ms). No assertions on time. Build the example first, then run
 *
 * <pre>
 * (cd examples/hello-worker &amp;&amp; mvn -B -o package -Datomvm.source=...)
 * mvn -pl elixir-workers-maven-plugin test -Dbenchmark=true -Dtest=ExamplePageBenchmark \
 *     [-Dbenchmark.worker=examples/hello-worker/target/worker]
 * </pre>
 *
 * The node counterpart is {@code atomvm-wasi/bench/page-bench.mjs}.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class ExamplePageBenchmark {
  static final int WARMUP = 300;
  static final int RUNS = 500;
  static final int ROUNDS = 3;

  @Test
  void reportMedians() throws Exception {
    Path worker =
        Path.of(System.getProperty("benchmark.worker", "../examples/hello-worker/target/worker"));
    if (!Files.isRegularFile(worker.resolve(WorkerBundle.APP))) {
      throw new IllegalStateException(
          "no built worker in "
              + worker.toAbsolutePath()
              + ": run `mvn package` in examples/hello-worker (with -Datomvm.source=...) first, or"
              + " set -Dbenchmark.worker=<dir holding atomvm.wasm and app.avm>");
    }
    WorkerBundle bundle = WorkerBundle.load(worker);
    System.out.printf(
        "worker %s: app.avm %d bytes%n", worker.toAbsolutePath().normalize(), bundle.app().length);
    try (WorkerRuntime runtime =
        WorkerRuntime.create(
            bundle, WorkerRuntime.Options.builder().stderrListener(line -> {}).build())) {
      for (String path : new String[] {"/", "/api/health"}) {
        WorkerRequest request =
            WorkerRequest.of("GET", "http://localhost:8797" + path)
                .withHeader("host", "localhost:8797")
                .withHeader("accept", "text/html")
                .withHeader("user-agent", "bench");
        WorkerResponse first = check(runtime.handle(request), path);
        for (int i = 0; i < WARMUP; i++) {
          check(runtime.handle(request), path);
        }
        for (int round = 1; round <= ROUNDS; round++) {
          long[] nanos = new long[RUNS];
          for (int i = 0; i < RUNS; i++) {
            long start = System.nanoTime();
            check(runtime.handle(request), path);
            nanos[i] = System.nanoTime() - start;
          }
          report(
              "GET " + path + " (" + first.body().length + " body bytes), round " + round, nanos);
        }
      }
    }
  }

  static WorkerResponse check(WorkerResponse response, String path) {
    if (response.status() != 200) {
      throw new AssertionError("GET " + path + ": " + response + ": " + response.bodyText());
    }
    return response;
  }

  static void report(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "%s: median %.3f ms, p10 %.3f ms, p90 %.3f ms (%d runs)%n",
        what,
        sorted[sorted.length / 2] / 1e6,
        sorted[sorted.length / 10] / 1e6,
        sorted[sorted.length * 9 / 10] / 1e6,
        sorted.length);
  }
}
