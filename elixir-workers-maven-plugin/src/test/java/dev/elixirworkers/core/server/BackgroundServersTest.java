package dev.elixirworkers.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.wasi.clang.WasiClang;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What elixir-workers:start and :stop do, on the C test guest: start returns with the server
 * answering on a free port, a second start for the same project is refused, stop stops it.
 */
class BackgroundServersTest {
  static final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static HttpResponse<String> get(URI uri) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void startServesInTheBackgroundUntilStop(@TempDir Path project) throws Exception {
    Path worker = Files.createDirectories(project.resolve("target/worker"));
    WasiClang.discover(Path.of("target"))
        .compile(
            List.of(
                Path.of("..", "wasi-bridge", "src", "test", "c", "test_guest.c").toAbsolutePath()),
            worker.resolve("atomvm.wasm"),
            List.of("-O2"));
    Files.writeString(worker.resolve("app.avm"), "not really an avm");
    Files.writeString(
        project.resolve("wrangler.jsonc"),
        "{\"vars\":{\"GREETING\":\"hi\"},\"kv_namespaces\":[{\"binding\":\"NOTES\",\"id\":\"x\"}]}");
    WorkerProject wp =
        WorkerProject.atConventionalPaths(
            project, "Unused", Optional.empty(), project.resolve("cache"), true);
    RecordingLog log = new RecordingLog();
    ServerSettings settings = ServerSettings.defaults(project).withPort(0);
    LocalServer server = BackgroundServers.start(wp, settings, log);
    try {
      assertTrue(server.port() > 0);
      HttpResponse<String> env = get(server.uri().resolve("/env"));
      assertEquals(200, env.statusCode());
      assertTrue(env.body().contains("\"GREETING\":\"hi\""), env.body());
      assertTrue(env.body().contains("\"NOTES\":\"kv\""), env.body());
      assertEquals(Optional.of(server), BackgroundServers.running(project));
      BuildException twice =
          assertThrows(BuildException.class, () -> BackgroundServers.start(wp, settings, log));
      assertTrue(
          twice.getMessage().contains("is already running on " + server.uri()), twice.getMessage());
    } finally {
      assertEquals(Optional.of(server), BackgroundServers.stop(project));
    }
    assertThrows(ConnectException.class, () -> get(server.uri().resolve("/env")));
    assertEquals(Optional.empty(), BackgroundServers.stop(project));
    assertEquals(Optional.empty(), BackgroundServers.running(project));
  }
}
