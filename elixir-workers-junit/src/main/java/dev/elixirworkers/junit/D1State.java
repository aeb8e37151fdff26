package dev.elixirworkers.junit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elixirworkers.wasi.bindings.BindingException;
import dev.elixirworkers.wasi.bindings.D1Database;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * One local D1 database of a {@link TestWorker} (SQLite, as D1 is), to seed before a request and
 * inspect after it. Parameters are Java values (String, Number, Boolean, null) bound to {@code ?}.
 */
public final class D1State {
  private final String binding;
  private final Supplier<D1Database> database;

  D1State(String binding, Supplier<D1Database> database) {
    this.binding = binding;
    this.database = database;
  }

  public String binding() {
    return binding;
  }

  /** Runs one statement; returns how many rows it changed. */
  public int exec(String sql, Object... params) {
    return run(sql, params).path("meta").path("changes").asInt();
  }

  /**
   * Runs statements without parameters in one transaction (all or none), e.g. {@code CREATE TABLE
   * …} then {@code INSERT …}.
   */
  public D1State seed(String... statements) {
    try {
      database.get().executeScript(Arrays.asList(statements));
    } catch (BindingException e) {
      throw new IllegalArgumentException(
          "D1 " + binding + ": the seed failed: " + e.getMessage(), e);
    }
    return this;
  }

  /** The rows of a query, each an object of column to value. */
  public List<JsonNode> query(String sql, Object... params) {
    List<JsonNode> rows = new ArrayList<>();
    run(sql, params).path("results").forEach(rows::add);
    return rows;
  }

  /** The single value of a query such as {@code SELECT count(*) FROM items}. */
  public JsonNode scalar(String sql, Object... params) {
    List<JsonNode> rows = query(sql, params);
    if (rows.size() != 1 || rows.get(0).size() != 1) {
      throw new AssertionError("expected one row of one column from " + sql + " but got " + rows);
    }
    return rows.get(0).elements().next();
  }

  /** The number of rows in {@code table}. */
  public long count(String table) {
    return scalar("SELECT count(*) FROM \"" + table.replace("\"", "\"\"") + "\"").asLong();
  }

  private ObjectNode run(String sql, Object... params) {
    List<JsonNode> values = new ArrayList<>();
    for (Object p : params) {
      values.add(p == null ? NullNode.instance : TestWorker.JSON.valueToTree(p));
    }
    try {
      return database.get().query(new D1Database.Statement(sql, values));
    } catch (BindingException e) {
      throw new IllegalArgumentException("D1 " + binding + ": " + sql + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "D1 " + binding;
  }
}
