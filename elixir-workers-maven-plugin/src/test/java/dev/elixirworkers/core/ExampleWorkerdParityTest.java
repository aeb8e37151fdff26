package dev.elixirworkers.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.elixirworkers.core.wrangler.Wrangler;
import dev.elixirworkers.core.wrangler.WranglerDev;
import dev.elixirworkers.wasi.DevServer;
import dev.elixirworkers.wasi.Header;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The example worker under workerd ({@code wrangler dev} on the assembled target/worker) answers
 * exactly like the JVM host for the same requests: status, headers and body bytes (the random
 * request id masked). Prints per-request medians of both. Runs when {@link GatedAtomVm} finds an
 * AtomVM source ({@code -Datomvm.source}, or the pinned release cached or downloaded); otherwise it
 * is skipped and says why.
 */
class ExampleWorkerdParityTest {
  private static final String HOST = "parity.test";

  /** What workerd adds to every request before the Worker sees it. */
  private static final List<Header> WORKERD_ADDS =
      List.of(
          new Header("accept-encoding", "br, gzip"), new Header("cf-connecting-ip", "127.0.0.1"));

  private static WorkerRuntime runtime;
  private static WranglerDev dev;

  @BeforeAll
  static void buildAndServe() throws IOException {
    Optional<Path> atomvm =
        Optional.of(
            GatedAtomVm.sourceOrSkip(
                "ExampleWorkerdParityTest",
                "to compare the example worker under workerd with the JVM host"));
    Path project = Files.createTempDirectory("hello-worker");
    GatedAtomVm.copyTree(GatedAtomVm.EXAMPLE_SOURCES, project.resolve("src"));
    WorkerProject worker =
        WorkerProject.atConventionalPaths(
            project, "HelloWorker", atomvm, CacheDirectory.root(), true);
    WorkerBuild build = new WorkerBuild(worker, BuildLog.silent());
    build.compile();
    build.bundle();
    runtime = WorkerRuntime.create(WorkerBundle.load(worker.workerDirectory()));
    Wrangler wrangler =
        Wrangler.install(
            CacheDirectory.root(),
            worker.workDirectory(),
            System.getenv("PATH"),
            BuildLog.silent());
    dev =
        wrangler.dev(
            worker.workerDirectory(),
            WranglerDev.Options.local(
                WranglerDev.freePort("127.0.0.1"), project.resolve(".wrangler/state"), l -> {}));
  }

  @AfterAll
  static void stop() {
    if (dev != null) {
      dev.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  /** A response reduced to what both hosts must agree on. */
  record Answer(int status, List<String> headers, String body) {}

  /** Over HTTP/1.1 to workerd, with exactly these request headers. */
  private static Answer workerd(String method, String target, List<Header> headers, byte[] body)
      throws IOException {
    return http(dev.uri().getPort(), method, target, headers, body);
  }

  private static Answer http(
      int port, String method, String target, List<Header> headers, byte[] body)
      throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
      head.append("Host: ").append(HOST).append("\r\n");
      for (Header h : headers) {
        head.append(h.name()).append(": ").append(h.value()).append("\r\n");
      }
      if (body.length > 0) {
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buffer = new byte[65536];
      int split;
      while ((split = indexOf(received.toByteArray(), CRLFCRLF)) < 0) {
        int n = in.read(buffer);
        if (n < 0) {
          throw new IOException("workerd closed the connection before the response head ended");
        }
        received.write(buffer, 0, n);
      }
      byte[] all = received.toByteArray();
      String[] lines = new String(all, 0, split, StandardCharsets.ISO_8859_1).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      List<String> names = new ArrayList<>();
      boolean chunked = false;
      long length = -1;
      for (String line : Arrays.asList(lines).subList(1, lines.length)) {
        int colon = line.indexOf(':');
        String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim();
        if (name.equals("transfer-encoding") && value.contains("chunked")) {
          chunked = true;
        }
        if (name.equals("content-length")) {
          length = Long.parseLong(value);
        }
        if (!Set.HOP.contains(name)) {
          names.add(name + ": " + value);
        }
      }
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      rest.write(all, split + 4, all.length - split - 4);
      boolean noBody = method.equals("HEAD") || status == 204 || status == 304;
      while (!noBody && !complete(rest.toByteArray(), chunked, length)) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        rest.write(buffer, 0, n);
      }
      byte[] bytes = noBody ? new byte[0] : rest.toByteArray();
      return answer(status, names, chunked ? dechunk(bytes) : bytes);
    }
  }

  /** The same request through the JVM host, with the headers workerd hands the Worker. */
  private static Answer jvm(String method, String target, List<Header> headers, byte[] body) {
    List<Header> seen = new ArrayList<>(headers);
    seen.addAll(WORKERD_ADDS);
    seen.add(new Header("host", HOST));
    if (body.length > 0) {
      seen.add(new Header("content-length", Integer.toString(body.length)));
    }
    List<Header> lower = new ArrayList<>();
    for (Header h : seen) {
      lower.add(new Header(h.name().toLowerCase(Locale.ROOT), h.value()));
    }
    lower.sort(
        (a, b) -> a.name().compareTo(b.name())); // the order a fetch Headers object iterates in
    WorkerResponse r =
        runtime.handle(new WorkerRequest(method, "http://" + HOST + target, lower, body));
    List<String> names = new ArrayList<>();
    for (Header h : r.headers()) {
      if (!Set.HOP.contains(h.name().toLowerCase(Locale.ROOT))) {
        names.add(h.name().toLowerCase(Locale.ROOT) + ": " + h.value());
      }
    }
    return answer(r.status(), names, method.equals("HEAD") ? new byte[0] : r.body());
  }

  private static Answer answer(int status, List<String> headers, byte[] body) {
    List<String> sorted = new ArrayList<>();
    for (String h : headers) {
      sorted.add(maskRequestId(h));
    }
    sorted.sort(null);
    return new Answer(status, sorted, maskRequestId(new String(body, StandardCharsets.ISO_8859_1)));
  }

  private static String maskRequestId(String text) {
    return text.replaceAll("\\b[0-9a-f]{32}\\b", "<request-id>");
  }

  private static void same(String method, String target, List<Header> headers, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    Answer expected = jvm(method, target, headers, bytes);
    Answer actual = workerd(method, target, headers, bytes);
    assertEquals(expected, actual, method + " " + target);
  }

  private static final List<Header> BROWSER =
      List.of(new Header("Accept", "text/html"), new Header("User-Agent", "parity-test"));

  @Test
  void theHtmlPageIsTheSameBytes() throws IOException {
    same("GET", "/?from=parity", BROWSER, "");
  }

  @Test
  void theJsonRoutesAreTheSame() throws IOException {
    same("GET", "/api/health", BROWSER, "");
    same("GET", "/hello/workerd", BROWSER, "");
    same(
        "POST",
        "/api/echo",
        List.of(new Header("Content-Type", "application/json")),
        "{\"a\":[1,2,{\"b\":\"\\u00e9\"}]}");
  }

  @Test
  void errorsAndMethodsAreTheSame() throws IOException {
    same("GET", "/no/such/page", BROWSER, "");
    same("POST", "/", BROWSER, "x");
    same("HEAD", "/api/health", BROWSER, "");
  }

  /** Measures; run with {@code -Dgroups=benchmark}. Every timed request must still be a 200. */
  @Test
  @Tag("benchmark")
  void perRequestMediansOfBothHosts() throws IOException {
    try (DevServer server =
        DevServer.start(() -> runtime, DevServer.Options.builder().port(0).log(l -> {}).build())) {
      for (String path : List.of("/", "/api/health")) {
        long[] inJvm = new long[41];
        long[] jvmHttp = new long[41];
        long[] workerd = new long[41];
        for (int i = 0; i < inJvm.length; i++) {
          long t0 = System.nanoTime();
          Answer fromJvm = jvm("GET", path, BROWSER, new byte[0]);
          long t1 = System.nanoTime();
          Answer fromDevServer = http(server.port(), "GET", path, BROWSER, new byte[0]);
          long t2 = System.nanoTime();
          Answer fromWorkerd = workerd("GET", path, BROWSER, new byte[0]);
          long t3 = System.nanoTime();
          assertEquals(200, fromJvm.status(), "JVM host, GET " + path);
          assertEquals(200, fromDevServer.status(), "JVM dev server, GET " + path);
          assertEquals(200, fromWorkerd.status(), "workerd, GET " + path);
          inJvm[i] = t1 - t0;
          jvmHttp[i] = t2 - t1;
          workerd[i] = t3 - t2;
        }
        System.out.printf(
            Locale.ROOT,
            "median GET %-12s JVM host in-process %6.2f ms, JVM dev server over HTTP %6.2f ms,"
                + " workerd (wrangler dev) over HTTP %6.2f ms%n",
            path,
            median(inJvm),
            median(jvmHttp),
            median(workerd));
      }
    }
  }

  private static double median(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2] / 1e6;
  }

  private static final class Set {
    static final java.util.Set<String> HOP =
        java.util.Set.of(
            "connection", "keep-alive", "transfer-encoding", "content-length", "date", "server");
  }

  private static final byte[] CRLFCRLF = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  private static boolean complete(byte[] body, boolean chunked, long length) {
    if (chunked) {
      int n = body.length;
      return n >= 5 && new String(body, n - 5, 5, StandardCharsets.ISO_8859_1).equals("0\r\n\r\n");
    }
    return length < 0 || body.length >= length;
  }

  private static int indexOf(byte[] data, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= data.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (data[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static byte[] dechunk(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (true) {
      int eol = at;
      while (data[eol] != '\r') {
        eol++;
      }
      int size =
          Integer.parseInt(
              new String(data, at, eol - at, StandardCharsets.ISO_8859_1).split(";")[0].trim(), 16);
      if (size == 0) {
        return out.toByteArray();
      }
      out.write(data, eol + 2, size);
      at = eol + 2 + size + 2;
    }
  }
}
