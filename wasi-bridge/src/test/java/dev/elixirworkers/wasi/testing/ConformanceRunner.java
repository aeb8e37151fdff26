package dev.elixirworkers.wasi.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elixirworkers.wasi.Frames;
import dev.elixirworkers.wasi.Header;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerExchange;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.bindings.D1Database;
import dev.elixirworkers.wasi.bindings.KvNamespace;
import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs one conformance case (conformance/README.md) through {@link WorkerRuntime} with {@link
 * LocalBindings}: configuration, seed, then each step's request, its effects, and the checks.
 * Unknown fields in a case fail it, so a typo cannot turn a check off.
 */
public final class ConformanceRunner {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Set<String> CASE_FIELDS = Set.of("description", "config", "seed", "steps");
  private static final Set<String> CONFIG_FIELDS =
      Set.of("vars", "secrets", "kv_namespaces", "d1_databases", "limits");
  private static final Set<String> LIMIT_FIELDS =
      Set.of(
          "request_body_bytes",
          "response_bytes",
          "rounds",
          "needs_per_round",
          "time_ms",
          "memory_bytes");
  private static final Set<String> STEP_FIELDS = Set.of("request", "expect");
  private static final Set<String> REQUEST_FIELDS =
      Set.of("method", "url", "headers", "body", "body_base64", "body_json", "body_repeat");
  private static final Set<String> EXPECT_FIELDS =
      Set.of(
          "status",
          "headers",
          "absent_headers",
          "body",
          "body_base64",
          "body_contains",
          "body_json",
          "rounds",
          "effect_failures",
          "state");
  private static final Set<String> KV_SEED_FIELDS =
      Set.of("key", "value", "value_base64", "metadata", "expiration", "expiration_offset");
  private static final Set<String> KV_STATE_FIELDS =
      Set.of("value", "value_base64", "metadata", "expiration", "expires_in");

  private ConformanceRunner() {}

  /** Runs the case in {@code file} with its state in {@code stateDirectory} (emptied first). */
  public static void run(Path file, WorkerBundle bundle, Path stateDirectory) throws Exception {
    String name = file.getFileName().toString().replaceFirst("\\.json$", "");
    JsonNode c = JSON.readTree(file.toFile());
    known(name, c, CASE_FIELDS);
    assertTrue(c.path("description").isTextual(), name + ": a case needs a \"description\"");
    assertTrue(
        c.path("steps").isArray() && !c.path("steps").isEmpty(), name + ": a case needs \"steps\"");
    JsonNode config = c.path("config");
    known(name + " config", config, CONFIG_FIELDS);
    WorkerConfig workerConfig =
        WorkerConfig.of(
            strings(config.path("vars")),
            strings(config.path("secrets")),
            list(config.path("kv_namespaces")),
            list(config.path("d1_databases")));
    deleteTree(stateDirectory);
    List<String> hostLog = Collections.synchronizedList(new ArrayList<>());
    try (LocalBindings bindings = LocalBindings.open(workerConfig, stateDirectory)) {
      seed(name, bindings, c.path("seed"));
      try (WorkerRuntime runtime =
          WorkerRuntime.create(bundle, options(name, config.path("limits"), bindings, hostLog))) {
        int i = 0;
        for (JsonNode step : c.path("steps")) {
          String where = name + " step " + ++i;
          known(where, step, STEP_FIELDS);
          hostLog.clear();
          WorkerExchange exchange = runtime.exchange(request(where, step.path("request")));
          List<WorkerExchange.EffectFailure> failures = exchange.applyEffects();
          check(where, step.path("expect"), exchange, failures, hostLog, bindings);
        }
      }
    }
  }

  private static WorkerRuntime.Options options(
      String name, JsonNode limits, LocalBindings bindings, List<String> hostLog) {
    known(name + " limits", limits, LIMIT_FIELDS);
    WorkerRuntime.Options.Builder b =
        WorkerRuntime.Options.builder()
            .bindings(bindings)
            .stderrListener(line -> {})
            .hostLog(hostLog::add);
    if (limits.has("request_body_bytes")) {
      b.maxRequestBodyBytes(limits.get("request_body_bytes").asLong());
    }
    if (limits.has("response_bytes")) {
      b.stdoutLimit(limits.get("response_bytes").asLong());
    }
    if (limits.has("rounds")) {
      b.maxRounds(limits.get("rounds").asInt());
    }
    if (limits.has("needs_per_round")) {
      b.maxNeedsPerRound(limits.get("needs_per_round").asInt());
    }
    if (limits.has("time_ms")) {
      b.timeLimit(Duration.ofMillis(limits.get("time_ms").asLong()));
    }
    if (limits.has("memory_bytes")) {
      b.memoryLimit(limits.get("memory_bytes").asLong());
    }
    return b.build();
  }

  private static void seed(String name, LocalBindings bindings, JsonNode seed) throws Exception {
    known(name + " seed", seed, Set.of("kv", "d1"));
    for (Map.Entry<String, JsonNode> ns : fields(seed.path("kv"))) {
      KvNamespace kv =
          bindings
              .kv(ns.getKey())
              .orElseThrow(() -> new AssertionError(name + ": seed for undeclared " + ns.getKey()));
      for (JsonNode entry : ns.getValue()) {
        known(name + " seed entry", entry, KV_SEED_FIELDS);
        Long expiration = null;
        if (entry.has("expiration")) {
          expiration = entry.get("expiration").asLong();
        } else if (entry.has("expiration_offset")) {
          expiration = System.currentTimeMillis() / 1000 + entry.get("expiration_offset").asLong();
        }
        kv.putUnchecked(
            entry.get("key").asText(), valueBytes(entry), expiration, entry.get("metadata"));
      }
    }
    for (Map.Entry<String, JsonNode> db : fields(seed.path("d1"))) {
      D1Database d1 =
          bindings
              .d1(db.getKey())
              .orElseThrow(() -> new AssertionError(name + ": seed for undeclared " + db.getKey()));
      d1.executeScript(list(db.getValue()));
    }
  }

  private static byte[] valueBytes(JsonNode node) {
    if (node.has("value_base64")) {
      return Base64.getDecoder().decode(node.get("value_base64").asText());
    }
    return node.path("value").asText().getBytes(StandardCharsets.UTF_8);
  }

  private static WorkerRequest request(String where, JsonNode r) throws Exception {
    known(where + " request", r, REQUEST_FIELDS);
    List<Header> headers = new ArrayList<>();
    for (JsonNode pair : r.path("headers")) {
      headers.add(new Header(pair.get(0).asText(), pair.get(1).asText()));
    }
    byte[] body = new byte[0];
    if (r.has("body")) {
      body = r.get("body").asText().getBytes(StandardCharsets.UTF_8);
    } else if (r.has("body_base64")) {
      body = Base64.getDecoder().decode(r.get("body_base64").asText());
    } else if (r.has("body_json")) {
      body = JSON.writeValueAsBytes(r.get("body_json"));
    } else if (r.has("body_repeat")) {
      body =
          r.get("body_repeat")
              .get("text")
              .asText()
              .repeat(r.get("body_repeat").get("times").asInt())
              .getBytes(StandardCharsets.UTF_8);
    }
    return new WorkerRequest(r.get("method").asText(), r.get("url").asText(), headers, body);
  }

  private static void check(
      String where,
      JsonNode expect,
      WorkerExchange exchange,
      List<WorkerExchange.EffectFailure> failures,
      List<String> hostLog,
      LocalBindings bindings)
      throws Exception {
    known(where + " expect", expect, EXPECT_FIELDS);
    WorkerResponse response = exchange.response();
    String seen =
        where
            + " — got "
            + response.status()
            + " "
            + response.headers()
            + " body: "
            + Frames.preview(response.body(), 600);
    if (expect.has("status")) {
      assertEquals(expect.get("status").asInt(), response.status(), seen);
    }
    for (Map.Entry<String, JsonNode> h : fields(expect.path("headers"))) {
      assertEquals(
          list(h.getValue()),
          response.headerValues(h.getKey()),
          "header " + h.getKey() + ": " + seen);
    }
    for (JsonNode h : expect.path("absent_headers")) {
      assertTrue(response.headerValues(h.asText()).isEmpty(), "header " + h + " present: " + seen);
    }
    if (expect.has("body")) {
      assertEquals(expect.get("body").asText(), response.bodyText(), seen);
    }
    if (expect.has("body_base64")) {
      assertTrue(
          Arrays.equals(
              Base64.getDecoder().decode(expect.get("body_base64").asText()), response.body()),
          "body bytes differ: " + seen);
    }
    for (JsonNode text : expect.path("body_contains")) {
      assertTrue(response.bodyText().contains(text.asText()), "body lacks " + text + ": " + seen);
    }
    if (expect.has("body_json")) {
      JsonNode actual;
      try {
        actual = JSON.readTree(response.body());
      } catch (Exception e) {
        throw new AssertionError("body is not JSON: " + seen, e);
      }
      String mismatch = contains("$", expect.get("body_json"), actual);
      if (mismatch != null) {
        fail(mismatch + ": " + seen);
      }
    }
    if (expect.has("rounds")) {
      assertEquals(expect.get("rounds").asInt(), exchange.rounds(), "rounds: " + seen);
    }
    long logged = hostLog.stream().filter(line -> line.startsWith("effect ")).count();
    assertEquals(failures.size(), logged, "every failed effect is logged: " + hostLog);
    if (expect.has("effect_failures")) {
      assertEquals(
          expect.get("effect_failures").asInt(), failures.size(), "effect failures: " + failures);
    }
    JsonNode state = expect.path("state");
    known(where + " state", state, Set.of("kv", "d1"));
    for (Map.Entry<String, JsonNode> ns : fields(state.path("kv"))) {
      KvNamespace kv = bindings.kv(ns.getKey()).orElseThrow();
      for (Map.Entry<String, JsonNode> key : fields(ns.getValue())) {
        checkKv(
            where + " kv " + ns.getKey() + " " + key.getKey(), kv, key.getKey(), key.getValue());
      }
    }
    for (Map.Entry<String, JsonNode> db : fields(state.path("d1"))) {
      D1Database d1 = bindings.d1(db.getKey()).orElseThrow();
      for (JsonNode q : db.getValue()) {
        JsonNode rows =
            d1.query(new D1Database.Statement(q.get("sql").asText(), List.of())).get("results");
        assertTrue(
            jsonEquals(q.get("rows"), rows),
            where
                + " d1 "
                + db.getKey()
                + " "
                + q.get("sql")
                + ": expected "
                + q.get("rows")
                + ", got "
                + rows);
      }
    }
  }

  private static void checkKv(String where, KvNamespace kv, String key, JsonNode expected)
      throws Exception {
    Optional<KvNamespace.Entry> entry = kv.get(key);
    if (expected.isNull()) {
      assertTrue(entry.isEmpty(), where + ": expected absent");
      return;
    }
    known(where, expected, KV_STATE_FIELDS);
    assertTrue(entry.isPresent(), where + ": expected present");
    KvNamespace.Entry e = entry.get();
    if (expected.has("value")) {
      assertEquals(
          expected.get("value").asText(), new String(e.value(), StandardCharsets.UTF_8), where);
    }
    if (expected.has("value_base64")) {
      assertTrue(
          Arrays.equals(
              Base64.getDecoder().decode(expected.get("value_base64").asText()), e.value()),
          where + ": value bytes differ");
    }
    if (expected.has("metadata")) {
      JsonNode m = expected.get("metadata");
      assertTrue(
          m.isNull() ? e.metadata() == null : e.metadata() != null && jsonEquals(m, e.metadata()),
          where + ": metadata " + e.metadata());
    }
    if (expected.has("expiration")) {
      JsonNode x = expected.get("expiration");
      assertEquals(x.isNull() ? null : x.asLong(), e.expiration(), where + ": expiration");
    }
    if (expected.has("expires_in")) {
      assertTrue(e.expiration() != null, where + ": no expiration");
      long in = e.expiration() - System.currentTimeMillis() / 1000;
      long min = expected.get("expires_in").get(0).asLong();
      long max = expected.get("expires_in").get(1).asLong();
      assertTrue(
          in >= min && in <= max, where + ": expires in " + in + " s, not " + min + ".." + max);
    }
  }

  /** Null when {@code actual} contains {@code expected} (README, body_json), else where not. */
  static String contains(String path, JsonNode expected, JsonNode actual) {
    if (expected.isObject()) {
      if (actual == null || !actual.isObject()) {
        return path + " is " + actual + ", not an object";
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!actual.has(e.getKey())) {
          return path + "." + e.getKey() + " is missing";
        }
        String m = contains(path + "." + e.getKey(), e.getValue(), actual.get(e.getKey()));
        if (m != null) {
          return m;
        }
      }
      return null;
    }
    if (expected.isArray()) {
      if (actual == null || !actual.isArray() || actual.size() != expected.size()) {
        return path + " is " + actual + ", not an array of " + expected.size();
      }
      for (int i = 0; i < expected.size(); i++) {
        String m = contains(path + "[" + i + "]", expected.get(i), actual.get(i));
        if (m != null) {
          return m;
        }
      }
      return null;
    }
    if (expected.isNumber()) {
      return actual != null
              && actual.isNumber()
              && expected.decimalValue().compareTo(actual.decimalValue()) == 0
          ? null
          : path + " is " + actual + ", not " + expected;
    }
    return expected.equals(actual) ? null : path + " is " + actual + ", not " + expected;
  }

  /** Equal as JSON, numbers compared by value. */
  static boolean jsonEquals(JsonNode a, JsonNode b) {
    if (a.isObject()) {
      if (!b.isObject() || a.size() != b.size()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!b.has(e.getKey()) || !jsonEquals(e.getValue(), b.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a.isArray()) {
      if (!b.isArray() || a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!jsonEquals(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a.isNumber()) {
      return b.isNumber() && a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    return a.equals(b);
  }

  private static void known(String where, JsonNode node, Set<String> allowed) {
    if (node.isMissingNode() || node.isNull()) {
      return;
    }
    assertTrue(node.isObject(), where + " must be an object");
    node.fieldNames()
        .forEachRemaining(
            f -> assertTrue(allowed.contains(f), where + ": unknown field \"" + f + "\""));
  }

  private static List<Map.Entry<String, JsonNode>> fields(JsonNode node) {
    List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
    node.fields().forEachRemaining(out::add);
    return out;
  }

  private static Map<String, String> strings(JsonNode node) {
    Map<String, String> out = new LinkedHashMap<>();
    node.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private static List<String> list(JsonNode node) {
    List<String> out = new ArrayList<>();
    node.forEach(n -> out.add(n.asText()));
    return out;
  }

  static void deleteTree(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
