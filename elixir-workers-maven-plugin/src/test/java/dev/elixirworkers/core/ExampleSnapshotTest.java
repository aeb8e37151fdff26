package dev.elixirworkers.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elixirworkers.core.snapshot.Snapshotter;
import dev.elixirworkers.wasi.Header;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.process.ProcessRunner;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import dev.elixirworkers.wasm.WasmModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example worker built with the snapshot (the default) and without it answers the same requests
 * identically, in the JVM host and under node through worker/'s JavaScript host, and two requests
 * through the snapshot see different random request ids. Runs when {@link GatedAtomVm} finds an
 * AtomVM source ({@code -Datomvm.source}, or the pinned release cached or downloaded); otherwise it
 * is skipped and says why.
 */
class ExampleSnapshotTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REQUEST_ID = "x-request-id";

  /** The requests both builds answer, as {@code method, path, body}. */
  private static final List<String[]> REQUESTS =
      List.of(
          new String[] {"GET", "/", ""},
          new String[] {"GET", "/api/health", ""},
          new String[] {"GET", "/hello/w%C3%B6rld%3Cb%3E", ""},
          new String[] {"POST", "/api/echo", "{\"a\":[1,\"é\"]}"},
          new String[] {"DELETE", "/", ""},
          new String[] {"GET", "/no/such/page", ""});

  private static Path snapshotWorker;
  private static Path plainWorker;
  private static RecordingLog snapshotLog;
  private static WorkerRuntime snapshotRuntime;
  private static WorkerRuntime plainRuntime;

  @BeforeAll
  static void buildBoth() throws IOException {
    Optional<Path> atomvm =
        Optional.of(
            GatedAtomVm.sourceOrSkip(
                "ExampleSnapshotTest",
                "to compare the example worker with and without the snapshot"));
    snapshotLog = new RecordingLog();
    snapshotWorker = build(atomvm, true, snapshotLog);
    plainWorker = build(atomvm, false, new RecordingLog());
    snapshotRuntime = WorkerRuntime.create(WorkerBundle.load(snapshotWorker));
    plainRuntime = WorkerRuntime.create(WorkerBundle.load(plainWorker));
  }

  private static Path build(Optional<Path> atomvm, boolean snapshot, RecordingLog log)
      throws IOException {
    Path project = Files.createTempDirectory(snapshot ? "hello-snapshot" : "hello-plain");
    GatedAtomVm.copyTree(GatedAtomVm.EXAMPLE_SOURCES, project.resolve("src"));
    WorkerProject worker =
        WorkerProject.atConventionalPaths(
                project, "HelloWorker", atomvm, CacheDirectory.root(), true)
            .withSnapshot(snapshot);
    WorkerBuild build = new WorkerBuild(worker, log);
    build.compile();
    build.bundle();
    return worker.workerDirectory();
  }

  @AfterAll
  static void close() {
    if (snapshotRuntime != null) {
      snapshotRuntime.close();
    }
    if (plainRuntime != null) {
      plainRuntime.close();
    }
  }

  private static WorkerRequest request(String[] r) {
    WorkerRequest request =
        WorkerRequest.of(r[0], "http://localhost:8797" + r[1])
            .withHeader("host", "localhost:8797")
            .withHeader("accept", "text/html");
    if (!r[2].isEmpty()) {
      request = request.withHeader("content-type", "application/json").withBody(r[2]);
    }
    return request;
  }

  /**
   * Status, headers and body as text for assertEquals, the random request id masked (the page shows
   * it too).
   */
  private static String describe(int status, List<String[]> headers, byte[] body) {
    StringBuilder out = new StringBuilder().append(status).append('\n');
    String id = null;
    for (String[] h : headers) {
      boolean isId = h[0].equalsIgnoreCase(REQUEST_ID);
      if (isId) {
        id = h[1];
      }
      out.append(h[0]).append(": ").append(isId ? "<id>" : h[1]).append('\n');
    }
    String text = new String(body, StandardCharsets.UTF_8);
    if (id != null && !id.isEmpty()) {
      text = text.replace(id, "<id>");
    }
    return out.append('\n').append(text).toString();
  }

  private static String describe(WorkerResponse response) {
    List<String[]> headers = new ArrayList<>();
    for (Header h : response.headers()) {
      headers.add(new String[] {h.name(), h.value()});
    }
    return describe(response.status(), headers, response.body());
  }

  @Test
  void theBundledVmIsTheSnapshot() throws Exception {
    List<String> withSnapshot = exports(snapshotWorker);
    List<String> plain = exports(plainWorker);

    assertFalse(withSnapshot.contains(Snapshotter.ATOMVM_INIT_EXPORT), withSnapshot.toString());
    assertTrue(plain.contains(Snapshotter.ATOMVM_INIT_EXPORT), plain.toString());
    assertTrue(snapshotLog.contains("Pre-initialised atomvm.wasm"), snapshotLog.lines.toString());
  }

  @Test
  void onlyThePlainBundleShipsAppAvmAndWorkerJsImportsItOnlyThere() throws Exception {
    assertFalse(Files.exists(snapshotWorker.resolve(WorkerBundle.APP)));
    assertTrue(Files.exists(plainWorker.resolve(WorkerBundle.APP)));
    assertFalse(
        Files.readString(snapshotWorker.resolve("worker.js")).contains("from\"./app.avm\""));
    assertTrue(Files.readString(plainWorker.resolve("worker.js")).contains("from\"./app.avm\""));
    assertTrue(WorkerBundle.load(snapshotWorker).app().isEmpty());
  }

  private static List<String> exports(Path worker) throws Exception {
    return WasmModule.parse(Files.readAllBytes(worker.resolve(WorkerBundle.WASM)))
        .exports()
        .stream()
        .map(WasmModule.Export::name)
        .toList();
  }

  @Test
  void jvmHostAnswersTheSameWithAndWithoutTheSnapshot() {
    for (String[] r : REQUESTS) {
      assertEquals(
          describe(plainRuntime.handle(request(r))),
          describe(snapshotRuntime.handle(request(r))),
          r[0] + " " + r[1]);
    }
  }

  @Test
  void twoRequestsThroughTheSnapshotSeeDifferentRandomIds() {
    String first = snapshotRuntime.handle(request(REQUESTS.get(0))).header(REQUEST_ID).orElse("");
    String second = snapshotRuntime.handle(request(REQUESTS.get(0))).header(REQUEST_ID).orElse("");

    assertTrue(first.matches("[0-9a-f]{32}"), first);
    assertTrue(second.matches("[0-9a-f]{32}"), second);
    assertNotEquals(first, second);
  }

  @Test
  void nodeHostAnswersTheSameWithAndWithoutTheSnapshotAndLikeTheJvm() throws Exception {
    List<String> plain = node(plainWorker);
    List<String> snapshot = node(snapshotWorker);

    assertEquals(REQUESTS.size() + 1, snapshot.size());
    for (int i = 0; i < REQUESTS.size(); i++) {
      String what = REQUESTS.get(i)[0] + " " + REQUESTS.get(i)[1];
      assertEquals(plain.get(i), snapshot.get(i), "node, " + what);
      assertEquals(
          describe(snapshotRuntime.handle(request(REQUESTS.get(i)))), snapshot.get(i), what);
    }
    // the last line: the request ids of two more requests to /
    String[] ids = snapshot.get(REQUESTS.size()).split(" ");
    assertTrue(ids[0].matches("[0-9a-f]{32}"), ids[0]);
    assertNotEquals(ids[0], ids[1]);
  }

  /**
   * Runs REQUESTS through worker/'s WorkerHost under node and returns one description per request,
   * then a line with the request ids of two further requests to {@code /}.
   */
  private static List<String> node(Path worker) throws Exception {
    Path host =
        Path.of("..", "worker", "src", "main", "js", "host.js").toAbsolutePath().normalize();
    Path script = Files.createTempFile("snapshot-node", ".mjs");
    ArrayNode requests = JSON.createArrayNode();
    for (String[] r : REQUESTS) {
      WorkerRequest request = request(r);
      ObjectNode o = requests.addObject();
      o.put("method", request.method());
      o.put("url", request.url());
      ArrayNode headers = o.putArray("headers");
      for (Header h : request.headers()) {
        headers.addArray().add(h.name()).add(h.value());
      }
      o.put("body", Base64.getEncoder().encodeToString(request.body()));
    }
    Files.writeString(
        script,
        String.join(
            "\n",
            "import { existsSync, readFileSync } from 'node:fs';",
            "import { WorkerHost } from " + JSON.writeValueAsString(host.toUri().toString()) + ";",
            "const dir = process.argv[2];",
            "const module = new WebAssembly.Module(readFileSync(dir + '/atomvm.wasm'));",
            "const app = existsSync(dir + '/app.avm') ? readFileSync(dir + '/app.avm') : undefined;",
            "const host = new WorkerHost({ module, app, log: { log() {}, error() {} } });",
            "const requests = " + JSON.writeValueAsString(requests) + ";",
            "const out = [];",
            "for (const r of requests) {",
            "  const res = await host.handle({ method: r.method, url: r.url, headers: r.headers,"
                + " body: new Uint8Array(Buffer.from(r.body, 'base64')), cf: {} });",
            "  out.push({ status: res.status, headers: res.headers,"
                + " body: Buffer.from(res.body).toString('base64') });",
            "}",
            "const ids = [];",
            "for (let i = 0; i < 2; i++) {",
            "  const r = requests[0];",
            "  const res = await host.handle({ method: r.method, url: r.url, headers: r.headers,"
                + " body: new Uint8Array(0), cf: {} });",
            "  ids.push((res.headers.find(([n]) => n === 'x-request-id') || ['', ''])[1]);",
            "}",
            "console.log(JSON.stringify({ out, ids }));",
            ""));
    ProcessRunner.Result node =
        ProcessRunner.run(
            List.of("node", script.toString(), worker.toString()), Duration.ofMinutes(2));
    assertEquals(0, node.exitCode(), node.failure(Integer.MAX_VALUE));
    // the script's one line of JSON comes last: node's warnings, if any, come before it
    JsonNode result = JSON.readTree(node.tail(1).get(0));
    List<String> lines = new ArrayList<>();
    for (JsonNode res : result.get("out")) {
      List<String[]> headers = new ArrayList<>();
      for (JsonNode h : res.get("headers")) {
        headers.add(new String[] {h.get(0).asText(), h.get(1).asText()});
      }
      lines.add(
          describe(
              res.get("status").asInt(),
              headers,
              Base64.getDecoder().decode(res.get("body").asText())));
    }
    lines.add(result.get("ids").get(0).asText() + " " + result.get("ids").get(1).asText());
    Files.deleteIfExists(script);
    return lines;
  }
}
