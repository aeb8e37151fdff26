package dev.elixirworkers.core.server;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.WorkerProject;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Dev servers running in the background of this JVM, one per project at most: {@code
 * elixir-workers:start} starts one (before integration tests) and {@code elixir-workers:stop} stops
 * it. A server still running when the JVM exits is stopped then.
 */
public final class BackgroundServers {
  private static final Map<Path, LocalServer> RUNNING = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> RUNNING.keySet().forEach(BackgroundServers::stop),
                "elixir-workers-background-shutdown"));
  }

  private BackgroundServers() {}

  /**
   * Starts serving {@code project}'s built worker and returns at once.
   *
   * @throws BuildException when one is already running for the project, or as {@link
   *     LocalServer#start}
   */
  public static LocalServer start(WorkerProject project, ServerSettings settings, BuildLog log) {
    Path key = key(project.baseDirectory());
    synchronized (RUNNING) {
      LocalServer running = RUNNING.get(key);
      if (running != null) {
        throw new BuildException(
            "A dev server for "
                + key
                + " is already running on "
                + running.uri()
                + " — run elixir-workers:stop first");
      }
      LocalServer server = LocalServer.start(project, settings, log);
      RUNNING.put(key, server);
      return server;
    }
  }

  /** The server running for a project. */
  public static Optional<LocalServer> running(Path projectDirectory) {
    return Optional.ofNullable(RUNNING.get(key(projectDirectory)));
  }

  /**
   * Stops the project's server (requests in progress finish first); empty when none was running.
   */
  public static Optional<LocalServer> stop(Path projectDirectory) {
    LocalServer server;
    synchronized (RUNNING) {
      server = RUNNING.remove(key(projectDirectory));
    }
    if (server != null) {
      server.close();
    }
    return Optional.ofNullable(server);
  }

  private static Path key(Path projectDirectory) {
    return projectDirectory.toAbsolutePath().normalize();
  }
}
