package dev.elixirworkers.wasi.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner fails cases that do not hold, so a passing suite means something. */
class ConformanceRunnerTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static final String GOOD =
      """
      {"description": "d", "config": {"kv_namespaces": ["CACHE"]},
       "steps": [{"request": {"method": "POST", "url": "http://x/script",
                              "body_json": {"effects": [{"type": "kv.put", "binding": "CACHE",
                                                         "key": "k", "value": "v"}]}},
                  "expect": {"status": 200, "rounds": 1, "effect_failures": 0,
                             "body_json": {"round": 0},
                             "state": {"kv": {"CACHE": {"k": {"value": "v"}}}}}}]}
      """;

  static void run(Path dir, String json) throws Exception {
    Path file = dir.resolve("case.json");
    Files.writeString(file, json);
    ConformanceRunner.run(file, TestGuest.bundle(), dir.resolve("state"));
  }

  @Test
  void aCaseThatHoldsPasses(@TempDir Path dir) {
    assertDoesNotThrow(() -> run(dir, GOOD));
  }

  @Test
  void eachKindOfWrongExpectationFails(@TempDir Path dir) {
    String[][] wrong = {
      {"\"status\": 200", "\"status\": 201"},
      {"\"rounds\": 1", "\"rounds\": 2"},
      {"\"effect_failures\": 0", "\"effect_failures\": 1"},
      {"\"body_json\": {\"round\": 0}", "\"body_json\": {\"round\": 1}"},
      {"{\"value\": \"v\"}", "{\"value\": \"w\"}"},
      {"{\"k\": {\"value\": \"v\"}}", "{\"k\": null}"},
      {"\"rounds\": 1", "\"rouns\": 1"},
    };
    for (String[] w : wrong) {
      String json = GOOD.replace(w[0], w[1]);
      assertTrue(!json.equals(GOOD), w[0]);
      assertThrows(AssertionError.class, () -> run(dir, json), "should fail: " + w[1]);
    }
  }

  @Test
  void bodyJsonContainmentFollowsTheReadme() throws Exception {
    assertNull(contains("{\"a\":1}", "{\"a\":1.0,\"b\":2}"), "extra keys, numbers by value");
    assertNull(
        contains("{\"a\":{\"b\":[1,{\"c\":null}]}}", "{\"a\":{\"b\":[1,{\"c\":null,\"d\":0}]}}"));
    assertEquals("$.a is missing", contains("{\"a\":null}", "{}"));
    assertTrue(contains("[1]", "[1,2]").contains("not an array of 1"));
    assertTrue(contains("\"1\"", "1").contains("not \"1\""));
  }

  static String contains(String expected, String actual) throws Exception {
    return ConformanceRunner.contains("$", JSON.readTree(expected), JSON.readTree(actual));
  }
}
