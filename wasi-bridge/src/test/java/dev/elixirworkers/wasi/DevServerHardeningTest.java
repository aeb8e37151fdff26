package dev.elixirworkers.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.testing.TestGuest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev server against clients that misbehave, over real sockets: a bounded pool (503 when full),
 * a declared body over the limit refused before it is sent, slow clients cut off without holding a
 * thread, Host names other than loopback and the configured one refused (421), and a stop that lets
 * a request finish and applies its effects before the bindings close.
 */
class DevServerHardeningTest {
  static WorkerRuntime runtime;

  @BeforeAll
  static void createRuntime() throws Exception {
    runtime =
        WorkerRuntime.create(
            TestGuest.bundle(),
            WorkerRuntime.Options.builder()
                .timeLimit(Duration.ofSeconds(20))
                .stderrListener(line -> {})
                .build());
  }

  @AfterAll
  static void closeRuntime() {
    runtime.close();
  }

  static DevServer start(Consumer<DevServer.Options.Builder> configure) throws IOException {
    DevServer.Options.Builder options = DevServer.Options.builder().port(0).log(line -> {});
    configure.accept(options);
    return DevServer.start(() -> runtime, options.build());
  }

  /** A response read off a raw socket. */
  record Raw(int status, String head, String body) {}

  /** Sends {@code request} as is and reads one response (Content-Length bodies). */
  static Raw exchange(DevServer server, String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return read(socket.getInputStream());
    }
  }

  static Raw read(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after " + head);
      }
      head.write(b);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return new Raw(
        Integer.parseInt(text.substring(9, 12)), text, new String(body, StandardCharsets.UTF_8));
  }

  static String get(String path, String host) {
    return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  }

  static String post(String path, String body) {
    return "POST "
        + path
        + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length
        + "\r\n\r\n"
        + body;
  }

  static String sleepThenAnswer(long millis) {
    return "{\"sleep_ms\":" + millis + "}";
  }

  /** True when the server closes the connection within {@code millis}, without answering. */
  static boolean closedWithin(Socket socket, long millis) throws IOException {
    socket.setSoTimeout((int) millis);
    try {
      return socket.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Test
  void requestsPastThePoolGet503WithRetryAfterAndTheServerServesAgainWhenOneFinishes()
      throws Exception {
    // a thread per slow client: the common pool may run both on one thread (two cores, JDK 25)
    ExecutorService clients = Executors.newFixedThreadPool(2);
    try (DevServer server = start(o -> o.maxConcurrentRequests(2))) {
      List<CompletableFuture<Raw>> slow = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        slow.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return exchange(server, post("/script", sleepThenAnswer(1500)));
                  } catch (IOException e) {
                    throw new RuntimeException(e);
                  }
                },
                clients));
      }
      Thread.sleep(500); // both are in the worker now

      long t0 = System.nanoTime();
      Raw refused = exchange(server, post("/echo", "third"));
      long refusedMillis = (System.nanoTime() - t0) / 1_000_000;

      assertEquals(503, refused.status(), refused.toString());
      assertTrue(refused.head().toLowerCase().contains("retry-after: 1"), refused.head());
      assertEquals(
          "the dev server is busy: 2 requests are running, its limit (maxConcurrentRequests);"
              + " try again\n",
          refused.body());
      assertTrue(refusedMillis < 500, "answered at once, not after the others: " + refusedMillis);
      for (CompletableFuture<Raw> s : slow) {
        assertEquals(200, s.get().status(), s.get().toString());
      }
      Raw after = exchange(server, post("/echo", "fourth"));
      assertEquals(200, after.status());
      assertEquals("fourth", after.body());
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void aDeclaredContentLengthOverTheLimitIs413BeforeAnyOfTheBodyIsSent() throws Exception {
    ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
    try (DevServer server = start(o -> o.maxBodyBytes(16).log(log::add))) {
      Raw response =
          exchange(
              server,
              "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000\r\n\r\n");

      assertEquals(413, response.status(), response.toString());
      assertEquals(RequestFailure.requestBodyTooLarge(16).message(), response.body());
      DevServerTest.awaitLine(log, line -> line.matches("POST /echo 413 \\d+ ms"));
    }
  }

  @Test
  void aClientThatTricklesItsHeadersIsCutOffAndHoldsNoThread() throws Exception {
    ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
    try (DevServer server =
            start(
                o ->
                    o.maxConcurrentRequests(1)
                        .requestTimeout(Duration.ofMillis(800))
                        .log(log::add));
        Socket slowloris = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      OutputStream out = slowloris.getOutputStream();
      out.write("GET /echo HTTP/1.1\r\nHost: localhost\r\nX-Slow: a".getBytes());
      out.flush();

      assertTrue(closedWithin(slowloris, 3_000), "the server closed the slow connection");
      Raw next = exchange(server, post("/echo", "served"));
      assertEquals(200, next.status(), next.toString());
      assertEquals("served", next.body());
      DevServerTest.awaitLine(
          log,
          line ->
              line.equals("closed a connection that sent no complete request head within 800 ms"));
    }
  }

  @Test
  void aTrickledBodyIsCutOffAtTheRequestTimeoutAndLogged() throws Exception {
    ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
    try (DevServer server =
            start(
                o ->
                    o.maxConcurrentRequests(1)
                        .requestTimeout(Duration.ofMillis(800))
                        .log(log::add));
        Socket trickle = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      OutputStream out = trickle.getOutputStream();
      out.write(
          "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nfirst bytes"
              .getBytes());
      out.flush();

      assertTrue(closedWithin(trickle, 3_000), "the server closed the trickling connection");
      Raw next = exchange(server, post("/echo", "served"));
      assertEquals(200, next.status(), next.toString());
      DevServerTest.awaitLine(
          log,
          line ->
              line.matches(
                  "POST /echo 408 \\d+ ms \\(the request did not arrive within 800 ms\\)"));
    }
  }

  @Test
  void aHostOtherThanLoopbackOrTheConfiguredOneIs421() throws Exception {
    try (DevServer server = start(o -> o.allowedHosts(Set.of("dev.test")))) {
      for (String host :
          List.of(
              "localhost", "localhost:1", "127.0.0.1:8797", "[::1]:9", "LOCALHOST", "dev.test")) {
        Raw ok = exchange(server, get("/echo", host));
        assertEquals(200, ok.status(), host + ": " + ok);
      }
      for (String host :
          List.of("evil.example", "evil.example:" + server.port(), "localhost.evil")) {
        Raw refused = exchange(server, get("/echo", host));
        assertEquals(421, refused.status(), host + ": " + refused);
        assertEquals(
            "the dev server does not answer for the host \""
                + host
                + "\"; it answers for 127.0.0.1, [::1], dev.test, localhost (a page on another"
                + " name must not reach it) — to serve another name, set -Delixir-workers.host"
                + " to it\n",
            refused.body());
      }
      Raw absolute =
          exchange(
              server,
              "GET http://evil.example/echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      assertEquals(421, absolute.status(), absolute.toString());
    }
  }

  @Test
  void closeLetsARequestInProgressFinishAndAppliesItsEffectsBeforeTheBindingsClose(
      @TempDir Path state) throws Exception {
    WorkerConfig config = WorkerConfig.of(Map.of(), Map.of(), List.of("CACHE"), List.of());
    LocalBindings bindings = LocalBindings.open(config, state);
    CompletableFuture<Raw> slow;
    try (WorkerRuntime withBindings =
        WorkerRuntime.create(
            TestGuest.bundle(),
            WorkerRuntime.Options.builder()
                .bindings(bindings)
                .timeLimit(Duration.ofSeconds(20))
                .stderrListener(line -> {})
                .build())) {
      DevServer server =
          DevServer.start(
              () -> withBindings, DevServer.Options.builder().port(0).log(line -> {}).build());
      slow =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return exchange(
                      server,
                      post(
                          "/script",
                          "{\"sleep_ms\":3000,\"effects\":[{\"type\":\"kv.put\",\"binding\":"
                              + "\"CACHE\",\"key\":\"late\",\"value\":\"kept\"}]}"));
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      Thread.sleep(500); // the request is in the worker

      server.close();
      bindings.close();
    }

    assertEquals(200, slow.get().status(), slow.get().toString());
    try (LocalBindings reopened = LocalBindings.open(config, state)) {
      assertEquals(
          "kept",
          new String(
              reopened.kv("CACHE").orElseThrow().get("late").orElseThrow().value(),
              StandardCharsets.UTF_8));
    }
  }
}
