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
import java.time.Duration;
import java.util.List;
import org.sqlite.ProgressHandler;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteLimits;

/**
 * A D1 database on a local SQLite file. Statements take positional parameters ({@code ?}, {@code
 * ?1}) bound from JSON scalars (booleans as 0/1, as D1 does); rows come back as objects by column
 * name with D1's value mapping (INTEGER and REAL as numbers, TEXT as strings, BLOB as an array of
 * byte values, NULL as null). Foreign keys are enforced, as on D1. Thread-safe (one connection,
 * calls serialised).
 *
 * <p>{@code meta.rows_read} and {@code rows_written} are counted by the host: rows returned and
 * rows changed. D1 counts rows scanned, so a query that scans a table reads more there.
 *
 * <p>What D1 refuses is refused here too, as {@code sql_error} (docs/protocol.md, "Local D1"):
 * {@code ATTACH}, {@code DETACH}, {@code VACUUM}, transaction control and pragmas not on D1's list
 * ({@link D1Authorizer}); values over {@link #MAX_VALUE_BYTES}, SQL over {@link #MAX_SQL_BYTES},
 * more than {@link #MAX_BOUND_PARAMETERS} parameters (SQLite's own limits, set to D1's); a result
 * over {@link #MAX_RESULT_BYTES}; a statement (or batch) that runs past its time limit, at most
 * {@link #MAX_QUERY_DURATION}. After every call the connection is outside any transaction.
 */
public final class D1Database implements AutoCloseable {
  /** D1's maximum SQL query duration; a shorter time limit can be given per call. */
  public static final Duration MAX_QUERY_DURATION = Duration.ofSeconds(30);

  /** D1's maximum string, BLOB or table row size (SQLITE_LIMIT_LENGTH). */
  public static final int MAX_VALUE_BYTES = 2_000_000;

  /** D1's maximum query result size, here the sum of the sizes of a result's values. */
  public static final long MAX_RESULT_BYTES = 50_000_000;

  /** D1's maximum SQL statement length (SQLITE_LIMIT_SQL_LENGTH). */
  public static final int MAX_SQL_BYTES = 100_000;

  /** D1's maximum bound parameters per query (SQLITE_LIMIT_VARIABLE_NUMBER). */
  public static final int MAX_BOUND_PARAMETERS = 100;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Blobs are arrays of byte values: one shared node per value keeps a 2 MB blob near 8 MB. */
  private static final JsonNode[] BYTE_VALUES = new JsonNode[256];

  static {
    for (int i = 0; i < BYTE_VALUES.length; i++) {
      BYTE_VALUES[i] = NODES.numberNode(i);
    }
  }

  /** VM instructions between two looks at the clock: about 0.1 ms of SQLite's work. */
  private static final int PROGRESS_INTERVAL = 10_000;

  private final Path file;
  private final Connection connection;

  /** When the running call must stop (System.nanoTime()); read by SQLite's progress handler. */
  private long deadlineNanos;

  /** Whether a call is running against {@link #deadlineNanos}. */
  private boolean clockRunning;

  /** The time limit of the running call, for its error message. */
  private Duration timeLimit = MAX_QUERY_DURATION;

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
    Connection connection = Sqlite.open(file);
    D1Database db = new D1Database(file, connection);
    try {
      SQLiteConnection sqlite = connection.unwrap(SQLiteConnection.class);
      sqlite.setLimit(SQLiteLimits.SQLITE_LIMIT_ATTACHED, 0);
      sqlite.setLimit(SQLiteLimits.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES);
      sqlite.setLimit(SQLiteLimits.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_BYTES);
      sqlite.setLimit(SQLiteLimits.SQLITE_LIMIT_VARIABLE_NUMBER, MAX_BOUND_PARAMETERS);
      sqlite.setLimit(SQLiteLimits.SQLITE_LIMIT_COLUMN, 100);
      sqlite.setLimit(SQLiteLimits.SQLITE_LIMIT_FUNCTION_ARG, 32);
      sqlite.setLimit(SQLiteLimits.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50);
      ProgressHandler.setHandler(
          connection,
          PROGRESS_INTERVAL,
          new ProgressHandler() {
            @Override
            protected int progress() {
              return db.clockRunning && System.nanoTime() - db.deadlineNanos > 0 ? 1 : 0;
            }
          });
    } catch (SQLException e) {
      db.close();
      throw new BindingException(
          Code.INTERNAL, "cannot set D1's limits on " + file + ": " + Sqlite.message(e), e);
    }
    return db;
  }

  public Path file() {
    return file;
  }

  /**
   * Runs one statement: {@code {"results": [row, …], "meta": {…}}} as D1's {@code all()} returns.
   * It may run for {@link #MAX_QUERY_DURATION}.
   *
   * @throws BindingException {@code sql_error} when SQLite or D1's rules reject it, {@code
   *     bad_request} for a parameter that is not a scalar
   */
  public ObjectNode query(Statement statement) throws BindingException {
    return query(statement, MAX_QUERY_DURATION);
  }

  /**
   * As {@link #query(Statement)}, stopped with a {@code sql_error} once it has run for {@code
   * timeLimit} (at most {@link #MAX_QUERY_DURATION}): a request's needs get what is left of the
   * request's time limit.
   */
  public synchronized ObjectNode query(Statement statement, Duration timeLimit)
      throws BindingException {
    startClock(timeLimit);
    try {
      return run(statement);
    } catch (SQLException e) {
      throw sqlError(e);
    } finally {
      leaveNoTransaction();
    }
  }

  /**
   * Runs statements in one transaction, as D1's {@code batch()}: all of them or, when one fails,
   * none. Returns one result per statement. The batch as a whole may run for {@link
   * #MAX_QUERY_DURATION}.
   */
  public ArrayNode batch(List<Statement> statements) throws BindingException {
    return batch(statements, MAX_QUERY_DURATION);
  }

  /** As {@link #batch(List)}, the whole batch stopped once it has run for {@code timeLimit}. */
  public synchronized ArrayNode batch(List<Statement> statements, Duration timeLimit)
      throws BindingException {
    startClock(timeLimit);
    ArrayNode results = NODES.arrayNode();
    try {
      connection.setAutoCommit(false);
      try {
        for (Statement statement : statements) {
          results.add(run(statement));
        }
        connection.commit();
      } catch (SQLException | BindingException | RuntimeException e) {
        try {
          connection.rollback();
        } catch (SQLException alreadyRolledBack) {
          // an interrupted or failed write can end the transaction itself; e says why
        }
        throw e;
      } finally {
        try {
          connection.setAutoCommit(true);
        } catch (SQLException noTransactionLeft) {
          // nothing to commit after a rollback; leaveNoTransaction() checks the outcome
        }
      }
    } catch (SQLException e) {
      throw sqlError(e);
    } finally {
      leaveNoTransaction();
    }
    return results;
  }

  /** Runs a script of statements without parameters (for seeding), in one transaction. */
  public synchronized void executeScript(List<String> statements) throws BindingException {
    List<Statement> list = statements.stream().map(sql -> new Statement(sql, List.of())).toList();
    batch(list);
  }

  private void startClock(Duration limit) {
    timeLimit = limit.compareTo(MAX_QUERY_DURATION) > 0 ? MAX_QUERY_DURATION : limit;
    deadlineNanos = System.nanoTime() + Math.max(0, timeLimit.toNanos());
    clockRunning = true;
  }

  /**
   * Makes sure no call leaves the shared connection inside a transaction, where every later write
   * would report success and be lost at the next rollback or at close. {@code ROLLBACK} fails when
   * no transaction is open: that failure is the normal outcome.
   */
  private void leaveNoTransaction() throws BindingException {
    clockRunning = false;
    try (java.sql.Statement s = connection.createStatement()) {
      s.execute("ROLLBACK");
    } catch (SQLException noTransaction) {
      return;
    }
    throw new BindingException(
        Code.SQL_ERROR,
        "the statement left the database inside a transaction, which D1 does not allow; it was"
            + " rolled back (send statements that belong together as one d1.batch)");
  }

  private ObjectNode run(Statement statement) throws SQLException, BindingException {
    D1Authorizer.check(statement.sql());
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
          long resultBytes = 0;
          while (rs.next()) {
            ObjectNode row = rows.addObject();
            for (int c = 1; c <= columns; c++) {
              Object v = rs.getObject(c);
              resultBytes += size(v);
              if (resultBytes > MAX_RESULT_BYTES) {
                throw new BindingException(
                    Code.SQL_ERROR,
                    "result too large: the values of the first "
                        + rows.size()
                        + " rows add up to more than "
                        + MAX_RESULT_BYTES
                        + " bytes, D1's maximum query result size; select fewer rows or columns"
                        + " (LIMIT and OFFSET page through them): SQLITE_TOOBIG");
              }
              row.set(meta.getColumnLabel(c), value(v));
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
        array.add(BYTE_VALUES[b & 0xff]);
      }
      return array;
    }
    return NODES.textNode(v.toString());
  }

  /** A value's size as D1 counts a result: bytes of text (UTF-8) and blobs, 8 for a number. */
  private static long size(Object v) {
    if (v == null) {
      return 0;
    }
    if (v instanceof byte[] bytes) {
      return bytes.length;
    }
    if (v instanceof String text) {
      long bytes = 0;
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
      }
      return bytes;
    }
    return 8;
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
    if (e.getErrorCode() == SQLiteErrorCode.SQLITE_INTERRUPT.code) {
      return new BindingException(
          Code.SQL_ERROR,
          "interrupted: the statement ran past its time limit of "
              + timeLimit.toMillis()
              + " ms (what was left of the request's time limit, at most D1's "
              + MAX_QUERY_DURATION.toSeconds()
              + " s per query) and was stopped: SQLITE_INTERRUPT",
          e);
    }
    if (e.getErrorCode() == SQLiteErrorCode.SQLITE_TOOBIG.code) {
      return new BindingException(
          Code.SQL_ERROR,
          "string or blob too big: a value, row or statement is over D1's limit ("
              + MAX_VALUE_BYTES
              + " bytes for a string, BLOB or row, "
              + MAX_SQL_BYTES
              + " bytes for a statement): SQLITE_TOOBIG",
          e);
    }
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
