package dev.elixirworkers.core.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ~r} literals the VM's regex engine cannot compile are findings of the compatibility check
 * at their file and line: {@code compat/regex/validator.ex} compiled by elixirc, whose literals
 * hold the host PCRE's {@code %Regex{}} with the pattern's source.
 */
class RegexLiteralCheckTest {
  @TempDir static Path work;

  private static Path source;
  private static List<CompatibilityChecker.Finding> findings;

  @BeforeAll
  static void compile() throws Exception {
    Path dir = Fixtures.resource("compat").resolve("regex");
    source = dir.resolve("validator.ex").toAbsolutePath().normalize();
    Path ebin = Fixtures.compile(dir, work.resolve("ebin"));
    CompatibilityChecker checker = new CompatibilityChecker(AtomVmNatives.of(Set.of()), Map.of());
    findings =
        checker
            .check(List.of(BeamFile.read(ebin.resolve("Elixir.Validator.beam"))))
            .findings()
            .stream()
            .filter(f -> f.call().equals(ModuleCalls.REGEX_LITERAL))
            .toList();
  }

  private static int lineOf(String fragment) throws IOException {
    List<String> lines = Files.readAllLines(source);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(fragment)) {
        return i + 1;
      }
    }
    throw new AssertionError(fragment + " is not in " + source);
  }

  @Test
  void aLookbehindLiteralIsReportedAtItsLine() throws IOException {
    CompatibilityChecker.Finding lookbehind =
        findings.stream().filter(f -> f.message().contains("(?<=\\$)")).findFirst().orElseThrow();
    assertEquals(lineOf("def after_dollar"), lookbehind.line());
    assertEquals(
        lookbehind.file()
            + ":"
            + lookbehind.line()
            + ": ~r/(?<=\\$)\\d+/ cannot be compiled in the VM: unsupported: lookbehind assertions"
            + " (?<= and (?<! are not available in the VM's regular expressions (at position 0);"
            + " rewrite it with the syntax of docs/regex.md",
        lookbehind.message());
  }

  @Test
  void aUnicodePropertyLiteralIsReported() throws IOException {
    CompatibilityChecker.Finding property =
        findings.stream().filter(f -> f.message().contains("\\p{Zs}")).findFirst().orElseThrow();
    assertEquals(lineOf("def property"), property.line());
    assertTrue(property.message().contains("Unicode property escapes"), property.message());
  }

  @Test
  void supportedLiteralsAreNotReported() {
    // the e-mail pattern, and one whose "\p", "(?<=" are escaped, in a class and in a comment
    assertEquals(2, findings.size(), findings.toString());
  }

  private static Optional<VmRegexSyntax.Unsupported> check(String pattern) {
    return VmRegexSyntax.check(pattern.getBytes(StandardCharsets.UTF_8), false);
  }

  @Test
  void theScannerSkipsEscapesClassesQuotesAndComments() {
    assertEquals(Optional.empty(), check("\\\\p\\(?<=x\\)"));
    assertEquals(Optional.empty(), check("[(?<=]"));
    assertEquals(Optional.empty(), check("[]\\\\p]"));
    assertEquals(Optional.empty(), check("\\Q(?<=\\E"));
    assertEquals(Optional.empty(), check("(*UTF8)(?<n>a)(?=b)(?!c)(?>d)(?i)(?:e)(?#(?<=)"));
    assertEquals(
        Optional.empty(),
        VmRegexSyntax.check("a # (?<=x)\nb".getBytes(StandardCharsets.UTF_8), true));
    assertEquals(4, check("abc[\\p{L}]").orElseThrow().position());
    assertTrue(check("a(?|b)").orElseThrow().message().contains("branch reset"));
    assertTrue(check("(?(1)a|b)").orElseThrow().message().contains("conditional"));
    assertTrue(check("(a)(?-1)").orElseThrow().message().contains("recursion"));
    assertTrue(check("(?R)").orElseThrow().message().contains("recursion"));
    assertTrue(check("a(*SKIP)b").orElseThrow().message().contains("verbs"));
    assertTrue(check("a\\Kb").orElseThrow().message().contains("\\K"));
  }
}
