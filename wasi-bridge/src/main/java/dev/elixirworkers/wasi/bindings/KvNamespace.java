package dev.elixirworkers.wasi.bindings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elixirworkers.wasi.bindings.BindingException.Code;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * A Workers KV namespace on a local SQLite file, with Cloudflare's limits and expiry semantics:
 * keys of 1–512 bytes (not {@code .} or {@code ..}), values up to 25 MiB, metadata up to 1024 bytes
 * of JSON, expiration at least 60 s ahead; an expired key is gone for get and list. Keys list in
 * byte order of their UTF-8. Thread-safe (one connection, calls serialised).
 */
public final class KvNamespace implements AutoCloseable {
  public static final int MAX_KEY_BYTES = 512;
  public static final long MAX_VALUE_BYTES = 25L << 20;
  public static final int MAX_METADATA_BYTES = 1024;
  public static final long MIN_EXPIRATION_SECONDS = 60;

  /**
   * The latest expiration, in seconds since the epoch: JavaScript's last {@code Date}
   * (+275760-09-13), so that both hosts (and miniflare, which keeps milliseconds) can represent it,
   * and {@code now + ttl} and {@code expiration * 1000} cannot overflow a long.
   */
  public static final long MAX_EXPIRATION_SECONDS = 8_640_000_000_000L;

  public static final int MAX_LIST_LIMIT = 1000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Connection connection;
  private final Clock clock;

  /** A stored value: its bytes, metadata (or null) and expiration in epoch seconds (or null). */
  public record Entry(byte[] value, JsonNode metadata, Long expiration) {}

  /** One key of a list: name, expiration (or null), metadata (or null). */
  public record ListedKey(String name, Long expiration, JsonNode metadata) {}

  /**
   * One page of a list.
   *
   * @param cursor where the next page starts; null when {@code complete}
   */
  public record ListPage(List<ListedKey> keys, boolean complete, String cursor) {}

  private KvNamespace(Path file, Connection connection, Clock clock) {
    this.file = file;
    this.connection = connection;
    this.clock = clock;
  }

  /** Opens (creating when needed) the namespace stored in {@code file}. */
  public static KvNamespace open(Path file, Clock clock) throws BindingException {
    Connection connection = Sqlite.open(file);
    try (Statement s = connection.createStatement()) {
      s.executeUpdate(
          "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL,"
              + " expiration INTEGER, metadata TEXT) WITHOUT ROWID");
    } catch (SQLException e) {
      closeQuietly(connection);
      throw new BindingException(Code.INTERNAL, "cannot set up " + file + ": " + e.getMessage(), e);
    }
    return new KvNamespace(file, connection, clock);
  }

  public Path file() {
    return file;
  }

  /** The value of a key, empty when absent or expired. */
  public synchronized Optional<Entry> get(String key) throws BindingException {
    checkKey(key);
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT value, metadata, expiration FROM entries WHERE key = ?")) {
      s.setString(1, key);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        Long expiration = nullableLong(rs, 3);
        if (expired(expiration)) {
          return Optional.empty();
        }
        return Optional.of(new Entry(rs.getBytes(1), metadata(rs.getString(2)), expiration));
      }
    } catch (SQLException e) {
      throw internal(e);
    }
  }

  /**
   * Stores a value with Cloudflare's checks.
   *
   * @param expiration seconds since the epoch, at least 60 s ahead, or null
   * @param expirationTtl seconds from now, at least 60, or null; wins over {@code expiration}
   * @param metadata JSON of at most 1024 bytes, or null
   */
  public synchronized void put(
      String key, byte[] value, Long expiration, Long expirationTtl, JsonNode metadata)
      throws BindingException {
    checkKey(key);
    if (value.length > MAX_VALUE_BYTES) {
      throw new BindingException(
          Code.LIMIT,
          "the value of "
              + quoted(key)
              + " is "
              + value.length
              + " bytes; the limit is "
              + MAX_VALUE_BYTES
              + " (25 MiB)");
    }
    String meta = null;
    if (metadata != null && !metadata.isNull()) {
      meta = metadata.toString();
      int size = meta.getBytes(StandardCharsets.UTF_8).length;
      if (size > MAX_METADATA_BYTES) {
        throw new BindingException(
            Code.LIMIT,
            "the metadata of "
                + quoted(key)
                + " is "
                + size
                + " bytes of JSON; the limit is "
                + MAX_METADATA_BYTES);
      }
    }
    long now = clock.millis() / 1000;
    Long expires = null;
    if (expirationTtl != null) {
      if (expirationTtl < MIN_EXPIRATION_SECONDS) {
        throw new BindingException(
            Code.LIMIT,
            "Invalid expiration_ttl of "
                + expirationTtl
                + ": it must be at least "
                + MIN_EXPIRATION_SECONDS
                + " seconds");
      }
      if (expirationTtl > MAX_EXPIRATION_SECONDS - now) {
        throw new BindingException(Code.LIMIT, latestExpiration("expiration_ttl"));
      }
      expires = now + expirationTtl;
    } else if (expiration != null) {
      if (expiration > MAX_EXPIRATION_SECONDS) {
        throw new BindingException(Code.LIMIT, latestExpiration("expiration"));
      }
      if (expiration < now + MIN_EXPIRATION_SECONDS) {
        throw new BindingException(
            Code.LIMIT,
            "Invalid expiration of "
                + expiration
                + ": it must be at least "
                + MIN_EXPIRATION_SECONDS
                + " seconds in the future (now is "
                + now
                + ")");
      }
      expires = expiration;
    }
    store(key, value, expires, meta);
  }

  /**
   * Stores a value without the size and expiration checks (keys are still checked): for seeding
   * state, e.g. a key that has already expired.
   */
  public synchronized void putUnchecked(
      String key, byte[] value, Long expiration, JsonNode metadata) throws BindingException {
    checkKey(key);
    store(
        key, value, expiration, metadata == null || metadata.isNull() ? null : metadata.toString());
  }

  private void store(String key, byte[] value, Long expiration, String metadata)
      throws BindingException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "INSERT OR REPLACE INTO entries (key, value, expiration, metadata) VALUES (?, ?, ?, ?)")) {
      s.setString(1, key);
      s.setBytes(2, value);
      if (expiration == null) {
        s.setNull(3, Types.INTEGER);
      } else {
        s.setLong(3, expiration);
      }
      s.setString(4, metadata);
      s.executeUpdate();
    } catch (SQLException e) {
      throw internal(e);
    }
  }

  /** Removes a key; absent keys are fine. */
  public synchronized void delete(String key) throws BindingException {
    checkKey(key);
    try (PreparedStatement s = connection.prepareStatement("DELETE FROM entries WHERE key = ?")) {
      s.setString(1, key);
      s.executeUpdate();
    } catch (SQLException e) {
      throw internal(e);
    }
  }

  /**
   * Lists keys in order.
   *
   * @param prefix only keys that start with it; null or empty for all
   * @param limit 1–1000
   * @param cursor from the previous page, or null for the first
   */
  public synchronized ListPage list(String prefix, int limit, String cursor)
      throws BindingException {
    if (limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new BindingException(
          Code.BAD_REQUEST, "the list limit must be 1.." + MAX_LIST_LIMIT + ", not " + limit);
    }
    String after = cursor == null || cursor.isEmpty() ? null : decodeCursor(cursor);
    String from = prefix == null ? "" : prefix;
    StringBuilder sql =
        new StringBuilder(
            "SELECT key, expiration, metadata FROM entries WHERE key >= ?"
                + " AND substr(key, 1, length(?)) = ? AND (expiration IS NULL OR expiration > ?)");
    if (after != null) {
      sql.append(" AND key > ?");
    }
    sql.append(" ORDER BY key LIMIT ?");
    try (PreparedStatement s = connection.prepareStatement(sql.toString())) {
      int i = 1;
      s.setString(i++, from);
      s.setString(i++, from);
      s.setString(i++, from);
      s.setDouble(i++, clock.millis() / 1000.0);
      if (after != null) {
        s.setString(i++, after);
      }
      s.setInt(i, limit + 1);
      List<ListedKey> keys = new ArrayList<>();
      boolean more = false;
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          if (keys.size() == limit) {
            more = true;
            break;
          }
          keys.add(new ListedKey(rs.getString(1), nullableLong(rs, 2), metadata(rs.getString(3))));
        }
      }
      String next = more ? encodeCursor(keys.get(keys.size() - 1).name()) : null;
      return new ListPage(keys, !more, next);
    } catch (SQLException e) {
      throw internal(e);
    }
  }

  /** Deletes the expired entries (they are invisible anyway). */
  public synchronized int purgeExpired() throws BindingException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "DELETE FROM entries WHERE expiration IS NOT NULL AND expiration <= ?")) {
      s.setDouble(1, clock.millis() / 1000.0);
      return s.executeUpdate();
    } catch (SQLException e) {
      throw internal(e);
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly(connection);
  }

  /** The message both hosts give for an expiration past {@link #MAX_EXPIRATION_SECONDS}. */
  static String latestExpiration(String field) {
    return "Invalid "
        + field
        + ": it ends after "
        + MAX_EXPIRATION_SECONDS
        + " seconds since the epoch, the latest expiration";
  }

  private boolean expired(Long expiration) {
    // in seconds: a stored expiration times 1000 may not fit in a long
    return expiration != null && expiration <= Math.floorDiv(clock.millis(), 1000);
  }

  static void checkKey(String key) throws BindingException {
    if (key == null || key.isEmpty()) {
      throw new BindingException(Code.BAD_REQUEST, "a KV key must not be empty");
    }
    if (key.equals(".") || key.equals("..")) {
      throw new BindingException(Code.BAD_REQUEST, "a KV key must not be \".\" or \"..\"");
    }
    int bytes = key.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_KEY_BYTES) {
      throw new BindingException(
          Code.LIMIT,
          "the key "
              + quoted(key.substring(0, 32))
              + "… is "
              + bytes
              + " bytes; the limit is "
              + MAX_KEY_BYTES);
    }
  }

  private static String quoted(String key) {
    return "\"" + key + "\"";
  }

  private static Long nullableLong(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }

  private static JsonNode metadata(String text) {
    if (text == null) {
      return null;
    }
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return null; // only valid JSON is ever stored
    }
  }

  private static String encodeCursor(String key) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }

  private static String decodeCursor(String cursor) throws BindingException {
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new BindingException(Code.BAD_REQUEST, "the list cursor " + cursor + " is not valid");
    }
  }

  private BindingException internal(SQLException e) {
    return new BindingException(Code.INTERNAL, "KV store " + file + ": " + Sqlite.message(e), e);
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // nothing left to do
    }
  }
}
