package dev.elixirworkers.core.wrangler;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.bundle.WorkerScripts;
import dev.elixirworkers.core.util.CacheEntry;
import dev.elixirworkers.core.util.Digests;
import dev.elixirworkers.core.util.ExternalCommand;
import dev.elixirworkers.wasi.process.ProcessRunner;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cloudflare's wrangler, at the version the worker module pins, installed once with {@code npm ci}
 * from the shipped package-lock.json into the cache ({@code <cache>/wrangler/<version>-<digest>}),
 * and run with Node.js from the PATH. Every run is offline-safe: no metrics, no banner, no fetch of
 * Cloudflare's request properties, and wrangler's config and temporary files under the build
 * directory.
 */
public final class Wrangler {
  public static final int MIN_NODE_MAJOR = 20;
  public static final String TOKEN = "CLOUDFLARE_API_TOKEN";

  private static final Duration NODE_VERSION_TIMEOUT = Duration.ofSeconds(30);

  /** The wrangler CLI, relative to the install. */
  private static final String SCRIPT = "node_modules/wrangler/bin/wrangler.js";

  private final Path node;
  private final Path home;
  private final String version;
  private final Map<String, String> environment;
  private final BuildLog log;

  private Wrangler(
      Path node, Path home, String version, Map<String, String> environment, BuildLog log) {
    this.node = node;
    this.home = home;
    this.version = version;
    this.environment = environment;
    this.log = log;
  }

  /**
   * Finds Node.js and npm, and installs the pinned wrangler into the cache unless it is already
   * there (then says so).
   *
   * @param cacheRoot the shared cache ({@code ~/.cache/elixir-workers})
   * @param workDirectory this project's scratch space: wrangler's config and temporary files go
   *     under {@code <workDirectory>/wrangler}
   * @param path the PATH to look for {@code node} and {@code npm} in
   * @throws BuildException when node or npm is missing or too old, or npm ci fails
   */
  public static Wrangler install(Path cacheRoot, Path workDirectory, String path, BuildLog log) {
    Path node = findExecutable(path, "node").orElseThrow(() -> missing("node"));
    Path npm = findExecutable(path, "npm").orElseThrow(() -> missing("npm"));
    checkNodeVersion(node);
    String version = WorkerScripts.wranglerVersion();
    Map<String, byte[]> npmFiles = WorkerScripts.npmFiles();
    var digest = Digests.sha256();
    npmFiles.forEach(
        (name, bytes) -> {
          Digests.updateWithString(digest, name);
          digest.update(bytes);
        });
    String id = version + "-" + Digests.hex(digest).substring(0, 12);
    Path home = cacheRoot.resolve("wrangler").resolve(id);
    Map<String, String> environment = environment(workDirectory.resolve("wrangler"), path);
    CacheEntry.Entry entry =
        new CacheEntry(home, "wrangler " + version, log)
            .obtain(
                staging -> {
                  log.info("Installing wrangler " + version + " into " + home + " (npm ci, once)");
                  for (Map.Entry<String, byte[]> file : npmFiles.entrySet()) {
                    Files.write(staging.resolve(file.getKey()), file.getValue());
                  }
                  ExternalCommand install =
                      ExternalCommand.of(
                              npm.toString(),
                              "ci",
                              "--omit=dev",
                              "--no-audit",
                              "--no-fund",
                              "--prefer-offline",
                              "--silent")
                          .in(staging);
                  environment.forEach(install::env);
                  try {
                    install.run(log::debug);
                  } catch (BuildException e) {
                    throw new BuildException(
                        e.getMessage()
                            + "\n— npm could not install wrangler "
                            + version
                            + ": check that npm reaches its registry (npm config get registry), or"
                            + " run the build once online",
                        e);
                  }
                  if (!Files.isRegularFile(staging.resolve(SCRIPT))) {
                    throw new BuildException(
                        "npm ci finished but installed no " + SCRIPT + " in " + staging);
                  }
                });
    if (!entry.made()) {
      log.info("wrangler " + version + " already present in " + entry.directory());
    }
    return new Wrangler(node, entry.directory(), version, environment, log);
  }

  /** The variables every wrangler run gets: offline-safe, state under {@code stateDirectory}. */
  static Map<String, String> environment(Path stateDirectory, String path) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("WRANGLER_SEND_METRICS", "false");
    env.put("CLOUDFLARE_CF_FETCH_ENABLED", "false");
    env.put("WRANGLER_HIDE_BANNER", "true");
    env.put("XDG_CONFIG_HOME", stateDirectory.resolve("config").toAbsolutePath().toString());
    env.put("TMPDIR", stateDirectory.resolve("tmp").toAbsolutePath().toString());
    env.put("PATH", path);
    try {
      Files.createDirectories(stateDirectory.resolve("config"));
      Files.createDirectories(stateDirectory.resolve("tmp"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return env;
  }

  public String version() {
    return version;
  }

  public Path home() {
    return home;
  }

  Path script() {
    return home.resolve(SCRIPT);
  }

  Map<String, String> environment() {
    return environment;
  }

  /** {@code node …/wrangler.js} followed by {@code args}. */
  List<String> command(List<String> args) {
    List<String> command = new ArrayList<>(List.of(node.toString(), script().toString()));
    command.addAll(args);
    return command;
  }

  /**
   * {@code wrangler deploy} in {@code workerDirectory}; with {@code dryRunOutDir}, {@code wrangler
   * deploy --dry-run --outdir …}, which needs no account. Output goes to the log.
   *
   * @param credentials the caller's environment, where a real deploy needs {@value #TOKEN}
   * @throws BuildException without a token for a real deploy, or when wrangler fails
   */
  public void deploy(
      Path workerDirectory,
      Optional<Path> dryRunOutDir,
      Optional<String> wranglerEnv,
      Map<String, String> credentials) {
    List<String> args = new ArrayList<>(List.of("deploy"));
    if (dryRunOutDir.isPresent()) {
      args.addAll(List.of("--dry-run", "--outdir", dryRunOutDir.get().toAbsolutePath().toString()));
    } else {
      checkCredentials(credentials);
    }
    wranglerEnv.ifPresent(e -> args.addAll(List.of("--env", e)));
    ExternalCommand command = ExternalCommand.of(command(args)).in(workerDirectory);
    environment.forEach(command::env);
    if (dryRunOutDir.isEmpty()) {
      for (String name : List.of(TOKEN, "CLOUDFLARE_ACCOUNT_ID")) {
        String value = credentials.get(name);
        if (value != null && !value.isBlank()) {
          command.env(name, value);
        }
      }
    }
    command.run(log::info);
  }

  /** A real deploy needs {@value #TOKEN}; the message names the fix. */
  public static void checkCredentials(Map<String, String> environment) {
    String token = environment.get(TOKEN);
    if (token == null || token.isBlank()) {
      throw new BuildException(
          "wrangler deploy needs Cloudflare credentials: "
              + TOKEN
              + " is not set — create an API token in the Cloudflare dashboard (My Profile → API"
              + " Tokens, template \"Edit Cloudflare Workers\") and export "
              + TOKEN
              + " (plus CLOUDFLARE_ACCOUNT_ID when the token sees several accounts); to check the"
              + " bundle without an account use -Delixir-workers.dryRun=true");
    }
  }

  /**
   * Starts {@code wrangler dev} (workerd) on {@code target/worker} and waits until it serves.
   *
   * @throws BuildException when it exits or does not get ready in time
   */
  public WranglerDev dev(Path workerDirectory, WranglerDev.Options options) {
    return WranglerDev.start(this, workerDirectory, options, log);
  }

  static Optional<Path> findExecutable(String path, String name) {
    if (path == null) {
      return Optional.empty();
    }
    boolean windows = System.getProperty("os.name", "").toLowerCase().startsWith("windows");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      for (String candidate :
          windows ? List.of(name + ".exe", name + ".cmd", name) : List.of(name)) {
        Path file = Path.of(dir).resolve(candidate);
        if (Files.isRegularFile(file) && Files.isExecutable(file)) {
          return Optional.of(file);
        }
      }
    }
    return Optional.empty();
  }

  private static BuildException missing(String tool) {
    return new BuildException(
        tool
            + " is not on the PATH: wrangler (Cloudflare's deploy and local runtime) runs on Node.js "
            + MIN_NODE_MAJOR
            + "+ with npm — install them (Debian/Ubuntu: ./scripts/setup.sh, or apt-get install"
            + " nodejs npm; elsewhere from nodejs.org) and run the build again");
  }

  private static void checkNodeVersion(Path node) {
    ProcessRunner.Result result =
        ExternalCommand.of(node.toString(), "--version").timeout(NODE_VERSION_TIMEOUT).result();
    String output = String.join("\n", result.lines()).trim();
    Matcher m = Pattern.compile("v(\\d+)\\.").matcher(output);
    if (result.exitCode() != 0 || !m.find()) {
      throw new BuildException(
          "`"
              + node
              + " --version` failed ("
              + output
              + ") — reinstall Node.js "
              + MIN_NODE_MAJOR
              + "+");
    }
    int major = Integer.parseInt(m.group(1));
    if (major < MIN_NODE_MAJOR) {
      throw new BuildException(
          "wrangler needs Node.js "
              + MIN_NODE_MAJOR
              + " or newer, but "
              + node
              + " is "
              + output
              + " — install a newer Node.js and put it first on the PATH");
    }
  }
}
