package dev.elixirworkers.wasi.bindings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elixirworkers.wasi.bindings.BindingException.Code;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/**
 * A D1 database on a local SQLite file. Statements take positional parameters ({@code ?}, {@code
 * ?1}) bound from JSON scalars (booleans as 0/1, as D1 does); rows come back as objects by column
 * name with D1's value mapping (INTEGER and REAL as numbers, TEXT as strings, BLOB as an array of
 * byte values, NULL as null). Foreign keys are enforced, as on D1. Thread-safe (one connection,
 * calls serialised).
 *
 * <p>{@code meta.rows_read} and {@code rows_written} are counted by the host: rows returned and
 * rows changed. D1 counts rows scanned, so a query that scans a table reads more there.
 */
public final class D1Database implements AutoCloseable {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Path file;
  private final Connection connection;

  /** One statement and its parameters (JSON scalars). */
  public record Statement(String sql, List<JsonNode> params) {
    public Statement {
      params = List.copyOf(params);
    }
  }

  private D1Database(Path file, Connection connection) {
    this.file = file;
    this.connection = connection;
  }

  /** Opens (creating when needed) the database in {@code file}. */
  public static D1Database open(Path file) throws BindingException {
    return new D1Database(file, Sqlite.open(file));
  }

  public Path file() {
    return file;
  }

  /**
   * Runs one statement: {@code {"results": [row, …], "meta": {…}}} as D1's {@code all()} returns.
   *
   * @throws BindingException {@code sql_error} when SQLite rejects it, {@code bad_request} for a
   *     parameter that is not a scalar
   */
  public synchronized ObjectNode query(Statement statement) throws BindingException {
    try {
      return run(statement);
    } catch (SQLException e) {
      throw sqlError(e);
    }
  }

  /**
   * Runs statements in one transaction, as D1's {@code batch()}: all of them or, when one fails,
   * none. Returns one result per statement.
   */
  public synchronized ArrayNode batch(List<Statement> statements) throws BindingException {
    ArrayNode results = NODES.arrayNode();
    try {
      connection.setAutoCommit(false);
      try {
        for (Statement statement : statements) {
          results.add(run(statement));
        }
        connection.commit();
      } catch (SQLException | BindingException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw sqlError(e);
    }
    return results;
  }

  /** Runs a script of statements without parameters (for seeding), in one transaction. */
  public synchronized void executeScript(List<String> statements) throws BindingException {
    List<Statement> list = statements.stream().map(sql -> new Statement(sql, List.of())).toList();
    batch(list);
  }

  private ObjectNode run(Statement statement) throws SQLException, BindingException {
    long started = System.nanoTime();
    long totalBefore = totalChanges();
    ArrayNode rows = NODES.arrayNode();
    try (PreparedStatement s = connection.prepareStatement(statement.sql())) {
      bind(s, statement.params());
      boolean hasRows = s.execute();
      if (hasRows) {
        try (ResultSet rs = s.getResultSet()) {
          ResultSetMetaData meta = rs.getMetaData();
          int columns = meta.getColumnCount();
          while (rs.next()) {
            ObjectNode row = rows.addObject();
            for (int c = 1; c <= columns; c++) {
              row.set(meta.getColumnLabel(c), value(rs.getObject(c)));
            }
          }
        }
      }
    }
    long changes = totalChanges() - totalBefore;
    ObjectNode result = NODES.objectNode();
    result.set("results", rows);
    ObjectNode meta = result.putObject("meta");
    meta.put("rows_read", rows.size());
    meta.put("rows_written", changes);
    meta.put("last_row_id", lastRowId());
    meta.put("changes", changes);
    meta.put("duration", (System.nanoTime() - started) / 1_000_000.0);
    return result;
  }

  private static void bind(PreparedStatement s, List<JsonNode> params)
      throws SQLException, BindingException {
    for (int i = 0; i < params.size(); i++) {
      JsonNode p = params.get(i);
      int index = i + 1;
      if (p == null || p.isNull()) {
        s.setNull(index, Types.NULL);
      } else if (p.isBoolean()) {
        s.setInt(index, p.asBoolean() ? 1 : 0);
      } else if (p.isIntegralNumber() && p.canConvertToLong()) {
        s.setLong(index, p.asLong());
      } else if (p.isNumber()) {
        s.setDouble(index, p.asDouble());
      } else if (p.isTextual()) {
        s.setString(index, p.asText());
      } else {
        throw new BindingException(
            Code.BAD_REQUEST,
            "parameter "
                + index
                + " is "
                + p
                + "; D1 parameters are strings, numbers, booleans or null");
      }
    }
  }

  private static JsonNode value(Object v) {
    if (v == null) {
      return NODES.nullNode();
    }
    if (v instanceof Integer i) {
      return NODES.numberNode(i);
    }
    if (v instanceof Long l) {
      return NODES.numberNode(l);
    }
    if (v instanceof Double d) {
      return d.isNaN() || d.isInfinite() ? NODES.nullNode() : NODES.numberNode(d);
    }
    if (v instanceof Number n) {
      return NODES.numberNode(n.doubleValue());
    }
    if (v instanceof byte[] bytes) {
      ArrayNode array = NODES.arrayNode(bytes.length);
      for (byte b : bytes) {
        array.add(b & 0xff);
      }
      return array;
    }
    return NODES.textNode(v.toString());
  }

  private long totalChanges() throws SQLException {
    return scalar("SELECT total_changes()");
  }

  private long lastRowId() throws SQLException {
    return scalar("SELECT last_insert_rowid()");
  }

  private long scalar(String sql) throws SQLException {
    try (java.sql.Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  private BindingException sqlError(SQLException e) {
    return new BindingException(Code.SQL_ERROR, Sqlite.message(e), e);
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // nothing left to do
    }
  }
}
