package dev.elixirworkers.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A guestbook written the way an Elixir developer writes one from the README ({@code
 * src/test/resources/e2e/guestbook-worker}): Elixir's own String, Enum, Map, Integer, Float,
 * Stream, URI, DateTime and Calendar, a struct with its own String.Chars implementation, entries in
 * KV. Built with {@code <elixirStdlib>true} and {@code <compatibility>error}: the build fails on
 * any call the VM cannot run. Each test starts from an empty KV namespace; what a route should
 * answer is worked out here from the entries the test signed. The last test serves the worker under
 * workerd ({@code wrangler dev}) too and compares every route's answer byte for byte with the JVM
 * host's. Runs when {@link GatedAtomVm} finds an AtomVM source ({@code -Datomvm.source}, or the
 * pinned release cached or downloaded); otherwise it is skipped and says why.
 */
class GuestbookEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HTML = "text/html; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String JSON_TYPE = "application/json";

  /** What the worker prints for a time: Calendar.strftime(at, "%d %b %Y, %H:%M UTC"). */
  private static final DateTimeFormatter WRITTEN_AT =
      DateTimeFormatter.ofPattern("dd MMM yyyy, HH:mm 'UTC'", Locale.ENGLISH)
          .withZone(ZoneOffset.UTC);

  /** A signature as a test writes it into the form: the worker trims name and message. */
  record Signed(String name, String message, int rating) {
    String trimmedName() {
      return name.strip();
    }

    String trimmedMessage() {
      return message.strip();
    }
  }

  /** Seven entries, oldest first: names differing in case, accents, runs of spaces. */
  private static final List<Signed> BOOK =
      List.of(
          new Signed("Ada", "Hello from the Analytical Engine", 5),
          new Signed("  Zoë  ", "Très bien! Ça marche.", 4),
          new Signed("grace", "Found a bug in the relay", 2),
          new Signed("ADA", "Back again, still counting", 5),
          new Signed("Linus", "Talk is cheap", 3),
          new Signed("Émile", "Bonjour   le   monde", 4),
          new Signed("Grace", "  Nanoseconds are this long  ", 4));

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
                "GuestbookEndToEndTest", "to run the guestbook with Elixir's standard library"));
    Path project = GatedAtomVm.projectFromResources("guestbook-worker");
    worker =
        WorkerProject.atConventionalPaths(project, "Guestbook", atomvm, CacheDirectory.root(), true)
            .toBuilder()
            .elixirStdlib(true)
            .build();
    PrintingLog log = new PrintingLog();
    // the sizes are measured and printed, not held to the example's budget (see <elixirStdlib>)
    WorkerBuild build = new WorkerBuild(worker, log, CompatibilityMode.ERROR, SizeBudget.UNLIMITED);
    build.compile();
    build.bundle();
    loaded = WorkerBundle.load(worker.workerDirectory());
    config = WorkerConfig.load(project);
  }

  @BeforeEach
  void emptyGuestbook() throws Exception {
    bindings = LocalBindings.open(config, Files.createTempDirectory("guestbook-state"));
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
    return runtime.handle(WorkerRequest.of("GET", "http://localhost:8797" + target));
  }

  private WorkerResponse postForm(String target, Map<String, String> fields) {
    return runtime.handle(
        WorkerRequest.of("POST", "http://localhost:8797" + target)
            .withHeader("content-type", "application/x-www-form-urlencoded")
            .withBody(form(fields)));
  }

  private WorkerResponse postJson(String target, String body) {
    return runtime.handle(
        WorkerRequest.of("POST", "http://localhost:8797" + target)
            .withHeader("content-type", JSON_TYPE)
            .withBody(body));
  }

  private static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  private static Map<String, String> fields(Signed s) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("name", s.name());
    fields.put("message", s.message());
    fields.put("rating", Integer.toString(s.rating()));
    return fields;
  }

  /** Signs through the form; the entry's id is its place in the book. */
  private WorkerResponse sign(Signed s) {
    return postForm("/entries", fields(s));
  }

  private void signTheBook() {
    for (int i = 0; i < BOOK.size(); i++) {
      WorkerResponse r = sign(BOOK.get(i));
      assertEquals(303, r.status(), explain(r));
      assertEquals(Optional.of("/entries/" + (i + 1)), r.header("location"));
    }
  }

  private String explain(WorkerResponse r) {
    return r.status() + " " + r.bodyText() + "\n" + String.join("\n", stderr);
  }

  private WorkerResponse ok(WorkerResponse r, String contentType) {
    assertEquals(200, r.status(), explain(r));
    assertEquals(Optional.of(contentType), r.header("content-type"));
    return r;
  }

  private static JsonNode json(WorkerResponse r) throws IOException {
    return JSON.readTree(r.body());
  }

  /** {@code value} as the JSON parser reads it back (numbers as the smallest type that fits). */
  private static JsonNode tree(Object value) throws IOException {
    return JSON.readTree(JSON.writeValueAsString(value));
  }

  /** The time the worker stored for entry {@code id}, read back through the API. */
  private Instant writtenAt(int id) throws IOException {
    WorkerResponse r = ok(get("/api/entries/" + id), JSON_TYPE);
    return Instant.parse(json(r).get("entry").get("at").asText());
  }

  private static String escaped(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  private static String stars(int rating) {
    return "★".repeat(rating) + "☆".repeat(5 - rating);
  }

  private static int indexOf(String body, String fragment) {
    int at = body.indexOf(fragment);
    assertTrue(at >= 0, "missing " + fragment + " in\n" + body);
    return at;
  }

  // ---------------------------------------------------------------- the list

  @Test
  void anEmptyGuestbookInvitesTheFirstEntry() {
    String body = ok(get("/"), HTML).bodyText();

    assertTrue(body.startsWith("<!DOCTYPE html>"), body);
    assertTrue(body.contains("Nobody has signed yet. Be the first!"), body);
    assertTrue(body.contains("<form method=\"post\" action=\"/entries\">"), body);
    assertFalse(body.contains("<article"), body);
  }

  @Test
  void theListShowsTheNewestFiveWithTheirStarsAndALinkToOlderOnes() {
    signTheBook();

    String body = ok(get("/"), HTML).bodyText();

    int previous = -1;
    for (int id = BOOK.size(); id > BOOK.size() - 5; id--) {
      Signed s = BOOK.get(id - 1);
      int at =
          indexOf(
              body,
              "<article id=\"entry-"
                  + id
                  + "\">\n<h2><a href=\"/entries/"
                  + id
                  + "\">"
                  + escaped(s.trimmedName())
                  + "</a> <span class=\"rating\">"
                  + stars(s.rating())
                  + "</span></h2>\n<p>"
                  + escaped(s.trimmedMessage())
                  + "</p>");
      assertTrue(at > previous, "entry " + id + " comes after the newer ones");
      previous = at;
    }
    assertFalse(body.contains("entry-2\""), body);
    assertTrue(body.contains("Page 1 of 2 <a href=\"/?page=2\">older</a>"), body);
  }

  @Test
  void theSecondPageHoldsTheOldestEntries() {
    signTheBook();

    String body = ok(get("/?page=2"), HTML).bodyText();

    assertTrue(body.indexOf("entry-2\"") < body.indexOf("entry-1\""), body);
    assertFalse(body.contains("entry-3\""), body);
    assertTrue(body.contains("Page 2 of 2 <a href=\"/?page=1\">newer</a></p>"), body);
  }

  @Test
  void aPageBeyondTheLastOrNotANumberIsNotFound() {
    signTheBook();

    for (String page : List.of("3", "0", "abc", "2x")) {
      WorkerResponse r = get("/?page=" + page);
      assertEquals(404, r.status(), page + ": " + explain(r));
      assertEquals(Optional.of(HTML), r.header("content-type"));
      assertTrue(r.bodyText().contains("There is no such page of the guestbook."), r.bodyText());
    }
  }

  // ---------------------------------------------------------------- signing

  @Test
  void signingRedirectsToTheEntryWithTheNameTrimmed() {
    Signed zoe = BOOK.get(1);
    WorkerResponse r = sign(zoe);
    assertEquals(303, r.status(), explain(r));
    assertEquals(Optional.of("/entries/1"), r.header("location"));

    String body = ok(get("/entries/1"), HTML).bodyText();

    assertTrue(body.contains("<title>Entry #1</title>"), body);
    assertTrue(body.contains("\">Zoë</a> <span class=\"rating\">★★★★☆</span>"), body);
    assertTrue(body.contains("<p>Très bien! Ça marche.</p>"), body);
  }

  @Test
  void anInvalidEntryIs422WithEveryErrorAndTheValuesKept() throws IOException {
    String tooLong = "é".repeat(281);
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("name", "   ");
    fields.put("message", tooLong);
    fields.put("rating", "6");

    WorkerResponse r = postForm("/entries", fields);

    assertEquals(422, r.status(), explain(r));
    assertEquals(Optional.of(HTML), r.header("content-type"));
    String body = r.bodyText();
    int name = indexOf(body, "<p class=\"error\">Name can&#39;t be blank</p>");
    int message =
        indexOf(body, "<p class=\"error\">Message is too long (281 characters, at most 280)</p>");
    int rating = indexOf(body, "<p class=\"error\">Rating must be a whole number from 1 to 5</p>");
    assertTrue(name < message && message < rating, "in the order of the form");
    assertTrue(body.contains("<textarea name=\"message\">" + tooLong + "</textarea>"), body);
    assertTrue(body.contains("<input name=\"rating\" value=\"6\">"), body);
    assertEquals(
        0, json(ok(get("/api/stats"), JSON_TYPE)).get("total").asInt(), "nothing was stored");
  }

  @Test
  void aMessageIsMeasuredInCharactersNotBytes() {
    // 280 characters, 560 bytes: at the limit
    WorkerResponse r = sign(new Signed("Zoë", "é".repeat(280), 3));

    assertEquals(303, r.status(), explain(r));
    assertTrue(ok(get("/entries/1"), HTML).bodyText().contains("<p>" + "é".repeat(280) + "</p>"));
  }

  @Test
  void aRatingMustBeAWholeNumber() {
    for (String rating : List.of("4.5", "", "five", "0")) {
      Map<String, String> fields = new LinkedHashMap<>();
      fields.put("name", "Ada");
      fields.put("message", "hi");
      fields.put("rating", rating);
      WorkerResponse r = postForm("/entries", fields);
      assertEquals(422, r.status(), rating + ": " + explain(r));
      assertTrue(r.bodyText().contains("Rating must be a whole number from 1 to 5"), r.bodyText());
    }
  }

  @Test
  void whatAGuestWritesIsEscaped() {
    assertEquals(303, sign(new Signed("<b>Eve</b>", "a & b \"quoted\"", 1)).status());

    String body = ok(get("/entries/1"), HTML).bodyText();

    assertTrue(body.contains("&lt;b&gt;Eve&lt;/b&gt;</a>"), body);
    assertTrue(body.contains("<p>a &amp; b &quot;quoted&quot;</p>"), body);
    assertFalse(body.contains("<b>Eve"), body);
  }

  // ---------------------------------------------------------------- one entry

  @Test
  void anEntryShowsWhenItWasWritten() throws IOException {
    signTheBook();
    Instant at = writtenAt(4);

    String body = ok(get("/entries/4"), HTML).bodyText();

    assertTrue(body.contains("<footer>" + WRITTEN_AT.format(at) + "</footer>"), body);
  }

  @Test
  void anEntryAsTextIsItsStringCharsImplementation() throws IOException {
    signTheBook();
    Signed s = BOOK.get(5);
    Instant at = writtenAt(6);

    WorkerResponse r = ok(get("/entries/6/text"), TEXT);

    assertEquals(
        "#6 "
            + s.trimmedName()
            + " ("
            + s.rating()
            + "/5, "
            + WRITTEN_AT.format(at)
            + "): "
            + s.trimmedMessage()
            + "\n",
        r.bodyText());
  }

  @Test
  void anEntryThatIsNotThereIsNotFound() {
    signTheBook();

    for (String id : List.of("8", "0", "x1")) {
      WorkerResponse page = get("/entries/" + id);
      assertEquals(404, page.status(), explain(page));
      assertEquals(Optional.of(HTML), page.header("content-type"));
      assertTrue(page.bodyText().contains("There is no entry " + id + "."), page.bodyText());

      WorkerResponse text = get("/entries/" + id + "/text");
      assertEquals(404, text.status(), explain(text));
      assertEquals("There is no entry " + id + ".\n", text.bodyText());
    }
  }

  @Test
  void theFeedListsEveryEntryOldestFirst() throws IOException {
    signTheBook();
    StringBuilder expected = new StringBuilder("Guestbook\n\n");
    for (int id = 1; id <= BOOK.size(); id++) {
      Signed s = BOOK.get(id - 1);
      expected
          .append('#')
          .append(id)
          .append(' ')
          .append(s.trimmedName())
          .append(" (")
          .append(s.rating())
          .append("/5, ")
          .append(WRITTEN_AT.format(writtenAt(id)))
          .append("): ")
          .append(s.trimmedMessage())
          .append('\n');
    }

    assertEquals(expected.toString(), ok(get("/feed.txt"), TEXT).bodyText());
  }

  // ---------------------------------------------------------------- search

  @Test
  void searchIgnoresCaseAndNeedsEveryWord() {
    signTheBook();

    String body = ok(get("/search?q=%20%20GRACE%20"), HTML).bodyText();
    assertTrue(body.contains("2 entries match “GRACE”."), body);
    assertTrue(body.indexOf("entry-7\"") < body.indexOf("entry-3\""), body);
    assertEquals(2, body.split("<article ", -1).length - 1, body);
    assertTrue(body.contains("<a href=\"/api/entries?q=GRACE\">"), body);

    String two = ok(get("/search?q=bug+RELAY"), HTML).bodyText();
    assertTrue(two.contains("1 entry matches “bug RELAY”."), two);
    assertTrue(two.contains("entry-3\""), two);

    String none = ok(get("/search?q=zebra"), HTML).bodyText();
    assertTrue(none.contains("No entry matches “zebra”."), none);
  }

  @Test
  void anEmptySearchAsksForWords() {
    signTheBook();

    String body = ok(get("/search?q=+++"), HTML).bodyText();

    assertTrue(body.contains("Type a word or two to search the guestbook."), body);
    assertFalse(body.contains("<article"), body);
  }

  // ---------------------------------------------------------------- statistics

  /** The statistics of BOOK, worked out here. */
  private record Expected(
      int total,
      double average,
      long positive,
      Map<Integer, Long> ratings,
      long words,
      int longestId,
      int longestLength,
      List<Map.Entry<String, Long>> guests) {
    static Expected ofBook() {
      int total = BOOK.size();
      double average =
          Math.round(BOOK.stream().mapToInt(Signed::rating).average().orElseThrow() * 100) / 100.0;
      long positive = BOOK.stream().filter(s -> s.rating() >= 4).count();
      Map<Integer, Long> ratings = new LinkedHashMap<>();
      for (int r = 5; r >= 1; r--) {
        int rating = r;
        ratings.put(r, BOOK.stream().filter(s -> s.rating() == rating).count());
      }
      long words =
          BOOK.stream()
              .flatMap(s -> List.of(s.trimmedMessage().split(" ")).stream())
              .filter(w -> !w.isEmpty())
              .count();
      int longestId = 0;
      int longestLength = -1;
      for (int i = 0; i < BOOK.size(); i++) {
        String m = BOOK.get(i).trimmedMessage();
        int length = m.codePointCount(0, m.length());
        if (length > longestLength) {
          longestId = i + 1;
          longestLength = length;
        }
      }
      Map<String, Long> counts =
          BOOK.stream()
              .collect(
                  Collectors.groupingBy(
                      s -> s.trimmedName().toLowerCase(Locale.ROOT), Collectors.counting()));
      List<Map.Entry<String, Long>> guests =
          counts.entrySet().stream()
              .sorted(
                  Comparator.comparing((Map.Entry<String, Long> e) -> -e.getValue())
                      .thenComparing(
                          e -> e.getKey(),
                          Comparator.comparing(
                              (String k) -> k.getBytes(StandardCharsets.UTF_8),
                              java.util.Arrays::compareUnsigned)))
              .limit(3)
              .toList();
      return new Expected(
          total, average, positive, ratings, words, longestId, longestLength, guests);
    }
  }

  /** Entries per day (UTC), from the times the worker stored. */
  private Map<String, Long> days() throws IOException {
    Map<String, Long> days = new TreeMap<>();
    for (int id = 1; id <= BOOK.size(); id++) {
      days.merge(writtenAt(id).toString().substring(0, 10), 1L, Long::sum);
    }
    return days;
  }

  @Test
  void theStatisticsPageCountsAveragesAndGroups() throws IOException {
    signTheBook();
    Expected e = Expected.ofBook();
    Map<String, Long> days = days();

    String body = ok(get("/stats"), HTML).bodyText();

    assertTrue(body.contains("<dt>Entries</dt><dd>" + e.total() + "</dd>"), body);
    assertTrue(body.contains("<dt>Average rating</dt><dd>" + e.average() + "</dd>"), body);
    assertTrue(body.contains("<dt>Rated 4 or 5</dt><dd>" + e.positive() + "</dd>"), body);
    assertTrue(body.contains("<dt>Words written</dt><dd>" + e.words() + "</dd>"), body);
    assertTrue(
        body.contains(
            "<dt>Longest message</dt><dd>#"
                + e.longestId()
                + ", "
                + e.longestLength()
                + " characters</dd>"),
        body);
    StringBuilder ratings = new StringBuilder();
    e.ratings()
        .forEach((r, n) -> ratings.append("<tr><th>" + r + " ★</th><td>" + n + "</td></tr>\n"));
    assertTrue(body.contains(ratings), body);
    StringBuilder perDay = new StringBuilder("<h2>Entries per day</h2>\n<table>\n");
    days.forEach((d, n) -> perDay.append("<tr><th>" + d + "</th><td>" + n + "</td></tr>\n"));
    assertTrue(body.contains(perDay + "</table>"), body);
    StringBuilder guests = new StringBuilder("<ol>\n");
    e.guests()
        .forEach(
            g -> guests.append("<li>" + escaped(g.getKey()) + " (" + g.getValue() + ")</li>\n"));
    assertTrue(body.contains(guests + "</ol>"), body);
  }

  @Test
  void statisticsOfAnEmptyBook() {
    String body = ok(get("/stats"), HTML).bodyText();

    assertTrue(body.contains("<dt>Entries</dt><dd>0</dd>"), body);
    assertTrue(body.contains("<dt>Average rating</dt><dd>none yet</dd>"), body);
    assertFalse(body.contains("Longest message"), body);
  }

  @Test
  void theStatisticsAsJson() throws IOException {
    signTheBook();
    Expected e = Expected.ofBook();

    JsonNode stats = json(ok(get("/api/stats"), JSON_TYPE));

    assertEquals(e.total(), stats.get("total").asInt());
    assertTrue(stats.get("average").isDouble(), stats.toString());
    assertEquals(e.average(), stats.get("average").asDouble());
    assertEquals(e.positive(), stats.get("positive").asLong());
    assertEquals(e.words(), stats.get("words").asLong());
    Map<String, Long> ratings = new TreeMap<>();
    e.ratings().forEach((r, n) -> ratings.put(Integer.toString(r), n));
    assertEquals(tree(ratings), stats.get("ratings"));
    assertEquals(tree(days()), stats.get("days"));
    List<List<Object>> guests = new ArrayList<>();
    e.guests().forEach(g -> guests.add(List.of(g.getKey(), g.getValue())));
    assertEquals(tree(guests), stats.get("guests"));
    assertEquals(
        tree(Map.of("id", e.longestId(), "length", e.longestLength())), stats.get("longest"));
  }

  // ---------------------------------------------------------------- the JSON API

  @Test
  void theApiPagesNewestFirstAndLinksTheNextPage() throws IOException {
    signTheBook();

    JsonNode first = json(ok(get("/api/entries?per_page=3"), JSON_TYPE));
    assertEquals(List.of(7, 6, 5), ids(first));
    assertEquals(1, first.get("page").asInt());
    assertEquals(3, first.get("pages").asInt());
    assertEquals(7, first.get("total").asInt());
    assertEquals("/api/entries?page=2&per_page=3", first.get("next").asText());

    JsonNode last = json(ok(get("/api/entries?page=3&per_page=3"), JSON_TYPE));
    assertEquals(List.of(1), ids(last));
    assertTrue(last.get("next").isNull(), last.toString());

    JsonNode entry = first.get("entries").get(0);
    Signed s = BOOK.get(6);
    assertEquals(s.trimmedName(), entry.get("name").asText());
    assertEquals(s.trimmedMessage(), entry.get("message").asText());
    assertEquals(s.rating(), entry.get("rating").asInt());
  }

  @Test
  void theApiSearchesAndKeepsTheQueryInTheNextLink() throws IOException {
    signTheBook();

    JsonNode found = json(ok(get("/api/entries?q=ada&per_page=1"), JSON_TYPE));

    assertEquals(List.of(4), ids(found));
    assertEquals(2, found.get("total").asInt());
    assertEquals("/api/entries?page=2&per_page=1&q=ada", found.get("next").asText());
    assertEquals(List.of(1), ids(json(ok(get(found.get("next").asText()), JSON_TYPE))));
  }

  @Test
  void theApiRefusesAPageSizeItDoesNotServe() throws IOException {
    for (String query : List.of("per_page=51", "per_page=0", "page=-1", "page=one")) {
      WorkerResponse r = get("/api/entries?" + query);
      assertEquals(400, r.status(), query + ": " + explain(r));
      assertEquals(Optional.of(JSON_TYPE), r.header("content-type"));
      assertTrue(json(r).get("error").asText().contains("per_page at most 50"), r.bodyText());
    }
  }

  private static List<Integer> ids(JsonNode page) {
    List<Integer> ids = new ArrayList<>();
    page.get("entries").forEach(e -> ids.add(e.get("id").asInt()));
    return ids;
  }

  @Test
  void theApiCreatesAnEntryFromNestedJsonWrittenNow() throws IOException {
    Instant before = Instant.now().minusSeconds(120);
    WorkerResponse r =
        postJson(
            "/api/entries",
            "{\"entry\":{\"name\":\" Grace \",\"message\":\"COBOL \\u2764\",\"rating\":5}}");

    assertEquals(201, r.status(), explain(r));
    assertEquals(Optional.of(JSON_TYPE), r.header("content-type"));
    assertEquals(Optional.of("/api/entries/1"), r.header("location"));
    JsonNode entry = json(r).get("entry");
    assertEquals("Grace", entry.get("name").asText());
    assertEquals("COBOL ❤", entry.get("message").asText());
    assertEquals(5, entry.get("rating").asInt());
    Instant at = Instant.parse(entry.get("at").asText());
    assertTrue(
        at.isAfter(before) && at.isBefore(Instant.now().plusSeconds(120)),
        at + " is about now (UTC)");
    assertEquals(entry, json(ok(get("/api/entries/1"), JSON_TYPE)).get("entry"));
  }

  @Test
  void theApiAnswersValidationErrorsAsJson() throws IOException {
    WorkerResponse r =
        postJson("/api/entries", "{\"entry\":{\"name\":\"Ada\",\"message\":\"\",\"rating\":9}}");

    assertEquals(422, r.status(), explain(r));
    assertEquals(Optional.of(JSON_TYPE), r.header("content-type"));
    assertEquals(
        JSON.readTree(
            "{\"errors\":{\"message\":\"can't be blank\","
                + "\"rating\":\"must be a whole number from 1 to 5\"}}"),
        json(r));

    WorkerResponse missing = postJson("/api/entries", "{\"name\":\"Ada\"}");
    assertEquals(422, missing.status(), explain(missing));
    assertEquals(
        JSON.readTree(
            "{\"errors\":{\"name\":\"can't be blank\",\"message\":\"can't be blank\","
                + "\"rating\":\"must be a whole number from 1 to 5\"}}"),
        json(missing));
  }

  @Test
  void theApiAnswers404ForAnEntryThatIsNotThere() throws IOException {
    WorkerResponse r = get("/api/entries/3");

    assertEquals(404, r.status(), explain(r));
    assertEquals(Optional.of(JSON_TYPE), r.header("content-type"));
    assertEquals(JSON.readTree("{\"error\":\"no entry 3\"}"), json(r));
  }

  @Test
  void anUnknownPathIsTheGuestbooksOwn404() {
    WorkerResponse r = get("/guests/ada");

    assertEquals(404, r.status(), explain(r));
    assertEquals(Optional.of(HTML), r.header("content-type"));
    assertTrue(r.bodyText().contains("<p>There is no page at /guests/ada.</p>"), r.bodyText());
    assertEquals(Optional.of("nosniff"), r.header("x-content-type-options"));
  }

  // ---------------------------------------------------------------- workerd

  /** A response reduced to what both hosts must agree on. */
  record Answer(int status, List<String> headers, String body) {}

  /** What both hosts answer differently by nature: the times of the entries, and the day. */
  private static String maskTimes(String text) {
    return text.replaceAll("\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}Z)?", "<date>")
        .replaceAll("\\d{2} [A-Z][a-z]{2} \\d{4}, \\d{2}:\\d{2} UTC", "<written-at>");
  }

  private static final java.util.Set<String> HOP =
      java.util.Set.of(
          "connection", "keep-alive", "transfer-encoding", "content-length", "date", "server");

  private static Answer answer(int status, Map<String, List<String>> headers, byte[] body) {
    List<String> lines = new ArrayList<>();
    headers.forEach(
        (name, values) -> {
          String lower = name.toLowerCase(Locale.ROOT);
          if (!HOP.contains(lower) && !lower.startsWith(":")) {
            values.forEach(v -> lines.add(lower + ": " + maskTimes(v)));
          }
        });
    lines.sort(null);
    return new Answer(status, lines, maskTimes(new String(body, StandardCharsets.UTF_8)));
  }

  /** Every route of the guestbook: reads after the book is signed, and the writes that fail. */
  private static final List<String[]> ROUTES =
      List.of(
          new String[] {"GET", "/", ""},
          new String[] {"GET", "/?page=2", ""},
          new String[] {"GET", "/?page=9", ""},
          new String[] {"GET", "/entries/2", ""},
          new String[] {"GET", "/entries/2/text", ""},
          new String[] {"GET", "/entries/99", ""},
          new String[] {"GET", "/search?q=grace", ""},
          new String[] {"GET", "/search?q=", ""},
          new String[] {"GET", "/stats", ""},
          new String[] {"GET", "/feed.txt", ""},
          new String[] {"GET", "/api/entries?per_page=2&q=a", ""},
          new String[] {"GET", "/api/entries/6", ""},
          new String[] {"GET", "/api/entries/0", ""},
          new String[] {"GET", "/api/entries?per_page=99", ""},
          new String[] {"GET", "/api/stats", ""},
          new String[] {"GET", "/no/such/page", ""},
          new String[] {"POST", "/entries", "name=&message=" + "%C3%A9".repeat(300) + "&rating=0"},
          new String[] {"POST", "/api/entries", "{\"entry\":{\"name\":\"\",\"rating\":\"x\"}}"},
          new String[] {"HEAD", "/stats", ""});

  @Test
  void everyRouteAnswersTheSameUnderWorkerdAsOnTheJvmHost() throws Exception {
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
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .followRedirects(HttpClient.Redirect.NEVER)
              .build();
      Function<String[], Answer> workerd =
          route -> {
            HttpRequest.Builder b =
                HttpRequest.newBuilder(
                        URI.create(dev.uri().toString().replaceAll("/$", "") + route[1]))
                    .timeout(Duration.ofSeconds(30));
            contentType(route).ifPresent(t -> b.header("content-type", t));
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
            Optional<String> type = contentType(route);
            if (type.isPresent()) {
              request = request.withHeader("content-type", type.get()).withBody(route[2]);
            }
            WorkerResponse r = runtime.handle(request);
            return answer(
                r.status(), headersOf(r), route[0].equals("HEAD") ? new byte[0] : r.body());
          };

      // the same entries on both hosts: workerd writes KV after its response (waitUntil), so
      // each is waited for before the next is signed
      for (int i = 0; i < BOOK.size(); i++) {
        String[] signing = {"POST", "/entries", form(fields(BOOK.get(i)))};
        assertEquals(workerd.apply(signing), jvm.apply(signing), "signing entry " + (i + 1));
        int id = i + 1;
        String[] read = {"GET", "/api/entries/" + id, ""};
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (workerd.apply(read).status() != 200) {
          assertTrue(System.nanoTime() < deadline, "workerd stored entry " + id);
          Thread.sleep(50);
        }
      }
      List<String> different = new ArrayList<>();
      List<String> failed = new ArrayList<>();
      for (String[] route : ROUTES) {
        Answer onJvm = jvm.apply(route);
        Answer onWorkerd = workerd.apply(route);
        if (!onJvm.equals(onWorkerd)) {
          different.add(
              route[0] + " " + route[1] + "\n  JVM:     " + onJvm + "\n  workerd: " + onWorkerd);
        }
        if (onJvm.status() >= 500 || onWorkerd.status() >= 500) {
          failed.add(route[0] + " " + route[1] + ": " + onJvm.body());
        }
      }
      assertEquals(List.of(), different, String.join("\n", wranglerOutput));
      // the same on both is not enough: no route may fail on either
      assertEquals(List.of(), failed);
    }
  }

  private static Optional<String> contentType(String[] route) {
    if (route[2].isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(route[2].startsWith("{") ? JSON_TYPE : "application/x-www-form-urlencoded");
  }

  private static Map<String, List<String>> headersOf(WorkerResponse r) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Header h : r.headers()) {
      headers.computeIfAbsent(h.name(), k -> new ArrayList<>()).add(h.value());
    }
    return headers;
  }

  /** Prints what the build logs, the packed modules ({@code -X}) included. */
  private static final class PrintingLog implements BuildLog {
    @Override
    public void info(String message) {
      System.out.println("[INFO] " + message);
    }

    @Override
    public void warn(String message) {
      System.out.println("[WARN] " + message);
    }

    @Override
    public void debug(String message) {
      System.out.println("[DEBUG] " + message);
    }
  }
}
