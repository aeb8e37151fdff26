package dev.elixirworkers.junit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.elixirworkers.wasi.Header;
import dev.elixirworkers.wasi.WorkerExchange;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The worker's answer to a {@link TestRequest}: status, headers, body as text, bytes or JSON, the
 * effects it asked for, and fluent assertions whose messages show the request, the response and the
 * worker's stderr. Assertions throw {@link AssertionError}, which every test framework reports as a
 * failure.
 */
public final class TestResponse {
  private static final int EXCERPT = 2000;

  private final WorkerExchange exchange;
  private final boolean failOnEffectErrors;
  private final Supplier<List<String>> log;
  private List<WorkerExchange.EffectFailure> failures;
  private JsonNode json;

  TestResponse(WorkerExchange exchange, boolean failOnEffectErrors, Supplier<List<String>> log) {
    this.exchange = exchange;
    this.failOnEffectErrors = failOnEffectErrors;
    this.log = log;
  }

  public WorkerRequest request() {
    return exchange.request();
  }

  public WorkerResponse response() {
    return exchange.response();
  }

  public int status() {
    return response().status();
  }

  public List<Header> headers() {
    return response().headers();
  }

  /** The first value of a header (case-insensitive name). */
  public Optional<String> header(String name) {
    return response().header(name);
  }

  /** Every value of a header, in order (e.g. {@code set-cookie}). */
  public List<String> headerValues(String name) {
    return response().headerValues(name);
  }

  public byte[] bodyBytes() {
    return response().body().clone();
  }

  /** The body decoded as UTF-8. */
  public String bodyText() {
    return response().bodyText();
  }

  /** The body parsed as JSON (fails the test when it is not JSON). */
  public JsonNode json() {
    if (json == null) {
      try {
        json = TestWorker.JSON.readTree(response().body());
      } catch (java.io.IOException e) {
        throw new AssertionError("the body is not JSON (" + e.getMessage() + ")" + describe(), e);
      }
      if (json == null || json.isMissingNode()) {
        throw new AssertionError("the body is not JSON (it is empty)" + describe());
      }
    }
    return json;
  }

  /** The JSON value at a JSON Pointer such as {@code /items/0/name} (missing node when absent). */
  public JsonNode json(String pointer) {
    return json().at(pointer);
  }

  /** The body mapped onto a Java type with Jackson. */
  public <T> T json(Class<T> type) {
    try {
      return TestWorker.JSON.treeToValue(json(), type);
    } catch (JsonProcessingException e) {
      throw new AssertionError(
          "the JSON body does not fit "
              + type.getName()
              + ": "
              + e.getOriginalMessage()
              + describe(),
          e);
    }
  }

  /** How many times the guest ran for this request (more than 1 when it had needs). */
  public int rounds() {
    return exchange.rounds();
  }

  /** The effects of the response (KV writes, D1 statements), as the worker wrote them. */
  public List<JsonNode> effects() {
    return exchange.effects();
  }

  /** Whether the effects have been performed. */
  public synchronized boolean effectsApplied() {
    return failures != null;
  }

  /** The effects that failed (empty until they have been performed, and when all succeeded). */
  public synchronized List<WorkerExchange.EffectFailure> effectFailures() {
    return failures == null ? List.of() : failures;
  }

  /**
   * Performs the effects (once; {@link TestRequest#send()} already did), so KV and D1 show them.
   *
   * @throws AssertionError when one failed and the worker fails on effect errors (the default)
   */
  public synchronized TestResponse applyEffects() {
    if (failures == null) {
      failures = exchange.applyEffects();
      if (failOnEffectErrors && !failures.isEmpty()) {
        throw new AssertionError(
            failures.size()
                + " of "
                + effects().size()
                + " effects failed: "
                + failures.stream()
                    .map(
                        f ->
                            "effect "
                                + (f.index() + 1)
                                + " ("
                                + f.description()
                                + "): "
                                + f.code()
                                + ": "
                                + f.message())
                    .collect(Collectors.joining("; "))
                + describe());
      }
    }
    return this;
  }

  // ---- assertions

  public TestResponse assertStatus(int expected) {
    if (status() != expected) {
      fail("expected status " + expected + " but was " + status());
    }
    return this;
  }

  /** A 2xx status. */
  public TestResponse assertOk() {
    if (status() < 200 || status() > 299) {
      fail("expected a 2xx status but was " + status());
    }
    return this;
  }

  /** A header whose first value equals {@code expected}. */
  public TestResponse assertHeader(String name, String expected) {
    Optional<String> value = header(name);
    if (value.isEmpty()) {
      fail("expected header " + name + ": " + expected + " but there is no " + name + " header");
    } else if (!value.get().equals(expected)) {
      fail("expected header " + name + ": " + expected + " but was " + name + ": " + value.get());
    }
    return this;
  }

  /** A header whose first value contains {@code part}. */
  public TestResponse assertHeaderContains(String name, String part) {
    Optional<String> value = header(name);
    if (value.isEmpty() || !value.get().contains(part)) {
      fail(
          "expected header "
              + name
              + " to contain \""
              + part
              + "\" but "
              + value.map(v -> "it was \"" + v + "\"").orElse("there is no " + name + " header"));
    }
    return this;
  }

  /** No header of that name. */
  public TestResponse assertNoHeader(String name) {
    header(name).ifPresent(v -> fail("expected no " + name + " header but got " + name + ": " + v));
    return this;
  }

  /** The content-type starts with {@code prefix}, e.g. {@code text/html}. */
  public TestResponse assertContentType(String prefix) {
    Optional<String> value = header("content-type");
    if (value.isEmpty() || !value.get().startsWith(prefix)) {
      fail(
          "expected content-type "
              + prefix
              + "… but "
              + value.map(v -> "it was " + v).orElse("there is no content-type header"));
    }
    return this;
  }

  /** The body, as UTF-8, is exactly {@code expected}. */
  public TestResponse assertBody(String expected) {
    if (!bodyText().equals(expected)) {
      fail("expected the body\n  " + excerpt(expected) + "\nbut it differs");
    }
    return this;
  }

  /** The body, as UTF-8, contains every one of {@code parts}. */
  public TestResponse assertBodyContains(String... parts) {
    String text = bodyText();
    for (String part : parts) {
      if (!text.contains(part)) {
        fail("expected the body to contain \"" + part + "\"");
      }
    }
    return this;
  }

  /** The body, as UTF-8, contains none of {@code parts}. */
  public TestResponse assertBodyDoesNotContain(String... parts) {
    String text = bodyText();
    for (String part : parts) {
      if (text.contains(part)) {
        fail("expected the body not to contain \"" + part + "\"");
      }
    }
    return this;
  }

  /**
   * The JSON value at {@code pointer} ({@code /items/0/name}; {@code ""} for the whole body) equals
   * {@code expected}: a Java value (String, number, boolean, List, Map, null…) or a JsonNode.
   */
  public TestResponse assertJson(String pointer, Object expected) {
    JsonNode actual = json(pointer);
    JsonNode wanted =
        expected == null
            ? NullNode.instance
            : expected instanceof JsonNode node ? node : TestWorker.JSON.valueToTree(expected);
    if (actual.isMissingNode()) {
      fail("expected JSON " + wanted + " at " + pointer + " but there is nothing there");
    } else if (!jsonEquals(actual, wanted)) {
      fail("expected JSON " + wanted + " at \"" + pointer + "\" but was " + actual);
    }
    return this;
  }

  /** The whole body is JSON equal to {@code expected} (a JSON string or a Java value). */
  public TestResponse assertJsonBody(Object expected) {
    JsonNode wanted;
    if (expected instanceof String s) {
      try {
        wanted = TestWorker.JSON.readTree(s);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("the expected value is not JSON: " + s, e);
      }
    } else {
      wanted = expected instanceof JsonNode n ? n : TestWorker.JSON.valueToTree(expected);
    }
    return assertJson("", wanted);
  }

  /** Numbers compare by value, so 1 equals 1.0 and an int equals a long. */
  private static boolean jsonEquals(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    if (a.isArray() && b.isArray()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!jsonEquals(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a.isObject() && b.isObject()) {
      if (a.size() != b.size()) {
        return false;
      }
      var names = a.fieldNames();
      while (names.hasNext()) {
        String name = names.next();
        if (!b.has(name) || !jsonEquals(a.get(name), b.get(name))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  /** Exactly {@code count} effects were asked for. */
  public TestResponse assertEffectCount(int count) {
    if (effects().size() != count) {
      fail(
          "expected "
              + count
              + " effects but the worker asked for "
              + effects().size()
              + ": "
              + effects());
    }
    return this;
  }

  private void fail(String message) {
    throw new AssertionError(message + describe());
  }

  /** Request, response and stderr, for assertion messages. */
  String describe() {
    StringBuilder out = new StringBuilder();
    WorkerRequest request = request();
    out.append("\n--- request: ").append(request.method()).append(' ').append(request.url());
    if (request.body().length > 0) {
      out.append(" (").append(request.body().length).append(" body bytes)");
    }
    out.append("\n--- response: ").append(status());
    for (Header h : headers()) {
      out.append("\n  ").append(h.name()).append(": ").append(h.value());
    }
    byte[] body = response().body();
    out.append("\n--- body (").append(body.length).append(" bytes):\n  ");
    out.append(excerpt(new String(body, StandardCharsets.UTF_8)));
    if (!effects().isEmpty()) {
      out.append("\n--- effects: ").append(effects().size());
      for (JsonNode e : effects()) {
        out.append("\n  ")
            .append(e.path("type").asText())
            .append(' ')
            .append(e.path("binding").asText());
        if (e.has("key")) {
          out.append(" \"").append(e.path("key").asText()).append('"');
        }
      }
    }
    List<String> lines = log.get();
    if (!lines.isEmpty()) {
      out.append("\n--- worker log (last ").append(Math.min(20, lines.size())).append(" lines):");
      lines
          .subList(Math.max(0, lines.size() - 20), lines.size())
          .forEach(l -> out.append("\n  ").append(l));
    }
    return out.toString();
  }

  private static String excerpt(String text) {
    String t =
        text.length() > EXCERPT
            ? text.substring(0, EXCERPT) + "… (" + text.length() + " chars)"
            : text;
    return t.replace("\n", "\n  ");
  }

  @Override
  public String toString() {
    return exchange.toString();
  }
}
