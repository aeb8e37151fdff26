package dev.elixirworkers.archetype;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.elixirworkers.wasi.testing.Skip;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real browser against the generated project: {@code mvn elixir-workers:run} of the project
 * archetype:integration-test generated (src/test/resources/projects/default) on a free port, then
 * headless Chromium driven by playwright-core (src/test/browser, pinned by its lock file) loads the
 * home page, submits the note form (a KV write) and waits for the page to show the note read back.
 * Chromium is Debian's ({@code apt-get install chromium}, see scripts/setup.sh); nothing is
 * downloaded from Playwright. Runs when the build has an AtomVM source (as GeneratedProjectIT) and
 * Chromium and Node.js are installed; otherwise it is skipped and says why.
 */
class BrowserIT {
  static final Path BASEDIR = GeneratedProjectIT.BASEDIR;

  @Test
  void homePageFormWritesToKvAndShowsTheNoteReadBack() throws Exception {
    String atomvm =
        GeneratedProjectIT.atomvmSourceOrSkip("BrowserIT", "serve the generated project");
    Path chromium = Path.of(System.getProperty("chromium", "/usr/bin/chromium"));
    if (!Files.isExecutable(chromium)) {
      Skip.because(
          "BrowserIT",
          "no Chromium at "
              + chromium
              + ": install Debian's (scripts/setup.sh does) or set -Dchromium=<path>");
    }
    if (Skip.onPath("node").isEmpty() || Skip.onPath("npm").isEmpty()) {
      Skip.because("BrowserIT", "no node/npm on the PATH: install Node.js 20+");
    }
    Path project = GeneratedProjectIT.generatedProject();
    Path browser = installPlaywrightCore();

    int port = freePort();
    Path serverLog = BASEDIR.resolve("target/browser-run.log");
    String url = "http://127.0.0.1:" + port;
    Process server =
        serve(project, serverLog, url, "BrowserIT", atomvm, "-Delixir-workers.resetState=true");
    try {

      Path nodeLog = BASEDIR.resolve("target/browser-node.log");
      Process node =
          new ProcessBuilder(
                  "node",
                  browser.resolve("form-round-trip.mjs").toString(),
                  url,
                  chromium.toString())
              .directory(browser.toFile())
              .redirectErrorStream(true)
              .redirectOutput(nodeLog.toFile())
              .start();
      boolean finished = node.waitFor(3, TimeUnit.MINUTES);
      if (!finished) {
        node.destroyForcibly();
      }
      String output = GeneratedProjectIT.read(nodeLog);
      System.out.print(
          output.lines().map(l -> "BrowserIT: " + l + "\n").reduce("", String::concat));
      assertTrue(finished, "the browser script did not finish in 3 minutes:\n" + output);
      assertEquals(
          0,
          node.exitValue(),
          "the browser script failed:\n"
              + output
              + "\nserver log "
              + serverLog
              + ":\n"
              + GeneratedProjectIT.tail(GeneratedProjectIT.read(serverLog)));
      assertTrue(output.contains("BROWSER OK"), output);
    } finally {
      stop(server);
    }
  }

  /** playwright-core from the lock file into target/browser, once (npm ci, no browser download). */
  static Path installPlaywrightCore() throws Exception {
    Path source = BASEDIR.resolve("src/test/browser");
    Path target = BASEDIR.resolve("target/browser");
    Files.createDirectories(target);
    boolean changed = false;
    for (String name : List.of("package.json", "package-lock.json", "form-round-trip.mjs")) {
      Path from = source.resolve(name);
      Path to = target.resolve(name);
      if (!Files.exists(to) || Files.mismatch(from, to) != -1) {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        changed |= !name.endsWith(".mjs");
      }
    }
    if (!changed
        && Files.isRegularFile(target.resolve("node_modules/playwright-core/package.json"))) {
      System.out.println("BrowserIT: playwright-core already present in " + target);
      return target;
    }
    ProcessBuilder npm =
        new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline")
            .directory(target.toFile())
            .redirectErrorStream(true)
            .redirectOutput(target.resolve("npm-ci.log").toFile());
    npm.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    Process process = npm.start();
    if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      fail(
          "`npm ci` of playwright-core failed in "
              + target
              + " (it needs the npm registry or npm's cache):\n"
              + GeneratedProjectIT.read(target.resolve("npm-ci.log")));
    }
    return target;
  }

  /**
   * Starts {@code mvn elixir-workers:run} of {@code project} on {@code url}'s port with the given
   * settings, output to {@code log}, and returns once it serves.
   */
  static Process serve(
      Path project, Path log, String url, String test, String atomvm, String... settings)
      throws Exception {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(
                BASEDIR.getParent().resolve("mvnw").toString(),
                "-B",
                "elixir-workers:run",
                "-Delixir-workers.port=" + URI.create(url).getPort(),
                "-Datomvm.source=" + atomvm));
    command.addAll(List.of(settings));
    long started = System.nanoTime();
    Process server =
        new ProcessBuilder(command)
            .directory(project.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      awaitServing(server, url, log);
    } catch (Throwable e) {
      stop(server);
      throw e;
    }
    System.out.printf(
        "%s: elixir-workers:run %s served %s after %d ms%n",
        test,
        String.join(" ", settings),
        url,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return server;
  }

  static void awaitServing(Process server, String url, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        fail(
            "elixir-workers:run exited with "
                + server.exitValue()
                + " before serving; see "
                + log
                + "\n"
                + GeneratedProjectIT.tail(GeneratedProjectIT.read(log)));
      }
      try {
        HttpURLConnection connection =
            (HttpURLConnection) URI.create(url + "/api/health").toURL().openConnection();
        connection.setConnectTimeout(500);
        connection.setReadTimeout(30_000);
        if (connection.getResponseCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    fail("elixir-workers:run did not serve " + url + " in 15 minutes; see " + log);
  }

  static void stop(Process server) throws InterruptedException {
    server.descendants().forEach(ProcessHandle::destroy);
    server.destroy();
    if (!server.waitFor(30, TimeUnit.SECONDS)) {
      server.descendants().forEach(ProcessHandle::destroyForcibly);
      server.destroyForcibly();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
