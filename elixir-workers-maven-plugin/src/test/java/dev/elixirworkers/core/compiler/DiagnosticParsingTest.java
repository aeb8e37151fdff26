package dev.elixirworkers.core.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.elixirworkers.core.compiler.Diagnostic.Severity;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiagnosticParsingTest {

  @Test
  void erlcLinesBecomeErrorsAndWarningsAndExcerptsAreSkipped() {
    ErlcOutput.Parsed parsed =
        ErlcOutput.parse(
            List.of(
                "src/x.erl:3:10: syntax error before: '.'",
                "%    3| f() -> y(.",
                "%     |          ^",
                "",
                "src/z.erl:3:3: Warning: variable 'A' is unused",
                "include/h.hrl:7: undefined macro 'X'",
                "nonexist.erl: no such file or directory",
                "some other noise"));

    assertEquals(
        List.of(
            new Diagnostic(Severity.ERROR, "src/x.erl", 3, 10, "syntax error before: '.'"),
            new Diagnostic(Severity.ERROR, "include/h.hrl", 7, 0, "undefined macro 'X'"),
            new Diagnostic(Severity.ERROR, "nonexist.erl", 0, 0, "no such file or directory")),
        parsed.errors());
    assertEquals(
        List.of(new Diagnostic(Severity.WARNING, "src/z.erl", 3, 3, "variable 'A' is unused")),
        parsed.warnings());
  }

  @Test
  void elixirErrorTextLosesTheRepeatedLocationAndKeepsTheKind() {
    assertEquals(
        "undefined function foo/0 (expected A to define such a function)",
        ElixirDriver.errorMessage(
            "** (CompileError) lib/a.ex:4: undefined function foo/0 (expected A to define such a"
                + " function)\n\n"));
    assertEquals(
        "(SyntaxError) unexpected reserved word: end",
        ElixirDriver.errorMessage(
            "** (SyntaxError) lib/b.ex:4:3: unexpected reserved word: end\n"
                + "    (elixir 1.14.0) lib/kernel/parallel_compiler.ex:346: anonymous fn/5"));
    assertEquals(
        "(RuntimeError) boom",
        ElixirDriver.errorMessage("** (RuntimeError) boom\n    lib/d.ex:2: (module)\n"));
  }

  @Test
  void reportFieldsRoundTripTabsNewlinesAndBackslashes() {
    assertEquals("a\tb\nc\\d", ElixirDriver.unescape("a\\tb\\nc\\\\d"));
  }

  @Test
  void diagnosticsPrintAsFileLineMessage() {
    assertEquals(
        "lib/a.ex:12: boom", new Diagnostic(Severity.ERROR, "lib/a.ex", 12, 0, "boom").toString());
    assertEquals(
        "lib/a.ex:12:5: warning: careful",
        new Diagnostic(Severity.WARNING, "lib/a.ex", 12, 5, "careful").toString());
    assertEquals("nofile: odd", new Diagnostic(Severity.ERROR, "nofile", 0, 0, "odd").toString());
  }
}
