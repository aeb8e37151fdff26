package dev.elixirworkers.core.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.GatedAtomVm;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.WorkerBuild;
import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.core.bundle.SizeBudget;
import dev.elixirworkers.core.compat.CompatibilityChecker;
import dev.elixirworkers.core.compat.CompatibilityMode;
import dev.elixirworkers.core.compat.VmRegexSyntax;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The regex corpus of issue 15 ({@code src/test/resources/regex-corpus}): Regex, {@code :re} and
 * the String functions that take a regex, run on the host BEAM's PCRE and inside AtomVM on the VM's
 * own engine (atomvm-wasi/src/regex_engine.c, re_nifs.c), compared by inspect, with the stdlib
 * corpus's harness. Also what has no host counterpart: the patterns the engine rejects, a
 * catastrophic backtracking, and the time of the issue's e-mail match. Runs when {@code
 * -Datomvm.source} names an AtomVM checkout; otherwise skipped, saying why. Report in {@code
 * target/regex-corpus/report}.
 */
class RegexCorpusVmTest {
  private static final Path ROOT = Path.of("src", "test", "resources", "regex-corpus");
  private static final Path OUT = Path.of("target", "regex-corpus");
  private static final int CHUNK = 40;

  private static WorkerRuntime runtime;
  private static StdlibCorpus.Comparison hostAgainstVm;
  private static List<CompatibilityChecker.Finding> findings;

  @BeforeAll
  static void runTheCorpusInTheVm() throws Exception {
    Path atomvm =
        GatedAtomVm.sourceOrSkip("RegexCorpusVmTest", "to run the regex corpus inside AtomVM");
    Path project = Files.createTempDirectory("regex-corpus-worker");
    Path sources = project.resolve("src/main/elixir");
    Files.createDirectories(sources);
    Files.copy(StdlibCorpus.SUPPORT, sources.resolve("corpus_support.ex"));
    Files.copy(
        ROOT.resolve("worker/regex_corpus_worker.ex"), sources.resolve("regex_corpus_worker.ex"));
    StdlibCorpus.generate(ROOT.resolve("expressions"), sources.resolve("regex_corpus_cases.ex"));

    WorkerProject worker =
        WorkerProject.atConventionalPaths(
            project, "RegexCorpusWorker", Optional.of(atomvm), CacheDirectory.root(), true);
    WorkerBuild build =
        new WorkerBuild(worker, new RecordingLog(), CompatibilityMode.WARN, SizeBudget.UNLIMITED);
    build.compile();
    WorkerBuild.Bundle bundle = build.bundle();
    findings = bundle.compatibility().findings();

    Files.createDirectories(OUT);
    Path expected = StdlibCorpus.evaluateOnHost(worker.appBeams(), OUT.resolve("host.bin"));
    runtime =
        WorkerRuntime.create(
            WorkerBundle.load(worker.workerDirectory()),
            WorkerRuntime.Options.builder().stderrListener(line -> {}).build());
    Path answers = Files.createTempDirectory(OUT, "answers");
    int count = Integer.parseInt(get("/count").bodyText().trim());
    for (int from = 0; from < count; from += CHUNK) {
      int to = Math.min(from + CHUNK, count) - 1;
      WorkerResponse chunk = get("/cases/" + from + "/" + to);
      if (chunk.status() == 200) {
        Files.write(answers.resolve("cases-" + from + ".bin"), chunk.body());
        continue;
      }
      for (int i = from; i <= to; i++) {
        WorkerResponse one = get("/cases/" + i + "/" + i);
        if (one.status() == 200) {
          Files.write(answers.resolve("cases-" + i + ".bin"), one.body());
        }
      }
    }
    hostAgainstVm =
        StdlibCorpus.compare(
            worker.appBeams(),
            expected,
            answers,
            Optional.empty(),
            OUT.resolve("report"),
            "Regex: host BEAM (PCRE) against AtomVM (regex_engine.c)");
    System.out.println(hostAgainstVm.table());
  }

  private static WorkerResponse get(String path) {
    return runtime.handle(WorkerRequest.of("GET", "http://localhost:8797" + path));
  }

  @AfterAll
  static void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void theCorpusHasAtLeast300Cases() {
    assertTrue(hostAgainstVm.rows().size() >= 300, hostAgainstVm.rows().size() + " cases");
  }

  @Test
  void everyCaseGivesWhatTheHostBeamGives() {
    List<StdlibCorpus.Row> different =
        hostAgainstVm.rows().stream().filter(r -> !r.status().equals("identical")).toList();
    assertEquals(
        "",
        different.stream().map(StdlibCorpus.Row::toString).collect(Collectors.joining("\n")),
        different.size() + " of " + hostAgainstVm.rows().size() + " cases differ");
  }

  @Test
  void theCompatibilityCheckNoLongerReportsRe() {
    List<String> reCalls =
        findings.stream()
            .map(f -> f.call().display())
            .filter(call -> call.startsWith(":re."))
            .toList();
    assertEquals(List.of(), reCalls);
  }

  @Test
  void theBuildReportsTheLiteralTheEngineCannotCompileAtItsLine() throws Exception {
    List<String> source =
        Files.readAllLines(ROOT.resolve("worker/regex_corpus_worker.ex"), StandardCharsets.UTF_8);
    int line =
        1
            + source.indexOf(
                source.stream().filter(l -> l.contains("~r/(?<=a)b/")).findFirst().orElseThrow());
    List<String> regexFindings =
        findings.stream()
            .map(CompatibilityChecker.Finding::message)
            .filter(m -> m.contains("cannot be compiled in the VM"))
            .toList();
    assertEquals(
        List.of(
            "src/main/elixir/regex_corpus_worker.ex:"
                + line
                + ": ~r/(?<=a)b/ cannot be compiled in the VM: unsupported: lookbehind assertions"
                + " (?<= and (?<! are not available in the VM's regular expressions (at position 0);"
                + " rewrite it with the syntax of docs/regex.md"),
        regexFindings);
  }

  @Test
  void aPatternOutsideTheEnginesSyntaxIsACompileErrorNamingIt() {
    // and the build-time check of ~r literals (VmRegexSyntax) finds the same construct there
    String body = get("/unsupported").bodyText();
    for (String line : body.split("\n")) {
      String[] cells = line.split("\t");
      assertEquals(3, cells.length, line);
      assertTrue(cells[1].startsWith("unsupported: "), line);
      VmRegexSyntax.Unsupported found =
          VmRegexSyntax.check(cells[0].getBytes(StandardCharsets.UTF_8), false).orElseThrow();
      assertEquals(cells[1] + "@" + cells[2], found.message() + "@" + found.position(), line);
    }
    assertTrue(body.contains("lookbehind"), body);
    assertTrue(body.contains("Unicode property"), body);
  }

  @Test
  void aLiteralTheEngineCannotCompileRaisesNamingTheConstruct() {
    String body = get("/unsupported-literal").bodyText();
    assertTrue(body.startsWith("raised ") && body.contains("lookbehind"), body);
  }

  @Test
  void catastrophicBacktrackingIsAnErrorNotAHang() {
    String[] lines = get("/catastrophic").bodyText().split("\n");
    assertTrue(lines[0].startsWith("raised ") && lines[0].contains("match_limit"), lines[0]);
    long micros = Long.parseLong(lines[1].trim());
    System.out.println("(a+)+[bc] on 40 a's: step budget reached after " + micros + " µs");
    assertTrue(micros < 2_000_000, micros + " µs");
  }

  @Test
  void theEmailMatchIsWithinItsBudget() {
    // the best of many short rounds: the figure of the VM, not of what else the machine runs
    get("/bench/100");
    int n = 200;
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 40; round++) {
      String[] answer = get("/bench/" + n).bodyText().trim().split(" ");
      assertEquals("true", answer[0]);
      best = Math.min(best, Long.parseLong(answer[1]) / (double) n);
    }
    System.out.printf(
        "e-mail regex on 40 bytes: %.2f µs per Regex.match?/2 (best of 40 rounds)%n", best);
    assertTrue(best <= 20.0, best + " µs per match");
  }
}
