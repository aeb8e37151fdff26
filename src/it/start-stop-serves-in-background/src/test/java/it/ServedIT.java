package it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** The server elixir-workers:start left running answers over HTTP during integration-test. */
class ServedIT {
  @org.junit.jupiter.api.Test
  void answers() throws Exception {
    String url = System.getProperty("worker.url");
    assertTrue(url != null && url.matches("http://localhost:\\d+"), "worker.url = " + url);
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create(url + "/")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("served in the background\n", response.body());
    System.out.println("ServedIT: GET " + url + "/ -> " + response.statusCode());
  }
}
