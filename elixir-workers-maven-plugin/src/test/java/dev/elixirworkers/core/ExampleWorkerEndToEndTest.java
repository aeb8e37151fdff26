package dev.elixirworkers.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.compat.CompatibilityChecker;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole pipe on the example worker, with the real AtomVM: compile, VM build (cached), stdlib,
 * pack, assemble, then requests through the JVM host. Runs when {@link GatedAtomVm} finds an AtomVM
 * source ({@code -Datomvm.source}, or the pinned release cached or downloaded); otherwise it is
 * skipped and says why.
 */
class ExampleWorkerEndToEndTest {
  private static Path project;
  private static RecordingLog firstBuild;
  private static WorkerBuild.Bundle bundle;
  private static WorkerRuntime runtime;

  @BeforeAll
  static void buildTheExample() throws IOException {
    Optional<Path> atomvm =
        Optional.of(
            GatedAtomVm.sourceOrSkip(
                "ExampleWorkerEndToEndTest", "to run the end-to-end tests on the example worker"));
    project = Files.createTempDirectory("hello-worker");
    GatedAtomVm.copyTree(GatedAtomVm.EXAMPLE_SOURCES, project.resolve("src"));
    WorkerProject worker =
        WorkerProject.atConventionalPaths(
            project, "HelloWorker", atomvm, CacheDirectory.root(), true);
    firstBuild = new RecordingLog();
    WorkerBuild build = new WorkerBuild(worker, firstBuild);
    build.compile();
    bundle = build.bundle();
    runtime = WorkerRuntime.create(WorkerBundle.load(worker.workerDirectory()));
  }

  @AfterAll
  static void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  private static WorkerResponse get(String path) {
    return runtime.handle(
        new WorkerRequest("GET", "http://localhost:8797" + path, List.of(), new byte[0]));
  }

  private static String header(WorkerResponse response, String name) {
    return response.headers().stream()
        .filter(h -> h.name().equalsIgnoreCase(name))
        .map(h -> h.value())
        .findFirst()
        .orElse("");
  }

  @Test
  void rootIsTheElixirRenderedHtmlPage() {
    WorkerResponse response = get("/");

    assertEquals(200, response.status(), response.bodyText());
    assertTrue(header(response, "content-type").startsWith("text/html"));
    assertTrue(response.bodyText().contains("<html"), response.bodyText());
    assertTrue(response.body().length >= 5 * 1024, "the page is a realistic size");
    assertEquals("nosniff", header(response, "x-content-type-options"), "router middleware");
    assertTrue(header(response, "x-request-id").matches("[0-9a-f]{32}"), response.toString());
  }

  @Test
  void helloRouteEscapesItsParameter() {
    WorkerResponse response = get("/hello/w%C3%B6rld%3Cb%3E");

    assertEquals(200, response.status(), response.bodyText());
    assertTrue(
        response.bodyText().contains("<h1>Hello, wörld&lt;b&gt;!</h1>"), response.bodyText());
  }

  @Test
  void echoParsesAJsonBody() {
    WorkerResponse response =
        runtime.handle(
            new WorkerRequest(
                "POST",
                "http://localhost:8797/api/echo",
                List.of(new dev.elixirworkers.wasi.Header("content-type", "application/json")),
                "{\"a\":[1,\"é\"]}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));

    assertEquals(200, response.status(), response.bodyText());
    assertTrue(response.bodyText().contains("\"params\":{\"a\":[1,\"é\"]}"), response.bodyText());
  }

  @Test
  void otherMethodOnAKnownPathIs405() {
    WorkerResponse response =
        runtime.handle(
            new WorkerRequest("DELETE", "http://localhost:8797/", List.of(), new byte[0]));

    assertEquals(405, response.status());
    assertEquals("GET, HEAD, OPTIONS", header(response, "allow"));
  }

  @Test
  void everyCallOfTheExampleAndTheFrameworkIsAvailableOnAtomVm() {
    assertEquals(
        List.of(),
        bundle.compatibility().findings().stream().filter(f -> f.through().isEmpty()).toList());
  }

  @Test
  void whatTheLibrariesLackIsOnlyOnPathsTheFrameworkReaches() {
    // the example's own code reaches nothing missing, even deep in Elixir's library
    assertEquals(
        List.of(),
        bundle.compatibility().findings().stream()
            .filter(f -> f.caller().startsWith("Elixir.HelloWorker"))
            .map(CompatibilityChecker.Finding::message)
            .toList());
  }

  @Test
  void healthIsJson() {
    WorkerResponse response = get("/api/health");

    assertEquals(200, response.status(), response.bodyText());
    assertTrue(header(response, "content-type").startsWith("application/json"));
    assertTrue(response.bodyText().contains("\"status\":\"ok\""), response.bodyText());
  }

  @Test
  void kvRouteReadsAKeyOfTheCacheNamespaceInASecondRound() throws Exception {
    Path state = Files.createTempDirectory(project, "state");
    try (LocalBindings bindings =
            LocalBindings.open(
                WorkerConfig.of(Map.of(), Map.of(), List.of("CACHE"), List.of()), state);
        WorkerRuntime withKv =
            WorkerRuntime.create(
                runtime.bundle(), WorkerRuntime.Options.builder().bindings(bindings).build())) {
      bindings.kv("CACHE").orElseThrow().put("greeting", "hé".getBytes(UTF_8), null, null, null);

      WorkerResponse found =
          withKv.handle(
              new WorkerRequest("GET", "http://localhost/api/kv/greeting", List.of(), new byte[0]));
      WorkerResponse missing =
          withKv.handle(
              new WorkerRequest("GET", "http://localhost/api/kv/nothing", List.of(), new byte[0]));

      assertEquals(200, found.status(), found.bodyText());
      assertTrue(found.bodyText().contains("\"value\":\"hé\""), found.bodyText());
      assertEquals(404, missing.status(), missing.bodyText());
      assertTrue(missing.bodyText().contains("\"value\":null"), missing.bodyText());
    }
    assertEquals(501, get("/api/kv/greeting").status(), "without the binding");
  }

  @Test
  void unknownPathIs404FromTheRouter() {
    assertEquals(404, get("/no/such/page").status());
  }

  @Test
  void secondBundleReusesTheCachedVm() {
    RecordingLog again = new RecordingLog();
    new WorkerBuild(
            WorkerProject.atConventionalPaths(
                project, "HelloWorker", GatedAtomVm.source(), CacheDirectory.root(), true),
            again)
        .bundle();

    assertTrue(again.contains("skipping the VM build"), again.lines.toString());
    assertTrue(again.contains("already compiled"), again.lines.toString());
    assertTrue(again.contains("Snapshot of atomvm.wasm already made"), again.lines.toString());
  }

  @Test
  void archiveStartsWithTheStartModuleAndLeavesTheInitModuleOut() {
    assertEquals("Elixir.HelloWorker", bundle.pack().modules().get(0).module());
    assertTrue(
        bundle.pack().modules().stream().noneMatch(m -> m.module().equals("init")),
        "init.beam would switch AtomVM into OTP boot mode");
    assertTrue(Files.exists(bundle.wasm()));
    assertTrue(bundle.snapshot(), "the example builds with the default: a snapshot");
    assertTrue(!Files.exists(bundle.wasm().resolveSibling("app.avm")), "a snapshot holds app.avm");
    assertTrue(Files.exists(bundle.avm()), "packed in the work directory");
    assertEquals(
        List.of("atomvm.wasm", "worker.js"),
        bundle.sizes().rows().stream().map(row -> row.name()).toList());
  }
}
