package dev.elixirworkers.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elixirworkers.core.compat.CompatibilityMode;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerExchange;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.process.ProcessRunner;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Elixir framework inside the real AtomVM: a worker built from {@code
 * src/test/resources/e2e/framework-worker} (with the compatibility check set to fail the build)
 * answers requests through the JVM host — router, middleware, JSON, strings, cookies, errors, and
 * KV/D1 reads over several rounds with local bindings. Runs when {@link GatedAtomVm} finds an
 * AtomVM source ({@code -Datomvm.source}, or the pinned release cached or downloaded); otherwise it
 * is skipped and says why.
 */
class FrameworkEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path project;
  private static Path state;
  private static WorkerBuild.Bundle bundle;
  private static LocalBindings bindings;
  private static WorkerRuntime dev;
  private static WorkerRuntime prod;
  private static final List<String> devLog = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void buildTheWorker() throws Exception {
    Optional<Path> atomvm =
        Optional.of(
            GatedAtomVm.sourceOrSkip(
                "FrameworkEndToEndTest", "to run the framework's end-to-end tests"));
    project = Files.createTempDirectory("framework-worker");
    GatedAtomVm.copyTree(
        Path.of("src/test/resources/e2e/framework-worker/src"), project.resolve("src"));
    WorkerProject worker =
        WorkerProject.atConventionalPaths(
            project, "FrameworkWorker", atomvm, CacheDirectory.root(), true);
    WorkerBuild build = new WorkerBuild(worker, new RecordingLog(), CompatibilityMode.WARN);
    build.compile();
    bundle = build.bundle();
    WorkerBundle loaded = WorkerBundle.load(worker.workerDirectory());

    state = Files.createTempDirectory("framework-worker-state");
    bindings =
        LocalBindings.open(
            WorkerConfig.of(
                Map.of("ELIXIR_WORKERS_ENV", "development"),
                Map.of(),
                List.of("CACHE"),
                List.of("DB")),
            state);
    bindings
        .d1("DB")
        .orElseThrow()
        .executeScript(
            List.of(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, visits INTEGER)",
                "CREATE TABLE posts (user_id INTEGER, title TEXT)",
                "INSERT INTO users VALUES (7, 'Ada', 0)",
                "INSERT INTO posts VALUES (7, 'b-second'), (7, 'a-first'), (8, 'other')"));
    bindings.kv("CACHE").orElseThrow().put("session", bytes("7"), null, null, null);
    bindings
        .kv("CACHE")
        .orElseThrow()
        .put("prefs:Ada", bytes("{\"theme\":\"dark\"}"), null, null, null);

    dev =
        WorkerRuntime.create(
            loaded,
            WorkerRuntime.Options.builder().bindings(bindings).stderrListener(devLog::add).build());
    prod =
        WorkerRuntime.create(
            loaded, WorkerRuntime.Options.builder().stderrListener(line -> {}).build());
  }

  @AfterAll
  static void close() {
    for (AutoCloseable c : new AutoCloseable[] {dev, prod, bindings}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // best effort
      }
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static WorkerRequest request(String method, String path) {
    return WorkerRequest.of(method, "http://localhost:8797" + path);
  }

  private static WorkerResponse send(WorkerRequest request) {
    return dev.handle(request);
  }

  private static JsonNode json(WorkerResponse response) throws IOException {
    return JSON.readTree(response.body());
  }

  @Test
  void routerCapturesDecodedParamsGlobsAndRepeatedQueryKeys() throws IOException {
    WorkerResponse r = send(request("GET", "/params/x%20y/a/b%2Fc?q=1&q=2&t[]=u&t[]=v"));

    assertEquals(200, r.status(), r.bodyText());
    assertEquals(
        JSON.readTree(
            "{\"path\":{\"a\":\"x y\",\"rest\":[\"a\",\"b/c\"]},\"query\":{\"q\":\"2\",\"t\":[\"u\",\"v\"]}}"),
        json(r));
  }

  @Test
  void aLoopOverALiteralDoesNotPileUpHeapFragments() {
    // 100,000 loads of a 200-entry map literal: about 200 MB if they were never collected, past
    // the 128 MiB memory limit
    WorkerResponse r = send(request("GET", "/literals/100000"));

    assertEquals(200, r.status(), r.bodyText());
    long expected = 0;
    for (int n = 1; n <= 100_000; n++) {
      expected += (long) (n % 200) * (n % 200);
    }
    assertEquals(Long.toString(expected), r.bodyText());
  }

  @Test
  void overflowingTheCStackIsA500AndTheNextRequestIsFine() {
    WorkerResponse shallow = send(request("GET", "/nested/1000"));
    assertEquals(200, shallow.status(), shallow.bodyText());
    // term_to_binary/1 of a list nested 1000 deep: the version byte, then per level a list tag,
    // a 4-byte length and a nil tail, and the innermost nil (what the host BEAM says too)
    assertEquals("6002", shallow.bodyText());

    WorkerResponse deep = send(request("GET", "/nested/200000"));
    assertEquals(500, deep.status());
    assertTrue(deep.bodyText().contains("the worker crashed"), deep.bodyText());

    assertEquals("6002", send(request("GET", "/nested/1000")).bodyText());
  }

  @Test
  void memoryBlowUpsAreAnsweredAsOutOfMemoryAtOnce() throws IOException {
    // before: a list of binaries took minutes (collected on every iteration) and a deep
    // recursion spun until the time limit: 504 after the full limit
    List<String> stderr = java.util.Collections.synchronizedList(new ArrayList<>());
    try (WorkerRuntime limited =
        WorkerRuntime.create(
            WorkerBundle.load(project.resolve("target/worker")),
            WorkerRuntime.Options.builder()
                .timeLimit(Duration.ofSeconds(60))
                .stderrListener(stderr::add)
                .build())) {
      for (String path : List.of("/grow/binaries", "/grow/integers", "/grow/stack")) {
        stderr.clear();
        long start = System.nanoTime();
        WorkerResponse r = limited.handle(request("GET", path));
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("GET " + path + ": " + r.status() + " after " + millis + " ms");

        assertEquals(500, r.status(), path + ": " + r.bodyText());
        // the hosts' shared text; what the VM said goes to the log, not to the client
        assertEquals(
            "the worker ran out of memory (the limit is 134217728 bytes)\n", r.bodyText(), path);
        assertTrue(
            stderr.stream().anyMatch(line -> line.contains("atomvm-wasi: out of memory: ")),
            path + ": " + stderr);
        // the memory error, long before the time limit (seconds at most, on a shared machine)
        assertTrue(millis < 30_000, path + " took " + millis + " ms");
        assertEquals(200, limited.handle(request("GET", "/html")).status(), "the next request");
      }
    }
  }

  /** Runs requests through the JavaScript host (worker/src/main/js/host.js) under node. */
  private static final String NODE_HOST =
      """
      import { existsSync } from "node:fs";
      import { readFile } from "node:fs/promises";
      import { join } from "node:path";
      import { pathToFileURL } from "node:url";
      const [dir, hostJs, timeMs, ...paths] = process.argv.slice(2);
      const { WorkerHost } = await import(pathToFileURL(hostJs).href);
      const module = await WebAssembly.compile(await readFile(join(dir, "atomvm.wasm")));
      const app = existsSync(join(dir, "app.avm"))
        ? new Uint8Array(await readFile(join(dir, "app.avm"))) : undefined;
      const quiet = { log() {}, error() {}, warn() {} };
      const host = new WorkerHost({ module, app, limits: { timeMs: Number(timeMs) }, log: quiet });
      const ctx = { waitUntil() {}, passThroughOnException() {} };
      for (const path of paths) {
        const start = process.hrtime.bigint();
        const response = await host.fetch(new Request("http://localhost" + path), {}, ctx);
        const body = await response.text();
        const ms = Number((process.hrtime.bigint() - start) / 1000000n);
        console.log(response.status + " " + ms + " " + JSON.stringify(body.slice(0, 200)));
      }
      """;

  @Test
  void memoryBlowUpsAreAnsweredAsOutOfMemoryAtOnceByTheJsHostToo() throws Exception {
    // before: the JS host does not cap memory, and a growing list ran until the time limit
    Path script = Files.createTempFile(project, "node-host", ".mjs");
    Files.writeString(script, NODE_HOST);
    List<String> paths = List.of("/grow/binaries", "/grow/integers", "/grow/stack", "/html");
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "node",
            script.toString(),
            project.resolve("target/worker").toString(),
            Path.of("../worker/src/main/js/host.js").toAbsolutePath().normalize().toString(),
            "60000"));
    command.addAll(paths);
    ProcessRunner.Result result = ProcessRunner.run(command, Duration.ofMinutes(5));
    assertEquals(0, result.exitCode(), result.failure(4000));
    List<String> lines = result.lines();
    assertEquals(paths.size(), lines.size(), String.join("\n", lines));
    for (int i = 0; i < 3; i++) {
      String[] answer = lines.get(i).split(" ", 3);
      System.out.println(
          "JS host: GET " + paths.get(i) + ": " + answer[0] + " after " + answer[1] + " ms");
      assertEquals("500", answer[0], paths.get(i) + ": " + lines.get(i));
      assertTrue(
          answer[2].equals("\"the worker ran out of memory (the limit is 134217728 bytes)\\n\""),
          paths.get(i) + ": " + lines.get(i));
      assertTrue(Long.parseLong(answer[1]) < 30_000, lines.get(i));
    }
    assertTrue(lines.get(3).startsWith("200 "), "the next request: " + lines.get(3));
  }

  @Test
  void aLongStringInTheHeadThatCannotBeAllocatedIsOutOfMemoryNotACrash() throws IOException {
    // the head's strings are decoded into binaries in C (frame_json.c): one that does not fit
    // must end as out of memory, never be written through the invalid term
    try (WorkerRuntime small =
        WorkerRuntime.create(
            WorkerBundle.load(project.resolve("target/worker")),
            WorkerRuntime.Options.builder()
                .memoryLimit(32L << 20)
                .stderrListener(line -> {})
                .build())) {
      for (int mib = 2; mib <= 20; mib += 2) {
        WorkerResponse r =
            small.handle(request("GET", "/html").withHeader("x-big", "y".repeat(mib << 20)));
        String what = mib + " MiB header: " + r.status() + " " + preview(r.bodyText());
        System.out.println(what);
        if (r.status() != 200) {
          assertEquals(500, r.status(), what);
          assertTrue(r.bodyText().startsWith("the worker ran out of memory"), what);
        }
      }
      assertEquals(200, small.handle(request("GET", "/html")).status(), "the next request");
    }
  }

  private static String preview(String text) {
    return text.substring(0, Math.min(160, text.length())).replace('\n', ' ');
  }

  @Test
  void secretsInTheRequestStayOutOfTheLog() {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    String apiKey = "sk_live_abcdef123456";
    try (LocalBindings secrets =
            LocalBindings.open(
                WorkerConfig.of(
                    Map.of("ELIXIR_WORKERS_ENV", "development", "API_KEY", apiKey),
                    Map.of(),
                    List.of(),
                    List.of()),
                Files.createTempDirectory("framework-secrets"));
        WorkerRuntime runtime =
            WorkerRuntime.create(
                WorkerBundle.load(project.resolve("target/worker")),
                WorkerRuntime.Options.builder()
                    .bindings(secrets)
                    .stderrListener(log::add)
                    .build())) {
      for (String path : List.of("/secrets/ok-tuple", "/secrets/key-error")) {
        WorkerResponse r =
            runtime.handle(
                request("GET", path)
                    .withHeader("cookie", "session=sess-0123456789")
                    .withHeader("authorization", "Bearer tok-9876543210"));
        assertEquals(500, r.status(), r.bodyText());
        String logged = String.join("\n", log);
        assertTrue(logged.contains("#ElixirWorkers.Conn<GET " + path + ">"), logged);
        for (String secret : List.of(apiKey, "sess-0123456789", "tok-9876543210")) {
          assertFalse(logged.contains(secret), secret + " in the log:\n" + logged);
          assertFalse(r.bodyText().contains(secret), secret + " on the page:\n" + r.bodyText());
        }
        log.clear();
      }
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void unknownPathIs404WithTheRouterMiddlewareApplied() {
    WorkerResponse r = send(request("GET", "/no/such/page"));

    assertEquals(404, r.status());
    assertEquals(Optional.of("framework"), r.header("x-router"));
    assertEquals(Optional.of("nosniff"), r.header("x-content-type-options"));
    assertTrue(r.header("x-request-id").orElse("").matches("[0-9a-f]{32}"), r.headers().toString());
  }

  @Test
  void otherMethodIs405WithAllow() {
    WorkerResponse r = send(request("DELETE", "/kv/x"));

    assertEquals(405, r.status());
    assertEquals(Optional.of("GET, HEAD, OPTIONS, PUT"), r.header("allow"));
  }

  @Test
  void headIsAnsweredLikeGetWithoutABody() {
    WorkerResponse r = send(request("HEAD", "/params/a/b"));

    assertEquals(200, r.status());
    assertEquals(Optional.of("application/json"), r.header("content-type"));
    assertEquals(0, r.body().length);
  }

  @Test
  void aBlockRouteHalts() {
    WorkerResponse r = send(request("GET", "/halt"));

    assertEquals(403, r.status());
    assertEquals("halted in a block", r.bodyText());
  }

  @Test
  void jsonBodiesRoundTripThroughTheVm() throws IOException {
    String body =
        "{\"text\":\"h\\u00e9llo \\ud83d\\ude00 \\\"q\\\" \\\\ \\n\",\"raw\":\"Zoë ☃\",\"n\":-42,"
            + "\"big\":9223372036854775807,\"f\":0.1,\"e\":-1.5e-8,\"x\":1e21,\"t\":true,"
            + "\"z\":null,\"list\":[[],{},[1,[2]]],\"ctl\":\"\\u0001\\t\"}";
    WorkerResponse r =
        send(
            request("POST", "/echo?from=query")
                .withHeader("content-type", "application/json")
                .withBody(body));

    assertEquals(200, r.status(), r.bodyText());
    JsonNode echoed = json(r);
    assertEquals(JSON.readTree(body), echoed.get("body"));
    assertEquals("query", echoed.get("params").get("from").asText());
    assertEquals(0.1, echoed.get("body").get("f").asDouble());
    assertEquals(Long.MAX_VALUE, echoed.get("body").get("big").asLong());
  }

  @Test
  void badJsonGetsAPositionedError() throws IOException {
    assertEquals(
        "{\"error\":\"unexpected_character\",\"position\":6}", decode("{\"a\": }").bodyText());
    assertEquals("unterminated_string", json(decode("[\"abc")).get("error").asText());
    assertEquals("too_deep", json(decode("[".repeat(17) + "]".repeat(17))).get("error").asText());
    assertEquals(
        "number_out_of_range",
        json(decode("[123456789012345678901234567890]")).get("error").asText());
    assertEquals("number_out_of_range", json(decode("1e400")).get("error").asText());
    assertEquals("lone_surrogate", json(decode("\"\\ud83d\"")).get("error").asText());
    WorkerResponse invalidUtf8 =
        dev.handle(
            request("POST", "/json/decode").withBody(new byte[] {'"', 'a', (byte) 0xC3, '"'}));
    assertEquals("{\"error\":\"invalid_utf8\",\"position\":2}", invalidUtf8.bodyText());
    assertEquals("{\"ok\":[1.5,-2,\"\u00e9\"]}", decode("[1.5e0, -2, \"\\u00e9\"]").bodyText());
  }

  @Test
  void longStringsAreDecodedNatively() throws IOException {
    String value = "x".repeat(300_000) + "é\\u00e9" + "y".repeat(1000);
    WorkerResponse r = decode("[\"" + value + "\", 1]");

    assertEquals(200, r.status(), r.bodyText().substring(0, Math.min(200, r.bodyText().length())));
    JsonNode ok = json(r).get("ok");
    assertEquals("x".repeat(300_000) + "éé" + "y".repeat(1000), ok.get(0).asText());
    assertEquals(1, ok.get(1).asInt());
  }

  private static WorkerResponse decode(String body) {
    return send(request("POST", "/json/decode").withBody(body));
  }

  @Test
  void bodyParserAnswers400And413() {
    WorkerResponse bad =
        send(
            request("POST", "/echo")
                .withHeader("content-type", "application/json")
                .withBody("[1,"));
    assertEquals(400, bad.status());
    assertEquals("Bad Request: invalid JSON at byte 3 (unexpected_end)\n", bad.bodyText());

    WorkerResponse big =
        send(
            request("POST", "/echo")
                .withHeader("content-type", "application/json")
                .withBody("[" + "1,".repeat(600) + "1]"));
    assertEquals(413, big.status());

    WorkerResponse form =
        send(
            request("POST", "/echo")
                .withHeader("content-type", "application/x-www-form-urlencoded")
                .withBody("a=1+2&b=%C3%A9"));
    assertEquals(200, form.status());
    assertTrue(form.bodyText().contains("\"body\":{\"a\":\"1 2\",\"b\":\"é\"}"), form.bodyText());
  }

  @Test
  void stringHelpersWorkOnTheVm() throws IOException {
    JsonNode r = json(send(request("GET", "/string?s=%20a%C3%BCx%2Cb%20%20c%2C%20")));

    assertEquals(" AÜX,B  C, ", r.get("upcase").asText());
    assertEquals(" aüx,b  c, ", r.get("downcase").asText());
    assertEquals("aüx,b  c,", r.get("trim").asText());
    assertEquals(JSON.readTree("[\"aüx,b\",\"c,\"]"), r.get("split"));
    assertEquals(JSON.readTree("[\" aüx\",\"b  c\",\" \"]"), r.get("split_comma"));
    assertEquals(11, r.get("length").asInt());
    assertEquals("aüx", r.get("slice").asText());
    assertEquals(" 4üx,b  c, ", r.get("replace").asText());
    assertTrue(r.get("contains").asBoolean());
    assertTrue(r.get("starts").asBoolean());
    assertEquals(" ,c  b,xüa ", r.get("reverse").asText());
  }

  @Test
  void cookiesAreReadAndRepeatedSetCookieHeadersKept() throws IOException {
    WorkerResponse r = send(request("GET", "/cookies").withHeader("Cookie", "x=1; y=\"two\""));

    assertEquals(JSON.readTree("{\"x\":\"1\",\"y\":\"two\"}"), json(r));
    assertEquals(
        List.of(
            "a=1; Path=/; HttpOnly; SameSite=Lax",
            "b=2; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax"),
        r.headerValues("set-cookie"));
  }

  @Test
  void htmlHelpersEscape() {
    assertEquals(
        "<p class=\"x\">&lt;script&gt;<b>ok</b></p>", send(request("GET", "/html")).bodyText());
  }

  @Test
  void corsPreflightIsAnsweredAndHalts() {
    WorkerResponse r =
        send(
            request("OPTIONS", "/cors")
                .withHeader("origin", "https://a.example")
                .withHeader("access-control-request-method", "GET"));

    assertEquals(204, r.status());
    assertEquals(Optional.of("https://a.example"), r.header("access-control-allow-origin"));
    assertEquals(0, r.body().length);
  }

  @Test
  void anExceptionShowsDetailsInDevelopmentOnly() {
    WorkerResponse inDev = send(request("GET", "/raise"));
    assertEquals(500, inDev.status());
    assertTrue(
        inDev.bodyText().contains("** (ArgumentError) boom from the handler"), inDev.bodyText());
    assertTrue(inDev.bodyText().contains("FrameworkWorker.Handlers.boom/1"), inDev.bodyText());

    WorkerResponse inProd = prod.handle(request("GET", "/raise"));
    assertEquals(500, inProd.status());
    assertEquals("Internal Server Error\n", inProd.bodyText());
  }

  // The packer leaves the line tables out of app.avm (AtomVmChunks), so on the VM the frames name
  // no file:line and the log line has no "called at"; atomvm-wasi's ExUnit tests check both.

  @Test
  void aCallToAModuleThatIsNotPackedNamesTheFunctionAndItsCaller() {
    String message =
        "** (UndefinedFunctionError) function FrameworkWorker.NotPacked.greet/2 is undefined"
            + " (module FrameworkWorker.NotPacked is not available)";

    WorkerResponse inDev = send(request("GET", "/undefined/elixir"));

    assertEquals(500, inDev.status());
    assertTrue(
        inDev
            .bodyText()
            .startsWith(
                "Internal Server Error\n\n"
                    + message
                    + "\n    FrameworkWorker.NotPacked.greet/2\n"
                    + "    FrameworkWorker.Handlers.undefined_elixir/1\n"),
        inDev.bodyText());
    assertLogged(
        "elixir-workers: FrameworkWorker answered 500 to GET /undefined/elixir: " + message);
    assertPlain500InProduction("/undefined/elixir");
  }

  @Test
  void aCallToAFunctionAnErlangModuleDoesNotExportIsUndefinedOrPrivate() {
    String message =
        "** (UndefinedFunctionError) function :lists.no_such_function/2 is undefined or private";

    WorkerResponse inDev =
        send(request("GET", "/undefined/erlang").withHeader("accept", "text/html"));

    assertEquals(500, inDev.status());
    assertTrue(
        inDev
            .bodyText()
            .contains(
                "<pre>"
                    + message
                    + "</pre>\n<h2>Stack trace</h2>\n<pre>:lists.no_such_function/2\n"
                    + "FrameworkWorker.Handlers.undefined_erlang/1\n"),
        inDev.bodyText());
    assertLogged(
        "elixir-workers: FrameworkWorker answered 500 to GET /undefined/erlang: " + message);
    assertPlain500InProduction("/undefined/erlang");
  }

  @Test
  void applyToAModuleThatIsNotThereNamesTheFunction() {
    WorkerResponse r = send(request("GET", "/undefined/apply/no_such_module"));

    assertEquals(500, r.status());
    assertTrue(
        r.bodyText()
            .startsWith(
                "Internal Server Error\n\n** (UndefinedFunctionError) function"
                    + " :no_such_module.greet/2 is undefined (module :no_such_module is not"
                    + " available)\n    :no_such_module.greet/2\n"),
        r.bodyText());
  }

  @Test
  void anExternalFunOfAFunctionThatIsNotExportedNamesIt() {
    WorkerResponse r = send(request("GET", "/undefined/fun"));

    assertEquals(500, r.status());
    assertTrue(
        r.bodyText()
            .startsWith(
                "Internal Server Error\n\n** (UndefinedFunctionError) function"
                    + " :lists.no_such_fun/1 is undefined or private\n"
                    + "    :lists.no_such_fun/1\n"),
        r.bodyText());
  }

  private static void assertLogged(String line) {
    synchronized (devLog) {
      assertTrue(devLog.contains(line), () -> line + " is not among\n" + String.join("\n", devLog));
    }
  }

  private static void assertPlain500InProduction(String path) {
    WorkerResponse inProd = prod.handle(request("GET", path));
    assertEquals(500, inProd.status());
    assertEquals(Optional.of("text/plain; charset=utf-8"), inProd.header("content-type"));
    assertEquals("Internal Server Error\n", inProd.bodyText());
  }

  @Test
  void dotSyntaxOnAModuleCallsItsFunction() {
    WorkerResponse r = send(request("GET", "/dot/module"));
    assertEquals(200, r.status(), r.bodyText());
    assertEquals("handlers", r.bodyText());
  }

  @Test
  void dotSyntaxOnNilFailsAsOnTheHostsElixir() throws Exception {
    // Elixir 1.14 calls nil.name() (undef); 1.18 raises {badkey, :name, nil}
    String onTheHost =
        hostElixir(
            "v = :erlang.binary_to_atom(\"nil\", :utf8); try do v.name catch k, r ->"
                + " IO.write(\"#{k} #{if is_tuple(r), do: elem(r, 0), else: r}\") end");

    WorkerResponse r = send(request("GET", "/dot/nil"));
    assertEquals(200, r.status(), r.bodyText());
    assertEquals(onTheHost, r.bodyText());
  }

  /** What {@code elixir -e code} prints on this machine (the Elixir that compiled the worker). */
  private static String hostElixir(String code) throws Exception {
    ProcessRunner.Result result =
        ProcessRunner.run(List.of("elixir", "-e", code), Duration.ofMinutes(2));
    assertEquals(0, result.exitCode(), result.failure(Integer.MAX_VALUE));
    return String.join("\n", result.lines());
  }

  @Test
  void aNifThatAtomVmWasmLeavesOutIsAnUndefErrorNotATrap() {
    WorkerResponse removed = send(request("GET", "/apply/code/load_abs"));
    assertEquals(200, removed.status(), removed.bodyText());
    assertEquals("error undef", removed.bodyText(), "code:load_abs/1 is in removed-nifs.txt");

    WorkerResponse kept = send(request("GET", "/apply/erlang/list_to_atom"));
    assertEquals(200, kept.status(), kept.bodyText());
    assertEquals("returned", kept.bodyText(), "a NIF that stays");
  }

  @Test
  void dependentReadsTakeSeveralRoundsAndWritesComeAfter() throws Exception {
    WorkerExchange exchange = dev.exchange(request("GET", "/chain"));
    WorkerResponse r = exchange.response();

    assertEquals(200, r.status(), r.bodyText());
    assertEquals(
        JSON.readTree(
            "{\"name\":\"Ada\",\"posts\":[\"a-first\",\"b-second\"],\"theme\":\"dark\",\"round\":3}"),
        json(r));
    assertEquals(
        4, exchange.rounds(), "session, user, then posts and prefs together, then the answer");
    assertEquals(4, exchange.needs());
    assertEquals(2, exchange.effects().size());
    assertFalse(
        bindings.kv("CACHE").orElseThrow().get("seen:Ada").isPresent(),
        "effects wait until the response is sent");

    assertEquals(List.of(), exchange.applyEffects());
    assertEquals(
        "yes",
        new String(
            bindings.kv("CACHE").orElseThrow().get("seen:Ada").orElseThrow().value(),
            StandardCharsets.UTF_8));
  }

  @Test
  void kvWritesAreReadBack() {
    assertEquals(204, send(request("PUT", "/kv/greeting").withBody("hej")).status());
    WorkerResponse r = send(request("GET", "/kv/greeting"));
    assertEquals(200, r.status(), r.bodyText());
    assertEquals("hej", r.bodyText());
    assertEquals(404, send(request("GET", "/kv/missing")).status());
  }

  @Test
  void theBuildCheckedEveryCallAgainstAtomVm() {
    assertEquals(
        List.of(
            ":lists.no_such_fun/1",
            ":lists.no_such_function/2",
            "FrameworkWorker.NotPacked.greet/2"),
        bundle.compatibility().findings().stream()
            .filter(f -> f.through().isEmpty())
            .map(f -> f.call().display())
            .sorted()
            .toList(),
        "the /undefined routes' calls, and nothing else");
    assertTrue(bundle.compatibility().modulesChecked() > 10);
  }
}
