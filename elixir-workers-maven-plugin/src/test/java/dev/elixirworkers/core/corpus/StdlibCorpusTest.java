package dev.elixirworkers.core.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.testing.Skip;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The host half of the standard-library corpus (issue 14), which needs no AtomVM: the corpus is
 * well formed, every expression compiles and runs on this machine's Elixir without calling a
 * function it lacks, and two runs give the same results — so a difference in the VM half is the
 * VM's.
 */
class StdlibCorpusTest {
  private static final Path OUT = Path.of("target", "stdlib-corpus", "host");

  private static StdlibCorpus.Comparison twoHostRuns;

  @BeforeAll
  static void runTheCorpusTwiceOnTheHost() {
    Skip.unlessOnPath("StdlibCorpusTest", "elixir", "the corpus runs on the host's Elixir");
    Path cases = OUT.resolve("generated/stdlib_corpus_cases.ex");
    Path ebin = OUT.resolve("ebin");
    StdlibCorpus.generate(cases);
    StdlibCorpus.compileOnHost(cases, ebin);
    Path first = StdlibCorpus.evaluateOnHost(ebin, OUT.resolve("first-run.bin"));
    Path second = StdlibCorpus.evaluateOnHost(ebin, OUT.resolve("second-run.bin"));
    twoHostRuns =
        StdlibCorpus.compare(
            ebin, first, second, Optional.empty(), OUT.resolve("report"), "Host against host");
  }

  @Test
  void theCorpusHasAtLeast400Expressions() {
    assertTrue(twoHostRuns.rows().size() >= 400, twoHostRuns.rows().size() + " expressions");
  }

  @Test
  void everyModuleTheIssueNamesHasExpressions() {
    List<String> named =
        List.of(
            "String",
            "Enum",
            "Map",
            "Keyword",
            "List",
            "Tuple",
            "Integer",
            "Float",
            "Range",
            "Stream",
            "MapSet",
            "Access",
            "Kernel",
            "Exception",
            "URI",
            "Base",
            "Bitwise",
            "Date",
            "Time",
            "NaiveDateTime",
            "DateTime",
            "Calendar",
            "Process",
            "Protocol");
    for (String module : named) {
      assertTrue(
          twoHostRuns.expressionsPerModule().getOrDefault(module, 0L) > 0,
          module + " has no expressions: " + twoHostRuns.expressionsPerModule());
    }
  }

  @Test
  void everyExpressionOnlyCallsFunctionsTheHostsElixirHas() {
    // the corpus must be valid on Elixir 1.14 and 1.18 alike; a newer function does not belong
    assertEquals(List.of(), twoHostRuns.withStatus("host-missing"));
  }

  @Test
  void twoRunsOnTheHostGiveTheSameResults() {
    assertEquals(List.of(), twoHostRuns.withStatus("different"));
    assertEquals(twoHostRuns.rows().size(), twoHostRuns.withStatus("identical").size());
  }

  @Test
  void aTimeDependentExpressionIsComparedByShape() {
    StdlibCorpus.Row now = twoHostRuns.row("DateTime", "utc_now_iso8601");
    assertEquals("{:ok, {:binary, 27}}", now.expected(), now.toString());
  }

  @Test
  void aRaisedErrorIsComparedAsItsExceptionAndMessage() {
    StdlibCorpus.Row raised = twoHostRuns.row("Map", "fetch_bang");
    assertTrue(
        raised.expected().startsWith("{:raised, KeyError, \"key :missing not found in"),
        raised.toString());
  }
}
