package dev.elixirworkers.core.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.GatedAtomVm;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.WorkerBuild;
import dev.elixirworkers.core.WorkerProject;
import dev.elixirworkers.core.compat.CompatibilityChecker;
import dev.elixirworkers.core.compat.CompatibilityMode;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.process.ProcessRunner;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code crypto} NIFs of atomvm-wasi and OTP's {@code rand} inside the real AtomVM (issue 15):
 * the published test vectors (RFC 1321, FIPS 180-4, RFC 2202, RFC 4231, RFC 6070, RFC 7914), a
 * differential run against the host BEAM's {@code crypto} on pseudo-random inputs of lengths 0 to
 * 5000 (the block boundaries among them; the seed is printed and drawn anew each run), the errors
 * of bad arguments, randomness that differs between two requests started from the same memory
 * snapshot, a webhook signature check, and the budgets measured inside the VM. The worker is {@code
 * src/test/resources/crypto-worker}; the host runs the same {@code .beam} of {@code CryptoCases}.
 * Runs when {@code -Datomvm.source} or {@code ATOMVM_SOURCE} names an AtomVM checkout; otherwise it
 * is skipped and says why.
 */
class CryptoVmTest {
  private static final Path SOURCES = Path.of("src", "test", "resources", "crypto-worker");
  private static final String SECRET = "whsec_test_secret";

  private static WorkerProject worker;
  private static WorkerBuild.Bundle bundle;
  private static WorkerRuntime runtime;

  @BeforeAll
  static void buildTheWorker() throws Exception {
    Path atomvm = GatedAtomVm.sourceOrSkip("CryptoVmTest", "to run :crypto inside AtomVM");
    Path project = Files.createTempDirectory("crypto-worker");
    Path sources = project.resolve("src/main/elixir");
    Files.createDirectories(sources);
    for (String file : List.of("crypto_cases.ex", "crypto_worker.ex")) {
      Files.copy(SOURCES.resolve(file), sources.resolve(file));
    }
    worker =
        WorkerProject.atConventionalPaths(
                project, "CryptoWorker", Optional.of(atomvm), CacheDirectory.root(), true)
            .withSnapshot(true);
    // warn: the worker calls one crypto function the VM lacks on purpose (GET /missing)
    WorkerBuild build = new WorkerBuild(worker, new RecordingLog(), CompatibilityMode.WARN);
    build.compile();
    bundle = build.bundle();
    runtime =
        WorkerRuntime.create(
            WorkerBundle.load(worker.workerDirectory()),
            WorkerRuntime.Options.builder().stderrListener(line -> {}).build());
  }

  @AfterAll
  static void close() {
    if (runtime != null) {
      runtime.close();
    }
  }

  private static WorkerResponse get(String path) {
    WorkerResponse response = runtime.handle(WorkerRequest.of("GET", "http://localhost" + path));
    assertEquals(200, response.status(), path + ": " + response.bodyText());
    return response;
  }

  /** What {@code CryptoCases.<call>} writes on the host BEAM, from the worker's own .beam files. */
  private static String onHost(String call) throws Exception {
    ProcessRunner.Result result =
        ProcessRunner.run(
            List.of(
                "elixir",
                "-pa",
                worker.appBeams().toString(),
                "-e",
                "IO.write(CryptoCases." + call + ")"),
            Map.of(),
            null,
            Duration.ofMinutes(2),
            line -> {});
    assertEquals(0, result.exitCode(), result.failure(20));
    return String.join("\n", result.lines());
  }

  private static List<String> lines(String text) {
    return Arrays.stream(text.split("\n")).filter(l -> !l.isEmpty()).toList();
  }

  @Test
  void everyPublishedTestVectorHoldsInsideTheVm() throws Exception {
    List<String> inVm = lines(get("/vectors").bodyText());
    List<String> failed = inVm.stream().filter(l -> !l.startsWith("ok ")).toList();
    assertEquals(List.of(), failed);
    assertTrue(inVm.size() >= 45, inVm.toString());
    // the vectors themselves are right: the host's OpenSSL agrees
    assertEquals(inVm, lines(onHost("vectors()")));
  }

  @Test
  void theVmAgreesWithTheHostBeamOnRandomInputs() throws Exception {
    long seed = new Random().nextInt(Integer.MAX_VALUE);
    System.out.println("CryptoVmTest: differential seed " + seed);
    List<String> inVm = lines(get("/differential/" + seed).bodyText());
    List<String> host = lines(onHost("differential(" + seed + ")"));
    // 36 lengths × 6 hashes × 8 lines
    assertEquals(36 * 6 * 8, host.size());
    for (int i = 0; i < host.size(); i++) {
      assertEquals(host.get(i), i < inVm.size() ? inVm.get(i) : "(missing)", "seed " + seed);
    }
    assertEquals(host.size(), inVm.size());
  }

  @Test
  void badArgumentsRaiseWhatOtpRaises() throws Exception {
    assertEquals(lines(onHost("errors()")), lines(get("/errors").bodyText()));
  }

  @Test
  void twoRequestsFromTheSameSnapshotDrawDifferentNumbers() {
    Map<String, String> first = fields(get("/random").bodyText());
    Map<String, String> second = fields(get("/random").bodyText());
    for (String drawn :
        List.of(
            "strong_rand_bytes",
            "uniform",
            "uniform_n",
            "uniform_real",
            "bytes",
            "enum_random",
            "shuffle",
            "reseeded")) {
      assertTrue(first.containsKey(drawn), first.toString());
      assertNotEquals(first.get(drawn), second.get(drawn), drawn);
    }
    assertEquals(32, first.get("strong_rand_bytes").length());
    double uniform = Double.parseDouble(first.get("uniform"));
    assertTrue(uniform >= 0 && uniform < 1, first.toString());
    Set<String> shuffled = new TreeSet<>(Arrays.asList(first.get("shuffle").split(",")));
    assertEquals(12, shuffled.size(), first.get("shuffle"));
    // an explicit seed still gives one sequence
    assertEquals(first.get("seeded"), second.get("seeded"));
  }

  @Test
  void anExplicitSeedGivesOtpsSequence() throws Exception {
    ProcessRunner.Result result =
        ProcessRunner.run(
            List.of(
                "elixir",
                "-e",
                ":rand.seed(:exsss, {1, 2, 3}); IO.write(Enum.map_join(1..3, \",\", fn _ ->"
                    + " Integer.to_string(:rand.uniform(1000)) end))"),
            Map.of(),
            null,
            Duration.ofMinutes(1),
            line -> {});
    assertEquals(0, result.exitCode(), result.failure(20));
    assertEquals(String.join("", result.lines()), fields(get("/random").bodyText()).get("seeded"));
  }

  private static Map<String, String> fields(String body) {
    Map<String, String> fields = new HashMap<>();
    for (String line : lines(body)) {
      int space = line.indexOf(' ');
      fields.put(line.substring(0, space), line.substring(space + 1));
    }
    return fields;
  }

  @Test
  void aCryptoFunctionTheVmLacksIsAnUndefinedFunctionAndIsReported() {
    String message = get("/missing").bodyText();
    assertTrue(message.contains(":crypto.crypto_one_time/4"), message);
    assertTrue(message.contains("undefined"), message);
    Set<String> reported =
        bundle.compatibility().findings().stream()
            .map(CompatibilityChecker.Finding::call)
            .map(call -> call.key())
            .collect(Collectors.toCollection(TreeSet::new));
    assertTrue(reported.contains("crypto:crypto_one_time/4"), reported.toString());
    for (String available :
        List.of(
            "crypto:hash/2",
            "crypto:mac/4",
            "crypto:macN/5",
            "crypto:hash_equals/2",
            "crypto:strong_rand_bytes/1",
            "erlang:phash2/1",
            "rand:uniform/0",
            "rand:uniform/1")) {
      assertFalse(reported.contains(available), available + " reported: " + reported);
    }
  }

  @Test
  void aDigestOtpHasAndTheVmLacksIsNotSupportedAndSaysWhichItHas() {
    String outcome = get("/notsup").bodyText();
    // a charlist is inspected as 'crypto_nifs.c' by Elixir 1.14, as ~c"crypto_nifs.c" by 1.18
    assertTrue(
        outcome.startsWith("{:error, {:notsup, {'crypto_nifs.c', ")
            || outcome.startsWith("{:error, {:notsup, {~c\"crypto_nifs.c\", "),
        outcome);
    assertTrue(outcome.contains("md5, sha, sha224, sha256, sha384 and sha512"), outcome);
  }

  @Test
  void aStripeStyleWebhookSignatureIsVerified() throws Exception {
    String body = "{\"id\":\"evt_1\",\"type\":\"payment_intent.succeeded\"}";
    String timestamp = "1700000000";
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    byte[] signature = mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
    StringBuilder hex = new StringBuilder();
    for (byte b : signature) {
      hex.append(String.format("%02x", b));
    }
    assertEquals("verified", webhook(body, "t=" + timestamp + ",v1=" + hex).bodyText());
    String tampered =
        hex.substring(0, hex.length() - 1) + (hex.charAt(hex.length() - 1) == '0' ? '1' : '0');
    WorkerResponse refused = webhook(body, "t=" + timestamp + ",v1=" + tampered);
    assertEquals(400, refused.status(), refused.bodyText());
  }

  private static WorkerResponse webhook(String body, String signature) {
    return runtime.handle(
        WorkerRequest.of("POST", "http://localhost/webhook")
            .withHeader("stripe-signature", signature)
            .withBody(body));
  }

  @Test
  void theJavaScriptHostUnderNodeAnswersAsTheJvmHostDoes() throws Exception {
    long seed = new Random().nextInt(Integer.MAX_VALUE);
    List<String> paths =
        List.of("/vectors", "/differential/" + seed, "/errors", "/random", "/random");
    List<String> answers = node(paths);
    for (int i = 0; i < 3; i++) {
      assertEquals(get(paths.get(i)).bodyText(), answers.get(i), paths.get(i) + " under node");
    }
    Map<String, String> first = fields(answers.get(3));
    Map<String, String> second = fields(answers.get(4));
    assertNotEquals(first.get("strong_rand_bytes"), second.get("strong_rand_bytes"));
    assertNotEquals(first.get("uniform"), second.get("uniform"));
    assertEquals(fields(get("/random").bodyText()).get("seeded"), first.get("seeded"));
  }

  /** The bodies of 200 answers to GET {@code paths} through worker/'s WorkerHost under node. */
  private static List<String> node(List<String> paths) throws Exception {
    Path host =
        Path.of("..", "worker", "src", "main", "js", "host.js").toAbsolutePath().normalize();
    Path script = Files.createTempFile("crypto-node", ".mjs");
    StringBuilder urls = new StringBuilder("[");
    for (String path : paths) {
      urls.append(urls.length() > 1 ? "," : "")
          .append("\"http://localhost")
          .append(path)
          .append('"');
    }
    urls.append(']');
    Files.writeString(
        script,
        String.join(
            "\n",
            "import { existsSync, readFileSync } from 'node:fs';",
            "import { WorkerHost } from '" + host.toUri() + "';",
            "const dir = process.argv[2];",
            "const module = new WebAssembly.Module(readFileSync(dir + '/atomvm.wasm'));",
            "const app = existsSync(dir + '/app.avm') ? readFileSync(dir + '/app.avm') : undefined;",
            "const host = new WorkerHost({ module, app, log: { log() {}, error() {} } });",
            "const out = [];",
            "for (const url of " + urls + ") {",
            "  const res = await host.handle({ method: 'GET', url, headers: [],"
                + " body: new Uint8Array(0), cf: {} });",
            "  if (res.status !== 200) throw new Error(url + ': ' + res.status);",
            "  out.push(Buffer.from(res.body).toString('utf8'));",
            "}",
            "console.log(JSON.stringify(out));",
            ""));
    ProcessRunner.Result node =
        ProcessRunner.run(
            List.of("node", script.toString(), worker.workerDirectory().toString()),
            Duration.ofMinutes(3));
    Files.deleteIfExists(script);
    assertEquals(0, node.exitCode(), node.failure(40));
    // the script's one line of JSON comes last: node's warnings, if any, come before it
    return Arrays.asList(
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readValue(node.tail(1).get(0), String[].class));
  }

  @Test
  void theBudgetsAreMeasuredInsideTheVm() {
    Map<String, String> figures = fields(get("/bench").bodyText());
    System.out.println("CryptoVmTest: inside the VM (JVM host): " + figures);
    assertTrue(figures.containsKey("sha256_1mib_us"), figures.toString());
  }
}
