package dev.elixirworkers.wasi.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalBindingsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static WorkerConfig config() throws Exception {
    return WorkerConfig.of(
        Map.of("GREETING", "hi"), Map.of("TOKEN", "t0k"), List.of("CACHE"), List.of("DB"));
  }

  static ObjectNode json(String text) throws Exception {
    return (ObjectNode) JSON.readTree(text);
  }

  @Test
  void envAndTypesComeFromTheConfiguration(@TempDir Path dir) throws Exception {
    try (LocalBindings bindings = LocalBindings.open(config(), dir)) {
      assertEquals(Map.of("GREETING", "hi", "TOKEN", "t0k"), bindings.env());
      assertEquals(Map.of("CACHE", "kv", "DB", "d1"), bindings.types());
      assertTrue(Files.isRegularFile(LocalBindings.kvFile(dir, "CACHE")));
      assertTrue(Files.isRegularFile(LocalBindings.d1File(dir, "DB")));
    }
  }

  @Test
  void needsAndEffectsUseTheProtocolShapes(@TempDir Path dir) throws Exception {
    try (LocalBindings bindings = LocalBindings.open(config(), dir)) {
      bindings.apply(
          json(
              "{\"type\":\"kv.put\",\"binding\":\"CACHE\",\"key\":\"k\",\"value\":\"{\\\"a\\\":1}\",\"metadata\":{\"m\":true}}"));

      assertEquals(
          json("{\"ok\":{\"a\":1}}"),
          bindings.fulfil(
              json(
                  "{\"id\":\"1\",\"type\":\"kv.get\",\"binding\":\"CACHE\",\"key\":\"k\",\"as\":\"json\"}")));
      assertEquals(
          json("{\"ok\":\"{\\\"a\\\":1}\"}"),
          bindings.fulfil(
              json("{\"id\":\"1\",\"type\":\"kv.get\",\"binding\":\"CACHE\",\"key\":\"k\"}")));
      assertEquals(
          json("{\"ok\":{\"value\":\"{\\\"a\\\":1}\",\"metadata\":{\"m\":true}}}"),
          bindings.fulfil(
              json(
                  "{\"id\":\"1\",\"type\":\"kv.get_with_metadata\",\"binding\":\"CACHE\",\"key\":\"k\"}")));
      assertEquals(
          json(
              "{\"ok\":{\"keys\":[{\"name\":\"k\",\"metadata\":{\"m\":true}}],\"list_complete\":true}}"),
          bindings.fulfil(json("{\"id\":\"1\",\"type\":\"kv.list\",\"binding\":\"CACHE\"}")));

      bindings.apply(
          json(
              "{\"type\":\"d1.batch\",\"binding\":\"DB\",\"statements\":[{\"sql\":\"CREATE TABLE t (v)\"},{\"sql\":\"INSERT INTO t VALUES (?)\",\"params\":[\"x\"]}]}"));
      JsonNode query =
          bindings.fulfil(
              json(
                  "{\"id\":\"q\",\"type\":\"d1.query\",\"binding\":\"DB\",\"sql\":\"SELECT v FROM t\"}"));
      assertEquals(JSON.readTree("[{\"v\":\"x\"}]"), query.get("ok").get("results"));
    }
  }

  @Test
  void guestMistakesAreErrorResultsWithTheirCode(@TempDir Path dir) throws Exception {
    try (LocalBindings bindings = LocalBindings.open(config(), dir)) {
      assertEquals(
          "undeclared_binding",
          code(bindings, "{\"id\":\"a\",\"type\":\"kv.get\",\"binding\":\"NOPE\",\"key\":\"k\"}"));
      assertEquals(
          "bad_request",
          code(bindings, "{\"id\":\"a\",\"type\":\"kv.get\",\"binding\":\"DB\",\"key\":\"k\"}"));
      assertEquals(
          "bad_request",
          code(bindings, "{\"id\":\"a\",\"type\":\"kv.get\",\"binding\":\"CACHE\"}"));
      assertEquals(
          "bad_request",
          code(
              bindings,
              "{\"id\":\"a\",\"type\":\"kv.get\",\"binding\":\"CACHE\",\"key\":\"k\",\"as\":\"stream\"}"));
      assertEquals("bad_request", code(bindings, "{\"id\":\"a\",\"type\":\"no.such\"}"));
      assertEquals(
          "limit",
          code(
              bindings,
              "{\"id\":\"a\",\"type\":\"kv.get\",\"binding\":\"CACHE\",\"key\":\""
                  + "k".repeat(513)
                  + "\"}"));
      assertEquals(
          "sql_error",
          code(
              bindings,
              "{\"id\":\"a\",\"type\":\"d1.query\",\"binding\":\"DB\",\"sql\":\"nonsense\"}"));
      ObjectNode undeclared =
          bindings.fulfil(
              json("{\"id\":\"a\",\"type\":\"kv.get\",\"binding\":\"NOPE\",\"key\":\"k\"}"));
      assertTrue(undeclared.toString().contains("declared: CACHE, DB"), undeclared.toString());
    }
  }

  @Test
  void failingEffectsThrowWithTheirCode(@TempDir Path dir) throws Exception {
    try (LocalBindings bindings = LocalBindings.open(config(), dir)) {
      assertEquals(
          BindingException.Code.UNDECLARED_BINDING,
          assertThrows(
                  BindingException.class,
                  () ->
                      bindings.apply(
                          json("{\"type\":\"kv.delete\",\"binding\":\"X\",\"key\":\"k\"}")))
              .code());
      assertEquals(
          BindingException.Code.BAD_REQUEST,
          assertThrows(
                  BindingException.class,
                  () ->
                      bindings.apply(
                          json(
                              "{\"type\":\"kv.put\",\"binding\":\"CACHE\",\"key\":\"k\",\"value\":\"%%%\",\"encoding\":\"base64\"}")))
              .code());
      assertEquals(
          BindingException.Code.BAD_REQUEST,
          assertThrows(
                  BindingException.class, () -> bindings.apply(JSON.readTree("\"just a string\"")))
              .code());
    }
  }

  @Test
  void stateSurvivesARestartAndResetDeletesIt(@TempDir Path dir) throws Exception {
    try (LocalBindings bindings = LocalBindings.open(config(), dir)) {
      bindings.apply(
          json("{\"type\":\"kv.put\",\"binding\":\"CACHE\",\"key\":\"k\",\"value\":\"kept\"}"));
      bindings.apply(
          json("{\"type\":\"d1.exec\",\"binding\":\"DB\",\"sql\":\"CREATE TABLE t (v)\"}"));
    }
    try (LocalBindings again = LocalBindings.open(config(), dir)) {
      assertEquals(
          "kept",
          again
              .fulfil(
                  json("{\"id\":\"1\",\"type\":\"kv.get\",\"binding\":\"CACHE\",\"key\":\"k\"}"))
              .get("ok")
              .asText());
      assertTrue(
          again
              .fulfil(
                  json(
                      "{\"id\":\"1\",\"type\":\"d1.query\",\"binding\":\"DB\",\"sql\":\"SELECT * FROM t\"}"))
              .has("ok"));
    }
    Files.writeString(dir.resolve("kv/notes.txt"), "not ours");

    int deleted = LocalBindings.reset(dir);

    assertTrue(deleted >= 2, "deleted " + deleted);
    assertTrue(Files.exists(dir.resolve("kv/notes.txt")), "only SQLite files are deleted");
    try (LocalBindings fresh = LocalBindings.open(config(), dir)) {
      assertTrue(
          fresh
              .fulfil(
                  json("{\"id\":\"1\",\"type\":\"kv.get\",\"binding\":\"CACHE\",\"key\":\"k\"}"))
              .get("ok")
              .isNull());
      assertFalse(
          fresh
              .fulfil(
                  json(
                      "{\"id\":\"1\",\"type\":\"d1.query\",\"binding\":\"DB\",\"sql\":\"SELECT * FROM t\"}"))
              .has("ok"));
    }
  }

  static String code(LocalBindings bindings, String need) throws Exception {
    ObjectNode result = bindings.fulfil(json(need));
    assertTrue(result.has("error"), result.toString());
    return result.get("error").get("code").asText();
  }
}
