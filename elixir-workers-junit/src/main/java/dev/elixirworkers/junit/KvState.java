package dev.elixirworkers.junit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.elixirworkers.wasi.bindings.BindingException;
import dev.elixirworkers.wasi.bindings.KvNamespace;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One local KV namespace of a {@link TestWorker}, to seed before a request and inspect after it.
 * Reads and writes go to the same SQLite file the worker's needs and effects use.
 */
public final class KvState {
  private final String binding;
  private final Supplier<KvNamespace> namespace;

  KvState(String binding, Supplier<KvNamespace> namespace) {
    this.binding = binding;
    this.namespace = namespace;
  }

  public String binding() {
    return binding;
  }

  /** Stores a UTF-8 text value. */
  public KvState put(String key, String value) {
    return put(key, value.getBytes(StandardCharsets.UTF_8));
  }

  /** Stores raw bytes. */
  public KvState put(String key, byte[] value) {
    try {
      namespace.get().put(key, value, null, null, null);
    } catch (BindingException e) {
      throw new IllegalArgumentException(
          "KV " + binding + ": cannot put \"" + key + "\": " + e.getMessage(), e);
    }
    return this;
  }

  /** Stores a value as JSON (Jackson). */
  public KvState putJson(String key, Object value) {
    try {
      return put(key, TestWorker.JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write " + value + " as JSON", e);
    }
  }

  /** The value as UTF-8 text, empty when absent or expired. */
  public Optional<String> get(String key) {
    return getBytes(key).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  /** The raw value, empty when absent or expired. */
  public Optional<byte[]> getBytes(String key) {
    try {
      return namespace.get().get(key).map(KvNamespace.Entry::value);
    } catch (BindingException e) {
      throw new IllegalArgumentException(
          "KV " + binding + ": cannot get \"" + key + "\": " + e.getMessage(), e);
    }
  }

  /** The value parsed as JSON, empty when absent. */
  public Optional<JsonNode> getJson(String key) {
    return get(key)
        .map(
            text -> {
              try {
                return TestWorker.JSON.readTree(text);
              } catch (JsonProcessingException e) {
                throw new AssertionError(
                    "KV " + binding + " \"" + key + "\" is not JSON: " + text, e);
              }
            });
  }

  /** Removes a key. */
  public KvState delete(String key) {
    try {
      namespace.get().delete(key);
    } catch (BindingException e) {
      throw new IllegalArgumentException(
          "KV " + binding + ": cannot delete \"" + key + "\": " + e.getMessage(), e);
    }
    return this;
  }

  /** Every key (not expired), in order. */
  public List<String> keys() {
    List<String> keys = new ArrayList<>();
    String cursor = null;
    try {
      do {
        KvNamespace.ListPage page = namespace.get().list("", KvNamespace.MAX_LIST_LIMIT, cursor);
        page.keys().forEach(k -> keys.add(k.name()));
        cursor = page.complete() ? null : page.cursor();
      } while (cursor != null);
    } catch (BindingException e) {
      throw new IllegalStateException("KV " + binding + ": cannot list: " + e.getMessage(), e);
    }
    return keys;
  }

  /** The key holds exactly this UTF-8 text. */
  public KvState assertValue(String key, String expected) {
    Optional<String> actual = get(key);
    if (actual.isEmpty()) {
      throw new AssertionError(
          "expected KV "
              + binding
              + " \""
              + key
              + "\" to be \""
              + expected
              + "\" but it is absent; keys: "
              + keys());
    }
    if (!actual.get().equals(expected)) {
      throw new AssertionError(
          "expected KV "
              + binding
              + " \""
              + key
              + "\" to be \""
              + expected
              + "\" but was \""
              + actual.get()
              + "\"");
    }
    return this;
  }

  /** The key is absent (or expired). */
  public KvState assertAbsent(String key) {
    get(key)
        .ifPresent(
            v -> {
              throw new AssertionError(
                  "expected KV "
                      + binding
                      + " \""
                      + key
                      + "\" to be absent but it holds \""
                      + v
                      + "\"");
            });
    return this;
  }

  @Override
  public String toString() {
    return "KV " + binding;
  }
}
