package dev.elixirworkers.wasi;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The local development server: every HTTP request goes through the {@link WorkerRuntime} the
 * supplier returns at that moment (so a rebuild can swap it), the worker's effects are performed
 * after the response has been sent, and one line per request is logged: method, path, status,
 * milliseconds, rounds, needs and effects. A supplier that throws {@link
 * WorkerUnavailableException} (a failed rebuild) gets its message shown as an error page; whatever
 * else goes wrong in the host becomes a 500 text response. Either way the server keeps serving. JDK
 * only ({@code com.sun.net.httpserver}).
 *
 * <p>Against clients that misbehave (see {@link Options}): a bounded number of requests run at once
 * and more get 503; a declared body over the limit gets 413 before any of it is read; a client
 * slower than the request timeout to send its request or take the response loses its connection and
 * the thread it held; a {@code Host} that is not loopback or configured gets 421 (DNS rebinding);
 * {@link #close()} lets requests in progress finish and apply their effects.
 *
 * <p>Request headers reach the worker lower-cased, grouped by name and sorted by name (the JDK
 * server does not keep arrival order across names); repeated values keep their order.
 */
public final class DevServer implements AutoCloseable {
  public static final int DEFAULT_PORT = 8797;

  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "transfer-encoding",
          "content-length",
          "upgrade",
          "proxy-connection",
          "te",
          "trailer");

  static {
    // Without TCP_NODELAY the JDK server's separate writes of head and body meet the client's
    // delayed ACK: every response waits ~40 ms. The JDK reads this once, when its first server is
    // made; an explicit setting wins.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    // A request refused before its body is read (413, 421, 503) still has the JDK read up to 64 KiB
    // of that body after the response (its drainAmount), so that closing the connection does not
    // reset it under a client still reading the answer; the request timeout bounds that read.
  }

  /** Names a request's {@code Host} may carry, at any port, besides the configured host. */
  static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]");

  private final HttpServer server;
  private final RequestThreads threads;
  private final Set<String> allowedHosts;
  private final Supplier<WorkerRuntime> runtime;
  private final Options options;
  private final AtomicInteger active = new AtomicInteger();
  private volatile boolean stopping;

  private DevServer(
      HttpServer server, RequestThreads threads, Supplier<WorkerRuntime> runtime, Options options) {
    this.server = server;
    this.threads = threads;
    this.runtime = runtime;
    this.options = options;
    this.allowedHosts = allowedHosts(options);
  }

  /**
   * Binds and starts serving.
   *
   * @param runtime asked for the current runtime on every request
   * @throws java.net.BindException when the port is taken
   */
  public static DevServer start(Supplier<WorkerRuntime> runtime, Options options)
      throws IOException {
    Objects.requireNonNull(runtime, "runtime");
    HttpServer server =
        HttpServer.create(new InetSocketAddress(options.bindAddress(), options.port()), 64);
    RequestThreads threads =
        new RequestThreads(
            options.maxConcurrentRequests(),
            options.requestTimeout().toMillis(),
            line -> {
              try {
                options.log().accept(line);
              } catch (RuntimeException ignored) {
                // logging must not take the server down
              }
            });
    DevServer dev = new DevServer(server, threads, runtime, options);
    server.createContext("/", dev::serve);
    server.setExecutor(threads);
    server.start();
    return dev;
  }

  public static DevServer start(Supplier<WorkerRuntime> runtime) throws IOException {
    return start(runtime, Options.defaults());
  }

  /** The port it listens on (the one chosen when asked for port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://localhost:PORT/} (or the bind address when it is not loopback). */
  public URI uri() {
    InetAddress address = options.bindAddress();
    String host =
        address.isLoopbackAddress() || address.isAnyLocalAddress()
            ? "localhost"
            : address.getHostAddress().contains(":")
                ? "[" + address.getHostAddress() + "]"
                : address.getHostAddress();
    return URI.create("http://" + host + ":" + port() + "/");
  }

  /**
   * Lets requests in progress finish for up to {@code grace} (new ones get 503 meanwhile), then
   * closes the socket and stops the worker threads. Idempotent.
   */
  public void stop(Duration grace) {
    stopping = true;
    long deadline = System.nanoTime() + grace.toNanos();
    synchronized (active) {
      try {
        while (active.get() > 0 && System.nanoTime() < deadline) {
          active.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // JDK 17's HttpServer.stop(n) waits the full n seconds even when idle: stop(0) after waiting
    // for our own exchanges instead
    server.stop(0);
    threads.shutdown(1000);
  }

  /**
   * {@link #stop(Duration)} with the options' {@code stopGrace}: requests in progress finish and
   * their effects are applied before it returns, so the bindings can be closed after it.
   */
  @Override
  public void close() {
    stop(options.stopGrace());
  }

  private void serve(HttpExchange exchange) {
    active.incrementAndGet();
    try {
      serveCounted(exchange);
    } finally {
      synchronized (active) {
        active.decrementAndGet();
        active.notifyAll();
      }
    }
  }

  private void serveCounted(HttpExchange exchange) {
    long start = System.nanoTime();
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getRawPath();
    int status = 500;
    String failure = null;
    String note = "";
    WorkerExchange worker = null;
    RequestThreads.Exchange thread = RequestThreads.current();
    try {
      WorkerResponse response;
      try {
        String host = requestHost(exchange);
        long declaredLength = declaredLength(exchange);
        if (stopping) {
          response = WorkerResponse.text(503, "the dev server is stopping\n");
        } else if (thread != null && thread.busy()) {
          response = busy();
        } else if (host != null && !allowedHosts.contains(hostName(host))) {
          response = wrongHost(host);
        } else if (declaredLength > options.maxBodyBytes()) {
          // refused before a byte of the body is read
          response = RequestFailure.requestBodyTooLarge(options.maxBodyBytes()).response();
        } else {
          byte[] body = readBody(exchange, thread);
          if (body == null) {
            status = 408;
            note = " (the request did not arrive within " + threads.timeoutMillis() + " ms)";
            return;
          }
          if (body.length > options.maxBodyBytes()) {
            response = RequestFailure.requestBodyTooLarge(options.maxBodyBytes()).response();
          } else {
            worker = exchange(toRequest(exchange, body));
            response =
                worker != null
                    ? worker.response()
                    : WorkerResponse.text(503, "the worker is not built yet\n");
          }
        }
      } catch (WorkerUnavailableException e) {
        response = errorPage(exchange, e);
        note = " (" + e.title() + ")";
      } catch (Exception | LinkageError | AssertionError e) {
        failure = stackTrace(e);
        response = WorkerResponse.text(500, "the dev server failed: " + e + "\n");
      }
      status = response.status();
      if (thread != null) {
        thread.enter(RequestThreads.Phase.WRITING, threads.timeoutNanos());
      }
      send(exchange, method, response);
    } catch (IOException | RuntimeException e) {
      if (thread != null && thread.timedOut()) {
        note = " (the client did not take the response within " + threads.timeoutMillis() + " ms)";
      } else if (failure == null) {
        // the client went away, or the response could not be written
        failure = e.toString();
      }
    } finally {
      exchange.close();
      if (thread != null) {
        // effects are applied even when the response could not be delivered, as on Workers
        thread.enter(RequestThreads.Phase.RUNNING, 0);
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      int failedEffects = 0;
      if (worker != null) {
        // after the response has been sent, as on Workers; failures are logged by the runtime
        try {
          failedEffects = worker.applyEffects().size();
        } catch (RuntimeException e) {
          failure = (failure == null ? "" : failure + "\n") + stackTrace(e);
        }
      }
      StringBuilder line =
          new StringBuilder(method)
              .append(' ')
              .append(path)
              .append(' ')
              .append(status)
              .append(' ')
              .append(millis)
              .append(" ms");
      if (worker != null) {
        line.append(" rounds=")
            .append(worker.rounds())
            .append(" needs=")
            .append(worker.needs())
            .append(" effects=")
            .append(worker.effects().size());
        if (failedEffects > 0) {
          line.append(" (").append(failedEffects).append(" failed)");
        }
      }
      log(line.append(note).toString());
      if (failure != null) {
        log(failure);
      }
    }
  }

  /**
   * Runs the request on the current runtime; null when there is none. A runtime closed between the
   * supplier returning it and the request starting (a reload swapped it) is asked for again.
   */
  private WorkerExchange exchange(WorkerRequest request) {
    for (int attempt = 1; ; attempt++) {
      WorkerRuntime current = runtime.get();
      if (current == null) {
        return null;
      }
      try {
        return current.exchange(request);
      } catch (IllegalStateException e) {
        if (!current.isClosed() || attempt >= 3) {
          throw e;
        }
      }
    }
  }

  /** The message of an unavailable worker, as HTML for browsers and as text for the rest. */
  private static WorkerResponse errorPage(HttpExchange exchange, WorkerUnavailableException e) {
    String accept = String.valueOf(exchange.getRequestHeaders().getFirst("Accept"));
    if (!accept.contains("text/html")) {
      return WorkerResponse.text(500, e.getMessage() + "\n");
    }
    String html =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
            + escapeHtml(e.title())
            + "</title></head>\n<body style=\"font-family:system-ui,sans-serif;margin:2rem\">\n<h1>"
            + escapeHtml(e.title())
            + "</h1>\n<pre style=\"background:#fff0f0;padding:1rem;white-space:pre-wrap\">"
            + escapeHtml(e.details())
            + "</pre>\n<p>Fix it and save: the next request rebuilds the worker.</p>\n</body></html>\n";
    return new WorkerResponse(
        500,
        List.of(new Header("content-type", "text/html; charset=utf-8")),
        html.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static String escapeHtml(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /**
   * At most one byte more than the limit: enough to tell that a body is too large. Null when the
   * request timeout closed the connection before the body arrived.
   */
  private byte[] readBody(HttpExchange exchange, RequestThreads.Exchange thread)
      throws IOException {
    byte[] body;
    try (InputStream stream = exchange.getRequestBody()) {
      body = stream.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, options.maxBodyBytes() + 1));
    } catch (IOException e) {
      if (thread != null && !thread.enter(RequestThreads.Phase.RUNNING, 0)) {
        return null;
      }
      throw e;
    }
    if (thread != null && !thread.enter(RequestThreads.Phase.RUNNING, 0)) {
      return null;
    }
    return body;
  }

  /** The Content-Length the client declared (the JDK has checked its form); -1 when none. */
  private static long declaredLength(HttpExchange exchange) {
    String value = exchange.getRequestHeaders().getFirst("Content-Length");
    try {
      return value == null ? -1 : Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The authority the request names: its absolute URI's, or its Host header; null when none. */
  private static String requestHost(HttpExchange exchange) {
    URI uri = exchange.getRequestURI();
    if (uri.isAbsolute() && uri.getRawAuthority() != null) {
      return uri.getRawAuthority();
    }
    String host = exchange.getRequestHeaders().getFirst("Host");
    return host == null || host.isBlank() ? null : host.trim();
  }

  /** {@code name:port}, {@code [v6]:port} or a bare name: the name, lower-cased. */
  static String hostName(String authority) {
    String host = authority.toLowerCase(Locale.ROOT);
    int at = host.lastIndexOf('@');
    if (at >= 0) {
      host = host.substring(at + 1);
    }
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      return close < 0 ? host : host.substring(0, close + 1);
    }
    int colon = host.indexOf(':');
    return colon < 0 ? host : host.substring(0, colon);
  }

  private static Set<String> allowedHosts(Options options) {
    Set<String> hosts = new java.util.HashSet<>(LOOPBACK_HOSTS);
    for (String host : options.allowedHosts()) {
      String name = host.trim().toLowerCase(Locale.ROOT);
      hosts.add(name.contains(":") && !name.startsWith("[") ? "[" + name + "]" : name);
    }
    InetAddress bind = options.bindAddress();
    if (!bind.isAnyLocalAddress() && !bind.isLoopbackAddress()) {
      String literal = bind.getHostAddress();
      hosts.add(literal.contains(":") ? "[" + literal + "]" : literal);
    }
    return Set.copyOf(hosts);
  }

  private WorkerResponse busy() {
    return new WorkerResponse(
        503,
        List.of(
            new Header("content-type", "text/plain; charset=utf-8"),
            new Header("retry-after", "1")),
        ("the dev server is busy: "
                + threads.workers()
                + " requests are running, its limit (maxConcurrentRequests); try again\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** 421: a name this server was not configured with, e.g. a rebound DNS name in a browser. */
  private WorkerResponse wrongHost(String host) {
    String shown = host.length() > 100 ? host.substring(0, 100) + "…" : host;
    return WorkerResponse.text(
        421,
        "the dev server does not answer for the host \""
            + shown
            + "\"; it answers for "
            + String.join(", ", new java.util.TreeSet<>(allowedHosts))
            + " (a page on another name must not reach it) — to serve another name, set"
            + " -Delixir-workers.host to it\n");
  }

  private WorkerRequest toRequest(HttpExchange exchange, byte[] body) {
    Headers in = exchange.getRequestHeaders();
    TreeMap<String, List<String>> sorted = new TreeMap<>();
    for (Map.Entry<String, List<String>> e : in.entrySet()) {
      sorted
          .computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .addAll(e.getValue());
    }
    List<Header> headers = new ArrayList<>();
    sorted.forEach((name, values) -> values.forEach(v -> headers.add(new Header(name, v))));
    URI uri = exchange.getRequestURI();
    String url;
    if (uri.isAbsolute()) {
      url = uri.toString();
    } else {
      String host = in.getFirst("Host");
      if (host == null || host.isBlank()) {
        host = "localhost:" + port();
      }
      url = "http://" + host + uri.toString();
    }
    return new WorkerRequest(exchange.getRequestMethod(), url, headers, body);
  }

  private static void send(HttpExchange exchange, String method, WorkerResponse response)
      throws IOException {
    Headers out = exchange.getResponseHeaders();
    for (Header h : response.headers()) {
      if (!HOP_BY_HOP.contains(h.name().toLowerCase(Locale.ROOT))) {
        out.add(h.name(), h.value());
      }
    }
    int status = response.status();
    byte[] body = response.body();
    boolean noBody =
        method.equalsIgnoreCase("HEAD") || status == 204 || status == 304 || status < 200;
    if (noBody || body.length == 0) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream stream = exchange.getResponseBody()) {
      stream.write(body);
    }
  }

  private void log(String line) {
    try {
      options.log().accept(line);
    } catch (RuntimeException ignored) {
      // logging must not take the server down
    }
  }

  private static String stackTrace(Throwable t) {
    StringWriter text = new StringWriter();
    t.printStackTrace(new PrintWriter(text));
    return text.toString().stripTrailing();
  }

  /**
   * Port, bind address, log, limits and timeouts; build with {@link #builder()}, which starts from
   * the defaults.
   *
   * @param port 0 picks a free port (default {@value #DEFAULT_PORT})
   * @param bindAddress default: the loopback address
   * @param log receives one line per request, and stack traces of host failures (default:
   *     System.out)
   * @param maxBodyBytes larger request bodies get 413 without reaching the worker (default 100
   *     MiB); a declared {@code Content-Length} over it before any of the body is read
   * @param maxConcurrentRequests requests served at once; more get 503 (default 16)
   * @param requestTimeout how long a client may take to send its request and to take the response;
   *     past it the connection is closed (default 30 s). Idle keep-alive connections hold no thread
   *     (the JDK closes them after 30 s).
   * @param stopGrace how long {@link #close()} waits for requests in progress and their effects
   *     (default 15 s: more than the runtime's default time limit)
   * @param allowedHosts names (or address literals) a request's {@code Host} may carry besides
   *     {@code localhost}, {@code 127.0.0.1}, {@code [::1]} and a non-loopback bind address; any
   *     other gets 421, so that a page on a rebound DNS name cannot reach the server
   */
  public record Options(
      int port,
      InetAddress bindAddress,
      Consumer<String> log,
      long maxBodyBytes,
      int maxConcurrentRequests,
      Duration requestTimeout,
      Duration stopGrace,
      Set<String> allowedHosts) {
    public Options {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535: " + port);
      }
      Objects.requireNonNull(bindAddress, "bindAddress");
      Objects.requireNonNull(log, "log");
      if (maxConcurrentRequests < 1) {
        throw new IllegalArgumentException(
            "maxConcurrentRequests must be at least 1: " + maxConcurrentRequests);
      }
      if (requestTimeout.isNegative() || requestTimeout.isZero()) {
        throw new IllegalArgumentException("requestTimeout must be positive: " + requestTimeout);
      }
      Objects.requireNonNull(stopGrace, "stopGrace");
      allowedHosts = Set.copyOf(allowedHosts);
    }

    /** Port 8797 on the loopback address, log lines to System.out, 100 MiB bodies. */
    public static Options defaults() {
      return builder().build();
    }

    public static Builder builder() {
      return new Builder();
    }

    public static final class Builder {
      private int port = DEFAULT_PORT;
      private InetAddress bindAddress = InetAddress.getLoopbackAddress();
      private Consumer<String> log = System.out::println;
      private long maxBodyBytes = 100L << 20;
      private int maxConcurrentRequests = 16;
      private Duration requestTimeout = Duration.ofSeconds(30);
      private Duration stopGrace = Duration.ofSeconds(15);
      private Set<String> allowedHosts = Set.of();

      private Builder() {}

      public Builder port(int port) {
        this.port = port;
        return this;
      }

      public Builder bindAddress(InetAddress address) {
        this.bindAddress = address;
        return this;
      }

      public Builder log(Consumer<String> log) {
        this.log = log;
        return this;
      }

      public Builder maxBodyBytes(long bytes) {
        this.maxBodyBytes = bytes;
        return this;
      }

      public Builder maxConcurrentRequests(int requests) {
        this.maxConcurrentRequests = requests;
        return this;
      }

      public Builder requestTimeout(Duration timeout) {
        this.requestTimeout = timeout;
        return this;
      }

      public Builder stopGrace(Duration grace) {
        this.stopGrace = grace;
        return this;
      }

      public Builder allowedHosts(Set<String> hosts) {
        this.allowedHosts = hosts;
        return this;
      }

      public Options build() {
        return new Options(
            port,
            bindAddress,
            log,
            maxBodyBytes,
            maxConcurrentRequests,
            requestTimeout,
            stopGrace,
            allowedHosts);
      }
    }
  }
}
