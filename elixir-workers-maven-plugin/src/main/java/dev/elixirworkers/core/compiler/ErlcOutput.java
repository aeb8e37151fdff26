package dev.elixirworkers.core.compiler;

import dev.elixirworkers.core.compiler.Diagnostic.Severity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses what erlc prints: {@code file:line:col: message}, {@code file:line: Warning: message},
 * {@code file: message}; the {@code %} lines after them (OTP 24+ source excerpts) are skipped.
 *
 * <p>erlc prints a file relative to its working directory when it is below it, and with {@code
 * +deterministic} only its base name; {@link #parse(List, Map)} maps either back to the path the
 * caller gave (Erlang module names, hence file names, are unique).
 */
final class ErlcOutput {
  private static final String FILE = "(.+?\\.(?:erl|hrl|yrl|xrl|beam|src|escript))";
  private static final Pattern LOCATED = Pattern.compile("^" + FILE + ":(\\d+)(?::(\\d+))?: (.*)$");
  private static final Pattern FILE_ONLY = Pattern.compile("^" + FILE + ": (.*)$");
  private static final String WARNING = "Warning: ";

  record Parsed(List<Diagnostic> errors, List<Diagnostic> warnings) {}

  private ErlcOutput() {}

  static Parsed parse(List<String> lines) {
    return parse(lines, Map.of());
  }

  /**
   * @param givenPaths the caller's spelling of each source file (and header), keyed by the absolute
   *     normalised path
   */
  static Parsed parse(List<String> lines, Map<Path, String> givenPaths) {
    Map<String, String> byName = new HashMap<>();
    Set<String> ambiguous = new HashSet<>();
    for (String given : givenPaths.values()) {
      String name = Path.of(given).getFileName().toString();
      if (byName.putIfAbsent(name, given) != null) {
        ambiguous.add(name);
      }
    }
    ambiguous.forEach(byName::remove);
    List<Diagnostic> errors = new ArrayList<>();
    List<Diagnostic> warnings = new ArrayList<>();
    for (String line : lines) {
      if (line.startsWith("%")) {
        continue;
      }
      String file;
      int lineNo = 0;
      int column = 0;
      String message;
      Matcher located = LOCATED.matcher(line);
      Matcher fileOnly = FILE_ONLY.matcher(line);
      if (located.matches()) {
        file = located.group(1);
        lineNo = Integer.parseInt(located.group(2));
        column = located.group(3) == null ? 0 : Integer.parseInt(located.group(3));
        message = located.group(4);
      } else if (fileOnly.matches()) {
        file = fileOnly.group(1);
        message = fileOnly.group(2);
      } else {
        continue;
      }
      file = displayPath(file, givenPaths, byName);
      if (message.startsWith(WARNING)) {
        warnings.add(
            new Diagnostic(
                Severity.WARNING, file, lineNo, column, message.substring(WARNING.length())));
      } else {
        errors.add(new Diagnostic(Severity.ERROR, file, lineNo, column, message));
      }
    }
    return new Parsed(errors, warnings);
  }

  private static String displayPath(
      String reported, Map<Path, String> givenPaths, Map<String, String> byName) {
    try {
      Path path = Path.of(reported);
      String given = givenPaths.get(path.toAbsolutePath().normalize());
      if (given != null) {
        return given;
      }
      if (path.getParent() == null && byName.containsKey(reported)) {
        return byName.get(reported);
      }
    } catch (RuntimeException e) {
      // not a path: keep the text
    }
    return reported;
  }
}
