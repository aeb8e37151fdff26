package dev.elixirworkers.wasi.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What D1 refuses or limits, on a real SQLite file (issue 16, findings 1 to 3). */
class D1DatabaseGuardsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  Path file;
  D1Database db;

  @BeforeEach
  void open() throws Exception {
    file = dir.resolve("d1/DB.sqlite");
    db = D1Database.open(file);
    db.executeScript(List.of("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"));
  }

  @AfterEach
  void close() {
    db.close();
  }

  static D1Database.Statement sql(String sql, Object... params) {
    return new D1Database.Statement(
        sql, List.of(params).stream().map(p -> (JsonNode) JSON.valueToTree(p)).toList());
  }

  BindingException sqlError(String sql) {
    BindingException e = assertThrows(BindingException.class, () -> db.query(sql(sql)), sql);
    assertEquals(BindingException.Code.SQL_ERROR, e.code(), sql);
    return e;
  }

  long count() throws Exception {
    return db.query(sql("SELECT count(*) AS n FROM t")).get("results").get(0).get("n").asLong();
  }

  @Test
  void attachOfAnotherFileIsRefusedAndReadsOrCreatesNothing() throws Exception {
    Path other = dir.resolve("other.sqlite");
    try (D1Database secrets = D1Database.open(other)) {
      secrets.executeScript(List.of("CREATE TABLE secret (v)", "INSERT INTO secret VALUES ('s')"));
    }
    Path absent = dir.resolve("created-by-attach.sqlite");

    BindingException e = sqlError("ATTACH DATABASE '" + other + "' AS other");
    sqlError("/* a comment first */ attach '" + absent + "' as made");
    sqlError("ATTACH '" + other + "' AS other; SELECT 1");

    assertTrue(e.getMessage().startsWith("not authorized: ATTACH is refused"), e.getMessage());
    assertTrue(e.getMessage().endsWith(": SQLITE_AUTH"), e.getMessage());
    assertFalse(Files.exists(absent), "ATTACH created " + absent);
    assertTrue(
        sqlError("SELECT v FROM other.secret").getMessage().contains("no such table"),
        "the other file's table is not reachable");
    sqlError("DETACH DATABASE other");
    assertEquals(0, count(), "the binding still answers");
  }

  @Test
  void vacuumIntoWritesNoFileAndVacuumIsRefused() throws Exception {
    Path copy = dir.resolve("copy.sqlite");

    BindingException e = sqlError("VACUUM INTO '" + copy + "'");
    sqlError("vacuum");
    sqlError("EXPLAIN VACUUM INTO '" + copy + "'");

    assertTrue(e.getMessage().startsWith("cannot VACUUM"), e.getMessage());
    assertFalse(Files.exists(copy), "VACUUM INTO wrote " + copy);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "PRAGMA journal_mode = DELETE",
        "PRAGMA writable_schema = ON",
        "pragma \"journal_mode\"",
        "PRAGMA [cache_size](10)",
        "-- comment\n  PRAGMA main.synchronous = OFF",
        "PRAGMA temp.table_list",
        "PRAGMA foreign_keys = maybe",
        "PRAGMA table_info",
        "PRAGMA data_version = 3",
        "EXPLAIN QUERY PLAN PRAGMA database_list"
      })
  void pragmasOffD1sListAreRefused(String pragma) {
    BindingException e = sqlError(pragma);

    assertTrue(e.getMessage().startsWith("not authorized: PRAGMA "), e.getMessage());
  }

  @Test
  void aRefusedPragmaHasNoEffectEvenWhereSqliteWouldApplyItWhilePreparing() throws Exception {
    sqlError("EXPLAIN PRAGMA query_only = 1");

    db.query(sql("INSERT INTO t (name) VALUES ('still writable')"));
    assertEquals(1, count());
  }

  @Test
  void pragmasOnD1sListStillWork() throws Exception {
    ObjectNode tables = db.query(sql("PRAGMA table_list"));
    ObjectNode columns = db.query(sql("PRAGMA table_info(t)"));
    ObjectNode foreignKeys = db.query(sql("PRAGMA foreign_keys"));
    db.query(sql("PRAGMA main.foreign_keys = 'off'"));
    ObjectNode off = db.query(sql("pragma FOREIGN_KEYS"));
    db.query(sql("PRAGMA foreign_keys = ON"));

    assertTrue(tables.get("results").toString().contains("\"name\":\"t\""), tables.toString());
    assertEquals(2, columns.get("results").size(), columns.toString());
    assertEquals(1, foreignKeys.get("results").get(0).get("foreign_keys").asInt());
    assertEquals(0, off.get("results").get(0).get("foreign_keys").asInt());
    assertEquals(0, db.query(sql("PRAGMA quick_check")).get("meta").get("changes").asInt());
  }

  @Test
  void anEndlessRecursiveQueryStopsAtItsTimeLimitAndTheBindingStillAnswers() throws Exception {
    String endless =
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r";

    long started = System.nanoTime();
    BindingException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () ->
                assertThrows(
                    BindingException.class, () -> db.query(sql(endless), Duration.ofMillis(300))));
    long tookMillis = (System.nanoTime() - started) / 1_000_000;

    assertEquals(BindingException.Code.SQL_ERROR, e.code());
    assertTrue(e.getMessage().startsWith("interrupted: "), e.getMessage());
    assertTrue(e.getMessage().contains("300 ms"), e.getMessage());
    assertTrue(tookMillis >= 290 && tookMillis < 5_000, "stopped after " + tookMillis + " ms");
    db.query(sql("INSERT INTO t (name) VALUES ('after')"));
    assertEquals(1, count(), "the lock is free and the binding works");
  }

  @Test
  void anEndlessBatchStopsAtItsTimeLimitAndKeepsNothing() throws Exception {
    BindingException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () ->
                assertThrows(
                    BindingException.class,
                    () ->
                        db.batch(
                            List.of(
                                sql("INSERT INTO t (name) VALUES ('in the batch')"),
                                sql(
                                    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM"
                                        + " r) INSERT INTO t (name) SELECT n FROM r")),
                            Duration.ofMillis(300))));

    assertTrue(e.getMessage().startsWith("interrupted: "), e.getMessage());
    assertEquals(0, count(), "all or nothing");
    db.query(sql("INSERT INTO t (name) VALUES ('after')"));
    assertEquals(1, count());
  }

  @Test
  void aHugeBlobIsRefusedWithoutExhaustingTheHeap() throws Exception {
    BindingException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10), () -> sqlError("SELECT zeroblob(500000000) AS b"));

    assertTrue(e.getMessage().startsWith("string or blob too big"), e.getMessage());
    assertTrue(e.getMessage().endsWith(": SQLITE_TOOBIG"), e.getMessage());
    assertEquals(
        D1Database.MAX_VALUE_BYTES,
        db.query(sql("SELECT length(zeroblob(?)) AS n", D1Database.MAX_VALUE_BYTES))
            .get("results")
            .get(0)
            .get("n")
            .asInt(),
        "D1's largest value still fits");
  }

  @Test
  void aParameterOverD1sValueLimitIsRefused() {
    String tooLong = "x".repeat(D1Database.MAX_VALUE_BYTES + 1);

    BindingException e =
        assertThrows(
            BindingException.class,
            () -> db.query(sql("INSERT INTO t (name) VALUES (?)", tooLong)));

    assertEquals(BindingException.Code.SQL_ERROR, e.code());
    assertTrue(e.getMessage().startsWith("string or blob too big"), e.getMessage());
  }

  @Test
  void aResultOverD1sResultSizeIsRefusedAndTheBindingStillAnswers() throws Exception {
    int valueBytes = D1Database.MAX_VALUE_BYTES - 100; // room for the row's other column
    long rows = D1Database.MAX_RESULT_BYTES / valueBytes + 1;

    BindingException e =
        sqlError(
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < "
                + rows
                + ") SELECT n, hex(zeroblob("
                + valueBytes / 2
                + ")) AS text FROM r");

    assertTrue(e.getMessage().startsWith("result too large: "), e.getMessage());
    assertEquals(0, count());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "BEGIN",
        "begin immediate transaction",
        "COMMIT",
        "END TRANSACTION",
        "ROLLBACK",
        "SAVEPOINT s",
        "RELEASE s",
        "ROLLBACK TO s",
        "; BEGIN"
      })
  void transactionControlIsRefused(String statement) {
    BindingException e = sqlError(statement);

    assertTrue(e.getMessage().startsWith("To execute a transaction, please use"), e.getMessage());
    assertTrue(e.getMessage().contains("d1.batch"), e.getMessage());
  }

  @Test
  void beginCannotLoseLaterWrites() throws Exception {
    sqlError("BEGIN");
    for (String name : List.of("a", "b", "c")) {
      db.query(sql("INSERT INTO t (name) VALUES (?)", name));
    }
    assertThrows(
        BindingException.class,
        () -> db.batch(List.of(sql("INSERT INTO t (name) VALUES ('d')"), sql("nonsense"))));
    db.close();

    db = D1Database.open(file);
    assertEquals(3, count(), "every insert after the refused BEGIN survives a reopen");
  }
}
