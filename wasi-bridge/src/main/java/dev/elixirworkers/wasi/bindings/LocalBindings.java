package dev.elixirworkers.wasi.bindings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elixirworkers.wasi.bindings.BindingException.Code;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The bindings of a {@link WorkerConfig} on local SQLite files, for the dev server and tests: one
 * file per binding, {@code <state>/kv/<BINDING>.sqlite} and {@code <state>/d1/<BINDING>.sqlite}
 * (open them with the {@code sqlite3} shell to look inside). Needs and effects are the JSON objects
 * of docs/protocol.md. Thread-safe.
 */
public final class LocalBindings implements WorkerBindings, AutoCloseable {
  /** Where a project keeps its local state, relative to the project directory. */
  public static final String DEFAULT_STATE_DIRECTORY = ".elixir-workers/state";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** KV values are up to 25 MiB: Jackson's 20 MB string cap must not cut in. */
  private static final ObjectMapper JSON =
      new ObjectMapper(
          com.fasterxml.jackson.core.JsonFactory.builder()
              .streamReadConstraints(
                  com.fasterxml.jackson.core.StreamReadConstraints.builder()
                      .maxStringLength(Integer.MAX_VALUE)
                      .build())
              .build());

  private final WorkerConfig config;
  private final Path stateDirectory;
  private final Map<String, KvNamespace> kv;
  private final Map<String, D1Database> d1;
  private final Map<String, String> types;

  private LocalBindings(
      WorkerConfig config,
      Path stateDirectory,
      Map<String, KvNamespace> kv,
      Map<String, D1Database> d1) {
    this.config = config;
    this.stateDirectory = stateDirectory;
    this.kv = kv;
    this.d1 = d1;
    Map<String, String> t = new TreeMap<>();
    kv.keySet().forEach(name -> t.put(name, "kv"));
    d1.keySet().forEach(name -> t.put(name, "d1"));
    this.types = Collections.unmodifiableMap(t);
  }

  /** Opens the bindings of {@code config} with their state in {@code stateDirectory}. */
  public static LocalBindings open(WorkerConfig config, Path stateDirectory)
      throws BindingException {
    return open(config, stateDirectory, Clock.systemUTC());
  }

  /** As {@link #open(WorkerConfig, Path)}, with the clock KV expiry is measured by. */
  public static LocalBindings open(WorkerConfig config, Path stateDirectory, Clock clock)
      throws BindingException {
    Map<String, KvNamespace> kv = new LinkedHashMap<>();
    Map<String, D1Database> d1 = new LinkedHashMap<>();
    try {
      for (String name : config.kvNamespaces()) {
        kv.put(name, KvNamespace.open(kvFile(stateDirectory, name), clock));
      }
      for (String name : config.d1Databases()) {
        d1.put(name, D1Database.open(d1File(stateDirectory, name)));
      }
    } catch (BindingException | RuntimeException e) {
      kv.values().forEach(KvNamespace::close);
      d1.values().forEach(D1Database::close);
      throw e;
    }
    return new LocalBindings(config, stateDirectory, kv, d1);
  }

  public static Path kvFile(Path stateDirectory, String binding) {
    return stateDirectory.resolve("kv").resolve(binding + ".sqlite");
  }

  public static Path d1File(Path stateDirectory, String binding) {
    return stateDirectory.resolve("d1").resolve(binding + ".sqlite");
  }

  /**
   * Deletes the local KV and D1 state under {@code stateDirectory} (only the SQLite files this
   * class makes). Returns how many files were deleted.
   */
  public static int reset(Path stateDirectory) throws IOException {
    int deleted = 0;
    for (String kind : List.of("kv", "d1")) {
      Path dir = stateDirectory.resolve(kind);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      List<Path> files;
      try (Stream<Path> list = Files.list(dir)) {
        files = list.toList();
      }
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.endsWith(".sqlite")
            || name.endsWith(".sqlite-wal")
            || name.endsWith(".sqlite-shm")
            || name.endsWith(".sqlite-journal")) {
          Files.delete(file);
          deleted++;
        }
      }
    }
    return deleted;
  }

  public WorkerConfig config() {
    return config;
  }

  public Path stateDirectory() {
    return stateDirectory;
  }

  /** A KV namespace by binding name. */
  public Optional<KvNamespace> kv(String binding) {
    return Optional.ofNullable(kv.get(binding));
  }

  /** A D1 database by binding name. */
  public Optional<D1Database> d1(String binding) {
    return Optional.ofNullable(d1.get(binding));
  }

  @Override
  public Map<String, String> env() {
    return config.env();
  }

  @Override
  public Map<String, String> types() {
    return types;
  }

  @Override
  public ObjectNode fulfil(ObjectNode need) {
    return fulfil(need, D1Database.MAX_QUERY_DURATION);
  }

  @Override
  public ObjectNode fulfil(ObjectNode need, Duration timeLeft) {
    try {
      return WorkerBindings.ok(need(need, timeLeft));
    } catch (BindingException e) {
      return WorkerBindings.error(e.code(), e.getMessage());
    } catch (RuntimeException e) {
      return WorkerBindings.error(Code.INTERNAL, "the host failed: " + e);
    }
  }

  private JsonNode need(ObjectNode need, Duration timeLeft) throws BindingException {
    String type = text(need, "type", "a need");
    switch (type) {
      case "kv.get" -> {
        String as = as(need, type);
        Optional<KvNamespace.Entry> entry = kvBinding(need, type).get(text(need, "key", type));
        return entry.isEmpty() ? NODES.nullNode() : decode(entry.get(), as);
      }
      case "kv.get_with_metadata" -> {
        String as = as(need, type);
        Optional<KvNamespace.Entry> entry = kvBinding(need, type).get(text(need, "key", type));
        if (entry.isEmpty()) {
          return NODES.nullNode();
        }
        ObjectNode out = NODES.objectNode();
        out.set("value", decode(entry.get(), as));
        out.set(
            "metadata", entry.get().metadata() == null ? NODES.nullNode() : entry.get().metadata());
        return out;
      }
      case "kv.list" -> {
        KvNamespace ns = kvBinding(need, type);
        String prefix = optionalText(need, "prefix", type);
        String cursor = optionalText(need, "cursor", type);
        int limit = KvNamespace.MAX_LIST_LIMIT;
        JsonNode l = need.get("limit");
        if (l != null && !l.isNull()) {
          if (!l.isIntegralNumber() || !l.canConvertToInt()) {
            throw bad(type + ": \"limit\" must be an integer 1.." + KvNamespace.MAX_LIST_LIMIT);
          }
          limit = l.asInt();
        }
        KvNamespace.ListPage page = ns.list(prefix, limit, cursor);
        ObjectNode out = NODES.objectNode();
        ArrayNode keys = out.putArray("keys");
        for (KvNamespace.ListedKey key : page.keys()) {
          ObjectNode k = keys.addObject();
          k.put("name", key.name());
          if (key.expiration() != null) {
            k.put("expiration", key.expiration());
          }
          if (key.metadata() != null) {
            k.set("metadata", key.metadata());
          }
        }
        out.put("list_complete", page.complete());
        if (page.cursor() != null) {
          out.put("cursor", page.cursor());
        }
        return out;
      }
      case "d1.query" -> {
        return d1Binding(need, type).query(statement(need, type), timeLeft);
      }
      default ->
          throw bad(
              "unknown need type \""
                  + type
                  + "\" (kv.get, kv.get_with_metadata, kv.list, d1.query)");
    }
  }

  @Override
  public void apply(JsonNode effect) throws BindingException {
    if (effect == null || !effect.isObject()) {
      throw bad("an effect must be an object, not " + effect);
    }
    String type = text(effect, "type", "an effect");
    switch (type) {
      case "kv.put" -> {
        KvNamespace ns = kvBinding(effect, type);
        String key = text(effect, "key", type);
        JsonNode value = effect.get("value");
        if (value == null || !value.isTextual()) {
          throw bad(type + " needs a string \"value\"");
        }
        String encoding =
            Optional.ofNullable(optionalText(effect, "encoding", type)).orElse("text");
        byte[] bytes =
            switch (encoding) {
              case "text" -> value.asText().getBytes(StandardCharsets.UTF_8);
              case "base64" -> {
                try {
                  yield Base64.getDecoder().decode(value.asText());
                } catch (IllegalArgumentException e) {
                  throw bad(type + ": \"value\" is not base64: " + e.getMessage());
                }
              }
              default -> throw bad(type + ": \"encoding\" must be \"text\" or \"base64\"");
            };
        ns.put(
            key,
            bytes,
            optionalLong(effect, "expiration", type),
            optionalLong(effect, "expiration_ttl", type),
            effect.get("metadata"));
      }
      case "kv.delete" -> kvBinding(effect, type).delete(text(effect, "key", type));
      case "d1.exec" -> d1Binding(effect, type).query(statement(effect, type));
      case "d1.batch" -> {
        D1Database db = d1Binding(effect, type);
        JsonNode list = effect.get("statements");
        if (list == null || !list.isArray()) {
          throw bad(type + " needs a \"statements\" list of {\"sql\": …, \"params\": […]}");
        }
        List<D1Database.Statement> statements = new ArrayList<>();
        for (JsonNode s : list) {
          if (!s.isObject()) {
            throw bad(type + ": each statement must be an object, not " + s);
          }
          statements.add(statement(s, type));
        }
        db.batch(statements);
      }
      default ->
          throw bad("unknown effect type \"" + type + "\" (kv.put, kv.delete, d1.exec, d1.batch)");
    }
  }

  private static String as(JsonNode need, String type) throws BindingException {
    String as = Optional.ofNullable(optionalText(need, "as", type)).orElse("text");
    if (!as.equals("text") && !as.equals("json") && !as.equals("base64")) {
      throw bad(type + ": \"as\" must be \"text\", \"json\" or \"base64\", not \"" + as + "\"");
    }
    return as;
  }

  private static JsonNode decode(KvNamespace.Entry entry, String as) throws BindingException {
    return switch (as) {
      case "text" -> NODES.textNode(utf8(entry.value()));
      case "base64" -> NODES.textNode(Base64.getEncoder().encodeToString(entry.value()));
      case "json" -> {
        try {
          yield JSON.readTree(entry.value());
        } catch (JsonProcessingException e) {
          throw bad("the value is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
          throw bad("the value is not JSON: " + e.getMessage());
        }
      }
      default -> throw bad("\"as\" must be \"text\", \"json\" or \"base64\", not \"" + as + "\"");
    };
  }

  /** UTF-8, malformed bytes replaced as a JavaScript TextDecoder does. */
  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE)
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private static D1Database.Statement statement(JsonNode node, String type)
      throws BindingException {
    String sql = text(node, "sql", type);
    JsonNode params = node.get("params");
    List<JsonNode> list = new ArrayList<>();
    if (params != null && !params.isNull()) {
      if (!params.isArray()) {
        throw bad(type + ": \"params\" must be a list");
      }
      params.forEach(list::add);
    }
    return new D1Database.Statement(sql, list);
  }

  private KvNamespace kvBinding(JsonNode node, String type) throws BindingException {
    String name = binding(node, type, "kv");
    return kv.get(name);
  }

  private D1Database d1Binding(JsonNode node, String type) throws BindingException {
    String name = binding(node, type, "d1");
    return d1.get(name);
  }

  private String binding(JsonNode node, String type, String wanted) throws BindingException {
    String name = text(node, "binding", type);
    String actual = types.get(name);
    if (actual == null) {
      throw new BindingException(
          Code.UNDECLARED_BINDING,
          "the worker declares no binding named "
              + name
              + (types.isEmpty() ? "" : " (declared: " + String.join(", ", types.keySet()) + ")"));
    }
    if (!actual.equals(wanted)) {
      throw bad(name + " is a " + actual + " binding; " + type + " needs a " + wanted + " binding");
    }
    return name;
  }

  private static String text(JsonNode node, String field, String what) throws BindingException {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw bad(what + " needs a string \"" + field + "\"");
    }
    return v.asText();
  }

  private static String optionalText(JsonNode node, String field, String what)
      throws BindingException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw bad(what + ": \"" + field + "\" must be a string");
    }
    return v.asText();
  }

  private static Long optionalLong(JsonNode node, String field, String what)
      throws BindingException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber()) {
      throw bad(what + ": \"" + field + "\" must be a number of seconds");
    }
    return (long) Math.floor(v.asDouble());
  }

  private static BindingException bad(String message) {
    return new BindingException(Code.BAD_REQUEST, message);
  }

  @Override
  public void close() {
    kv.values().forEach(KvNamespace::close);
    d1.values().forEach(D1Database::close);
  }

  @Override
  public String toString() {
    return "LocalBindings[" + stateDirectory + ": " + config + "]";
  }
}
