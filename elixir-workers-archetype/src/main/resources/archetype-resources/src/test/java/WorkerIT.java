package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.elixirworkers.junit.ElixirWorkerExtension;
import dev.elixirworkers.junit.TestWorker;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sends requests to the worker `mvn package` built (target/worker), running it in this JVM with
 * the bindings of wrangler.jsonc. KV and D1 are local and start empty for every test.
 */
@ExtendWith(ElixirWorkerExtension.class)
class WorkerIT {

  @Test
  void homePageIsHtml(TestWorker worker) {
    worker.get("/").send()
        .assertStatus(200)
        .assertContentType("text/html")
        .assertBodyContains("<form", "Latest note: <output id=\"latest\">(none yet)</output>");
  }

  @Test
  void pathParameterIsEscapedIntoTheGreeting(TestWorker worker) {
    worker.get("/hello/%3Cb%3E").send().assertStatus(200).assertBodyContains("Hello, &lt;b&gt;!");
  }

  @Test
  void healthIsJson(TestWorker worker) {
    worker.get("/api/health").send()
        .assertStatus(200)
        .assertContentType("application/json")
        .assertJsonBody(Map.of("status", "ok"));
  }

  @Test
  void postedNoteIsStoredInKvAndShownOnTheHomePage(TestWorker worker) {
    worker.post("/notes").form("note", "buy <milk>").send()
        .assertStatus(302)
        .assertHeader("location", "/");
    // send() returns after the worker's effects ran, so the write is visible now
    worker.kv("NOTES").assertValue("latest", "buy <milk>");
    worker.get("/").send().assertStatus(200).assertBodyContains("buy &lt;milk&gt;");
  }

  @Test
  void anEmptyNoteIsRefused(TestWorker worker) {
    worker.post("/notes").form("note", "").send().assertStatus(422);
    worker.kv("NOTES").assertAbsent("latest");
  }

  @Test
  void itemsComeFromD1(TestWorker worker) {
    worker.d1("DB").seed(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
        "INSERT INTO items (name) VALUES ('pen'), ('ink')");
    worker.get("/api/items").send()
        .assertStatus(200)
        .assertJson("/items", List.of(Map.of("id", 1, "name", "pen"), Map.of("id", 2, "name", "ink")));
    assertEquals(2, worker.d1("DB").count("items"));
  }
}
