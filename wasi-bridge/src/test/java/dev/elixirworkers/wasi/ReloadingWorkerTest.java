package dev.elixirworkers.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.testing.TestGuest;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live reload through the dev server. The "build" turns a watched source file into the app.avm of
 * the test guest, whose /file route returns it, so each response shows which build served it.
 */
class ReloadingWorkerTest {
  final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
  final AtomicInteger builds = new AtomicInteger();
  final List<WorkerRuntime> made = new ArrayList<>();
  final HttpClient client = HttpClient.newHttpClient();

  ReloadingWorker.Build buildFrom(Path source) {
    return () -> {
      builds.incrementAndGet();
      String text = Files.readString(source);
      if (text.startsWith("ERROR")) {
        throw new IllegalStateException(
            "Compilation failed\nsrc/main/elixir/app.ex:3: syntax error before: end");
      }
      return WorkerBundle.of(TestGuest.bundle().wasm(), text.getBytes());
    };
  }

  WorkerRuntime runtimeOf(WorkerBundle bundle) {
    WorkerRuntime runtime =
        WorkerRuntime.create(
            bundle, WorkerRuntime.Options.builder().stderrListener(l -> {}).build());
    synchronized (made) {
      made.add(runtime);
    }
    return runtime;
  }

  String get(DevServer server) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(server.uri().resolve("/file"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  static long writes;

  /** Writes and moves the modification time on, as file systems with coarse times would not. */
  static synchronized void write(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setLastModifiedTime(
        file,
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + ++writes * 1000));
  }

  @Test
  void aSavedChangeIsServedByTheNextRequestAndACompileErrorIsAnErrorPageUntilFixed(
      @TempDir Path src) throws Exception {
    Path source = src.resolve("app.ex");
    write(source, "v1");
    try (ReloadingWorker worker =
            ReloadingWorker.start(
                buildFrom(source).build(),
                List.of(src),
                buildFrom(source),
                this::runtimeOf,
                log::add,
                Duration.ZERO);
        DevServer server =
            DevServer.start(worker, DevServer.Options.builder().port(0).log(log::add).build())) {
      assertEquals("200 v1", get(server));
      assertEquals("200 v1", get(server), "unchanged: no rebuild");
      assertEquals(1, builds.get());

      write(source, "version two");
      assertEquals("200 version two", get(server));
      assertTrue(made.get(0).isClosed(), "the old runtime is closed");

      write(source, "ERROR");
      String page = get(server);
      assertTrue(page.startsWith("500 the worker does not build"), page);
      assertTrue(page.contains("src/main/elixir/app.ex:3: syntax error before: end"), page);
      int buildsWhileBroken = builds.get();
      assertTrue(get(server).startsWith("500 "), "still failing until the source changes");
      assertEquals(buildsWhileBroken, builds.get(), "a failed build is not retried unchanged");

      write(source, "fixed");
      assertEquals("200 fixed", get(server));
      assertTrue(log.stream().anyMatch(l -> l.startsWith("Sources changed")), log.toString());
      assertTrue(log.stream().anyMatch(l -> l.contains("app.ex:3: syntax error")), log.toString());
    }
    assertTrue(made.stream().allMatch(WorkerRuntime::isClosed), "close() closes the last runtime");
  }

  @Test
  void theBackgroundCheckRebuildsWithoutARequest(@TempDir Path src) throws Exception {
    Path source = src.resolve("app.ex");
    write(source, "one");
    try (ReloadingWorker worker =
        ReloadingWorker.start(
            buildFrom(source).build(),
            List.of(src),
            buildFrom(source),
            this::runtimeOf,
            log::add,
            Duration.ofMillis(50))) {
      Files.createDirectories(src.resolve("lib"));
      write(src.resolve("lib/new.ex"), "a new file counts as a change");

      long deadline = System.nanoTime() + 5_000_000_000L;
      while (builds.get() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(2, builds.get());
      assertEquals("one", new String(worker.get().bundle().app().orElseThrow()));
    }
  }

  @Test
  void aRequestDuringABackgroundRebuildWaitsForItAndGetsTheNewCode(@TempDir Path src)
      throws Exception {
    Path source = src.resolve("app.ex");
    write(source, "old");
    java.util.concurrent.CountDownLatch building = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    ReloadingWorker.Build slow =
        () -> {
          building.countDown();
          release.await(10, java.util.concurrent.TimeUnit.SECONDS);
          return buildFrom(source).build();
        };
    try (ReloadingWorker worker =
        ReloadingWorker.start(
            buildFrom(source).build(),
            List.of(src),
            slow,
            this::runtimeOf,
            log::add,
            Duration.ofMillis(20))) {
      write(source, "new");
      assertTrue(
          building.await(5, java.util.concurrent.TimeUnit.SECONDS), "the poll started a build");

      java.util.concurrent.CompletableFuture<String> request =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> new String(worker.get().bundle().app().orElseThrow()));
      Thread.sleep(100);
      assertTrue(!request.isDone(), "the request waits for the build in progress");
      release.countDown();

      assertEquals("new", request.get(10, java.util.concurrent.TimeUnit.SECONDS));
    }
  }
}
