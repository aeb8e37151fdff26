package dev.elixirworkers.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elixirworkers.wasi.bindings.BindingException;
import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.testing.TestGuest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rounds of docs/protocol.md through WorkerRuntime, with bindings and effects. */
class RoundsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String BASE = "http://localhost";

  static WorkerRequest script(String json) {
    return WorkerRequest.of("POST", BASE + "/script").withBody(json);
  }

  static WorkerRuntime runtime(WorkerBindings bindings, List<String> hostLog) throws Exception {
    return WorkerRuntime.create(
        TestGuest.bundle(),
        WorkerRuntime.Options.builder()
            .bindings(bindings)
            .stderrListener(l -> {})
            .hostLog(hostLog::add)
            .timeLimit(Duration.ofSeconds(5))
            .build());
  }

  /** Bindings that answer every need with a function of it and record effects. */
  static final class Scripted implements WorkerBindings {
    final Function<ObjectNode, ObjectNode> answer;
    final List<JsonNode> applied = new ArrayList<>();

    Scripted(Function<ObjectNode, ObjectNode> answer) {
      this.answer = answer;
    }

    @Override
    public Map<String, String> env() {
      return Map.of("SECRET", "do-not-log-me");
    }

    @Override
    public Map<String, String> types() {
      return Map.of("KV", "kv");
    }

    @Override
    public ObjectNode fulfil(ObjectNode need) {
      return answer.apply(need);
    }

    @Override
    public synchronized void apply(JsonNode effect) throws BindingException {
      if (effect.path("fail").asBoolean()) {
        throw new BindingException(BindingException.Code.LIMIT, "refused on purpose");
      }
      applied.add(effect);
    }
  }

  @Test
  void needsOfOneRoundAreFulfilledConcurrently() throws Exception {
    int n = 6;
    CyclicBarrier allInFlight = new CyclicBarrier(n);
    Scripted bindings =
        new Scripted(
            need -> {
              try {
                allInFlight.await(5, TimeUnit.SECONDS); // only passes if all n run at once
              } catch (Exception e) {
                return WorkerBindings.error(BindingException.Code.INTERNAL, "not concurrent: " + e);
              }
              return WorkerBindings.ok(
                  JSON.getNodeFactory().textNode("v-" + need.get("key").asText()));
            });
    StringBuilder needs = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      needs
          .append(i == 0 ? "" : ",")
          .append("{\"id\":\"n")
          .append(i)
          .append("\",\"type\":\"kv.get\",\"binding\":\"KV\",\"key\":\"k")
          .append(i)
          .append("\"}");
    }
    List<String> log = new ArrayList<>();
    try (WorkerRuntime runtime = runtime(bindings, log)) {
      WorkerExchange exchange = runtime.exchange(script("{\"rounds\":[" + needs + "]]}"));

      assertEquals(200, exchange.response().status(), exchange.response().bodyText());
      JsonNode results = JSON.readTree(exchange.response().body()).get("results");
      for (int i = 0; i < n; i++) {
        assertEquals("v-k" + i, results.get("n" + i).get("ok").asText(), results.toString());
      }
      assertEquals(2, exchange.rounds());
      assertEquals(n, exchange.needs());
    }
  }

  @Test
  void effectsWaitForApplyEffectsRunInOrderAndFailuresAreLoggedWithTheRequest() throws Exception {
    Scripted bindings = new Scripted(need -> WorkerBindings.ok(null));
    List<String> log = new ArrayList<>();
    try (WorkerRuntime runtime = runtime(bindings, log)) {
      WorkerExchange exchange =
          runtime.exchange(
              script(
                  "{\"effects\":[{\"type\":\"kv.put\",\"binding\":\"KV\",\"key\":\"a\",\"value\":\"1\"},"
                      + "{\"type\":\"kv.put\",\"binding\":\"KV\",\"key\":\"b\",\"value\":\"hidden\",\"fail\":true},"
                      + "{\"type\":\"kv.delete\",\"binding\":\"KV\",\"key\":\"c\"}]}"));

      assertEquals(200, exchange.response().status());
      assertTrue(bindings.applied.isEmpty(), "nothing before applyEffects");

      List<WorkerExchange.EffectFailure> failures = exchange.applyEffects();

      assertEquals(
          List.of("a", "c"), bindings.applied.stream().map(e -> e.get("key").asText()).toList());
      assertEquals(1, failures.size());
      assertEquals("limit", failures.get(0).code());
      assertEquals(1, log.size(), log.toString());
      assertEquals(
          "effect 2 of 3 (kv.put KV \"b\") for POST http://localhost/script failed: limit: refused on purpose",
          log.get(0));
      assertTrue(log.get(0).indexOf("hidden") < 0, "values are not logged");
      assertSame(failures, exchange.applyEffects(), "only the first call runs them");
      assertEquals(2, bindings.applied.size());
    }
  }

  @Test
  void handleAppliesEffectsBeforeReturning() throws Exception {
    Scripted bindings = new Scripted(need -> WorkerBindings.ok(null));
    try (WorkerRuntime runtime = runtime(bindings, new ArrayList<>())) {
      runtime.handle(
          script("{\"effects\":[{\"type\":\"kv.delete\",\"binding\":\"KV\",\"key\":\"x\"}]}"));

      assertEquals(1, bindings.applied.size());
    }
  }

  @Test
  void aBindingThatThrowsGivesTheGuestAnInternalError() throws Exception {
    Scripted bindings =
        new Scripted(
            need -> {
              throw new IllegalStateException("database on fire");
            });
    try (WorkerRuntime runtime = runtime(bindings, new ArrayList<>())) {
      WorkerResponse response =
          runtime.handle(
              script(
                  "{\"rounds\":[[{\"id\":\"a\",\"type\":\"kv.get\",\"binding\":\"KV\",\"key\":\"k\"}]]}"));

      assertEquals(200, response.status());
      JsonNode error = JSON.readTree(response.body()).at("/results/a/error");
      assertEquals("internal", error.get("code").asText());
      assertTrue(error.get("message").asText().contains("database on fire"), error.toString());
    }
  }

  @Test
  void withoutBindingsEveryNeedIsAnUndeclaredBindingError() throws Exception {
    try (WorkerRuntime runtime =
        WorkerRuntime.create(
            TestGuest.bundle(), WorkerRuntime.Options.builder().stderrListener(l -> {}).build())) {
      WorkerResponse response =
          runtime.handle(
              script(
                  "{\"rounds\":[[{\"id\":\"a\",\"type\":\"kv.get\",\"binding\":\"KV\",\"key\":\"k\"}]]}"));

      assertEquals(
          "undeclared_binding",
          JSON.readTree(response.body()).at("/results/a/error/code").asText());
    }
  }

  @Test
  void aRequestInItsRoundsFinishesWhenTheRuntimeIsClosedMeanwhile() throws Exception {
    CountDownLatch inNeed = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    Scripted bindings =
        new Scripted(
            need -> {
              inNeed.countDown();
              try {
                closed.await(5, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return WorkerBindings.ok(JSON.getNodeFactory().textNode("late"));
            });
    WorkerRuntime runtime = runtime(bindings, new ArrayList<>());
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<WorkerResponse> pending =
          pool.submit(
              () ->
                  runtime.handle(
                      script(
                          "{\"rounds\":[[{\"id\":\"a\",\"type\":\"kv.get\",\"binding\":\"KV\",\"key\":\"k\"}]]}")));
      assertTrue(inNeed.await(5, TimeUnit.SECONDS));

      runtime.close(); // a live reload swapping the runtime does this
      closed.countDown();

      WorkerResponse response = pending.get(10, TimeUnit.SECONDS);
      assertEquals(200, response.status(), response.bodyText());
      assertEquals("late", JSON.readTree(response.body()).at("/results/a/ok").asText());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anEndlessD1QueryStopsWithinTheRequestsTimeLimitAndTheNextRequestIsServed(@TempDir Path state)
      throws Exception {
    try (LocalBindings bindings =
            LocalBindings.open(
                WorkerConfig.of(Map.of(), Map.of(), List.of(), List.of("DB")), state);
        WorkerRuntime runtime =
            WorkerRuntime.create(
                TestGuest.bundle(),
                WorkerRuntime.Options.builder()
                    .bindings(bindings)
                    .stderrListener(l -> {})
                    // headroom for the guest's two passes on a busy machine
                    .timeLimit(Duration.ofMillis(1000))
                    .build())) {
      long started = System.nanoTime();
      WorkerResponse endless =
          runtime.handle(
              script(
                  "{\"rounds\":[[{\"id\":\"q\",\"type\":\"d1.query\",\"binding\":\"DB\","
                      + "\"sql\":\"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)"
                      + " SELECT max(n) FROM r\"}]]}"));
      long tookMillis = (System.nanoTime() - started) / 1_000_000;
      WorkerResponse next =
          runtime.handle(
              script(
                  "{\"rounds\":[[{\"id\":\"q\",\"type\":\"d1.query\",\"binding\":\"DB\","
                      + "\"sql\":\"SELECT 42 AS answer\"}]]}"));

      assertEquals(200, endless.status(), endless.bodyText());
      JsonNode error = JSON.readTree(endless.body()).path("results").path("q").path("error");
      assertEquals("sql_error", error.path("code").asText(), endless.bodyText());
      assertTrue(error.path("message").asText().startsWith("interrupted: "), error.toString());
      assertTrue(tookMillis < 5_000, "the query held the request for " + tookMillis + " ms");
      assertEquals(
          42,
          JSON.readTree(next.body()).at("/results/q/ok/results/0/answer").asInt(),
          next.bodyText());
    }
  }

  @Test
  void failuresOfConcurrentRequestsStayInTheirOwnRequest(@TempDir Path state) throws Exception {
    ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
    try (LocalBindings bindings =
            LocalBindings.open(
                WorkerConfig.of(Map.of(), Map.of(), List.of("CACHE"), List.of()), state);
        WorkerRuntime runtime =
            WorkerRuntime.create(
                TestGuest.bundle(),
                WorkerRuntime.Options.builder()
                    .bindings(bindings)
                    .stderrListener(l -> {})
                    .hostLog(log::add)
                    .timeLimit(Duration.ofMillis(1500)) // headroom: 8 guests share 2 cores here
                    .memoryLimit(24L << 20)
                    .build())) {
      String[][] kinds = {
        {"/trap", "500"}, {"/grow?mb=32", "500"}, {"/loop", "504"}, {"/garbage", "502"},
        {"/exit", "500"}, {"/echo", "200"}, {"/chain", "200"}, {"/grow?mb=8", "200"},
      };
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          String[] kind = kinds[i % kinds.length];
          int n = i;
          results.add(
              pool.submit(
                  () -> {
                    WorkerRequest request =
                        kind[0].equals("/chain")
                            ? WorkerRequest.of("GET", BASE + "/chain?binding=CACHE&key=k" + n)
                            : WorkerRequest.of("POST", BASE + kind[0]).withBody("req " + n);
                    WorkerResponse response = runtime.handle(request);
                    boolean ok =
                        response.status() == Integer.parseInt(kind[1])
                            && (!kind[0].equals("/echo") || response.bodyText().equals("req " + n))
                            && (!kind[0].equals("/chain") || response.bodyText().equals("k" + n));
                    return ok
                        ? null
                        : kind[0] + " -> " + response.status() + " " + response.bodyText();
                  }));
        }
        for (Future<String> result : results) {
          assertEquals(null, result.get(60, TimeUnit.SECONDS));
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
