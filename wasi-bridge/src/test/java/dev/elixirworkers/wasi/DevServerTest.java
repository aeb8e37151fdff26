package dev.elixirworkers.wasi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.testing.TestGuest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DevServerTest {
  static final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
  static final AtomicReference<WorkerRuntime> current = new AtomicReference<>();
  static WorkerRuntime runtime;
  static DevServer server;
  static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    runtime =
        WorkerRuntime.create(
            TestGuest.bundle(),
            WorkerRuntime.Options.builder()
                .timeLimit(Duration.ofMillis(500))
                .stderrListener(line -> {})
                .build());
    current.set(runtime);
    server =
        DevServer.start(current::get, DevServer.Options.builder().port(0).log(log::add).build());
    client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterAll
  static void stop() {
    server.close();
    runtime.close();
  }

  static HttpResponse<byte[]> send(HttpRequest.Builder request) throws Exception {
    return client.send(
        request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static HttpRequest.Builder to(String path) {
    return HttpRequest.newBuilder(server.uri().resolve(path));
  }

  static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void servesTheWorkerOverHttpWithBinaryBodyAndRepeatedHeaders() throws Exception {
    byte[] body = new byte[256 * 1024];
    new java.util.Random(7).nextBytes(body);

    HttpResponse<byte[]> response =
        send(
            to("/echo?q=1")
                .header("X-Multi", "one")
                .header("X-Multi", "two")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));

    assertEquals(200, response.statusCode());
    assertArrayEquals(body, response.body());
    assertEquals("POST", response.headers().firstValue("x-echo-method").orElseThrow());
    assertEquals(
        "http://localhost:" + server.port() + "/echo?q=1",
        response.headers().firstValue("x-echo-url").orElseThrow());
    assertEquals(List.of("one", "two"), response.headers().allValues("x-echo-x-multi"));
    assertEquals(List.of("a=1", "b=2"), response.headers().allValues("set-cookie"));
  }

  @Test
  void eachFaultyGuestGetsItsDocumentedStatusAndTheNextRequestSucceeds() throws Exception {
    String[][] cases = {
      {"/trap", "500", "the worker crashed"},
      {"/oob", "500", "the worker crashed"},
      {"/exit", "500", "the worker exited with status 3"},
      {"/garbage", "502", "the worker wrote an invalid response"},
      {"/partial", "502", "the worker wrote an invalid response"},
      {"/bad-status", "502", "the worker wrote an invalid response"},
      {"/loop", "504", "the worker ran longer than 500 ms"},
      {"/sleep-forever", "504", "the worker ran longer than 500 ms"},
    };
    for (String[] c : cases) {
      HttpResponse<byte[]> response = send(to(c[0]));
      assertEquals(Integer.parseInt(c[1]), response.statusCode(), c[0] + ": " + text(response));
      assertTrue(text(response).startsWith(c[2]), c[0] + ": " + text(response));

      HttpResponse<byte[]> next = send(to("/echo").POST(HttpRequest.BodyPublishers.ofString("ok")));
      assertEquals(200, next.statusCode(), "after " + c[0]);
      assertEquals("ok", text(next));
    }
  }

  @Test
  void logsOneLinePerRequestWithMethodPathStatusMillisRoundsNeedsAndEffects() throws Exception {
    send(to("/nope?secret=1"));

    awaitLine(log, line -> line.matches("GET /nope 404 \\d+ ms rounds=1 needs=0 effects=0"));
  }

  /** Log lines are written once the exchange is closed, which may be after the client has it. */
  static void awaitLine(ConcurrentLinkedQueue<String> lines, java.util.function.Predicate<String> p)
      throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (lines.stream().noneMatch(p) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(lines.stream().anyMatch(p), lines.toString());
  }

  @Test
  void concurrentRequestsUpToThePoolSizeAreServed() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
    for (int i = 0; i < DevServer.Options.defaults().maxConcurrentRequests(); i++) {
      futures.add(
          client.sendAsync(
              to("/echo").POST(HttpRequest.BodyPublishers.ofString("n" + i)).build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    for (int i = 0; i < futures.size(); i++) {
      HttpResponse<String> response = futures.get(i).get();
      assertEquals(200, response.statusCode());
      assertEquals("n" + i, response.body());
    }
  }

  @Test
  void headRequestGetsHeadersWithoutBody() throws Exception {
    HttpResponse<byte[]> response =
        send(to("/echo").method("HEAD", HttpRequest.BodyPublishers.noBody()));

    assertEquals(200, response.statusCode());
    assertEquals(0, response.body().length);
    assertEquals("HEAD", response.headers().firstValue("x-echo-method").orElseThrow());
  }

  @Test
  void hostFailureIs500AndTheServerKeepsServing() throws Exception {
    AtomicReference<WorkerRuntime> broken = new AtomicReference<>();
    ConcurrentLinkedQueue<String> brokenLog = new ConcurrentLinkedQueue<>();
    try (DevServer failing =
        DevServer.start(
            () -> {
              if (broken.get() == null) {
                broken.set(runtime);
                throw new IllegalStateException("rebuild in progress");
              }
              return broken.get();
            },
            DevServer.Options.builder().port(0).log(brokenLog::add).build())) {
      HttpResponse<byte[]> first = send(HttpRequest.newBuilder(failing.uri().resolve("/echo")));
      HttpResponse<byte[]> second = send(HttpRequest.newBuilder(failing.uri().resolve("/echo")));

      assertEquals(500, first.statusCode());
      assertTrue(text(first).contains("rebuild in progress"), text(first));
      assertEquals(200, second.statusCode());
      awaitLine(brokenLog, l -> l.contains("IllegalStateException: rebuild in progress"));
    }
  }

  @Test
  void swappingTheRuntimeTakesEffectOnTheNextRequest() throws Exception {
    try (WorkerRuntime other =
        WorkerRuntime.create(
            WorkerBundle.of(TestGuest.bundle().wasm(), "swapped".getBytes()),
            WorkerRuntime.Options.builder().stderrListener(l -> {}).build())) {
      current.set(other);
      try {
        assertEquals("swapped", text(send(to("/file"))));
      } finally {
        current.set(runtime);
      }
      assertArrayEquals(TestGuest.appBytes(), send(to("/file")).body());
    }
  }

  @Test
  void aBodyOverTheDevServersLimitIs413WithoutReachingTheWorker() throws Exception {
    ConcurrentLinkedQueue<String> limitedLog = new ConcurrentLinkedQueue<>();
    try (DevServer limited =
        DevServer.start(
            current::get,
            DevServer.Options.builder().port(0).maxBodyBytes(16).log(limitedLog::add).build())) {
      URI echo = limited.uri().resolve("/echo");
      HttpResponse<byte[]> atLimit =
          send(
              HttpRequest.newBuilder(echo)
                  .POST(HttpRequest.BodyPublishers.ofString("x".repeat(16))));
      HttpResponse<byte[]> over =
          send(
              HttpRequest.newBuilder(echo)
                  .POST(HttpRequest.BodyPublishers.ofString("x".repeat(17))));

      HttpResponse<byte[]> overChunked =
          send(
              HttpRequest.newBuilder(echo)
                  .POST(
                      HttpRequest.BodyPublishers.ofInputStream(
                          () -> new java.io.ByteArrayInputStream("x".repeat(17).getBytes()))));

      assertEquals(200, atLimit.statusCode());
      assertEquals("x".repeat(16), text(atLimit));
      assertEquals(413, over.statusCode());
      assertEquals("the request body is larger than 16 bytes\n", text(over));
      // without a Content-Length the server stops reading at the limit, and answers the same
      assertEquals(413, overChunked.statusCode());
      assertEquals("the request body is larger than 16 bytes\n", text(overChunked));
      awaitLine(limitedLog, line -> line.matches("POST /echo 413 \\d+ ms"));
    }
  }

  @Test
  void stopLetsARequestInProgressFinish() throws Exception {
    DevServer temporary =
        DevServer.start(current::get, DevServer.Options.builder().port(0).log(l -> {}).build());
    CompletableFuture<HttpResponse<String>> slow =
        client.sendAsync(
            HttpRequest.newBuilder(temporary.uri().resolve("/sleep-forever")).build(),
            HttpResponse.BodyHandlers.ofString());
    Thread.sleep(150); // the request is in the worker now; its time limit is 500 ms

    temporary.stop(Duration.ofSeconds(5));

    assertEquals(504, slow.get().statusCode());
  }

  @Test
  void stoppedServerRefusesConnections() throws Exception {
    DevServer temporary =
        DevServer.start(current::get, DevServer.Options.builder().port(0).log(l -> {}).build());
    URI uri = temporary.uri().resolve("/echo");
    assertEquals(200, send(HttpRequest.newBuilder(uri)).statusCode());

    temporary.stop(Duration.ofMillis(100));

    IOException e = assertThrows(IOException.class, () -> send(HttpRequest.newBuilder(uri)));
    assertTrue(
        e instanceof ConnectException || e.getCause() instanceof ConnectException, e.toString());
  }
}
