package dev.elixirworkers.core.server;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the JVM dev server runs a worker: where it listens, where the local KV and D1 state lives,
 * and the limits of docs/protocol.md.
 *
 * @param bindAddress loopback unless the user asks otherwise
 * @param port 0 picks a free one
 * @param stateDirectory local KV and D1 state, {@code <project>/.elixir-workers/state} by default
 * @param resetState delete the local state before starting
 * @param timeLimit guest time per request, summed over its rounds
 * @param maxRounds runs of the guest per request
 * @param maxBodyBytes request body
 * @param memoryLimitBytes the guest's linear memory
 * @param pollInterval how often sources are checked for live reload in the background
 * @param maxConcurrentRequests requests served at once; more get 503
 * @param requestTimeout how long a client may take to send a request or take a response
 */
public record ServerSettings(
    InetAddress bindAddress,
    int port,
    Path stateDirectory,
    boolean resetState,
    Duration timeLimit,
    int maxRounds,
    long maxBodyBytes,
    long memoryLimitBytes,
    Duration pollInterval,
    int maxConcurrentRequests,
    Duration requestTimeout) {
  public static final int DEFAULT_PORT = 8797;
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 16;
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  public ServerSettings {
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(stateDirectory, "stateDirectory");
    Objects.requireNonNull(timeLimit, "timeLimit");
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (maxConcurrentRequests < 1) {
      throw new IllegalArgumentException(
          "<maxConcurrentRequests> (-Delixir-workers.maxConcurrentRequests) must be at least 1, not "
              + maxConcurrentRequests);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException(
          "<requestTimeoutMs> (-Delixir-workers.requestTimeoutMs) must be more than 0, not "
              + requestTimeout.toMillis());
    }
  }

  /**
   * Port 8797 on loopback, state in the project's {@code .elixir-workers/state}, default limits.
   */
  public static ServerSettings defaults(Path projectDirectory) {
    return new ServerSettings(
        InetAddress.getLoopbackAddress(),
        DEFAULT_PORT,
        projectDirectory.resolve(
            dev.elixirworkers.wasi.bindings.LocalBindings.DEFAULT_STATE_DIRECTORY),
        false,
        Duration.ofSeconds(10),
        8,
        100L << 20,
        128L << 20,
        Duration.ofMillis(500),
        DEFAULT_MAX_CONCURRENT_REQUESTS,
        DEFAULT_REQUEST_TIMEOUT);
  }

  public ServerSettings withPort(int port) {
    return new ServerSettings(
        bindAddress,
        port,
        stateDirectory,
        resetState,
        timeLimit,
        maxRounds,
        maxBodyBytes,
        memoryLimitBytes,
        pollInterval,
        maxConcurrentRequests,
        requestTimeout);
  }

  public ServerSettings withResetState(boolean reset) {
    return new ServerSettings(
        bindAddress,
        port,
        stateDirectory,
        reset,
        timeLimit,
        maxRounds,
        maxBodyBytes,
        memoryLimitBytes,
        pollInterval,
        maxConcurrentRequests,
        requestTimeout);
  }
}
