package dev.elixirworkers.wasi.bench;

import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.testing.TestGuest;
import dev.elixirworkers.wasi.wasmtime.WasiModule;
import dev.elixirworkers.wasi.wasmtime.WasiSession;
import dev.elixirworkers.wasi.wasmtime.WasmtimeEngine;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, left out of the default run: reports the median time of /echo through {@link
 * WorkerRuntime} and what creating host functions costs; it fails only when /echo does not answer
 * 200, never on time. Run with
 *
 * <pre>./mvnw -pl wasi-bridge test -Dgroups=benchmark -Dtest=EchoLatencyBenchmark</pre>
 */
@Tag("benchmark")
class EchoLatencyBenchmark {
  static final int WARMUP = 200;
  static final int RUNS = 200;

  @Test
  void reportMedians() throws Exception {
    WorkerRequest request =
        WorkerRequest.of("POST", "http://localhost:8797/echo")
            .withHeader("accept", "*/*")
            .withBody("hello");
    TestGuest.bundle(); // compile the guest before timing
    long created = System.nanoTime();
    try (WorkerRuntime first = WorkerRuntime.create(TestGuest.bundle())) {
      long ready = System.nanoTime();
      check(first.handle(request));
      System.out.printf(
          "first WorkerRuntime.create in this JVM (natives, engine, module): %.1f ms,"
              + " first request %.1f ms%n",
          (ready - created) / 1e6, (System.nanoTime() - ready) / 1e6);
    }
    for (int pauseMillis : new int[] {0, 5}) {
      for (int runsPerStore : new int[] {1, 8, 64}) {
        try (WorkerRuntime runtime =
            WorkerRuntime.create(
                TestGuest.bundle(),
                WorkerRuntime.Options.builder().runsPerStore(runsPerStore).build())) {
          for (int i = 0; i < WARMUP; i++) {
            check(runtime.handle(request));
          }
          long[] nanos = new long[RUNS];
          for (int i = 0; i < RUNS; i++) {
            if (pauseMillis > 0) {
              Thread.sleep(pauseMillis);
            }
            long start = System.nanoTime();
            check(runtime.handle(request));
            nanos[i] = System.nanoTime() - start;
          }
          report(
              "/echo through WorkerRuntime, runsPerStore="
                  + runsPerStore
                  + (pauseMillis > 0
                      ? ", " + pauseMillis + " ms between requests"
                      : ", back to back"),
              nanos);
        }
      }
    }

    try (WasiModule module = WasiModule.load(WasmtimeEngine.shared(), TestGuest.bundle().wasm())) {
      int n = 0;
      long[] nanos = new long[RUNS];
      for (int i = 0; i < WARMUP + RUNS; i++) {
        try (WasiSession session = module.newSession()) {
          n = session.hostFunctionCount();
          if (i >= WARMUP) {
            nanos[i - WARMUP] = session.creationNanos();
          }
        }
      }
      report("store + " + n + " host functions", nanos);
      Arrays.sort(nanos);
      System.out.printf("  = %.1f us per host function (median)%n", nanos[RUNS / 2] / 1e3 / n);
    }
  }

  static void check(WorkerResponse response) {
    if (response.status() != 200) {
      throw new AssertionError(response + ": " + response.bodyText());
    }
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
