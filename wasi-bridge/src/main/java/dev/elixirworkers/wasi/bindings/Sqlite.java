package dev.elixirworkers.wasi.bindings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Opens SQLite files (xerial sqlite-jdbc, without DriverManager, which plugin class loaders
 * defeat).
 */
final class Sqlite {
  private static final Pattern XERIAL_MESSAGE =
      Pattern.compile("\\[(\\w+)\\] .*? \\((.*)\\)", Pattern.DOTALL);

  private Sqlite() {}

  static Connection open(Path file) throws BindingException {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new BindingException(
          BindingException.Code.INTERNAL,
          "cannot create the state directory " + file.getParent() + ": " + e.getMessage(),
          e);
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.setBusyTimeout(5000);
    config.enforceForeignKeys(true);
    SQLiteDataSource source = new SQLiteDataSource(config);
    source.setUrl("jdbc:sqlite:" + file.toAbsolutePath());
    try {
      return source.getConnection();
    } catch (SQLException e) {
      throw new BindingException(
          BindingException.Code.INTERNAL, "cannot open " + file + ": " + message(e), e);
    }
  }

  /**
   * SQLite's own message, as D1 words it: {@code no such table: t: SQLITE_ERROR} rather than
   * xerial's {@code [SQLITE_ERROR] SQL error or missing database (no such table: t)}.
   */
  static String message(SQLException e) {
    String text = String.valueOf(e.getMessage());
    Matcher m = XERIAL_MESSAGE.matcher(text);
    return m.matches() ? m.group(2) + ": " + m.group(1) : text;
  }
}
