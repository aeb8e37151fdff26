package dev.elixirworkers.wasi;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The worker's answer: status, headers (repeated ones such as {@code set-cookie} kept, in order)
 * and the raw body. Failures of the worker itself come back as responses too (502, 500, 504; see
 * docs/protocol.md), with a plain-text explanation as body.
 */
public record WorkerResponse(int status, List<Header> headers, byte[] body) {
  static final String TEXT = "text/plain; charset=utf-8";

  public WorkerResponse {
    headers = List.copyOf(headers);
    Objects.requireNonNull(body, "body");
  }

  /** A plain-text response made by the host. */
  public static WorkerResponse text(int status, String text) {
    return new WorkerResponse(
        status, List.of(new Header("content-type", TEXT)), text.getBytes(StandardCharsets.UTF_8));
  }

  /** The body decoded as UTF-8. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The first value of a header, by case-insensitive name. */
  public Optional<String> header(String name) {
    return headers.stream()
        .filter(h -> h.name().equalsIgnoreCase(name))
        .map(Header::value)
        .findFirst();
  }

  /** Every value of a header, by case-insensitive name, in order. */
  public List<String> headerValues(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return headers.stream()
        .filter(h -> h.name().toLowerCase(Locale.ROOT).equals(lower))
        .map(Header::value)
        .toList();
  }

  @Override
  public String toString() {
    return status + " " + headers + " (" + body.length + " body bytes)";
  }
}
