package dev.elixirworkers.archetype;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.testing.Skip;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The generated project under Cloudflare's own runtime, unedited: {@code mvn elixir-workers:run
 * -Delixir-workers.runtime=workerd} (wrangler dev with the pinned workerd) serves the home page and
 * the JSON route. workerd refuses to start on a {@code compatibility_date} newer than its release,
 * so this fails when the archetype's date runs ahead of the pinned workerd. Runs when the build has
 * an AtomVM source (as GeneratedProjectIT) and Node.js is installed; otherwise it is skipped and
 * says why.
 */
class WorkerdServeIT {
  static final Path BASEDIR = GeneratedProjectIT.BASEDIR;

  @Test
  void generatedProjectServesUnderWorkerd() throws Exception {
    String atomvm =
        GeneratedProjectIT.atomvmSourceOrSkip("WorkerdServeIT", "serve the generated project");
    if (Skip.onPath("node").isEmpty() || Skip.onPath("npm").isEmpty()) {
      Skip.because(
          "WorkerdServeIT", "no node/npm on the PATH: install Node.js 20+ (scripts/setup.sh does)");
    }
    Path project = GeneratedProjectIT.generatedProject();

    Path serverLog = BASEDIR.resolve("target/workerd-run.log");
    String url = "http://127.0.0.1:" + BrowserIT.freePort();
    Process server =
        BrowserIT.serve(
            project, serverLog, url, "WorkerdServeIT", atomvm, "-Delixir-workers.runtime=workerd");
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> home =
          client.send(
              HttpRequest.newBuilder(URI.create(url + "/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, home.statusCode(), home.body());
      assertTrue(home.body().contains("<form"), "the home page with the note form: " + home.body());

      HttpResponse<String> health =
          client.send(
              HttpRequest.newBuilder(URI.create(url + "/api/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), health.body());
      assertEquals(
          "application/json", health.headers().firstValue("content-type").orElse("").split(";")[0]);
    } finally {
      BrowserIT.stop(server);
    }
  }
}
