package dev.elixirworkers.core.compat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The PCRE constructs that the VM's regular-expression engine ({@code
 * atomvm-wasi/src/regex_engine.c}) does not have, found in a pattern's source: what makes a {@code
 * ~r} literal that compiled on the host BEAM fail to compile in the VM. The host's PCRE already
 * accepted the pattern, so only these constructs are looked for; the messages are the engine's own.
 * RegexCorpusVmTest checks both agree.
 */
public final class VmRegexSyntax {
  private VmRegexSyntax() {}

  /** What the engine does not support, and where. */
  public record Unsupported(String message, int position) {}

  private static final String SUFFIX = " are not available in the VM's regular expressions";

  /**
   * The first construct of {@code source} the VM's engine rejects, if any.
   *
   * @param extended whether the pattern is compiled with {@code x} (comments are skipped)
   */
  public static Optional<Unsupported> check(byte[] source, boolean extended) {
    String p = new String(source, StandardCharsets.ISO_8859_1);
    int n = p.length();
    int i = skipStartVerbs(p);
    boolean inClass = false;
    while (i < n) {
      char c = p.charAt(i);
      if (c == '\\' && i + 1 < n) {
        char e = p.charAt(i + 1);
        if (e == 'Q') {
          int end = p.indexOf("\\E", i + 2);
          i = end < 0 ? n : end + 2;
          continue;
        }
        if (e == 'p' || e == 'P' || e == 'X') {
          return found("Unicode property escapes (\\p, \\P, \\X)", i);
        }
        if (!inClass && (e == 'K' || e == 'R' || e == 'C')) {
          return Optional.of(
              new Unsupported(
                  "unsupported: \\" + e + " is not available in the VM's regular expressions", i));
        }
        i += 2;
        continue;
      }
      if (inClass) {
        if (c == '[' && i + 1 < n && p.charAt(i + 1) == ':') {
          int end = p.indexOf(":]", i + 2);
          i = end < 0 ? i + 1 : end + 2;
          continue;
        }
        if (c == ']') {
          inClass = false;
        }
        i++;
        continue;
      }
      if (c == '[') {
        inClass = true;
        i++;
        if (i < n && p.charAt(i) == '^') {
          i++;
        }
        if (i < n && p.charAt(i) == ']') {
          i++;
        }
        continue;
      }
      if (extended && c == '#') {
        int end = p.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
        continue;
      }
      if (p.startsWith("(?#", i)) {
        int end = p.indexOf(')', i);
        i = end < 0 ? n : end + 1;
        continue;
      }
      if (c == '(' && i + 1 < n) {
        Optional<Unsupported> group = group(p, i);
        if (group.isPresent()) {
          return group;
        }
      }
      i++;
    }
    return Optional.empty();
  }

  private static Optional<Unsupported> group(String p, int open) {
    String rest = p.substring(open + 1);
    if (rest.startsWith("*")) {
      return found("backtracking control verbs (*VERB)", open);
    }
    if (!rest.startsWith("?")) {
      return Optional.empty();
    }
    String after = rest.substring(1);
    if (after.startsWith("<=") || after.startsWith("<!")) {
      return found("lookbehind assertions (?<= and (?<!", open);
    }
    if (after.startsWith("|")) {
      return found("branch reset groups (?|...)", open);
    }
    if (after.startsWith("(")) {
      return found("conditional groups (?(...)...)", open);
    }
    if (after.startsWith("R")
        || after.startsWith("&")
        || after.startsWith("+")
        || after.startsWith("P>")
        || (!after.isEmpty() && Character.isDigit(after.charAt(0)))
        || (after.length() > 1 && after.charAt(0) == '-' && Character.isDigit(after.charAt(1)))) {
      return found("recursion and subroutine calls", open);
    }
    return Optional.empty();
  }

  private static Optional<Unsupported> found(String what, int position) {
    return Optional.of(new Unsupported("unsupported: " + what + SUFFIX, position));
  }

  // (*UTF8), (*UCP), (*CR) ... at the very start are settings the engine reads
  private static int skipStartVerbs(String p) {
    int i = 0;
    boolean more = true;
    while (more) {
      more = false;
      for (String verb :
          new String[] {
            "(*UTF8)", "(*UTF)", "(*UCP)", "(*CRLF)", "(*CR)", "(*LF)", "(*ANYCRLF)", "(*ANY)"
          }) {
        if (p.startsWith(verb, i)) {
          i += verb.length();
          more = true;
        }
      }
    }
    return i;
  }
}
