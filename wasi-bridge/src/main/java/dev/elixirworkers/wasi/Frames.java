package dev.elixirworkers.wasi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The frames of docs/protocol.md, version {@value #VERSION}: one line of UTF-8 JSON (the head), a
 * single {@code \n}, then exactly {@code body_size} raw body bytes.
 */
public final class Frames {
  public static final int VERSION = 1;

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonFactory JSON = MAPPER.getFactory();

  private Frames() {}

  /** The response frame broke the contract; the message says how. */
  public static final class InvalidFrameException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidFrameException(String message) {
      super(message);
    }
  }

  /** The request frame for stdin. Header names are lower-cased. */
  public static byte[] encodeRequest(WorkerRequest request) {
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
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen writing to memory
    }
    out.write('\n');
    out.writeBytes(request.body());
    return out.toByteArray();
  }

  /** Reads a response frame from the guest's stdout. */
  public static WorkerResponse decodeResponse(byte[] frame) throws InvalidFrameException {
    int newline = indexOf(frame, (byte) '\n');
    if (newline < 0) {
      throw new InvalidFrameException(
          frame.length == 0 ? "it wrote nothing" : "there is no newline after the head");
    }
    JsonNode head;
    try {
      head = MAPPER.readTree(frame, 0, newline);
    } catch (JsonProcessingException e) {
      throw new InvalidFrameException("the head is not JSON (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw new InvalidFrameException("the head is not JSON (" + e.getMessage() + ")");
    }
    if (head == null || !head.isObject()) {
      throw new InvalidFrameException("the head is not a JSON object");
    }
    JsonNode v = head.get("v");
    if (v == null || !v.isIntegralNumber() || v.asLong() != VERSION) {
      throw new InvalidFrameException("\"v\" is " + v + ", not " + VERSION);
    }
    JsonNode status = head.get("status");
    if (status == null || !status.isIntegralNumber()) {
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
    JsonNode size = head.get("body_size");
    if (size == null || !size.isIntegralNumber() || size.asLong() < 0) {
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
    byte[] body = java.util.Arrays.copyOfRange(frame, newline + 1, frame.length);
    return new WorkerResponse(status.asInt(), headers, body);
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
