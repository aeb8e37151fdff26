package dev.elixirworkers.wasi.bindings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A worker's configuration as the JVM host reads it from the project: {@code wrangler.jsonc} (or
 * {@code wrangler.json}, the file that is deployed; comments and trailing commas allowed) for
 * {@code vars}, {@code kv_namespaces[].binding} and {@code d1_databases[].binding}, and {@code
 * .dev.vars} ({@code KEY=value} lines) for secrets, which override vars of the same name as in
 * {@code wrangler dev}. Other wrangler settings are ignored here. {@link #toString()} never shows a
 * secret's value.
 */
public final class WorkerConfig {
  public static final String WRANGLER_JSONC = "wrangler.jsonc";
  public static final String WRANGLER_JSON = "wrangler.json";
  public static final String DEV_VARS = ".dev.vars";

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final ObjectMapper JSONC =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
          .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
          .build();

  private final Map<String, String> vars;
  private final Map<String, String> secrets;
  private final List<String> kvNamespaces;
  private final List<String> d1Databases;
  private final Path source;

  private WorkerConfig(
      Map<String, String> vars,
      Map<String, String> secrets,
      List<String> kvNamespaces,
      List<String> d1Databases,
      Path source) {
    this.vars = Collections.unmodifiableMap(new TreeMap<>(vars));
    this.secrets = Collections.unmodifiableMap(new TreeMap<>(secrets));
    this.kvNamespaces = List.copyOf(kvNamespaces);
    this.d1Databases = List.copyOf(d1Databases);
    this.source = source;
  }

  /** No vars, secrets or bindings. */
  public static WorkerConfig empty() {
    return new WorkerConfig(Map.of(), Map.of(), List.of(), List.of(), null);
  }

  /**
   * A configuration given directly (tests, conformance cases).
   *
   * @throws WorkerConfigException when a name is not valid or used twice
   */
  public static WorkerConfig of(
      Map<String, String> vars,
      Map<String, String> secrets,
      List<String> kvNamespaces,
      List<String> d1Databases)
      throws WorkerConfigException {
    WorkerConfig config = new WorkerConfig(vars, secrets, kvNamespaces, d1Databases, null);
    config.check("the configuration");
    return config;
  }

  /**
   * Reads {@code wrangler.jsonc} (else {@code wrangler.json}) and {@code .dev.vars} from a project
   * directory; either may be missing.
   */
  public static WorkerConfig load(Path projectDirectory) throws WorkerConfigException {
    Path jsonc = projectDirectory.resolve(WRANGLER_JSONC);
    Path json = projectDirectory.resolve(WRANGLER_JSON);
    Path wrangler = Files.isRegularFile(jsonc) ? jsonc : Files.isRegularFile(json) ? json : null;
    if (wrangler == null && Files.isRegularFile(projectDirectory.resolve("wrangler.toml"))) {
      throw new WorkerConfigException(
          projectDirectory.resolve("wrangler.toml")
              + " is not read by elixir-workers: write the configuration as "
              + WRANGLER_JSONC
              + " (wrangler reads it too)");
    }
    return load(wrangler, projectDirectory.resolve(DEV_VARS));
  }

  /** Reads the given files; a null or missing file counts as empty. */
  public static WorkerConfig load(Path wranglerFile, Path devVarsFile)
      throws WorkerConfigException {
    String wrangler = wranglerFile == null ? null : read(wranglerFile);
    String devVars = devVarsFile == null ? null : read(devVarsFile);
    return parse(
        wrangler,
        wranglerFile == null ? WRANGLER_JSONC : wranglerFile.toString(),
        devVars,
        devVarsFile == null ? DEV_VARS : devVarsFile.toString(),
        wranglerFile);
  }

  private static String read(Path file) throws WorkerConfigException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new WorkerConfigException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Parses the text of a wrangler.jsonc and a .dev.vars (either may be null).
   *
   * @param wranglerName how to name the wrangler file in messages
   * @param devVarsName how to name the .dev.vars file in messages
   */
  public static WorkerConfig parse(
      String wrangler, String wranglerName, String devVars, String devVarsName, Path source)
      throws WorkerConfigException {
    Map<String, String> vars = new LinkedHashMap<>();
    List<String> kv = new ArrayList<>();
    List<String> d1 = new ArrayList<>();
    if (wrangler != null && !wrangler.isBlank()) {
      JsonNode root;
      try {
        root = JSONC.readTree(wrangler);
      } catch (JsonProcessingException e) {
        throw new WorkerConfigException(
            wranglerName
                + " is not valid JSONC at line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr()
                + ": "
                + e.getOriginalMessage());
      }
      if (root == null || !root.isObject()) {
        throw new WorkerConfigException(wranglerName + " must hold a JSON object");
      }
      JsonNode varsNode = root.path("vars");
      if (!varsNode.isMissingNode() && !varsNode.isNull()) {
        if (!varsNode.isObject()) {
          throw new WorkerConfigException(
              wranglerName + ": \"vars\" must be an object of name: value, not " + varsNode);
        }
        varsNode
            .fields()
            .forEachRemaining(
                e ->
                    vars.put(
                        e.getKey(),
                        e.getValue().isTextual()
                            ? e.getValue().asText()
                            : e.getValue().toString()));
      }
      bindings(root, "kv_namespaces", wranglerName, kv);
      bindings(root, "d1_databases", wranglerName, d1);
    }
    Map<String, String> secrets = devVars == null ? Map.of() : parseDevVars(devVars, devVarsName);
    WorkerConfig config = new WorkerConfig(vars, secrets, kv, d1, source);
    config.check(wranglerName);
    return config;
  }

  private static void bindings(JsonNode root, String field, String file, List<String> names)
      throws WorkerConfigException {
    JsonNode list = root.path(field);
    if (list.isMissingNode() || list.isNull()) {
      return;
    }
    if (!list.isArray()) {
      throw new WorkerConfigException(
          file + ": \"" + field + "\" must be a list of {\"binding\": …} objects");
    }
    for (int i = 0; i < list.size(); i++) {
      JsonNode binding = list.get(i).path("binding");
      if (!binding.isTextual()) {
        throw new WorkerConfigException(
            file
                + ": "
                + field
                + "["
                + i
                + "] has no \"binding\" name — add \"binding\": \"NAME\", the name the worker"
                + " uses");
      }
      names.add(binding.asText());
    }
  }

  /**
   * Parses {@code .dev.vars}: {@code KEY=value} lines; blank lines and lines starting with {@code
   * #} are skipped, {@code export } before a name is allowed, a value in double quotes may use
   * {@code \n}, {@code \"} and {@code \\}, a value in single quotes is taken as it is, and an
   * unquoted value ends before {@code " #"} (a comment).
   */
  static Map<String, String> parseDevVars(String text, String name) throws WorkerConfigException {
    Map<String, String> out = new LinkedHashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring(7).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        // the line may hold a secret: say where, not what
        throw new WorkerConfigException(
            name
                + ":"
                + (i + 1)
                + ": expected KEY=value (the line is not shown: it may be secret)");
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        value = unescape(value.substring(1, value.length() - 1));
      } else if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
        value = value.substring(1, value.length() - 1);
      } else {
        int comment = value.indexOf(" #");
        if (comment >= 0) {
          value = value.substring(0, comment).strip();
        }
      }
      out.put(key, value);
    }
    return out;
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        out.append(
            switch (n) {
              case 'n' -> '\n';
              case 'r' -> '\r';
              case 't' -> '\t';
              default -> n;
            });
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private void check(String where) throws WorkerConfigException {
    Map<String, String> seen = new TreeMap<>();
    for (String name : kvNamespaces) {
      claim(seen, name, "kv_namespaces", where);
    }
    for (String name : d1Databases) {
      claim(seen, name, "d1_databases", where);
    }
    for (String name : vars.keySet()) {
      if (seen.containsKey(name)) {
        throw new WorkerConfigException(
            where + ": \"" + name + "\" is both a var and a " + seen.get(name) + " binding");
      }
    }
    for (String name : secrets.keySet()) {
      if (seen.containsKey(name)) {
        throw new WorkerConfigException(
            where + ": the secret " + name + " has the name of a " + seen.get(name) + " binding");
      }
      if (!NAME.matcher(name).matches()) {
        throw new WorkerConfigException(
            where + ": \"" + name + "\" in " + DEV_VARS + " is not a valid name (A-Z, 0-9, _)");
      }
    }
  }

  private static void claim(Map<String, String> seen, String name, String field, String where)
      throws WorkerConfigException {
    if (!NAME.matcher(name).matches()) {
      throw new WorkerConfigException(
          where
              + ": the binding name \""
              + name
              + "\" in "
              + field
              + " is not valid — use letters, digits and _, not starting with a digit");
    }
    String previous = seen.put(name, field);
    if (previous != null) {
      throw new WorkerConfigException(
          where
              + ": the binding name "
              + name
              + " is declared twice ("
              + previous
              + ", "
              + field
              + ")");
    }
  }

  /** Plain variables from {@code vars} (non-string values as their JSON text). */
  public Map<String, String> vars() {
    return vars;
  }

  /** Secrets from {@code .dev.vars}. */
  public Map<String, String> secrets() {
    return secrets;
  }

  /** What the worker sees as {@code env}: vars, overridden by secrets of the same name. */
  public Map<String, String> env() {
    Map<String, String> env = new TreeMap<>(vars);
    env.putAll(secrets);
    return Collections.unmodifiableMap(env);
  }

  /** Binding names of {@code kv_namespaces}. */
  public List<String> kvNamespaces() {
    return kvNamespaces;
  }

  /** Binding names of {@code d1_databases}. */
  public List<String> d1Databases() {
    return d1Databases;
  }

  /** The wrangler file it was read from, if any. */
  public Optional<Path> source() {
    return Optional.ofNullable(source);
  }

  /** Names only: secrets' values never appear. */
  @Override
  public String toString() {
    return "vars "
        + vars.keySet()
        + ", secrets "
        + secrets.keySet()
        + ", kv_namespaces "
        + kvNamespaces
        + ", d1_databases "
        + d1Databases;
  }
}
