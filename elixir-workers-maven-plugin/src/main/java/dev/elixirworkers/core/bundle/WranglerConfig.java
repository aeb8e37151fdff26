package dev.elixirworkers.core.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.elixirworkers.core.BuildException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code wrangler.jsonc} of the assembled worker ({@code target/worker/}), made from the
 * project's own {@code wrangler.jsonc} or {@code wrangler.json} when there is one (comments and
 * trailing commas allowed), else a minimal one. Either way it gets {@code main} (the JS entry), the
 * module rules that import {@code *.wasm} as CompiledWasm and {@code *.avm} as Data, and, when
 * missing, a {@code name} (from the artifactId), a {@code compatibility_date} and {@code minify:
 * true} (wrangler minifies the JavaScript it bundles for upload: the worker's modules stay readable
 * in {@code target/worker}, and the upload is ~4 KiB gzip smaller). Relative paths the project's
 * file holds ({@code d1_databases[].migrations_dir}, {@code assets.directory}) are rewritten to
 * stay valid from the worker directory.
 */
public final class WranglerConfig {
  public static final String FILE = "wrangler.jsonc";
  public static final List<String> PROJECT_FILES = List.of("wrangler.jsonc", "wrangler.json");

  /** The date the Worker JS is tested against; a project's own setting wins. */
  public static final String COMPATIBILITY_DATE = "2025-06-01";

  private static final ObjectMapper JSONC =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
          .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private final ObjectNode config;
  private final Optional<Path> source;

  private WranglerConfig(ObjectNode config, Optional<Path> source) {
    this.config = config;
    this.source = source;
  }

  /**
   * Reads the project's configuration (if any) from {@code projectDirectory} and completes it for a
   * worker assembled in {@code workerDirectory}.
   *
   * @param defaultName the Worker's name when the project's file has none (e.g. the artifactId)
   * @throws BuildException when the project's file is not valid JSON(C), or is a wrangler.toml
   */
  public static WranglerConfig forProject(
      Path projectDirectory, String defaultName, Path workerDirectory) {
    Optional<Path> source =
        PROJECT_FILES.stream()
            .map(projectDirectory::resolve)
            .filter(Files::isRegularFile)
            .findFirst();
    if (source.isEmpty() && Files.isRegularFile(projectDirectory.resolve("wrangler.toml"))) {
      throw new BuildException(
          "wrangler.toml is not read by elixir-workers: "
              + projectDirectory.resolve("wrangler.toml")
              + " — convert it to wrangler.jsonc (the same settings in JSON, comments allowed)");
    }
    ObjectNode config;
    if (source.isPresent()) {
      JsonNode parsed;
      try {
        parsed = JSONC.readTree(Files.readString(source.get()));
      } catch (JsonProcessingException e) {
        throw new BuildException(
            source.get()
                + " is not valid JSON (comments and trailing commas are allowed): "
                + e.getOriginalMessage()
                + " at line "
                + e.getLocation().getLineNr());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (parsed == null || !parsed.isObject()) {
        throw new BuildException(source.get() + " must hold one JSON object");
      }
      config = (ObjectNode) parsed;
    } else {
      config = JSONC.createObjectNode();
    }
    complete(config, defaultName, projectDirectory, workerDirectory);
    return new WranglerConfig(config, source);
  }

  private static void complete(
      ObjectNode config, String defaultName, Path projectDirectory, Path workerDirectory) {
    if (!config.hasNonNull("name")) {
      config.put("name", workerName(defaultName));
    }
    config.put("main", WorkerAssembler.MAIN);
    if (!config.hasNonNull("compatibility_date")) {
      config.put("compatibility_date", COMPATIBILITY_DATE);
    }
    if (!config.has("minify")) {
      config.put("minify", true);
    }
    ArrayNode rules = JSONC.createArrayNode();
    rules.add(rule("CompiledWasm", "**/*.wasm"));
    rules.add(rule("Data", "**/*.avm"));
    JsonNode own = config.get("rules");
    if (own != null && own.isArray()) {
      own.forEach(rules::add);
    }
    config.set("rules", rules);
    JsonNode d1 = config.get("d1_databases");
    if (d1 != null && d1.isArray()) {
      for (JsonNode db : d1) {
        if (db.isObject() && db.hasNonNull("migrations_dir")) {
          ((ObjectNode) db)
              .put(
                  "migrations_dir",
                  relocate(db.get("migrations_dir").asText(), projectDirectory, workerDirectory));
        }
      }
    }
    JsonNode assets = config.get("assets");
    if (assets != null && assets.isObject() && assets.hasNonNull("directory")) {
      ((ObjectNode) assets)
          .put(
              "directory",
              relocate(assets.get("directory").asText(), projectDirectory, workerDirectory));
    }
  }

  private static ObjectNode rule(String type, String glob) {
    ObjectNode rule = JSONC.createObjectNode();
    rule.put("type", type);
    rule.putArray("globs").add(glob);
    rule.put("fallthrough", true);
    return rule;
  }

  private static String relocate(String path, Path projectDirectory, Path workerDirectory) {
    Path p = Path.of(path);
    if (p.isAbsolute()) {
      return path;
    }
    Path target = projectDirectory.toAbsolutePath().normalize().resolve(p).normalize();
    return workerDirectory
        .toAbsolutePath()
        .normalize()
        .relativize(target)
        .toString()
        .replace('\\', '/');
  }

  /** A Worker name Cloudflare accepts: lower-case letters, digits and dashes. */
  static String workerName(String name) {
    String cleaned =
        name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    return cleaned.isEmpty() ? "elixir-worker" : cleaned;
  }

  /** The project's file this configuration was made from, if any. */
  public Optional<Path> source() {
    return source;
  }

  /** The completed configuration (a copy). */
  public ObjectNode json() {
    return config.deepCopy();
  }

  /** The file's text: a comment naming where it came from, then the JSON. */
  public String render() {
    String origin =
        source
            .map(
                s ->
                    "// Generated by elixir-workers from the project's "
                        + s.getFileName()
                        + ": edit that file, not this one.\n")
            .orElse(
                "// Generated by elixir-workers (the project has no wrangler.jsonc): add one next to"
                    + " pom.xml for vars and bindings.\n");
    try {
      return origin + JSONC.writeValueAsString(config) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
