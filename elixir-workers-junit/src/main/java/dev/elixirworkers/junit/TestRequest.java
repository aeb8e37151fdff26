package dev.elixirworkers.junit;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.elixirworkers.wasi.Header;
import dev.elixirworkers.wasi.WorkerRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A request being put together for a {@link TestWorker}: headers, query parameters and a body as
 * text, bytes, an HTML form or JSON. {@link #send()} runs it (effects included).
 */
public final class TestRequest {
  private final TestWorker worker;
  private final String method;
  private final StringBuilder url;
  private final List<Header> headers = new ArrayList<>();
  private byte[] body;
  private final List<String> form = new ArrayList<>();
  private String defaultContentType;

  TestRequest(TestWorker worker, String method, String url) {
    this.worker = worker;
    this.method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
    this.url = new StringBuilder(url);
  }

  /** Adds a header (names are lower-cased, as the host delivers them); repeat to repeat it. */
  public TestRequest header(String name, String value) {
    headers.add(new Header(name.toLowerCase(Locale.ROOT), value));
    return this;
  }

  /** Appends {@code name=value} to the URL's query, URL-encoded. */
  public TestRequest query(String name, String value) {
    url.append(url.indexOf("?") < 0 ? '?' : '&')
        .append(encode(name))
        .append('=')
        .append(encode(value));
    return this;
  }

  /** A UTF-8 text body ({@code text/plain; charset=utf-8} unless a content-type header is set). */
  public TestRequest body(String text) {
    return body(text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
  }

  /** A raw body ({@code application/octet-stream} unless a content-type header is set). */
  public TestRequest body(byte[] bytes) {
    return body(bytes, "application/octet-stream");
  }

  private TestRequest body(byte[] bytes, String contentType) {
    if (!form.isEmpty()) {
      throw new IllegalStateException("this request already has form fields as its body");
    }
    this.body = Objects.requireNonNull(bytes, "body");
    this.defaultContentType = contentType;
    return this;
  }

  /**
   * Adds a field to an {@code application/x-www-form-urlencoded} body, as a browser posts an HTML
   * form; call once per field.
   */
  public TestRequest form(String name, String value) {
    if (body != null && form.isEmpty()) {
      throw new IllegalStateException("this request already has a body; it cannot also be a form");
    }
    form.add(encode(name) + "=" + encode(value));
    this.body = String.join("&", form).getBytes(StandardCharsets.US_ASCII);
    this.defaultContentType = "application/x-www-form-urlencoded";
    return this;
  }

  /**
   * A JSON body ({@code application/json}): a String is sent as it is (it must already be JSON),
   * anything else is serialised with Jackson.
   */
  public TestRequest json(Object value) {
    String text;
    if (value instanceof String s) {
      text = s;
    } else {
      try {
        text = TestWorker.JSON.writeValueAsString(value);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            "cannot write " + value + " as JSON: " + e.getMessage(), e);
      }
    }
    return body(text.getBytes(StandardCharsets.UTF_8), "application/json");
  }

  /** The request as the runtime gets it. */
  public WorkerRequest build() {
    List<Header> all = new ArrayList<>(headers);
    if (defaultContentType != null
        && all.stream().noneMatch(h -> h.name().equals("content-type"))) {
      all.add(new Header("content-type", defaultContentType));
    }
    if (body != null && all.stream().noneMatch(h -> h.name().equals("content-length"))) {
      all.add(new Header("content-length", Integer.toString(body.length)));
    }
    return new WorkerRequest(method, url.toString(), all, body);
  }

  /** Runs the request; returns once its effects have been performed. */
  public TestResponse send() {
    return worker.send(build());
  }

  /** Runs the request without performing its effects yet ({@link TestResponse#applyEffects()}). */
  public TestResponse exchange() {
    return worker.exchange(build());
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return method + " " + url;
  }
}
