package dev.elixirworkers.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.testing.TestGuest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The user-facing test API against the C test guest (its /echo, /env and /script routes). */
class TestWorkerTest {
  static TestWorker worker;

  @BeforeAll
  static void start() throws Exception {
    worker =
        TestWorker.builder()
            .bundle(TestGuest.bundle())
            .config(
                WorkerConfig.of(
                    Map.of("GREETING", "hello"),
                    Map.of("TOKEN", "t0ken"),
                    List.of("CACHE"),
                    List.of("DB")))
            .echo(null)
            .build();
  }

  @AfterAll
  static void stop() {
    Path state = worker.stateDirectory();
    worker.close();
    assertFalse(Files.exists(state), "the temporary state is deleted on close: " + state);
  }

  @BeforeEach
  void fresh() {
    worker.resetState();
  }

  static String script(String json) {
    return json;
  }

  @Test
  void requestBuilderSendsMethodUrlHeadersAndQuery() {
    TestResponse response = worker.get("/echo").query("q", "a b&c").header("X-Trace", "1").send();
    response
        .assertStatus(200)
        .assertOk()
        .assertHeader("x-echo-method", "GET")
        .assertHeader("x-echo-url", "http://localhost/echo?q=a+b%26c")
        .assertHeader("x-echo-x-trace", "1")
        .assertContentType("application/octet-stream");
    assertEquals(List.of("a=1", "b=2"), response.headerValues("set-cookie"));
    assertEquals(0, response.bodyBytes().length);
    assertEquals(1, response.rounds());
  }

  @Test
  void formJsonTextAndByteBodies() {
    worker
        .post("/echo")
        .form("note", "fish & chips")
        .form("n", "2")
        .send()
        .assertHeader("x-echo-content-type", "application/x-www-form-urlencoded")
        .assertBody("note=fish+%26+chips&n=2");
    worker
        .put("/echo")
        .json(Map.of("a", List.of(1, 2)))
        .send()
        .assertHeader("x-echo-method", "PUT")
        .assertHeader("x-echo-content-type", "application/json")
        .assertJsonBody("{\"a\":[1,2]}")
        .assertJson("/a/1", 2);
    worker
        .post("/echo")
        .header("Content-Type", "text/csv")
        .body("x,y\n")
        .send()
        .assertHeader("x-echo-content-type", "text/csv")
        .assertBody("x,y\n");
    byte[] bytes = {0, (byte) 0xff, 10, 13};
    TestResponse binary = worker.post("/echo").body(bytes).send();
    assertEquals(List.of(0, 255, 10, 13), toList(binary.bodyBytes()));
    binary.assertHeader("x-echo-content-length", "4");
  }

  static List<Integer> toList(byte[] bytes) {
    return java.util.stream.IntStream.range(0, bytes.length)
        .map(i -> bytes[i] & 0xff)
        .boxed()
        .toList();
  }

  @Test
  void jsonAccessorsSeeEnvAndBindings() {
    TestResponse response = worker.get("/env").send();
    response
        .assertContentType("application/json")
        .assertJson("/env/GREETING", "hello")
        .assertJson("/bindings", Map.of("CACHE", "kv", "DB", "d1"));
    assertEquals("t0ken", response.json("/env/TOKEN").asText());
    @SuppressWarnings("unchecked")
    Map<String, Object> map = response.json(Map.class);
    assertTrue(map.containsKey("cf"), map.toString());
  }

  @Test
  void failedAssertionsSayWhatWasExpectedAndShowTheExchange() {
    TestResponse response = worker.post("/echo").body("hello body").send();
    AssertionError status = assertThrows(AssertionError.class, () -> response.assertStatus(404));
    assertTrue(
        status.getMessage().startsWith("expected status 404 but was 200\n"), status.getMessage());
    assertTrue(
        status.getMessage().contains("--- request: POST http://localhost/echo (10 body bytes)"),
        status.getMessage());
    assertTrue(status.getMessage().contains("x-echo-method: POST"), status.getMessage());
    assertTrue(
        status.getMessage().contains("--- body (10 bytes):\n  hello body"), status.getMessage());
    AssertionError body =
        assertThrows(AssertionError.class, () -> response.assertBodyContains("hello", "nope"));
    assertTrue(
        body.getMessage().startsWith("expected the body to contain \"nope\""), body.getMessage());
    AssertionError header =
        assertThrows(AssertionError.class, () -> response.assertHeader("x-missing", "1"));
    assertTrue(
        header
            .getMessage()
            .startsWith("expected header x-missing: 1 but there is no x-missing header"),
        header.getMessage());
    AssertionError notJson = assertThrows(AssertionError.class, response::json);
    assertTrue(notJson.getMessage().startsWith("the body is not JSON"), notJson.getMessage());
    AssertionError json =
        assertThrows(
            AssertionError.class,
            () -> worker.get("/env").send().assertJson("/env/GREETING", "bye"));
    assertTrue(
        json.getMessage()
            .startsWith("expected JSON \"bye\" at \"/env/GREETING\" but was \"hello\""),
        json.getMessage());
    assertThrows(AssertionError.class, () -> response.assertBodyDoesNotContain("body"));
    assertThrows(AssertionError.class, () -> response.assertContentType("text/html"));
  }

  @Test
  void sendReturnsAfterTheEffectsRan() {
    worker
        .post("/script")
        .json(
            "{\"effects\":[{\"type\":\"kv.put\",\"binding\":\"CACHE\",\"key\":\"k\",\"value\":\"v1\"},"
                + "{\"type\":\"d1.batch\",\"binding\":\"DB\",\"statements\":["
                + "{\"sql\":\"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)\",\"params\":[]},"
                + "{\"sql\":\"INSERT INTO t (name) VALUES (?)\",\"params\":[\"a\"]}]}]}")
        .send()
        .assertOk()
        .assertEffectCount(2);
    worker.kv("CACHE").assertValue("k", "v1");
    assertEquals(1, worker.d1("DB").count("t"));
    assertEquals("a", worker.d1("DB").scalar("SELECT name FROM t WHERE id = ?", 1).asText());
  }

  @Test
  void exchangeLeavesTheEffectsUntilApplied() {
    TestResponse response =
        worker
            .post("/script")
            .json(
                "{\"effects\":[{\"type\":\"kv.put\",\"binding\":\"CACHE\",\"key\":\"k\",\"value\":\"v\"}]}")
            .exchange();
    assertFalse(response.effectsApplied());
    assertEquals("kv.put", response.effects().get(0).path("type").asText());
    worker.kv("CACHE").assertAbsent("k");
    response.applyEffects();
    assertTrue(response.effectsApplied());
    worker.kv("CACHE").assertValue("k", "v");
  }

  @Test
  void aFailedEffectFailsTheSend() {
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () ->
                worker
                    .post("/script")
                    .json(
                        "{\"effects\":[{\"type\":\"kv.put\",\"binding\":\"NOPE\",\"key\":\"k\",\"value\":\"v\"}]}")
                    .send());
    assertTrue(
        e.getMessage()
            .startsWith("1 of 1 effects failed: effect 1 (kv.put NOPE \"k\"): undeclared_binding"),
        e.getMessage());
    assertTrue(e.getMessage().contains("[host] effect 1 of 1 (kv.put NOPE \"k\")"), e.getMessage());
  }

  @Test
  void seededStateIsWhatTheWorkerReads() {
    worker.kv("CACHE").put("user:1", "{\"name\":\"Ada\"}");
    worker
        .d1("DB")
        .seed(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)",
            "INSERT INTO items (name) VALUES ('pen'), ('ink')");
    worker
        .post("/script")
        .json(
            "{\"rounds\":[[{\"id\":\"u\",\"type\":\"kv.get\",\"binding\":\"CACHE\",\"key\":\"user:1\",\"as\":\"json\"},"
                + "{\"id\":\"rows\",\"type\":\"d1.query\",\"binding\":\"DB\",\"sql\":\"SELECT name FROM items ORDER BY id\",\"params\":[]}]]}")
        .send()
        .assertOk()
        .assertJson("/round", 1)
        .assertJson("/results/u/ok/name", "Ada")
        .assertJson(
            "/results/rows/ok/results", List.of(Map.of("name", "pen"), Map.of("name", "ink")));
  }

  @Test
  void kvAndD1Helpers() {
    KvState kv = worker.kv("CACHE");
    kv.put("b", "2").putJson("a", Map.of("x", 1)).put("bin", new byte[] {1, 2});
    assertEquals(List.of("a", "b", "bin"), kv.keys());
    assertEquals(1, kv.getJson("a").orElseThrow().path("x").asInt());
    kv.delete("b").assertAbsent("b");
    AssertionError wrong = assertThrows(AssertionError.class, () -> kv.assertValue("a", "nope"));
    assertTrue(
        wrong
            .getMessage()
            .startsWith("expected KV CACHE \"a\" to be \"nope\" but was \"{\"x\":1}\""),
        wrong.getMessage());
    AssertionError absent = assertThrows(AssertionError.class, () -> kv.assertValue("zz", "1"));
    assertTrue(
        absent.getMessage().contains("but it is absent; keys: [a, bin]"), absent.getMessage());
    D1State db = worker.d1("DB");
    db.seed("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    assertEquals(1, db.exec("INSERT INTO t (v) VALUES (?)", (Object) null));
    assertTrue(db.query("SELECT v FROM t").get(0).path("v").isNull());
    IllegalArgumentException unknown =
        assertThrows(IllegalArgumentException.class, () -> worker.kv("OTHER").get("x"));
    assertTrue(
        unknown
            .getMessage()
            .contains("no KV namespace OTHER is declared; the worker's kv_namespaces are [CACHE]"),
        unknown.getMessage());
    assertThrows(IllegalArgumentException.class, () -> db.exec("SELEC nonsense"));
  }

  @Test
  void resetStateEmptiesKvAndD1() {
    worker.kv("CACHE").put("k", "v");
    worker.d1("DB").seed("CREATE TABLE t (id INTEGER)");
    Path before = worker.stateDirectory();
    worker.resetState();
    worker.kv("CACHE").assertAbsent("k");
    assertTrue(worker.d1("DB").query("SELECT name FROM sqlite_master WHERE name = 't'").isEmpty());
    assertFalse(before.equals(worker.stateDirectory()));
  }

  @Test
  void loadsTheProjectsBundleAndWranglerConfig(@TempDir Path project) throws Exception {
    Path bundle = Files.createDirectories(project.resolve("target/worker"));
    Files.copy(TestGuest.bundleDir().resolve("atomvm.wasm"), bundle.resolve("atomvm.wasm"));
    Files.write(bundle.resolve("app.avm"), TestGuest.appBytes());
    Files.writeString(
        project.resolve("wrangler.jsonc"),
        "// comment\n{\"vars\":{\"GREETING\":\"hey\"},\"kv_namespaces\":[{\"binding\":\"NOTES\",\"id\":\"x\"}],}\n",
        StandardCharsets.UTF_8);
    Files.writeString(project.resolve(".dev.vars"), "SECRET=abc\n");
    try (TestWorker w = TestWorker.builder().projectDirectory(project).echo(null).build()) {
      w.get("/env")
          .send()
          .assertJson("/env", Map.of("GREETING", "hey", "SECRET", "abc"))
          .assertJson("/bindings", Map.of("NOTES", "kv"));
      w.kv("NOTES").put("a", "1").assertValue("a", "1");
    }
  }

  @Test
  void aMissingBundleSaysToPackageFirst(@TempDir Path project) {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> TestWorker.load(project));
    assertTrue(
        e.getMessage().startsWith("no built worker in " + project.resolve("target/worker")),
        e.getMessage());
    assertTrue(e.getMessage().contains("`mvn verify`"), e.getMessage());
  }
}
