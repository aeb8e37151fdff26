package dev.elixirworkers.wasi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The frames of docs/protocol.md, version {@value #VERSION}: one line of UTF-8 JSON (the head), a
 * single {@code \n}, then exactly {@code body_size} raw body bytes.
 */
public final class Frames {
  public static final int VERSION = 1;

  /** Frames are bounded by the stdout limit; Jackson's own caps (20 MB strings) must not cut in. */
  private static final ObjectMapper MAPPER =
      new ObjectMapper(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxStringLength(Integer.MAX_VALUE)
                          .maxNestingDepth(10_000)
                          .build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final JsonFactory JSON = MAPPER.getFactory();

  private Frames() {}

  /** The response frame broke the contract; the message says how. */
  public static final class InvalidFrameException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidFrameException(String message) {
      super(message);
    }
  }

  /**
   * What the host adds to a request head besides the HTTP request: the worker's env and bindings,
   * and the round, state and results of the rounds so far.
   *
   * @param env plain variables and secrets, name to value
   * @param bindings declared bindings, name to type ({@code "kv"}, {@code "d1"})
   * @param cf Cloudflare's request properties ({@code {}} locally)
   * @param round 0 on the first pass
   * @param state {@code null} on round 0, then what the guest returned with its needs
   * @param results the results of every need fulfilled so far, by need id
   */
  public record RequestContext(
      Map<String, String> env,
      Map<String, String> bindings,
      JsonNode cf,
      int round,
      JsonNode state,
      ObjectNode results) {
    public RequestContext {
      env = Map.copyOf(env);
      bindings = Map.copyOf(bindings);
      cf = cf == null ? MAPPER.createObjectNode() : cf;
      state = state == null ? NullNode.getInstance() : state;
      results = results == null ? MAPPER.createObjectNode() : results;
    }

    /** Round 0 of a worker without env or bindings. */
    public static RequestContext empty() {
      return first(Map.of(), Map.of());
    }

    /** Round 0. */
    public static RequestContext first(Map<String, String> env, Map<String, String> bindings) {
      return new RequestContext(env, bindings, null, 0, null, null);
    }

    /** The next round, with the guest's state and the results so far. */
    public RequestContext next(JsonNode state, ObjectNode results) {
      return new RequestContext(env, bindings, cf, round + 1, state, results);
    }
  }

  /** What the guest answered: a final response, or needs. */
  public sealed interface GuestAnswer {}

  /**
   * A final response, with the effects to perform after it has been sent.
   *
   * @param effects the {@code effects} list as the guest wrote it (each normally an object)
   */
  public record Final(WorkerResponse response, List<JsonNode> effects) implements GuestAnswer {
    public Final {
      effects = List.copyOf(effects);
    }
  }

  /**
   * Needs to fulfil before running the guest again.
   *
   * @param needs objects, each with a string {@code id} (unique within the answer) and {@code type}
   * @param state returned verbatim in the next round
   */
  public record Needs(List<ObjectNode> needs, JsonNode state) implements GuestAnswer {
    public Needs {
      needs = List.copyOf(needs);
    }
  }

  /** The request frame for stdin, round 0 without env or bindings. */
  public static byte[] encodeRequest(WorkerRequest request) {
    return encodeRequest(request, RequestContext.empty());
  }

  /** The request frame for stdin. Header names are lower-cased. */
  public static byte[] encodeRequest(WorkerRequest request, RequestContext context) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + request.body().length);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", VERSION);
      g.writeStringField("method", request.method());
      g.writeStringField("url", request.url());
      g.writeArrayFieldStart("headers");
      for (Header h : request.headers()) {
        g.writeStartArray();
        g.writeString(h.name().toLowerCase(Locale.ROOT));
        g.writeString(h.value());
        g.writeEndArray();
      }
      g.writeEndArray();
      g.writeNumberField("body_size", request.body().length);
      g.writeObjectFieldStart("env");
      for (Map.Entry<String, String> e : new TreeMap<>(context.env()).entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeObjectFieldStart("bindings");
      for (Map.Entry<String, String> e : new TreeMap<>(context.bindings()).entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeFieldName("cf");
      MAPPER.writeTree(g, context.cf());
      g.writeNumberField("round", context.round());
      g.writeFieldName("state");
      MAPPER.writeTree(g, context.state());
      g.writeFieldName("results");
      MAPPER.writeTree(g, context.results());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen writing to memory
    }
    out.write('\n');
    out.writeBytes(request.body());
    return out.toByteArray();
  }

  /**
   * Reads a final response frame from the guest's stdout (effects are dropped).
   *
   * @throws InvalidFrameException also when the guest answered with needs
   */
  public static WorkerResponse decodeResponse(byte[] frame) throws InvalidFrameException {
    GuestAnswer answer = decodeAnswer(frame);
    if (answer instanceof Final f) {
      return f.response();
    }
    throw new InvalidFrameException("it answered with needs, not a response");
  }

  /** Reads the guest's answer, a final response or needs, from its stdout. */
  public static GuestAnswer decodeAnswer(byte[] frame) throws InvalidFrameException {
    int newline = indexOf(frame, (byte) '\n');
    if (newline < 0) {
      throw new InvalidFrameException(
          frame.length == 0 ? "it wrote nothing" : "there is no newline after the head");
    }
    JsonNode head;
    try {
      head = MAPPER.readTree(frame, 0, newline);
    } catch (IOException e) {
      // the parser's own words differ between the hosts; the preview shows the bytes
      throw new InvalidFrameException("the head is not JSON");
    }
    if (head == null || !head.isObject()) {
      throw new InvalidFrameException("the head is not a JSON object");
    }
    JsonNode v = head.get("v");
    if (!integral(v) || v.asLong() != VERSION) {
      throw new InvalidFrameException("\"v\" is " + v + ", not " + VERSION);
    }
    JsonNode needs = head.get("needs");
    JsonNode status = head.get("status");
    if (needs != null && status != null) {
      throw new InvalidFrameException("the head has both \"status\" and \"needs\"");
    }
    if (needs == null && status == null) {
      throw new InvalidFrameException("the head has neither \"status\" nor \"needs\"");
    }
    if (needs != null) {
      checkBodySize(head, frame, newline);
      return new Needs(
          needs(needs), head.has("state") ? head.get("state") : NullNode.getInstance());
    }
    if (!integral(status)) {
      throw new InvalidFrameException("\"status\" is missing or not an integer");
    }
    if (status.asLong() < 100 || status.asLong() > 599) {
      throw new InvalidFrameException("\"status\" " + status + " is not in 100..599");
    }
    List<Header> headers = new ArrayList<>();
    JsonNode list = head.get("headers");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw new InvalidFrameException("\"headers\" is not a list of [name, value] pairs");
      }
      for (JsonNode pair : list) {
        if (!pair.isArray()
            || pair.size() != 2
            || !pair.get(0).isTextual()
            || !pair.get(1).isTextual()) {
          throw new InvalidFrameException(
              "\"headers\" holds " + pair + ", not a [name, value] pair");
        }
        String name = pair.get(0).asText();
        if (!isToken(name)) {
          throw new InvalidFrameException("header name " + pair.get(0) + " is not a valid name");
        }
        String value = pair.get(1).asText();
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
          throw new InvalidFrameException("header " + name + " has a line break in its value");
        }
        headers.add(new Header(name, value));
      }
    }
    checkBodySize(head, frame, newline);
    List<JsonNode> effects = new ArrayList<>();
    JsonNode effectList = head.get("effects");
    if (effectList != null && !effectList.isNull()) {
      if (!effectList.isArray()) {
        throw new InvalidFrameException("\"effects\" is not a list");
      }
      effectList.forEach(effects::add);
    }
    byte[] body = java.util.Arrays.copyOfRange(frame, newline + 1, frame.length);
    return new Final(new WorkerResponse(status.asInt(), headers, body), effects);
  }

  private static List<ObjectNode> needs(JsonNode list) throws InvalidFrameException {
    if (!list.isArray()) {
      throw new InvalidFrameException("\"needs\" is not a list");
    }
    List<ObjectNode> needs = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode need = list.get(i);
      if (!need.isObject()) {
        throw new InvalidFrameException("needs[" + i + "] is not an object");
      }
      JsonNode id = need.get("id");
      if (id == null || !id.isTextual() || id.asText().isEmpty()) {
        throw new InvalidFrameException("needs[" + i + "] has no \"id\" string");
      }
      if (!ids.add(id.asText())) {
        throw new InvalidFrameException("need id " + id + " is used twice in one request");
      }
      needs.add((ObjectNode) need);
    }
    return needs;
  }

  private static void checkBodySize(JsonNode head, byte[] frame, int newline)
      throws InvalidFrameException {
    JsonNode size = head.get("body_size");
    if (!integral(size) || size.asLong() < 0) {
      throw new InvalidFrameException("\"body_size\" is missing or not a non-negative integer");
    }
    long bodyBytes = (long) frame.length - newline - 1;
    if (bodyBytes != size.asLong()) {
      throw new InvalidFrameException(
          "the body is "
              + bodyBytes
              + " bytes but \"body_size\" says "
              + size.asLong()
              + (bodyBytes < size.asLong() ? " (too short)" : " (too long)"));
    }
  }

  /**
   * A JSON number with an integer value, {@code 200.0} included: JavaScript cannot tell it from
   * {@code 200}, and both hosts read a frame alike.
   */
  private static boolean integral(JsonNode node) {
    return node != null && node.isNumber() && node.canConvertToExactIntegral();
  }

  /** Up to {@code max} bytes, printable ASCII kept and everything else escaped. */
  public static String preview(byte[] bytes, int max) {
    StringBuilder out = new StringBuilder();
    int n = Math.min(bytes.length, max);
    for (int i = 0; i < n; i++) {
      int b = bytes[i] & 0xff;
      if (b == '\\') {
        out.append("\\\\");
      } else if (b == '\n') {
        out.append("\\n");
      } else if (b == '\r') {
        out.append("\\r");
      } else if (b == '\t') {
        out.append("\\t");
      } else if (b >= 0x20 && b < 0x7f) {
        out.append((char) b);
      } else {
        out.append(String.format("\\x%02x", b));
      }
    }
    if (bytes.length > max) {
      out.append("... (").append(bytes.length).append(" bytes in all)");
    }
    return out.toString();
  }

  private static boolean isToken(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }
}
