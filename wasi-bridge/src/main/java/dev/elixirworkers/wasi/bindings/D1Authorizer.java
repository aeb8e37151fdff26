package dev.elixirworkers.wasi.bindings;

import dev.elixirworkers.wasi.bindings.BindingException.Code;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Refuses, before SQLite compiles a statement, what D1's authorizer refuses: {@code ATTACH}, {@code
 * DETACH}, {@code VACUUM} (also {@code VACUUM INTO}), transaction control ({@code BEGIN}, {@code
 * COMMIT}, {@code END}, {@code ROLLBACK}, {@code SAVEPOINT}, {@code RELEASE}) and every {@code
 * PRAGMA} that is not on D1's list, with the argument D1 accepts for it.
 *
 * <p>D1 does this in {@code sqlite3_set_authorizer}. sqlite-jdbc, the only way this host reaches
 * SQLite, exposes no authorizer and exports no {@code sqlite3_*} symbol a foreign call could reach,
 * so the decision is made here, on the statement's leading tokens, read with SQLite's own lexical
 * rules (its whitespace, both comment forms, the four quoting forms, ASCII-only case folding). In
 * SQLite's grammar the first keyword, after an optional {@code EXPLAIN [QUERY PLAN]}, alone decides
 * which command a statement is, and only the first statement of the text is compiled. It has to
 * happen before compiling in any case: SQLite carries out many pragmas while preparing, so {@code
 * EXPLAIN PRAGMA query_only = 1} would take effect even if the prepared statement were then
 * discarded. {@code SQLITE_LIMIT_ATTACHED = 0} and the check that no statement leaves a transaction
 * open ({@link D1Database}) stand behind this.
 */
final class D1Authorizer {
  /** How a pragma on D1's list may be called (after workerd's {@code ALLOWED_PRAGMAS}). */
  private enum Argument {
    /** Anything, or nothing. */
    ANY,
    /** None. */
    NONE,
    /** None (to read the setting) or a boolean. */
    BOOLEAN,
    /** A table or index name, required. */
    NAME,
    /** A table or index name, or nothing. */
    OPTIONAL_NAME,
    /** An integer, or nothing. */
    OPTIONAL_INTEGER,
    /** An integer, a table or index name, or nothing. */
    OPTIONAL_INTEGER_OR_NAME
  }

  /** D1's pragmas (developers.cloudflare.com/d1/sql-api/sql-statements/). */
  private static final Map<String, Argument> PRAGMAS =
      Map.ofEntries(
          Map.entry("table_list", Argument.ANY),
          Map.entry("table_info", Argument.NAME),
          Map.entry("table_xinfo", Argument.NAME),
          Map.entry("index_list", Argument.NAME),
          Map.entry("index_info", Argument.NAME),
          Map.entry("index_xinfo", Argument.NAME),
          Map.entry("foreign_key_list", Argument.NAME),
          Map.entry("foreign_key_check", Argument.OPTIONAL_NAME),
          Map.entry("quick_check", Argument.OPTIONAL_INTEGER_OR_NAME),
          Map.entry("optimize", Argument.OPTIONAL_INTEGER),
          Map.entry("data_version", Argument.NONE),
          Map.entry("case_sensitive_like", Argument.BOOLEAN),
          Map.entry("foreign_keys", Argument.BOOLEAN),
          Map.entry("defer_foreign_keys", Argument.BOOLEAN),
          Map.entry("ignore_check_constraints", Argument.BOOLEAN),
          Map.entry("legacy_alter_table", Argument.BOOLEAN),
          Map.entry("recursive_triggers", Argument.BOOLEAN),
          Map.entry("reverse_unordered_selects", Argument.BOOLEAN));

  private static final Set<String> BOOLEANS =
      Set.of("true", "false", "yes", "no", "on", "off", "1", "0");

  private static final Set<String> TRANSACTION_CONTROL =
      Set.of("begin", "commit", "end", "rollback", "savepoint", "release");

  private static final String ALLOWED_PRAGMAS =
      String.join(", ", PRAGMAS.keySet().stream().sorted().toList());

  private D1Authorizer() {}

  /**
   * @throws BindingException {@code sql_error} when D1 would refuse {@code sql}
   */
  static void check(String sql) throws BindingException {
    Lexer lexer = new Lexer(sql);
    String command = lexer.keyword();
    if (command.equals("explain")) {
      command = lexer.keyword();
      if (command.equals("query")) {
        lexer.keyword(); // PLAN
        command = lexer.keyword();
      }
    }
    switch (command) {
      case "attach", "detach" ->
          throw refused(
              command.toUpperCase(Locale.ROOT)
                  + " is refused, as on D1: a D1 database is one SQLite file and cannot reach"
                  + " another");
      case "vacuum" ->
          throw new BindingException(
              Code.SQL_ERROR,
              "cannot VACUUM: D1 runs every statement inside a transaction, where SQLite refuses"
                  + " VACUUM (and VACUUM INTO, which would write a copy of the database to a file),"
                  + " and compacts its databases itself: SQLITE_ERROR");
      case "pragma" -> checkPragma(lexer);
      default -> {
        if (TRANSACTION_CONTROL.contains(command)) {
          throw new BindingException(
              Code.SQL_ERROR,
              "To execute a transaction, please use the state.storage.transaction() or"
                  + " state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or"
                  + " SAVEPOINT statements. (D1's answer to "
                  + command.toUpperCase(Locale.ROOT)
                  + "; from a handler, send the statements as one d1.batch, which runs them in one"
                  + " transaction.)");
        }
      }
    }
  }

  private static void checkPragma(Lexer lexer) throws BindingException {
    String name = lexer.name();
    if (lexer.skip('.')) {
      if (!name.equals("main")) {
        throw refused(
            "PRAGMA "
                + name
                + "."
                + lexer.name()
                + " is refused, as on D1: a D1 database has only the schema main");
      }
      name = lexer.name();
    }
    Argument argument = PRAGMAS.get(name);
    if (argument == null) {
      throw refused(
          "PRAGMA "
              + (name.isEmpty() ? "without a name" : name)
              + " is not one D1 allows ("
              + ALLOWED_PRAGMAS
              + ")");
    }
    String value = null;
    if (lexer.skip('=')) {
      value = lexer.value();
    } else if (lexer.skip('(')) {
      value = lexer.value();
    }
    boolean fits =
        switch (argument) {
          case ANY -> true;
          case NONE -> value == null;
          case BOOLEAN -> value == null || BOOLEANS.contains(value);
          case NAME -> value != null && !value.isEmpty();
          case OPTIONAL_NAME, OPTIONAL_INTEGER_OR_NAME -> true;
          case OPTIONAL_INTEGER -> value == null || value.matches("[+-]?[0-9]+");
        };
    if (!fits) {
      throw refused(
          "PRAGMA "
              + name
              + (value == null ? " without an argument" : " = " + value)
              + " is refused, as on D1: it takes "
              + switch (argument) {
                case NONE -> "no argument";
                case BOOLEAN -> "on/off, true/false, yes/no or 1/0";
                case NAME -> "a table or index name";
                default -> "an integer";
              });
    }
  }

  private static BindingException refused(String why) {
    return new BindingException(Code.SQL_ERROR, "not authorized: " + why + ": SQLITE_AUTH");
  }

  /** SQLite's tokenizer (tokenize.c), as far as the leading tokens of a statement need it. */
  private static final class Lexer {
    private final String sql;
    private int at;

    Lexer(String sql) {
      this.sql = sql;
    }

    /** The next token as a lower-case keyword or bare name; "" for anything else. */
    String keyword() {
      skipTrivia();
      int start = at;
      if (at < sql.length() && isIdStart(sql.charAt(at))) {
        while (at < sql.length() && isIdChar(sql.charAt(at))) {
          at++;
        }
        return asciiLower(sql.substring(start, at));
      }
      return "";
    }

    /** The next name: a bare word or a quoted identifier or string, unquoted and lower-cased. */
    String name() {
      skipTrivia();
      if (at >= sql.length()) {
        return "";
      }
      char c = sql.charAt(at);
      return switch (c) {
        case '"', '\'', '`' -> asciiLower(quoted(c, c));
        case '[' -> asciiLower(quoted('[', ']'));
        default -> keyword();
      };
    }

    /** A pragma's value: a name, a string or a signed number, as SQLite hands it on. */
    String value() {
      skipTrivia();
      StringBuilder sign = new StringBuilder();
      while (at < sql.length() && (sql.charAt(at) == '-' || sql.charAt(at) == '+')) {
        sign.append(sql.charAt(at++));
        skipTrivia();
      }
      int start = at;
      if (at < sql.length() && Character.isDigit(sql.charAt(at))) {
        while (at < sql.length() && (isIdChar(sql.charAt(at)) || sql.charAt(at) == '.')) {
          at++;
        }
        return sign + sql.substring(start, at);
      }
      return sign + name();
    }

    boolean skip(char punctuation) {
      skipTrivia();
      if (at < sql.length() && sql.charAt(at) == punctuation) {
        at++;
        return true;
      }
      return false;
    }

    private String quoted(char open, char close) {
      StringBuilder text = new StringBuilder();
      at++; // the opening quote
      while (at < sql.length()) {
        char c = sql.charAt(at++);
        if (c == close) {
          if (open != '[' && at < sql.length() && sql.charAt(at) == close) {
            text.append(close);
            at++;
            continue;
          }
          return text.toString();
        }
        text.append(c);
      }
      return text.toString();
    }

    /** Whitespace, comments, and empty statements (";"), which SQLite passes over. */
    private void skipTrivia() {
      while (at < sql.length()) {
        char c = sql.charAt(at);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ';') {
          at++;
        } else if (sql.startsWith("--", at)) {
          int end = sql.indexOf('\n', at);
          at = end < 0 ? sql.length() : end + 1;
        } else if (sql.startsWith("/*", at)) {
          int end = sql.indexOf("*/", at + 2);
          at = end < 0 ? sql.length() : end + 2;
        } else {
          return;
        }
      }
    }

    /** SQLite's IdChar: ASCII letters, digits, '_', '$' and every non-ASCII character. */
    private static boolean isIdChar(char c) {
      return c >= 0x80
          || (c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '_'
          || c == '$';
    }

    private static boolean isIdStart(char c) {
      return isIdChar(c) && !(c >= '0' && c <= '9') && c != '$';
    }

    private static String asciiLower(String s) {
      StringBuilder out = new StringBuilder(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        out.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
      }
      return out.toString();
    }
  }
}
