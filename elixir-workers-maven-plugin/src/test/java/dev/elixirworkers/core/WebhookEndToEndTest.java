package dev.elixirworkers.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elixirworkers.core.bundle.SizeBudget;
import dev.elixirworkers.core.compat.CompatibilityMode;
import dev.elixirworkers.core.wrangler.Wrangler;
import dev.elixirworkers.core.wrangler.WranglerDev;
import dev.elixirworkers.wasi.Header;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.bindings.LocalBindings;
import dev.elixirworkers.wasi.bindings.WorkerConfig;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker that needs the VM's natives ({@code src/test/resources/e2e/webhook-worker}): a
 * Stripe-style webhook verified with {@code :crypto.mac/4} and {@code :crypto.hash_equals/2},
 * sign-ups validated with {@code ~r/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i} and split with {@code
 * String.split(s, ~r/\s*,\s*\/)}, tokens from {@code :crypto.strong_rand_bytes/1} and {@code
 * :rand}. Built with {@code <compatibility>error}: the build fails on any call the VM cannot run.
 * What each route should answer is worked out here with the JDK's own HMAC and digests. The last
 * test serves the worker under workerd too and compares the answers with the JVM host's, the random
 * parts masked. Runs when {@code -Datomvm.source} or {@code ATOMVM_SOURCE} names an AtomVM
 * checkout; otherwise it is skipped and says why.
 */
class WebhookEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "whsec_test_5f3c9a";
  private static final String EVENT =
      "{\"id\":\"evt_1Nq\",\"type\":\"invoice.paid\",\"data\":{\"amount\":4200}}";

  private static WorkerProject worker;
  private static WorkerBundle loaded;
  private static WorkerConfig config;

  private LocalBindings bindings;
  private WorkerRuntime runtime;
  private final List<String> stderr = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void buildTheWorker() throws Exception {
    Optional<Path> atomvm =
        Optional.of(
            GatedAtomVm.sourceOrSkip(
                "WebhookEndToEndTest", "to run a worker that uses :crypto, :rand and Regex"));
    Path project = GatedAtomVm.projectFromResources("webhook-worker");
    worker =
        WorkerProject.atConventionalPaths(project, "Webhook", atomvm, CacheDirectory.root(), true)
            .toBuilder()
            .elixirStdlib(true)
            .build();
    WorkerBuild build =
        new WorkerBuild(worker, BuildLog.silent(), CompatibilityMode.ERROR, SizeBudget.UNLIMITED);
    build.compile();
    build.bundle();
    loaded = WorkerBundle.load(worker.workerDirectory());
    config = WorkerConfig.load(project);
  }

  @BeforeEach
  void start() throws Exception {
    bindings = LocalBindings.open(config, Files.createTempDirectory("webhook-state"));
    runtime =
        WorkerRuntime.create(
            loaded,
            WorkerRuntime.Options.builder().bindings(bindings).stderrListener(stderr::add).build());
  }

  @AfterEach
  void close() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
    if (bindings != null) {
      bindings.close();
    }
  }

  // ---------------------------------------------------------------- requests

  private WorkerResponse get(String target) {
    return runtime.handle(WorkerRequest.of("GET", "http://localhost" + target));
  }

  private WorkerResponse signUp(String email, String tags) {
    return runtime.handle(
        WorkerRequest.of("POST", "http://localhost/signups")
            .withHeader("content-type", "application/x-www-form-urlencoded")
            .withBody("email=" + encoded(email) + "&tags=" + encoded(tags)));
  }

  private WorkerResponse deliver(String payload, String signatureHeader) {
    WorkerRequest request =
        WorkerRequest.of("POST", "http://localhost/webhooks/stripe")
            .withHeader("content-type", "application/json")
            .withBody(payload);
    if (signatureHeader != null) {
      request = request.withHeader("stripe-signature", signatureHeader);
    }
    return runtime.handle(request);
  }

  private static String encoded(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** Stripe's signature of {@code payload} at {@code timestamp}, computed by the JDK. */
  private static String signature(String payload, long timestamp, String secret) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of()
        .formatHex(mac.doFinal((timestamp + "." + payload).getBytes(StandardCharsets.UTF_8)));
  }

  private static long now() {
    return Instant.now().getEpochSecond();
  }

  private String explain(WorkerResponse r) {
    return r.status() + " " + r.bodyText() + "\n" + String.join("\n", stderr);
  }

  private JsonNode json(WorkerResponse r, int status) throws IOException {
    assertEquals(status, r.status(), explain(r));
    assertEquals(Optional.of("application/json"), r.header("content-type"));
    return JSON.readTree(r.body());
  }

  // ---------------------------------------------------------------- the webhook

  @Test
  void aSignedEventIsReceived() throws Exception {
    long t = now();

    JsonNode answer = json(deliver(EVENT, "t=" + t + ",v1=" + signature(EVENT, t, SECRET)), 200);

    assertEquals("invoice.paid", answer.get("received").asText());
    assertEquals("evt_1Nq", answer.get("id").asText());
    assertEquals(Instant.ofEpochSecond(t).toString(), answer.get("signed_at").asText());
  }

  @Test
  void anyOfSeveralSignaturesMayMatchAndSpacesAroundCommasAreAllowed() throws Exception {
    long t = now();
    String rotated = signature(EVENT, t, "whsec_the_old_secret");
    String header = "t=" + t + " ,  v1=" + rotated + " , v1=" + signature(EVENT, t, SECRET);

    assertEquals("invoice.paid", json(deliver(EVENT, header), 200).get("received").asText());
  }

  @Test
  void aTamperedPayloadIsRefused() throws Exception {
    long t = now();
    String header = "t=" + t + ",v1=" + signature(EVENT, t, SECRET);

    JsonNode answer = json(deliver(EVENT.replace("4200", "4201"), header), 400);

    assertEquals("no signature matches the payload", answer.get("error").asText());
  }

  @Test
  void aSignatureUnderAnotherSecretIsRefused() throws Exception {
    long t = now();
    String header = "t=" + t + ",v1=" + signature(EVENT, t, SECRET + "x");

    assertEquals(
        "no signature matches the payload",
        json(deliver(EVENT, header), 400).get("error").asText());
  }

  @Test
  void aStaleTimestampIsRefused() throws Exception {
    long t = now() - 3600;
    String header = "t=" + t + ",v1=" + signature(EVENT, t, SECRET);

    assertEquals(
        "the timestamp is outside the tolerance",
        json(deliver(EVENT, header), 400).get("error").asText());
  }

  @Test
  void aMissingOrMalformedHeaderIsRefused() throws Exception {
    assertEquals(
        "the stripe-signature header is missing",
        json(deliver(EVENT, null), 400).get("error").asText());
    assertEquals(
        "the header needs one t= and at least one v1=",
        json(deliver(EVENT, "v1=abc"), 400).get("error").asText());
    assertEquals(
        "the timestamp \"soon\" is not a number",
        json(deliver(EVENT, "t=soon,v1=abc"), 400).get("error").asText());
  }

  // ---------------------------------------------------------------- sign-ups

  @Test
  void anEmailAddressIsValidatedIgnoringCase() throws Exception {
    for (String email : List.of("ada@example.org", "Grace.Hopper@Navy.MIL", "x+y@a.b.co")) {
      JsonNode answer = json(signUp("  " + email + " ", ""), 201);
      assertEquals(email, answer.get("email").asText());
      assertEquals(
          email.substring(email.indexOf('@') + 1).toLowerCase(Locale.ROOT),
          answer.get("domain").asText());
    }
    for (String email : List.of("", "no-at-sign", "a@b", "two@@example.org", "a b@c.de", "x@y.c")) {
      JsonNode answer = json(signUp(email, ""), 422);
      assertEquals(
          JSON.writeValueAsString(email) + " is not an e-mail address",
          answer.get("error").asText());
    }
  }

  @Test
  void namedCapturesAndReplaceMakeTheGreeting() throws Exception {
    assertEquals(
        "Welcome, grace hopper jr!",
        json(signUp("grace.hopper+-jr@navy.mil", ""), 201).get("greeting").asText());
  }

  @Test
  void tagsAreSplitOnCommasWithTheSpacesAroundThem() throws Exception {
    JsonNode tags = json(signUp("ada@example.org", " Elixir ,  WASM,workers , ,"), 201).get("tags");

    assertEquals(JSON.readTree("[\"elixir\",\"wasm\",\"workers\"]"), tags);
  }

  @Test
  void slugsKeepAsciiLettersAndDigitsAndTheInitialIsOneCodepoint() throws Exception {
    JsonNode answer = json(get("/slug?title=" + encoded("  Ça marche: 10× faster, naïve!")), 200);

    assertEquals("a-marche-10-faster-na-ve", answer.get("slug").asText());
    assertEquals("Ç", answer.get("initial").asText());
    assertTrue(json(get("/slug?title="), 200).get("initial").isNull());
  }

  // ---------------------------------------------------------------- randomness and digests

  @Test
  void tokensAreRandomPerRequest() throws Exception {
    Set<String> tokens = new HashSet<>();
    Set<String> dice = new HashSet<>();
    for (int i = 0; i < 8; i++) {
      JsonNode answer = json(get("/tokens"), 200);
      String token = answer.get("token").asText();
      assertEquals(24, token.length(), token);
      assertEquals(18, Base64.getUrlDecoder().decode(token).length, token);
      tokens.add(token);
      for (JsonNode die : answer.get("dice")) {
        assertTrue(die.asInt() >= 1 && die.asInt() <= 6, answer.toString());
      }
      dice.add(answer.get("dice").toString());
      assertTrue(Set.of("red", "green", "blue", "yellow").contains(answer.get("pick").asText()));
      double fraction = answer.get("fraction").asDouble();
      assertTrue(fraction >= 0 && fraction < 1, answer.toString());
    }
    // each request is a fresh VM (from the same snapshot): nothing seeded once may repeat
    assertEquals(8, tokens.size(), tokens.toString());
    assertNotEquals(1, dice.size(), dice.toString());
  }

  @Test
  void digestsAreTheJdksOwn() throws Exception {
    for (String text : List.of("", "abc", "Zoë writes ☕", "x".repeat(3000))) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      JsonNode answer = json(get("/digest?text=" + encoded(text)), 200);
      assertEquals(hex("SHA-256", bytes), answer.get("sha256").asText(), text);
      assertEquals(hex("MD5", bytes), answer.get("md5").asText(), text);
      assertEquals(
          Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-512").digest(bytes)),
          answer.get("sha512").asText(),
          text);
    }
  }

  private static String hex(String algorithm, byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
  }

  // ---------------------------------------------------------------- workerd

  /** A response reduced to what both hosts must agree on, the random parts masked. */
  record Answer(int status, Map<String, String> headers, String body) {}

  private static String maskRandom(String body) {
    return body.replaceAll("\"token\":\"[A-Za-z0-9_-]{24}\"", "\"token\":\"<token>\"")
        .replaceAll("\"dice\":\\[[1-6](,[1-6]){4}\\]", "\"dice\":<dice>")
        .replaceAll("\"pick\":\"(red|green|blue|yellow)\"", "\"pick\":<pick>")
        .replaceAll("\"fraction\":[0-9.eE-]+", "\"fraction\":<fraction>");
  }

  private static final Set<String> HOP =
      Set.of("connection", "keep-alive", "transfer-encoding", "content-length", "date", "server");

  private static Answer answer(int status, Map<String, List<String>> headers, byte[] body) {
    Map<String, String> kept = new TreeMap<>();
    headers.forEach(
        (name, values) -> {
          String lower = name.toLowerCase(Locale.ROOT);
          if (!HOP.contains(lower) && !lower.startsWith(":")) {
            kept.put(lower, String.join(", ", values));
          }
        });
    return new Answer(status, kept, maskRandom(new String(body, StandardCharsets.UTF_8)));
  }

  @Test
  void everyRouteAnswersTheSameUnderWorkerdAsOnTheJvmHost() throws Exception {
    long t = now();
    String signed = "t=" + t + ",v1=" + signature(EVENT, t, SECRET);
    String form = "application/x-www-form-urlencoded";
    List<String[]> routes =
        List.of(
            new String[] {"POST", "/webhooks/stripe", EVENT, signed},
            new String[] {"POST", "/webhooks/stripe", EVENT + " ", signed},
            new String[] {"POST", "/webhooks/stripe", EVENT, null},
            new String[] {"POST", "/signups", "email=Ada%40Example.org&tags=a%2C+b", form},
            new String[] {"POST", "/signups", "email=nobody&tags=", form},
            new String[] {"GET", "/tokens", "", null},
            new String[] {"GET", "/digest?text=" + encoded("Zoë ☕"), "", null},
            new String[] {"GET", "/slug?title=" + encoded("Hello, World 2!"), "", null});

    Wrangler wrangler =
        Wrangler.install(
            CacheDirectory.root(),
            worker.workDirectory(),
            System.getenv("PATH"),
            BuildLog.silent());
    List<String> wranglerOutput = Collections.synchronizedList(new ArrayList<>());
    try (WranglerDev dev =
        wrangler.dev(
            worker.workerDirectory(),
            WranglerDev.Options.local(
                WranglerDev.freePort("127.0.0.1"),
                worker.baseDirectory().resolve(".wrangler/state"),
                wranglerOutput::add))) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      Function<String[], Answer> workerd =
          route -> {
            HttpRequest.Builder b =
                HttpRequest.newBuilder(
                        URI.create(dev.uri().toString().replaceAll("/$", "") + route[1]))
                    .timeout(Duration.ofSeconds(30));
            headersOf(route).forEach(b::header);
            b.method(
                route[0],
                route[2].isEmpty()
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(route[2]));
            try {
              HttpResponse<byte[]> r =
                  http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
              return answer(r.statusCode(), r.headers().map(), r.body());
            } catch (IOException | InterruptedException e) {
              throw new IllegalStateException(
                  route[0] + " " + route[1] + ": " + e + "\n" + String.join("\n", wranglerOutput),
                  e);
            }
          };
      Function<String[], Answer> jvm =
          route -> {
            WorkerRequest request = WorkerRequest.of(route[0], "http://localhost" + route[1]);
            for (Map.Entry<String, String> h : headersOf(route).entrySet()) {
              request = request.withHeader(h.getKey(), h.getValue());
            }
            if (!route[2].isEmpty()) {
              request = request.withBody(route[2]);
            }
            WorkerResponse r = runtime.handle(request);
            Map<String, List<String>> headers = new TreeMap<>();
            for (Header h : r.headers()) {
              headers.computeIfAbsent(h.name(), k -> new ArrayList<>()).add(h.value());
            }
            return answer(r.status(), headers, r.body());
          };

      List<String> different = new ArrayList<>();
      for (String[] route : routes) {
        Answer onJvm = jvm.apply(route);
        Answer onWorkerd = workerd.apply(route);
        if (!onJvm.equals(onWorkerd)) {
          different.add(
              route[0] + " " + route[1] + "\n  JVM:     " + onJvm + "\n  workerd: " + onWorkerd);
        }
        assertTrue(onJvm.status() < 500, route[1] + ": " + onJvm);
      }
      assertEquals(List.of(), different, String.join("\n", wranglerOutput));
    }
  }

  /** A route's request headers: its content type or, for the webhook, its signature. */
  private static Map<String, String> headersOf(String[] route) {
    Map<String, String> headers = new TreeMap<>();
    if (route[1].startsWith("/webhooks/")) {
      headers.put("content-type", "application/json");
      if (route[3] != null) {
        headers.put("stripe-signature", route[3]);
      }
    } else if (route[3] != null) {
      headers.put("content-type", route[3]);
    }
    return headers;
  }
}
