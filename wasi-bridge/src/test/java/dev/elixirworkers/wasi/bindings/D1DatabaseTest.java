package dev.elixirworkers.wasi.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class D1DatabaseTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  D1Database db;

  @BeforeEach
  void open() throws Exception {
    db = D1Database.open(dir.resolve("d1/DB.sqlite"));
    db.executeScript(
        List.of(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, score REAL)",
            "INSERT INTO t (name, score) VALUES ('a', 1.5), ('b', NULL)"));
  }

  @AfterEach
  void close() {
    db.close();
  }

  static D1Database.Statement sql(String sql, Object... params) {
    return new D1Database.Statement(
        sql, List.of(params).stream().map(p -> (JsonNode) JSON.valueToTree(p)).toList());
  }

  @Test
  void queryReturnsRowsAsObjectsAndMeta() throws Exception {
    ObjectNode result = db.query(sql("SELECT id, name, score FROM t WHERE id >= ? ORDER BY id", 1));

    assertEquals(
        JSON.readTree(
            "[{\"id\":1,\"name\":\"a\",\"score\":1.5},{\"id\":2,\"name\":\"b\",\"score\":null}]"),
        result.get("results"));
    assertEquals(2, result.get("meta").get("rows_read").asInt());
    assertEquals(0, result.get("meta").get("changes").asInt());
    assertEquals(0, result.get("meta").get("rows_written").asInt());
    assertTrue(result.get("meta").get("duration").isNumber());
  }

  @Test
  void writesReportChangesAndLastRowId() throws Exception {
    ObjectNode insert = db.query(sql("INSERT INTO t (name) VALUES (?1)", "c"));
    ObjectNode update = db.query(sql("UPDATE t SET score = ?", 2));

    assertEquals(1, insert.get("meta").get("changes").asInt());
    assertEquals(3, insert.get("meta").get("last_row_id").asInt());
    assertEquals(3, update.get("meta").get("changes").asInt());
    assertEquals(3, update.get("meta").get("rows_written").asInt());
    assertEquals(
        0, db.query(sql("SELECT 1")).get("meta").get("changes").asInt(), "a read changes nothing");
  }

  @Test
  void returningGivesRowsAndChanges() throws Exception {
    ObjectNode result = db.query(sql("INSERT INTO t (name) VALUES ('r') RETURNING id, name"));

    assertEquals(JSON.readTree("[{\"id\":3,\"name\":\"r\"}]"), result.get("results"));
    assertEquals(1, result.get("meta").get("changes").asInt());
  }

  @Test
  void sqlErrorsAreSqlErrorsWithSqlitesMessage() {
    BindingException e =
        assertThrows(BindingException.class, () -> db.query(sql("SELECT * FROM missing")));

    assertEquals(BindingException.Code.SQL_ERROR, e.code());
    assertEquals("no such table: missing: SQLITE_ERROR", e.getMessage());
  }

  @Test
  void constraintViolationIsASqlError() {
    BindingException e =
        assertThrows(
            BindingException.class, () -> db.query(sql("INSERT INTO t (name) VALUES ('a')")));

    assertEquals(BindingException.Code.SQL_ERROR, e.code());
    assertTrue(e.getMessage().contains("UNIQUE"), e.getMessage());
  }

  @Test
  void batchCommitsAllOrNothing() throws Exception {
    db.batch(List.of(sql("INSERT INTO t (name) VALUES ('c')"), sql("UPDATE t SET score = 0")));
    assertEquals(
        3,
        db.query(sql("SELECT count(*) AS n FROM t WHERE score = 0"))
            .get("results")
            .get(0)
            .get("n")
            .asInt());

    BindingException e =
        assertThrows(
            BindingException.class,
            () ->
                db.batch(
                    List.of(
                        sql("INSERT INTO t (name) VALUES ('d')"),
                        sql("DELETE FROM t WHERE name = 'a'"),
                        sql("INSERT INTO t (name) VALUES ('b')"))));
    assertEquals(BindingException.Code.SQL_ERROR, e.code());

    JsonNode names = db.query(sql("SELECT name FROM t ORDER BY id")).get("results");
    assertEquals(
        JSON.readTree("[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]"),
        names,
        "rolled back");
    db.query(sql("INSERT INTO t (name) VALUES ('after')")); // autocommit again
    db.close();
    db = D1Database.open(dir.resolve("d1/DB.sqlite"));
    assertEquals(
        4, db.query(sql("SELECT count(*) AS n FROM t")).get("results").get(0).get("n").asInt());
  }

  @Test
  void nonScalarParameterIsABadRequest() {
    BindingException e =
        assertThrows(BindingException.class, () -> db.query(sql("SELECT ?", List.of(1))));

    assertEquals(BindingException.Code.BAD_REQUEST, e.code());
  }

  @Test
  void blobsComeBackAsByteArraysAndBooleansGoInAsIntegers() throws Exception {
    JsonNode row =
        db.query(sql("SELECT x'00ff10' AS b, ? AS yes, ? AS big", true, Long.MAX_VALUE))
            .get("results")
            .get(0);

    assertEquals(JSON.readTree("[0,255,16]"), row.get("b"));
    assertEquals(1, row.get("yes").asInt());
    assertEquals(Long.MAX_VALUE, row.get("big").asLong());
  }
}
