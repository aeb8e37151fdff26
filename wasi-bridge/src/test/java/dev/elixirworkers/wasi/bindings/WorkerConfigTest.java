package dev.elixirworkers.wasi.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerConfigTest {
  static final String WRANGLER =
      """
      // the file that is deployed
      {
        "name": "my-worker",
        "main": "target/worker/worker.mjs",
        /* block comments too */
        "vars": {
          "GREETING": "hello",
          "LIMIT": 10,
          "FLAGS": {"beta": true},
        },
        "kv_namespaces": [
          {"binding": "CACHE", "id": "abc123"},
        ],
        "d1_databases": [
          {"binding": "DB", "database_name": "app", "database_id": "xyz"}
        ],
      }
      """;

  @Test
  void readsVarsAndBindingsFromJsoncWithCommentsAndTrailingCommas(@TempDir Path dir)
      throws Exception {
    Files.writeString(dir.resolve("wrangler.jsonc"), WRANGLER);

    WorkerConfig config = WorkerConfig.load(dir);

    assertEquals(
        Map.of("GREETING", "hello", "LIMIT", "10", "FLAGS", "{\"beta\":true}"), config.vars());
    assertEquals(List.of("CACHE"), config.kvNamespaces());
    assertEquals(List.of("DB"), config.d1Databases());
    assertEquals(dir.resolve("wrangler.jsonc"), config.source().orElseThrow());
  }

  @Test
  void secretsFromDevVarsOverrideVarsAndNeverShowInToString(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("wrangler.jsonc"), WRANGLER);
    Files.writeString(
        dir.resolve(".dev.vars"),
        """
        # local secrets
        API_TOKEN=s3cret-token
        export QUOTED="two\\nlines \\"q\\""
        SINGLE='raw \\n kept'
        GREETING=from-secret # a comment

        """);

    WorkerConfig config = WorkerConfig.load(dir);

    assertEquals("s3cret-token", config.env().get("API_TOKEN"));
    assertEquals("two\nlines \"q\"", config.env().get("QUOTED"));
    assertEquals("raw \\n kept", config.env().get("SINGLE"));
    assertEquals("from-secret", config.env().get("GREETING"), "secrets override vars");
    assertEquals("hello", config.vars().get("GREETING"));
    assertFalse(config.toString().contains("s3cret"), config.toString());
    assertTrue(config.toString().contains("API_TOKEN"), config.toString());
  }

  @Test
  void noFilesMeansAnEmptyConfiguration(@TempDir Path dir) throws Exception {
    WorkerConfig config = WorkerConfig.load(dir);

    assertTrue(config.env().isEmpty());
    assertTrue(config.kvNamespaces().isEmpty());
    assertTrue(config.source().isEmpty());
  }

  @Test
  void wranglerJsonIsReadWhenThereIsNoJsonc(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("wrangler.json"), "{\"kv_namespaces\":[{\"binding\":\"KV\"}]}");

    assertEquals(List.of("KV"), WorkerConfig.load(dir).kvNamespaces());
  }

  @Test
  void wranglerTomlAloneSaysToUseJsonc(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("wrangler.toml"), "name = \"x\"\n");

    WorkerConfigException e =
        assertThrows(WorkerConfigException.class, () -> WorkerConfig.load(dir));

    assertTrue(e.getMessage().contains("wrangler.jsonc"), e.getMessage());
  }

  @Test
  void invalidJsoncNamesTheFileAndLine(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("wrangler.jsonc"), "{\n  \"vars\": {\n    \"A\": oops\n  }\n}\n");

    WorkerConfigException e =
        assertThrows(WorkerConfigException.class, () -> WorkerConfig.load(dir));

    assertTrue(
        e.getMessage().contains("wrangler.jsonc is not valid JSONC at line 3"), e.getMessage());
  }

  @Test
  void bindingWithoutNameSaysWhatToAdd() {
    WorkerConfigException e =
        assertThrows(
            WorkerConfigException.class,
            () ->
                WorkerConfig.parse(
                    "{\"kv_namespaces\":[{\"id\":\"x\"}]}",
                    "wrangler.jsonc",
                    null,
                    ".dev.vars",
                    null));

    assertTrue(e.getMessage().contains("kv_namespaces[0] has no \"binding\""), e.getMessage());
  }

  @Test
  void duplicateAndInvalidNamesAreRejected() {
    WorkerConfigException twice =
        assertThrows(
            WorkerConfigException.class,
            () -> WorkerConfig.of(Map.of(), Map.of(), List.of("A"), List.of("A")));
    assertTrue(twice.getMessage().contains("declared twice"), twice.getMessage());

    WorkerConfigException invalid =
        assertThrows(
            WorkerConfigException.class,
            () -> WorkerConfig.of(Map.of(), Map.of(), List.of("../etc"), List.of()));
    assertTrue(invalid.getMessage().contains("not valid"), invalid.getMessage());

    WorkerConfigException clash =
        assertThrows(
            WorkerConfigException.class,
            () -> WorkerConfig.of(Map.of("DB", "x"), Map.of(), List.of(), List.of("DB")));
    assertTrue(clash.getMessage().contains("both a var and"), clash.getMessage());
  }

  @Test
  void malformedDevVarsLineNamesTheLineButNotItsContent() {
    WorkerConfigException e =
        assertThrows(
            WorkerConfigException.class,
            () ->
                WorkerConfig.parse(
                    null, "wrangler.jsonc", "A=1\nsupersecretvalue\n", ".dev.vars", null));

    assertTrue(e.getMessage().startsWith(".dev.vars:2:"), e.getMessage());
    assertFalse(e.getMessage().contains("supersecretvalue"), e.getMessage());
  }
}
