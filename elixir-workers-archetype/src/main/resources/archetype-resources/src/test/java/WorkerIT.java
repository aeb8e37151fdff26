package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sends requests to the worker `mvn package` built, running it in this JVM. */
class WorkerIT {
  private static WorkerRuntime worker;

  @BeforeAll
  static void load() throws Exception {
    worker = WorkerRuntime.create(WorkerBundle.load(Path.of("target", "worker")));
  }

  @AfterAll
  static void close() {
    worker.close();
  }

  private static WorkerResponse get(String path) {
    return worker.handle(new WorkerRequest("GET", "http://localhost" + path, List.of(), new byte[0]));
  }

  @Test
  void homePageIsHtml() {
    WorkerResponse response = get("/");
    assertEquals(200, response.status(), response.bodyText());
    assertTrue(response.bodyText().contains("<form"), response.bodyText());
  }

  @Test
  void pathParameterIsEscapedIntoTheGreeting() {
    WorkerResponse response = get("/hello/%3Cb%3E");
    assertEquals(200, response.status(), response.bodyText());
    assertTrue(response.bodyText().contains("Hello, &lt;b&gt;!"), response.bodyText());
  }

  @Test
  void healthIsJson() {
    WorkerResponse response = get("/api/health");
    assertEquals(200, response.status());
    assertEquals("{\"status\":\"ok\"}", response.bodyText());
  }
}
