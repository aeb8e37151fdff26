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
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The VM half of the standard-library corpus (issue 14): the corpus compiled into a worker (the
 * compatibility check at {@code warn}, since many calls are missing today), every case run inside
 * the real AtomVM through the JVM host, and compared with the host BEAM running the same {@code
 * .beam} files. Prints the per-module table and writes it, with every case's row, to {@code
 * target/stdlib-corpus/vm-elixir-stdlib/report}. Asserts that the harness works, not a percentage.
 * Runs when {@link GatedAtomVm} finds an AtomVM source ({@code -Datomvm.source}, or the pinned
 * release cached or downloaded); otherwise it is skipped and says why. The worker runs on Elixir's
 * own standard library (the default, {@code <elixirStdlib>}); {@code
 * -Dstdlib-corpus.elixirStdlib=false} measures AtomVM's library instead (report in {@code
 * target/stdlib-corpus/vm/report}).
 */
class StdlibCorpusVmTest {
  private static final boolean ELIXIR_STDLIB =
      Boolean.parseBoolean(System.getProperty("stdlib-corpus.elixirStdlib", "true"));
  private static final Path OUT =
      Path.of("target", "stdlib-corpus", ELIXIR_STDLIB ? "vm-elixir-stdlib" : "vm");

  /** Cases per request: a crash loses one chunk, which is then rerun case by case. */
  private static final int CHUNK = 20;

  private static WorkerRuntime runtime;
  private static StdlibCorpus.Comparison hostAgainstVm;
  private static int casesInTheVm;

  @BeforeAll
  static void runTheCorpusInTheVm() throws Exception {
    Path atomvm =
        GatedAtomVm.sourceOrSkip("StdlibCorpusVmTest", "to run the stdlib corpus inside AtomVM");
    Path project = Files.createTempDirectory("stdlib-corpus-worker");
    Path sources = project.resolve("src/main/elixir");
    Files.createDirectories(sources);
    Files.copy(StdlibCorpus.SUPPORT, sources.resolve("corpus_support.ex"));
    Files.copy(StdlibCorpus.WORKER, sources.resolve("stdlib_corpus_worker.ex"));
    StdlibCorpus.generate(sources.resolve("stdlib_corpus_cases.ex"));

    WorkerProject worker =
        WorkerProject.atConventionalPaths(
                project, "StdlibCorpusWorker", Optional.of(atomvm), CacheDirectory.root(), true)
            .toBuilder()
            .elixirStdlib(ELIXIR_STDLIB)
            .build();
    WorkerBuild build =
        new WorkerBuild(
            worker,
            new RecordingLog(),
            CompatibilityMode.WARN,
            // the corpus reaches most of the library at once: its size is not a worker's
            SizeBudget.UNLIMITED);
    build.compile();
    WorkerBuild.Bundle bundle = build.bundle();

    Files.createDirectories(OUT);
    Path findings = OUT.resolve("compat-findings.txt");
    List<String> reported = new ArrayList<>();
    for (CompatibilityChecker.Finding finding : bundle.compatibility().findings()) {
      String caller =
          finding.caller().startsWith("Elixir.")
              ? finding.caller().substring("Elixir.".length())
              : ":" + finding.caller();
      reported.add(
          String.join(
              "\t",
              finding.call().display(),
              caller,
              finding.file(),
              Integer.toString(finding.line())));
    }
    Files.write(findings, reported, StandardCharsets.UTF_8);

    // the same .beam files the VM runs, on the host BEAM
    Path expected = StdlibCorpus.evaluateOnHost(worker.appBeams(), OUT.resolve("host.bin"));

    runtime =
        WorkerRuntime.create(
            WorkerBundle.load(worker.workerDirectory()),
            WorkerRuntime.Options.builder().stderrListener(line -> {}).build());
    // a fresh directory: compare.exs reads every answer in it
    Path answers = Files.createTempDirectory(OUT, "answers");
    WorkerResponse count = get("/count");
    if (count.status() != 200) {
      throw new IllegalStateException(
          "the corpus worker does not start: GET /count answered "
              + count.status()
              + ": "
              + count.bodyText());
    }
    casesInTheVm = Integer.parseInt(count.bodyText().trim());
    for (int from = 0; from < casesInTheVm; from += CHUNK) {
      int to = Math.min(from + CHUNK, casesInTheVm) - 1;
      WorkerResponse chunk = get("/cases/" + from + "/" + to);
      if (chunk.status() == 200) {
        Files.write(answers.resolve("cases-" + from + ".bin"), chunk.body());
        continue;
      }
      for (int i = from; i <= to; i++) {
        WorkerResponse one = get("/cases/" + i + "/" + i);
        if (one.status() == 200) {
          Files.write(answers.resolve("cases-" + i + ".bin"), one.body());
        } else {
          String body = one.bodyText();
          Files.writeString(
              answers.resolve("crash-" + i + ".txt"),
              one.status() + " " + body.substring(0, Math.min(300, body.length())));
        }
      }
    }

    hostAgainstVm =
        StdlibCorpus.compare(
            worker.appBeams(),
            expected,
            answers,
            Optional.of(findings),
            OUT.resolve("report"),
            "Host BEAM against AtomVM" + (ELIXIR_STDLIB ? ", Elixir's standard library" : ""));
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
  void theVmRunsEveryCaseOfTheGeneratedModule() {
    assertEquals(hostAgainstVm.rows().size(), casesInTheVm);
    List<StdlibCorpus.Row> notRun =
        hostAgainstVm.rows().stream().filter(r -> r.actual().equals("{:not_run}")).toList();
    assertEquals(List.of(), notRun);
  }

  @Test
  void arithmeticEnumMapAndProtocolDispatchAreIdentical() {
    // what already runs on main: if one of these stops being identical, the harness or the VM
    // broke, not the standard library's coverage
    List<String> basics =
        List.of(
            "Kernel.addition",
            "Kernel.div_rem",
            "Kernel.hd_tl",
            "Kernel.binary_part",
            "Enum.map",
            "Enum.map_range",
            "Protocol.custom_protocol_struct");
    for (String name : basics) {
      String[] parts = name.split("\\.");
      StdlibCorpus.Row row = hostAgainstVm.row(parts[0], parts[1]);
      assertEquals("identical", row.status(), row.toString());
    }
  }

  @Test
  void everyCaseIsCountedOnceInTheTable() {
    long counted =
        hostAgainstVm.withStatus("identical").size()
            + hostAgainstVm.withStatus("different").size()
            + hostAgainstVm.withStatus("missing").size();
    assertEquals(hostAgainstVm.rows().size(), counted, hostAgainstVm.table());
    assertTrue(hostAgainstVm.table().contains("| **total** | " + casesInTheVm + " |"));
  }

  @Test
  void aMissingFunctionIsNamed() {
    for (StdlibCorpus.Row row : hostAgainstVm.withStatus("missing")) {
      assertTrue(row.missingCall().matches(".+\\..+/\\d+"), row.toString());
    }
  }
}
