package dev.elixirworkers.core.wrangler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.bundle.BundleArchive;
import dev.elixirworkers.core.bundle.SizeReport;
import dev.elixirworkers.core.bundle.WorkerAssembler;
import dev.elixirworkers.core.bundle.WranglerConfig;
import dev.elixirworkers.wasi.clang.WasiClang;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The assembled Cloudflare Worker (WorkerAssembler's target/worker with the C test guest as VM and
 * a project wrangler.jsonc declaring vars, KV and D1) under the real workerd: {@code wrangler dev}
 * from the pinned wrangler, offline, driven over HTTP on 127.0.0.1; and {@code wrangler deploy
 * --dry-run} of the same directory.
 */
class WorkerdBundleTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path project;
  private static Path worker;
  private static Wrangler wrangler;
  private static WranglerDev dev;
  private static SizeReport sizes;
  private static final List<String> output = new CopyOnWriteArrayList<>();
  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void assembleAndServe() throws Exception {
    Path target = Path.of("target").toAbsolutePath();
    project = Files.createDirectories(target.resolve("workerd-bundle-test"));
    deleteTree(project);
    Files.createDirectories(project);
    Path guest = project.resolve("guest");
    Files.createDirectories(guest);
    Path wasm = guest.resolve("test_guest.wasm");
    WasiClang.discover(target)
        .compile(
            List.of(
                Path.of("..", "wasi-bridge", "src", "test", "c", "test_guest.c").toAbsolutePath()),
            wasm,
            List.of("-O2"));
    Path avm =
        Files.write(guest.resolve("app.avm"), "not really an avm".getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        project.resolve("wrangler.jsonc"),
        """
        // a project's own configuration: vars and local bindings
        {
          "name": "bundle-test",
          "vars": { "GREETING": "hello from vars" },
          "kv_namespaces": [{ "binding": "CACHE", "id": "local-cache" }],
          "d1_databases": [{ "binding": "DB", "database_name": "db", "database_id": "local-db" }],
        }
        """);
    worker = project.resolve("target/worker");
    sizes =
        WorkerAssembler.assemble(
            wasm, avm, worker, WranglerConfig.forProject(project, "bundle-test", worker));
    RecordingLog log = new RecordingLog();
    wrangler =
        Wrangler.install(
            CacheDirectory.root(),
            project.resolve("target/elixir-workers"),
            System.getenv("PATH"),
            log);
    dev =
        wrangler.dev(
            worker,
            WranglerDev.Options.local(
                WranglerDev.freePort("127.0.0.1"),
                project.resolve(".wrangler/state"),
                output::add));
  }

  @AfterAll
  static void stop() {
    if (dev != null) {
      dev.close();
    }
  }

  private static HttpResponse<byte[]> send(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(dev.uri().resolve(path)).timeout(Duration.ofSeconds(30));
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  @Test
  void servesOnLoopbackOnly() {
    assertEquals("127.0.0.1", dev.uri().getHost());
  }

  @Test
  void echoesMethodBodyAndRepeatedSetCookieThroughWorkerd() throws Exception {
    HttpResponse<byte[]> r = send("POST", "/echo?x=1", "through workerd");

    assertEquals(200, r.statusCode());
    assertEquals("through workerd", text(r));
    assertEquals(List.of("a=1", "b=2"), r.headers().allValues("set-cookie"));
    assertEquals("POST", r.headers().firstValue("x-echo-method").orElseThrow());
  }

  @Test
  void readsAppAvmImportedAsData() throws Exception {
    assertEquals("not really an avm", text(send("GET", "/file", null)));
  }

  @Test
  void aTrapIsA500AndTheNextRequestIsServed() throws Exception {
    HttpResponse<byte[]> trapped = send("GET", "/trap", null);
    assertEquals(500, trapped.statusCode());
    assertEquals("the worker crashed\n", text(trapped), "production: the fixed text only");
    assertEquals(200, send("GET", "/args", null).statusCode());
  }

  @Test
  void varsAndBindingsOfTheProjectConfigReachTheGuest() throws Exception {
    JsonNode env = JSON.readTree(send("GET", "/env", null).body());

    assertEquals("hello from vars", env.at("/env/GREETING").asText());
    assertEquals("kv", env.at("/bindings/CACHE").asText());
    assertEquals("d1", env.at("/bindings/DB").asText());
  }

  @Test
  void effectsWriteLocalKvAndD1AndALaterRequestReadsThemAsNeeds() throws Exception {
    String write =
        """
        {"effects": [
          {"type": "kv.put", "binding": "CACHE", "key": "greeting", "value": "hi"},
          {"type": "d1.batch", "binding": "DB", "statements": [
            {"sql": "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT)"},
            {"sql": "INSERT INTO notes (text) VALUES (?)", "params": ["first"]}]}]}
        """;
    // the test guest copies the effects into its one-line head: send them compact
    assertEquals(200, send("POST", "/script", JSON.readTree(write).toString()).statusCode());
    String read =
        """
        {"rounds": [[
          {"id": "g", "type": "kv.get", "binding": "CACHE", "key": "greeting"},
          {"id": "n", "type": "d1.query", "binding": "DB", "sql": "SELECT text FROM notes"}]]}
        """;
    JsonNode results = null;
    for (int i = 0; i < 50; i++) { // effects run after the response
      results =
          JSON.readTree(send("POST", "/script", JSON.readTree(read).toString()).body())
              .get("results");
      if (results.at("/g/ok").isTextual() && results.at("/n/ok/results").size() > 0) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals("hi", results.at("/g/ok").asText(), results.toString());
    assertEquals("first", results.at("/n/ok/results/0/text").asText(), results.toString());
  }

  @Test
  void theGuestsStderrIsLoggedByWrangler() throws Exception {
    send("GET", "/stderr", null);
    for (int i = 0;
        i < 50 && output.stream().noneMatch(l -> l.contains("hello from the guest"));
        i++) {
      Thread.sleep(100);
    }
    assertTrue(
        output.stream().anyMatch(l -> l.contains("[worker] hello from the guest")),
        output.toString());
  }

  @Test
  void aDryRunDeployBundlesTheSameDirectoryWithoutAnAccount() throws Exception {
    Path out = project.resolve("target/wrangler-dry-run");
    wrangler.deploy(worker, Optional.of(out), Optional.empty(), java.util.Map.of());

    try (Stream<Path> files = Files.list(out)) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      assertTrue(names.contains("worker.js"), names.toString());
      assertTrue(names.stream().anyMatch(n -> n.endsWith("atomvm.wasm")), names.toString());
      assertTrue(names.stream().anyMatch(n -> n.endsWith("app.avm")), names.toString());
    }
  }

  @Test
  void theZipHoldsEverythingWranglerNeedsAndNoLocalState() throws Exception {
    List<String> entries = BundleArchive.entries(worker);

    assertEquals(List.of("app.avm", "atomvm.wasm", "worker.js", "wrangler.jsonc"), entries);
    assertEquals(3, sizes.rows().size());
  }

  @Test
  void secretsFromAnEnvFileReachTheGuestAndClosingStopsWranglerAndWorkerd() throws Exception {
    Path devVars = Files.writeString(project.resolve(".dev.vars"), "API_TOKEN=s3cret\n");
    WranglerDev second =
        wrangler.dev(
            worker,
            WranglerDev.Options.local(
                    WranglerDev.freePort("127.0.0.1"), project.resolve(".wrangler/state2"), l -> {})
                .withEnvFile(devVars));
    List<Long> pids = second.pids();
    try {
      HttpResponse<byte[]> env =
          http.send(
              HttpRequest.newBuilder(second.uri().resolve("/env")).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals("s3cret", JSON.readTree(env.body()).at("/env/API_TOKEN").asText());
      assertTrue(pids.size() >= 2, "wrangler started workerd: " + pids);
    } finally {
      second.close();
    }

    for (long pid : pids) {
      assertFalse(
          ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
          "process " + pid + " still runs");
    }
    assertFalse(second.isAlive());
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @SuppressWarnings("unused")
  private static URI base() {
    return dev.uri();
  }
}
