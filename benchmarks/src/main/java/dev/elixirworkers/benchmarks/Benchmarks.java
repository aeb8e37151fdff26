package dev.elixirworkers.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elixirworkers.core.bundle.SizeReport;
import dev.elixirworkers.wasi.DevServer;
import dev.elixirworkers.wasi.Header;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The benchmark suite (not a test): builds the example worker without and with a snapshot, then
 * measures, side by side, per-request latency (fresh instance per request; median and p99, each the
 * median over rounds) in the JVM host and under node with the real worker/ host, the dev server's
 * throughput at concurrency 4, and the bundle sizes. Prints a markdown report and writes it to
 * {@code docs/benchmarks.md}. Run from the repository root:
 *
 * <pre>./mvnw -B -Pbenchmarks -DskipTests install -pl benchmarks -am -Datomvm.source=...</pre>
 */
public final class Benchmarks {
  static final String COMMAND =
      "./mvnw -B -Pbenchmarks -DskipTests install -pl benchmarks -am -Datomvm.source=<AtomVM"
          + " checkout>";

  /** The routes measured, with what they stand for. */
  static final Map<String, String> ROUTES = new LinkedHashMap<>();

  static {
    ROUTES.put("/hello/world", "hello (small HTML)");
    ROUTES.put("/", "example page (HTML)");
    ROUTES.put("/api/kv/greeting", "KV read (2 rounds)");
  }

  private final Path root = Path.of(System.getProperty("benchmarks.root", "..")).toAbsolutePath();
  private final Path work =
      Path.of(System.getProperty("benchmarks.work", "target/benchmarks")).toAbsolutePath();
  private final int runs = Integer.getInteger("benchmarks.runs", 200);
  private final int rounds = Integer.getInteger("benchmarks.rounds", 5);
  private final int warmup = Integer.getInteger("benchmarks.warmup", 3000);
  private final int seconds = Integer.getInteger("benchmarks.seconds", 5);
  private final String node = System.getProperty("node.executable", "node");

  /** A measured latency: the median over rounds of each round's median and p99, in ms. */
  record Latency(double median, double p99, int bytes) {
    String cell() {
      return String.format("%.2f / %.2f", median, p99);
    }
  }

  /** One build of the example: without or with a snapshot. */
  record Variant(String name, Path worker) {}

  public static void main(String[] args) throws Exception {
    new Benchmarks().run();
  }

  void run() throws Exception {
    String machine = machine();
    System.out.println(machine);
    Variant plain = new Variant("no snapshot", build(false));
    Variant snapshot = new Variant("snapshot", build(true));
    boolean hasSnapshot =
        Files.mismatch(
                plain.worker().resolve("atomvm.wasm"), snapshot.worker().resolve("atomvm.wasm"))
            != -1;
    List<Variant> variants = hasSnapshot ? List.of(plain, snapshot) : List.of(plain);
    if (!hasSnapshot) {
      System.out.println(
          "-Delixir-workers.snapshot=true built the same atomvm.wasm: the plugin has no snapshot"
              + " yet, the snapshot columns say n/a");
    }

    Map<String, Map<String, Latency>> jvm = new LinkedHashMap<>();
    Map<String, Map<String, Map<String, Latency>>> nodeResults = new LinkedHashMap<>();
    Map<String, Map<String, Double>> throughput = new LinkedHashMap<>();
    for (Variant variant : variants) {
      System.out.println("== " + variant.name() + ": JVM host");
      jvm.put(variant.name(), jvm(variant.worker()));
      System.out.println("== " + variant.name() + ": node, worker/ host");
      nodeResults.put(variant.name(), node(variant.worker()));
      System.out.println("== " + variant.name() + ": dev server, concurrency 4");
      throughput.put(variant.name(), devServer(variant.worker()));
    }

    String report =
        report(machine, variants, hasSnapshot, jvm, nodeResults, throughput, plain, snapshot);
    System.out.println();
    System.out.println(report);
    Path output = Path.of(System.getProperty("benchmarks.output", "benchmarks.md"));
    Files.createDirectories(output.toAbsolutePath().getParent());
    Files.writeString(output, report);
    System.out.println("Wrote " + output);
  }

  /** Builds the example with the plugin (a child Maven) and keeps a copy of its worker. */
  Path build(boolean snapshot) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(root.resolve(isWindows() ? "mvnw.cmd" : "mvnw").toString());
    command.addAll(List.of("-B", "-q", "-f", root.resolve("examples/hello-worker").toString()));
    if (Boolean.getBoolean("benchmarks.offline")) {
      command.add("-o");
    }
    String repo = System.getProperty("benchmarks.repoLocal", "");
    if (!repo.isBlank() && !repo.startsWith("${")) {
      command.add("-Dmaven.repo.local=" + repo);
    }
    String atomvm = System.getProperty("atomvm.source", "");
    if (!atomvm.isBlank() && !atomvm.startsWith("${")) {
      command.add("-Datomvm.source=" + atomvm);
    }
    command.addAll(List.of("package", "-Delixir-workers.snapshot=" + snapshot));
    System.out.println("$ " + String.join(" ", command));
    Process process = new ProcessBuilder(command).inheritIO().start();
    int exit = process.waitFor();
    if (exit != 0) {
      throw new IllegalStateException("building the example failed (exit " + exit + ")");
    }
    Path copy = work.resolve(snapshot ? "worker-snapshot" : "worker");
    copyDirectory(root.resolve("examples/hello-worker/target/worker"), copy);
    return copy;
  }

  Map<String, Latency> jvm(Path worker) throws Exception {
    Map<String, Latency> results = new LinkedHashMap<>();
    Path state = Files.createTempDirectory(work, "state");
    WorkerConfig config = WorkerConfig.of(Map.of(), Map.of(), List.of("CACHE"), List.of());
    try (LocalBindings bindings = LocalBindings.open(config, state);
        WorkerRuntime runtime =
            WorkerRuntime.create(
                WorkerBundle.load(worker),
                WorkerRuntime.Options.builder()
                    .bindings(bindings)
                    .stderrListener(line -> {})
                    .build())) {
      bindings
          .kv("CACHE")
          .orElseThrow()
          .put("greeting", "Hello from KV".getBytes(StandardCharsets.UTF_8), null, null, null);
      for (String path : ROUTES.keySet()) {
        WorkerRequest request =
            new WorkerRequest(
                "GET",
                "http://localhost:8797" + path,
                List.of(new Header("accept", "text/html"), new Header("user-agent", "bench")),
                new byte[0]);
        int bytes = check(runtime.handle(request), path).body().length;
        for (int i = 0; i < warmup; i++) {
          check(runtime.handle(request), path);
        }
        double[] medians = new double[rounds];
        double[] p99s = new double[rounds];
        for (int round = 0; round < rounds; round++) {
          double[] ms = new double[runs];
          for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            check(runtime.handle(request), path);
            ms[i] = (System.nanoTime() - start) / 1e6;
          }
          Arrays.sort(ms);
          medians[round] = percentile(ms, 0.5);
          p99s[round] = percentile(ms, 0.99);
        }
        Latency latency = new Latency(median(medians), median(p99s), bytes);
        System.out.printf("  GET %-18s %s ms (median / p99)%n", path, latency.cell());
        results.put(path, latency);
      }
    }
    return results;
  }

  /**
   * Latencies under node by entry point ({@code handle}: the contract level, as the JVM figures;
   * {@code fetch}: through node's Request and Response) and path.
   */
  Map<String, Map<String, Latency>> node(Path worker) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                node,
                root.resolve("benchmarks/src/main/js/node-bench.mjs").toString(),
                worker.toString(),
                root.resolve("worker/src/main/js/host.js").toString(),
                String.valueOf(warmup),
                String.valueOf(rounds),
                String.valueOf(runs)));
    command.addAll(ROUTES.keySet());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Map<String, Map<String, Latency>> results = new LinkedHashMap<>();
    ObjectMapper json = new ObjectMapper();
    List<String> output = new ArrayList<>();
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        output.add(line);
        if (line.startsWith("{")) {
          JsonNode result = json.readTree(line);
          Latency latency =
              new Latency(
                  median(doubles(result.get("medians"))),
                  median(doubles(result.get("p99s"))),
                  result.get("bytes").asInt());
          String entry = result.get("entry").asText();
          System.out.printf(
              "  GET %-18s %s ms (median / p99), %s%n",
              result.get("path").asText(), latency.cell(), entry);
          results
              .computeIfAbsent(entry, e -> new LinkedHashMap<>())
              .put(result.get("path").asText(), latency);
        }
      }
    }
    int exit = process.waitFor();
    if (exit != 0) {
      throw new IllegalStateException(
          "node-bench.mjs failed (exit " + exit + "):\n" + String.join("\n", output));
    }
    return results;
  }

  /** Requests per second the dev server answers with 4 clients, per route. */
  Map<String, Double> devServer(Path worker) throws Exception {
    Map<String, Double> results = new LinkedHashMap<>();
    List<String> paths = List.of("/hello/world", "/");
    try (WorkerRuntime runtime =
            WorkerRuntime.create(
                WorkerBundle.load(worker),
                WorkerRuntime.Options.builder().stderrListener(line -> {}).build());
        DevServer server =
            DevServer.start(
                () -> runtime, DevServer.Options.builder().port(0).log(line -> {}).build())) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        for (String path : paths) {
          URI uri = server.uri().resolve(path);
          HttpRequest request = HttpRequest.newBuilder(uri).header("accept", "text/html").build();
          load(client, pool, request, 1); // warm up
          long count = load(client, pool, request, seconds);
          double perSecond = count / (double) seconds;
          System.out.printf("  GET %-18s %.0f req/s%n", path, perSecond);
          results.put(path, perSecond);
        }
      } finally {
        pool.shutdownNow();
      }
    }
    return results;
  }

  private static long load(HttpClient client, ExecutorService pool, HttpRequest request, int secs)
      throws Exception {
    long end = System.nanoTime() + secs * 1_000_000_000L;
    AtomicLong done = new AtomicLong();
    List<Future<?>> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      clients.add(
          pool.submit(
              () -> {
                while (System.nanoTime() < end) {
                  HttpResponse<byte[]> response =
                      client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                  if (response.statusCode() != 200) {
                    throw new IllegalStateException(request.uri() + ": " + response.statusCode());
                  }
                  done.incrementAndGet();
                }
                return null;
              }));
    }
    for (Future<?> c : clients) {
      c.get();
    }
    return done.get();
  }

  String report(
      String machine,
      List<Variant> variants,
      boolean hasSnapshot,
      Map<String, Map<String, Latency>> jvm,
      Map<String, Map<String, Map<String, Latency>>> nodeResults,
      Map<String, Map<String, Double>> throughput,
      Variant plain,
      Variant snapshot)
      throws IOException {
    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks\n\n")
        .append("Measured on ")
        .append(LocalDate.now())
        .append(" with\n\n    ")
        .append(COMMAND)
        .append("\n\n")
        .append(machine)
        .append("\n\n")
        .append(
            String.format(
                "The example worker (`examples/hello-worker`), a fresh VM instance per request;"
                    + " each figure is the median over %d rounds of %d requests (after %d warm-up"
                    + " requests) of that round's median / p99, in ms. KV: the namespace `CACHE`"
                    + " on the local SQLite bindings in the JVM, an in-memory object under node."
                    + " Both hosts are measured at the contract level: a request record in, a"
                    + " response record out (`WorkerRuntime.handle`, `WorkerHost.handle`); node"
                    + " through the Worker's `fetch` handler, with node's own `Request` and"
                    + " `Response`, is further down. `n/a`: the plugin built no snapshot"
                    + " (`-Delixir-workers.snapshot=true` made the same `atomvm.wasm`).%n%n",
                rounds, runs, warmup));
    String na = "n/a";
    md.append(
        "| route | response | JVM | JVM, snapshot | node (worker/ host) | node, snapshot |\n");
    md.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (Map.Entry<String, String> route : ROUTES.entrySet()) {
      String path = route.getKey();
      Latency j = jvm.get(plain.name()).get(path);
      Latency n = nodeResults.get(plain.name()).get("handle").get(path);
      md.append(
          String.format(
              "| `GET %s` %s | %,d B | %s | %s | %s | %s |%n",
              path,
              route.getValue(),
              j.bytes(),
              j.cell(),
              hasSnapshot ? jvm.get(snapshot.name()).get(path).cell() : na,
              n.cell(),
              hasSnapshot ? nodeResults.get(snapshot.name()).get("handle").get(path).cell() : na));
    }
    md.append(
        "\nNode through the Worker's `fetch` handler (`WorkerHost.fetch`): node's `Request` in,"
            + " its `Response` out and the body read, as a client would; the difference is node's"
            + " own HTTP objects (undici), which workerd implements natively:\n\n");
    md.append("| route | node, fetch | node, snapshot, fetch |\n| --- | ---: | ---: |\n");
    for (String path : ROUTES.keySet()) {
      md.append(
          String.format(
              "| `GET %s` | %s | %s |%n",
              path,
              nodeResults.get(plain.name()).get("fetch").get(path).cell(),
              hasSnapshot ? nodeResults.get(snapshot.name()).get("fetch").get(path).cell() : na));
    }
    md.append(
        String.format(
            "%nDev server (`elixir-workers:run`, JVM), 4 concurrent clients for %d s:%n%n",
            seconds));
    md.append("| route | req/s | req/s, snapshot |\n| --- | ---: | ---: |\n");
    for (String path : throughput.get(plain.name()).keySet()) {
      md.append(
          String.format(
              "| `GET %s` | %.0f | %s |%n",
              path,
              throughput.get(plain.name()).get(path),
              hasSnapshot ? String.format("%.0f", throughput.get(snapshot.name()).get(path)) : na));
    }
    md.append("\nBundle (`target/worker/`, what `wrangler deploy` uploads):\n\n");
    md.append("| file | raw | gzip | raw, snapshot | gzip, snapshot |\n");
    md.append("| --- | ---: | ---: | ---: | ---: |\n");
    SizeReport plainSizes = sizes(plain.worker());
    SizeReport snapshotSizes = sizes(snapshot.worker());
    for (int i = 0; i <= plainSizes.rows().size(); i++) {
      boolean total = i == plainSizes.rows().size();
      String name = total ? "**total**" : plainSizes.rows().get(i).name();
      long raw = total ? plainSizes.totalRaw() : plainSizes.rows().get(i).raw();
      long gzip = total ? plainSizes.totalGzip() : plainSizes.rows().get(i).gzip();
      String snapRaw = na;
      String snapGzip = na;
      if (hasSnapshot) {
        // a snapshot bundle has no app.avm: the snapshot holds it
        Optional<SizeReport.Row> row =
            snapshotSizes.rows().stream().filter(r -> r.name().equals(name)).findFirst();
        snapRaw =
            total
                ? kib(snapshotSizes.totalRaw())
                : row.map(r -> kib(r.raw())).orElse("not shipped");
        snapGzip =
            total
                ? kib(snapshotSizes.totalGzip())
                : row.map(r -> kib(r.gzip())).orElse("not shipped");
      }
      md.append(
          String.format(
              "| %s | %s | %s | %s | %s |%n", name, kib(raw), kib(gzip), snapRaw, snapGzip));
    }
    return md.toString();
  }

  static SizeReport sizes(Path worker) throws IOException {
    List<String> names = new ArrayList<>(List.of("atomvm.wasm"));
    if (Files.isRegularFile(worker.resolve("app.avm"))) {
      names.add("app.avm");
    }
    try (Stream<Path> files = Files.list(worker)) {
      files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".js"))
          .sorted()
          .forEach(names::add);
    }
    return SizeReport.of(worker, names);
  }

  static String kib(long bytes) {
    return String.format("%.1f KiB", bytes / 1024.0);
  }

  String machine() throws IOException, InterruptedException {
    String cpu = "unknown CPU";
    Path cpuinfo = Path.of("/proc/cpuinfo");
    if (Files.isReadable(cpuinfo)) {
      cpu =
          Files.readAllLines(cpuinfo).stream()
              .filter(l -> l.startsWith("model name"))
              .map(l -> l.substring(l.indexOf(':') + 1).trim())
              .findFirst()
              .orElse(cpu);
    }
    String nodeVersion;
    try {
      Process p = new ProcessBuilder(node, "--version").redirectErrorStream(true).start();
      nodeVersion = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
    } catch (IOException e) {
      nodeVersion = "not found";
    }
    return String.format(
        "Machine: %s, %d cores, load average %.2f at the start; %s %s; Java %s; node %s.",
        cpu,
        Runtime.getRuntime().availableProcessors(),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        System.getProperty("os.name"),
        System.getProperty("os.arch"),
        System.getProperty("java.version"),
        nodeVersion);
  }

  static WorkerResponse check(WorkerResponse response, String path) {
    if (response.status() != 200) {
      throw new IllegalStateException("GET " + path + ": " + response + ": " + response.bodyText());
    }
    return response;
  }

  static double percentile(double[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(sorted.length * p))];
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  static double[] doubles(JsonNode array) {
    double[] values = new double[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asDouble();
    }
    return values;
  }

  /** Replaces {@code to}'s files with {@code from}'s: none an earlier run copied stays. */
  static void copyDirectory(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> stale = Files.list(to)) {
      for (Path file : stale.filter(Files::isRegularFile).toList()) {
        Files.delete(file);
      }
    }
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  static boolean isWindows() {
    return System.getProperty("os.name", "").toLowerCase().startsWith("windows");
  }
}
