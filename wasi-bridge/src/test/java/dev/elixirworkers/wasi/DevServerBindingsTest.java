package dev.elixirworkers.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.testing.TestGuest;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dev server with local bindings: effects after the response, logging, error pages. */
class DevServerBindingsTest {
  static final String SECRET = "s3cret-value-never-logged";
  static final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
  static final AtomicReference<RuntimeException> unavailable = new AtomicReference<>();
  @TempDir static Path state;
  static LocalBindings bindings;
  static WorkerRuntime runtime;
  static DevServer server;
  static HttpClient client = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    bindings =
        LocalBindings.open(
            WorkerConfig.of(
                Map.of("GREETING", "hello"),
                Map.of("API_TOKEN", SECRET),
                List.of("CACHE"),
                List.of("DB")),
            state);
    runtime =
        WorkerRuntime.create(
            TestGuest.bundle(),
            WorkerRuntime.Options.builder()
                .bindings(bindings)
                .stderrListener(line -> log.add("[worker] " + line))
                .hostLog(log::add)
                .build());
    server =
        DevServer.start(
            () -> {
              RuntimeException e = unavailable.get();
              if (e != null) {
                throw e;
              }
              return runtime;
            },
            DevServer.Options.builder().port(0).log(log::add).build());
  }

  @AfterAll
  static void stop() {
    server.close();
    runtime.close();
    bindings.close();
  }

  static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(
        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpRequest.Builder post(String path, String body) {
    return HttpRequest.newBuilder(server.uri().resolve(path))
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  @Test
  void effectsRunAfterTheResponseAndTheLogLineCountsRoundsNeedsAndEffects() throws Exception {
    HttpResponse<String> response =
        send(
            post(
                "/script",
                "{\"rounds\":[[{\"id\":\"a\",\"type\":\"kv.get\",\"binding\":\"CACHE\",\"key\":\"x\"},"
                    + "{\"id\":\"b\",\"type\":\"d1.query\",\"binding\":\"DB\",\"sql\":\"SELECT 1\"}]],"
                    + "\"effects\":[{\"type\":\"kv.put\",\"binding\":\"CACHE\",\"key\":\"written\",\"value\":\"yes\"},"
                    + "{\"type\":\"kv.put\",\"binding\":\"NOPE\",\"key\":\"k\",\"value\":\"v\"}]}"));

    assertEquals(200, response.statusCode(), response.body());
    DevServerTest.awaitLine(
        log,
        line -> line.matches("POST /script 200 \\d+ ms rounds=2 needs=2 effects=2 \\(1 failed\\)"));
    assertEquals(
        "yes", new String(bindings.kv("CACHE").orElseThrow().get("written").orElseThrow().value()));
    DevServerTest.awaitLine(
        log,
        line ->
            line.startsWith(
                "effect 2 of 2 (kv.put NOPE \"k\") for POST http://localhost:"
                    + server.port()
                    + "/script failed: undeclared_binding"));
  }

  @Test
  void secretsReachTheWorkerButNeverTheLog() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(server.uri().resolve("/env")));

    assertTrue(response.body().contains(SECRET), response.body());
    assertTrue(
        response.body().contains("\"bindings\":{\"CACHE\":\"kv\",\"DB\":\"d1\"}"), response.body());
    DevServerTest.awaitLine(log, line -> line.startsWith("GET /env 200"));
    assertFalse(log.stream().anyMatch(line -> line.contains(SECRET)), log.toString());
    assertFalse(bindings.toString().contains(SECRET));
  }

  @Test
  void unavailableWorkerShowsItsMessageAsAnErrorPageAndTheServerKeepsServing() throws Exception {
    unavailable.set(
        new WorkerUnavailableException(
            "the worker does not build", "src/main/elixir/app.ex:7: undefined function <foo>/0"));
    try {
      HttpResponse<String> html =
          send(HttpRequest.newBuilder(server.uri().resolve("/")).header("Accept", "text/html,*/*"));
      HttpResponse<String> text = send(HttpRequest.newBuilder(server.uri().resolve("/")));

      assertEquals(500, html.statusCode());
      assertTrue(html.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
      assertTrue(html.body().contains("app.ex:7: undefined function &lt;foo&gt;/0"), html.body());
      assertEquals(500, text.statusCode());
      assertTrue(
          text.body().startsWith("the worker does not build\n\nsrc/main/elixir/app.ex:7:"),
          text.body());
      DevServerTest.awaitLine(
          log, line -> line.matches("GET / 500 \\d+ ms \\(the worker does not build\\)"));
    } finally {
      unavailable.set(null);
    }
    assertEquals(200, send(post("/echo", "back")).statusCode());
  }

  @Test
  void requestBodyOverTheRuntimeLimitIs413BeforeTheGuestRuns(@TempDir Path dir) throws Exception {
    try (WorkerRuntime small =
            WorkerRuntime.create(
                TestGuest.bundle(),
                WorkerRuntime.Options.builder()
                    .maxRequestBodyBytes(10)
                    .stderrListener(l -> {})
                    .build());
        DevServer other =
            DevServer.start(
                () -> small, DevServer.Options.builder().port(0).log(log::add).build())) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(other.uri().resolve("/echo"))
                  .POST(HttpRequest.BodyPublishers.ofString("eleven byte"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertEquals(413, response.statusCode());
      assertEquals("the request body is larger than 10 bytes\n", response.body());
      DevServerTest.awaitLine(
          log, line -> line.matches("POST /echo 413 \\d+ ms rounds=0 needs=0 effects=0"));
    }
  }
}
