package dev.elixirworkers.maven;

import dev.elixirworkers.core.server.ServerSettings;
import java.io.File;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

/** The limits and address of the JVM dev server, shared by {@code run} and {@code start}. */
abstract class AbstractServeMojo extends AbstractVmMojo {

  /** How often the dev server looks for edited sources. */
  private static final Duration RELOAD_POLL = Duration.ofMillis(500);

  /** The port to listen on; 0 picks a free one. */
  @Parameter(property = "elixir-workers.port", defaultValue = "8797")
  protected int port;

  /**
   * The address to bind; loopback by default so the dev server is not reachable from outside.
   * Requests must name this host, {@code localhost}, {@code 127.0.0.1} or {@code [::1]} in their
   * {@code Host} header (any port); others get 421, so a page on a rebound DNS name cannot reach
   * the server.
   */
  @Parameter(property = "elixir-workers.host", defaultValue = "127.0.0.1")
  protected String host;

  /** Guest time per request in milliseconds, summed over its rounds; past it, 504. */
  @Parameter(property = "elixir-workers.timeLimitMs", defaultValue = "10000")
  private long timeLimitMs;

  /** Runs of the worker per request (needs and their results); past it, 500. */
  @Parameter(property = "elixir-workers.maxRounds", defaultValue = "8")
  private int maxRounds;

  /** Largest request body in bytes; larger ones get 413. */
  @Parameter(property = "elixir-workers.maxBodyBytes", defaultValue = "104857600")
  private long maxBodyBytes;

  /** The worker's memory in MiB (128 on Workers); past it, 500. */
  @Parameter(property = "elixir-workers.memoryLimitMb", defaultValue = "128")
  private long memoryLimitMb;

  /** Requests the dev server serves at once; more get 503 with Retry-After. */
  @Parameter(property = "elixir-workers.maxConcurrentRequests", defaultValue = "16")
  private int maxConcurrentRequests;

  /**
   * Milliseconds a client may take to send its request, and to take the response; past it the
   * connection is closed (a slow client holds no thread).
   */
  @Parameter(property = "elixir-workers.requestTimeoutMs", defaultValue = "30000")
  private long requestTimeoutMs;

  /** The dev server's settings with its local KV and D1 state in {@code stateDirectory}. */
  protected ServerSettings serverSettings(File stateDirectory, boolean resetState)
      throws MojoFailureException {
    try {
      return new ServerSettings(
          InetAddress.getByName(host),
          port,
          stateDirectory.toPath(),
          resetState,
          Duration.ofMillis(timeLimitMs),
          maxRounds,
          maxBodyBytes,
          memoryLimitMb << 20,
          RELOAD_POLL,
          maxConcurrentRequests,
          Duration.ofMillis(requestTimeoutMs));
    } catch (IllegalArgumentException e) {
      throw new MojoFailureException(e.getMessage());
    } catch (UnknownHostException e) {
      throw new MojoFailureException(
          "-Delixir-workers.host=" + host + " is not an address — use 127.0.0.1 or a local name");
    }
  }
}
