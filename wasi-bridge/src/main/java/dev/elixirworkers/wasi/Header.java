package dev.elixirworkers.wasi;

import java.util.Objects;

/** One HTTP header field; repeated fields are repeated {@code Header}s. */
public record Header(String name, String value) {
  public Header {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
  }
}
