package dev.elixirworkers.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.testing.TestGuest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The JUnit 5 extension: one worker per class, injected, fresh KV and D1 before every test. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ElixirWorkerExtensionTest {
  static TestWorker first;

  @RegisterExtension
  static final ElixirWorkerExtension extension =
      new ElixirWorkerExtension(
          () -> {
            try {
              return TestWorker.builder()
                  .bundle(TestGuest.bundle())
                  .config(WorkerConfig.of(Map.of(), Map.of(), List.of("CACHE"), List.of()))
                  .echo(null)
                  .build();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });

  @BeforeAll
  static void injectedIntoBeforeAll(TestWorker worker) {
    first = worker;
  }

  @Test
  @Order(1)
  void writes(TestWorker worker) {
    assertSame(first, worker);
    worker
        .post("/script")
        .json(
            "{\"effects\":[{\"type\":\"kv.put\",\"binding\":\"CACHE\",\"key\":\"k\",\"value\":\"v\"}]}")
        .send();
    worker.kv("CACHE").assertValue("k", "v");
  }

  @Test
  @Order(2)
  void theNextTestStartsFromEmptyState(TestWorker worker) {
    assertSame(first, worker);
    worker.kv("CACHE").assertAbsent("k");
    assertEquals(List.of(), worker.kv("CACHE").keys());
  }
}
