package dev.elixirworkers.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.elixirworkers.core.bundle.SizeBudget;
import dev.elixirworkers.core.compat.CompatibilityMode;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A worker built with {@code <elixirStdlib>} from {@code src/test/resources/e2e/stdlib-worker}
 * calls Elixir's own String, Enum, Map, Integer, URI, Kernel.inspect, Stream and a protocol
 * implementation of its own, inside the snapshot VM, and answers what Elixir answers on the BEAM.
 * Runs when {@link GatedAtomVm} finds an AtomVM source ({@code -Datomvm.source}, or the pinned
 * release cached or downloaded).
 */
class ElixirStdlibEndToEndTest {
  private static WorkerRuntime runtime;
  private static final List<String> stderr = new ArrayList<>();

  @BeforeAll
  static void buildTheWorker() throws Exception {
    Optional<Path> atomvm =
        Optional.of(
            GatedAtomVm.sourceOrSkip(
                "ElixirStdlibEndToEndTest", "to run Elixir's standard library in the VM"));
    Path project = Files.createTempDirectory("stdlib-worker");
    GatedAtomVm.copyTree(
        Path.of("src/test/resources/e2e/stdlib-worker/src"), project.resolve("src"));
    WorkerProject worker =
        WorkerProject.atConventionalPaths(
                project, "StdlibWorker", atomvm, CacheDirectory.root(), true)
            .toBuilder()
            .elixirStdlib(true)
            .build();
    RecordingLog log = new RecordingLog();
    // the sizes are measured and reported, not held to the example's budget (see <elixirStdlib>)
    WorkerBuild build = new WorkerBuild(worker, log, CompatibilityMode.WARN, SizeBudget.UNLIMITED);
    build.compile();
    build.bundle();
    log.lines.forEach(System.out::println);
    runtime =
        WorkerRuntime.create(
            WorkerBundle.load(worker.workerDirectory()),
            WorkerRuntime.Options.builder().stderrListener(stderr::add).build());
  }

  @AfterAll
  static void close() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
  }

  private static String get(String path) {
    WorkerResponse response =
        runtime.handle(WorkerRequest.of("GET", "http://localhost:8797" + path));
    assertEquals(200, response.status(), response.bodyText() + "\n" + String.join("\n", stderr));
    return response.bodyText();
  }

  @Test
  void stringCaseTrimAndSplitAreElixirs() {
    assertEquals("HELLO hello Hello a|b||c", get("/string/Hello"));
  }

  @Test
  void stringLengthAndGraphemesCountCharactersNotBytes() {
    assertEquals("5 h|é|l|l|o", get("/graphemes/h%C3%A9llo"));
  }

  @Test
  void enumGroupBySortByAndCount() {
    assertEquals(
        "[{\"a\", [\"apple\", \"avocado\"]}, {\"b\", [\"banana\"]}, {\"c\", [\"cherry\"]}]"
            + " [{\"c\", 1}, {\"b\", 2}, {\"a\", 3}] 3",
        get("/enum"));
  }

  @Test
  void mapUpdateCounts() {
    assertEquals("[{\"a\", 3}, {\"b\", 1}, {\"c\", 1}]", get("/map"));
  }

  @Test
  void integerParseLeavesTheRest() {
    assertEquals("42 \"abc\"", get("/integer/21abc"));
  }

  @Test
  void uriEncodeQueryEscapesValues() {
    assertEquals("page=2&q=a+b%26c", get("/query"));
  }

  @Test
  void inspectPrintsMapsKeywordsListsFloatsAndTuples() {
    assertEquals(
        "%{list: [1, 2.5, -0.001, 1.0e20, :three], tuple: {\"four\", nil}}", get("/inspect"));
  }

  @Test
  void floatsAreWrittenWithTheFewestDigitsThatReadBack() {
    // Elixir 1.18 formats with :erlang.float_to_binary(f, [:short]) (atomvm-wasi's
    // float_short_nifs.c); 1.14 with its own shortest-digits code. Decimal notation below 2^53
    // when it is not longer than scientific, scientific otherwise. The last four call the
    // option directly, so that 1.14 tests the NIF too.
    assertEquals(
        "0.1 0.30000000000000004 1.0000000000000001e-11 1.0e19 100.1 9.007199254740992e15"
            + " -1.0e-301 0.7000000000000001 0.03333333333333333 0.100 0.1",
        get("/float/0.1"));
  }

  @Test
  void shortFloatsReadBack() {
    assertEquals("2000 of 2000", get("/floats_read_back/2000"));
  }

  @Test
  void capitalizeTitlecasesTheFirstGrapheme() {
    assertEquals("Élan ÉLAN", get("/capitalize/%C3%A9LAN"));
  }

  @Test
  void jaroDistanceIsElixirs() {
    assertEquals("0.9444444444444445 0.7777777777777778", get("/jaro/martha/marhta"));
  }

  @Test
  void dateTimeUtcNowIsInUtc() {
    assertEquals("true Etc/UTC", get("/utc_now"));
  }

  @Test
  void streamsAreLazyUntilEnumerated() {
    assertEquals("[1, 2, 4, 8, 16]", get("/stream"));
  }

  @Test
  void interpolationDispatchesToTheWorkersOwnStringCharsImplementation() {
    assertEquals("at (1, 2)", get("/point"));
  }

  @Test
  void mapPopTakesTheKeyOutOfSmallAndLargeMaps() {
    assertEquals(
        "[{1, %{b: 2}}, {:none, %{}}, {-17, 39, false, -18}, {1, %{a: %{c: 2}}}]", get("/pop"));
  }

  @Test
  void listFlattenWithATail() {
    assertEquals("[[1, 2, 3, 4, 5, 6], [:t]]", get("/flatten"));
  }

  @Test
  void tupleAppend() {
    assertEquals("[{1}, {1, \"two\", [3]}]", get("/tuple_append"));
  }

  @Test
  void processGetKeysOfAValue() {
    assertEquals("[[:stdlib_worker_k1, :stdlib_worker_k2], []]", get("/get_keys"));
  }

  @Test
  void stringSplitOnWhitespaceWithTrimAndOnAListOfPatterns() {
    assertEquals(
        "[[\"a\", \"b\", \"c\", \"d\"], [\"a\", \"b\", \"c\"], [\"a\", \"b\", \"c\"],"
            + " [\"a\", \"b\", \"c\"]]",
        get("/split"));
  }

  @Test
  void stringReplaceEveryMatch() {
    assertEquals("[\"a+b+c\", \"aBc\"]", get("/replace"));
  }

  @Test
  void stringNormalizeAndEquivalent() {
    assertEquals("[[\"e\", \"\u0301\"], 2, true]", get("/normalize"));
  }

  @Test
  void dateTimeAddReadsTheTimeZoneDatabaseOfTheElixirApplication() {
    assertEquals("~U[2025-01-01 00:00:00Z]", get("/datetime_add"));
  }

  @Test
  void uriDefaultPortsAreKnownAndCanBeSet() {
    assertEquals("[443, nil, 8443]", get("/default_port"));
  }

  @Test
  void mapReplaceBangNamesTheMapAsOnTheBeam() {
    assertEquals(
        "[[\"key :b not found in: %{a: 1}\", \"expected a map, got: :not_a_map\"],"
            + " {{:badkey, :k}, :maps, :update, [:k, 1, %{a: 1}]}, %{a: 1, b: 3}, %{a: [1]}]",
        get("/key_error"));
  }
}
