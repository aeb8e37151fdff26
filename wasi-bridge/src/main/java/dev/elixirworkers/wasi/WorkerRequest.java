package dev.elixirworkers.wasi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An HTTP request for the worker: method, absolute URL as the client asked for it, headers in
 * arrival order (repeated ones repeated) and the raw body. The body array is not copied.
 */
public record WorkerRequest(String method, String url, List<Header> headers, byte[] body) {
  public WorkerRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    headers = List.copyOf(headers);
    body = body == null ? new byte[0] : body;
  }

  /** A request without headers or body. */
  public static WorkerRequest of(String method, String url) {
    return new WorkerRequest(method, url, List.of(), new byte[0]);
  }

  /** This request with one more header. */
  public WorkerRequest withHeader(String name, String value) {
    List<Header> more = new ArrayList<>(headers);
    more.add(new Header(name, value));
    return new WorkerRequest(method, url, more, body);
  }

  /** This request with another body. */
  public WorkerRequest withBody(byte[] body) {
    return new WorkerRequest(method, url, headers, body);
  }

  /** This request with a UTF-8 body. */
  public WorkerRequest withBody(String body) {
    return withBody(body.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return method + " " + url + " " + headers + " (" + body.length + " body bytes)";
  }
}
