package dev.elixirworkers.wasi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elixirworkers.wasi.bindings.BindingException;
import dev.elixirworkers.wasi.bindings.WorkerBindings;
import dev.elixirworkers.wasi.testing.TestGuest;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerRuntimeTest {
  static final String BASE = "http://localhost:8797";
  static final ConcurrentLinkedQueue<String> stderrLines = new ConcurrentLinkedQueue<>();
  static final ConcurrentLinkedQueue<String> hostLog = new ConcurrentLinkedQueue<>();
  static WorkerRuntime runtime;

  @BeforeAll
  static void start() throws Exception {
    runtime =
        WorkerRuntime.create(
            TestGuest.bundle(),
            WorkerRuntime.Options.builder()
                .timeLimit(Duration.ofMillis(500))
                .stderrListener(stderrLines::add)
                .hostLog(hostLog::add)
                .build());
  }

  /** A runtime whose worker has ELIXIR_WORKERS_ENV set to {@code value}. */
  static WorkerRuntime withEnvironment(String value) throws Exception {
    WorkerBindings none = WorkerBindings.none();
    WorkerBindings bindings =
        new WorkerBindings() {
          @Override
          public Map<String, String> env() {
            return Map.of("ELIXIR_WORKERS_ENV", value);
          }

          @Override
          public Map<String, String> types() {
            return Map.of();
          }

          @Override
          public ObjectNode fulfil(ObjectNode need) {
            return none.fulfil(need);
          }

          @Override
          public void apply(JsonNode effect) throws BindingException {
            none.apply(effect);
          }
        };
    return WorkerRuntime.create(
        TestGuest.bundle(),
        WorkerRuntime.Options.builder()
            .bindings(bindings)
            .timeLimit(Duration.ofMillis(500))
            .stderrListener(line -> {})
            .hostLog(hostLog::add)
            .build());
  }

  @AfterAll
  static void stop() {
    runtime.close();
  }

  static WorkerResponse get(String path) {
    return runtime.handle(WorkerRequest.of("GET", BASE + path));
  }

  @Test
  void echoReturnsMethodUrlHeadersAndBinaryBody() {
    byte[] body = new byte[1024];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) i;
    }
    WorkerRequest request =
        new WorkerRequest(
            "POST",
            BASE + "/echo?x=1&y=%22quoted%22",
            List.of(
                new Header("Content-Type", "application/octet-stream"),
                new Header("x-multi", "one"),
                new Header("x-multi", "two"),
                new Header("x-quote", "say \"hi\" \\ back")),
            body);

    WorkerResponse response = runtime.handle(request);

    assertEquals(200, response.status());
    assertArrayEquals(body, response.body());
    assertEquals("POST", response.header("x-echo-method").orElseThrow());
    assertEquals(BASE + "/echo?x=1&y=%22quoted%22", response.header("x-echo-url").orElseThrow());
    assertEquals(List.of("one", "two"), response.headerValues("x-echo-x-multi"));
    assertEquals("say \"hi\" \\ back", response.header("x-echo-x-quote").orElseThrow());
    assertEquals(
        "application/octet-stream",
        response.header("x-echo-content-type").orElseThrow(),
        "header names reach the guest lower-cased");
    assertEquals(List.of("a=1", "b=2"), response.headerValues("set-cookie"));
  }

  @Test
  void guestReadsTheAppArchiveFromThePreopenedAppDirectory() {
    WorkerResponse response = get("/file");

    assertEquals(200, response.status(), response.bodyText());
    assertArrayEquals(TestGuest.appBytes(), response.body());
  }

  @Test
  void guestListsTheAppDirectory() {
    WorkerResponse response = get("/dir");

    assertEquals(200, response.status(), response.bodyText());
    assertTrue(response.bodyText().lines().anyMatch("app.avm"::equals), response.bodyText());
  }

  @Test
  void missingFileIsEnoent() {
    assertEquals("ENOENT", get("/missing").bodyText());
  }

  @Test
  void guestGetsAtomvmArguments() {
    assertEquals("atomvm /app/app.avm", get("/args").bodyText());
  }

  @Test
  void guestSeesRealtimeClockAndRandomness() {
    long seconds = Long.parseLong(get("/time").bodyText());
    assertTrue(Math.abs(seconds - System.currentTimeMillis() / 1000) < 60, "time " + seconds);

    String a = get("/random").bodyText();
    String b = get("/random").bodyText();
    assertEquals(32, a.length());
    assertNotEquals(a, b);
  }

  @Test
  void shortSleepCompletes() {
    long start = System.nanoTime();
    WorkerResponse response = get("/sleep");
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(200, response.status(), response.bodyText());
    assertTrue(millis >= 19, "slept only " + millis + " ms");
  }

  @Test
  void stderrLinesGoToTheListenerAndNotIntoTheResponse() {
    WorkerResponse response = get("/stderr");

    assertEquals(200, response.status());
    assertEquals("logged\n", response.bodyText());
    assertTrue(stderrLines.contains("hello from the guest"), stderrLines.toString());
    assertTrue(stderrLines.contains("second line without newline"), stderrLines.toString());
  }

  @Test
  void largeBodyRoundTrips() {
    WorkerResponse response = get("/big");

    assertEquals(200, response.status());
    assertArrayEquals(TestGuest.bigBody(), response.body());
  }

  @Test
  void unknownPathIs404FromTheGuest() {
    WorkerResponse response = get("/nope");

    assertEquals(404, response.status());
    assertEquals("not found: /nope\n", response.bodyText());
  }

  @Test
  void trapIs500WorkerCrashedWithTheTrapInTheLogOnly() {
    WorkerResponse response = get("/trap");

    assertEquals(500, response.status());
    assertEquals("the worker crashed\n", response.bodyText());
    assertTrue(
        hostLog.stream()
            .anyMatch(
                line ->
                    line.startsWith("GET " + BASE + "/trap: the worker crashed\ntrap: ")
                        && line.contains("unreachable")),
        hostLog.toString());
    assertEquals(200, get("/echo").status(), "the next request still works");
  }

  @Test
  void outOfBoundsAccessIs500WorkerCrashed() {
    WorkerResponse response = get("/oob");

    assertEquals(500, response.status());
    assertEquals("the worker crashed\n", response.bodyText());
    assertTrue(
        hostLog.stream().anyMatch(line -> line.contains("out of bounds memory access")),
        hostLog.toString());
    assertEquals(200, get("/echo").status());
  }

  @Test
  void inDevelopmentModeA500ShowsTheTrapAndTheEndOfStderr() throws Exception {
    for (String value : List.of("dev", "development")) {
      try (WorkerRuntime dev = withEnvironment(value)) {
        WorkerResponse trapped = dev.handle(WorkerRequest.of("GET", BASE + "/trap"));
        WorkerResponse exited = dev.handle(WorkerRequest.of("GET", BASE + "/exit"));

        assertTrue(
            trapped.bodyText().startsWith("the worker crashed\ntrap: wasm trap: unreachable"),
            trapped.bodyText());
        assertEquals(
            "the worker exited with status 3\nstderr:\nabout to exit with status 3\n",
            exited.bodyText());
      }
    }
    try (WorkerRuntime production = withEnvironment("production")) {
      assertEquals(
          "the worker exited with status 3\n",
          production.handle(WorkerRequest.of("GET", BASE + "/exit")).bodyText());
    }
  }

  @Test
  void infiniteLoopIs504AfterTheTimeLimit() {
    long start = System.nanoTime();
    WorkerResponse response = get("/loop");
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(504, response.status());
    assertEquals("the worker ran longer than 500 ms\n", response.bodyText());
    assertTrue(millis >= 450 && millis < 5000, "took " + millis + " ms");
    assertEquals(200, get("/echo").status());
  }

  @Test
  void sleepingPastTheTimeLimitIs504() {
    long start = System.nanoTime();
    WorkerResponse response = get("/sleep-forever");
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertEquals(504, response.status());
    assertTrue(millis >= 450 && millis < 5000, "took " + millis + " ms");
    assertEquals(200, get("/echo").status());
  }

  @Test
  void garbageOnStdoutIs502WithTheFirstBytes() {
    WorkerResponse response = get("/garbage");

    assertEquals(502, response.status());
    assertTrue(
        response
            .bodyText()
            .startsWith("the worker wrote an invalid response: the head is not JSON"),
        response.bodyText());
    assertTrue(
        response.bodyText().contains("first bytes: this is not a frame\\n"), response.bodyText());
    assertEquals(200, get("/echo").status());
  }

  @Test
  void bodyShorterThanBodySizeIs502() {
    WorkerResponse response = get("/partial");

    assertEquals(502, response.status());
    assertTrue(
        response.bodyText().contains("the body is 5 bytes but \"body_size\" says 10"),
        response.bodyText());
  }

  @Test
  void statusOutOfRangeIs502() {
    WorkerResponse response = get("/bad-status");

    assertEquals(502, response.status());
    assertTrue(
        response.bodyText().contains("\"status\" 99 is not in 100..599"), response.bodyText());
  }

  @Test
  void nonZeroExitIs500WithTheStatusAndTheStderrTailInTheLog() {
    WorkerResponse response = get("/exit");

    assertEquals(500, response.status());
    assertEquals("the worker exited with status 3\n", response.bodyText(), "no stderr tail");
    assertTrue(
        hostLog.contains(
            "GET "
                + BASE
                + "/exit: the worker exited with status 3\nstderr:\nabout to exit with status 3"),
        hostLog.toString());
    assertEquals(200, get("/echo").status());
  }

  @Test
  void stdoutPastItsLimitIs502() throws Exception {
    try (WorkerRuntime small =
        WorkerRuntime.create(
            TestGuest.bundle(),
            WorkerRuntime.Options.builder().stdoutLimit(1 << 20).stderrListener(l -> {}).build())) {
      WorkerResponse response = small.handle(WorkerRequest.of("GET", BASE + "/big"));

      assertEquals(502, response.status());
      assertTrue(
          response.bodyText().contains("more than 1048576 bytes on stdout"), response.bodyText());
    }
  }

  @Test
  void concurrentRequestsEachGetTheirOwnAnswer() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        int n = i;
        results.add(
            pool.submit(
                () -> {
                  byte[] body = ("request " + n).getBytes(StandardCharsets.UTF_8);
                  String path = n % 8 == 0 ? "/trap" : "/echo";
                  WorkerResponse response =
                      runtime.handle(WorkerRequest.of("PUT", BASE + path).withBody(body));
                  return path.equals("/trap")
                      ? response.status() == 500
                      : response.status() == 200 && java.util.Arrays.equals(body, response.body());
                }));
      }
      for (Future<Boolean> result : results) {
        assertTrue(result.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void oneStorePerRequestWorksToo() throws Exception {
    try (WorkerRuntime fresh =
        WorkerRuntime.create(
            TestGuest.bundle(), WorkerRuntime.Options.builder().runsPerStore(1).build())) {
      for (int i = 0; i < 3; i++) {
        assertEquals(200, fresh.handle(WorkerRequest.of("GET", BASE + "/echo")).status());
      }
    }
  }

  @Test
  void closedRuntimeRefusesRequests() throws Exception {
    WorkerRuntime closing = WorkerRuntime.create(TestGuest.bundle());
    closing.close();
    closing.close();

    assertThrows(
        IllegalStateException.class, () -> closing.handle(WorkerRequest.of("GET", BASE + "/echo")));
  }

  @Test
  void bundleWithoutAppArchiveNamesTheMissingFileWhenTheVmReadsIt(@TempDir Path dir)
      throws Exception {
    java.nio.file.Files.write(
        dir.resolve("atomvm.wasm"), moduleExporting(WorkerBundle.PREINIT_EXPORT));

    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> WorkerBundle.load(dir));

    assertTrue(e.getMessage().contains("app.avm"), e.getMessage());
    assertTrue(e.getMessage().contains("is not a snapshot"), e.getMessage());
    assertTrue(e.getMessage().contains("mvn package"), e.getMessage());
  }

  @Test
  void bundleWithoutVmNamesTheMissingFile(@TempDir Path dir) throws Exception {
    java.nio.file.Files.write(dir.resolve("app.avm"), new byte[] {1});

    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> WorkerBundle.load(dir));

    assertTrue(e.getMessage().contains("atomvm.wasm"), e.getMessage());
  }

  @Test
  void snapshotBundleLoadsWithoutAppArchiveAndTheGuestSeesAnEmptyAppDirectory(@TempDir Path dir)
      throws Exception {
    java.nio.file.Files.write(dir.resolve("atomvm.wasm"), TestGuest.bundle().wasm());

    WorkerBundle bundle = WorkerBundle.load(dir);

    assertTrue(bundle.app().isEmpty(), bundle.toString());
    try (WorkerRuntime snapshot = WorkerRuntime.create(bundle)) {
      WorkerResponse listing = snapshot.handle(WorkerRequest.of("GET", BASE + "/dir"));
      assertEquals(200, listing.status(), listing.bodyText());
      assertTrue(listing.bodyText().lines().noneMatch("app.avm"::equals), listing.bodyText());
      assertEquals(
          500, snapshot.handle(WorkerRequest.of("GET", BASE + "/file")).status(), "no app.avm");
    }
  }

  @Test
  void onlyAVmExportingThePreinitEntryReadsTheAppArchive() throws Exception {
    assertTrue(WorkerBundle.readsApp(moduleExporting(WorkerBundle.PREINIT_EXPORT)));
    assertTrue(!WorkerBundle.readsApp(moduleExporting("_start")));
    assertTrue(!WorkerBundle.readsApp(TestGuest.bundle().wasm()));
    assertTrue(!WorkerBundle.readsApp(new byte[] {0, 'a', 's', 'm'}));
    assertTrue(!WorkerBundle.readsApp(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 7, 9, 1}));
  }

  /** (module (func) (export NAME (func 0))), assembled by hand. */
  static byte[] moduleExporting(String name) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    out.writeBytes(new byte[] {1, 4, 1, 0x60, 0, 0}); // type: () -> ()
    out.writeBytes(new byte[] {3, 2, 1, 0}); // function 0 of type 0
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(new byte[] {7, (byte) (n.length + 4), 1, (byte) n.length});
    out.writeBytes(n);
    out.writeBytes(new byte[] {0, 0}); // func 0
    out.writeBytes(new byte[] {10, 4, 1, 2, 0, 0x0b}); // code: no locals, end
    return out.toByteArray();
  }
}
