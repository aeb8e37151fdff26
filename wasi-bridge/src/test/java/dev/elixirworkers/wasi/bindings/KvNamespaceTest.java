package dev.elixirworkers.wasi.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elixirworkers.wasi.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KvNamespaceTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  KvNamespace kv;

  @BeforeEach
  void open() throws Exception {
    kv = KvNamespace.open(dir.resolve("kv/CACHE.sqlite"), clock);
  }

  @AfterEach
  void close() {
    kv.close();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void putThenGetReturnsValueAndMetadata() throws Exception {
    kv.put("k", bytes("v"), null, null, JSON.readTree("{\"a\":[1,2]}"));

    KvNamespace.Entry entry = kv.get("k").orElseThrow();
    assertArrayEquals(bytes("v"), entry.value());
    assertEquals(JSON.readTree("{\"a\":[1,2]}"), entry.metadata());
    assertNull(entry.expiration());
    assertTrue(kv.get("other").isEmpty());
  }

  @Test
  void putOverwritesValueMetadataAndExpiration() throws Exception {
    kv.put("k", bytes("1"), null, 3600L, JSON.readTree("{\"n\":1}"));
    kv.put("k", bytes("2"), null, null, null);

    KvNamespace.Entry entry = kv.get("k").orElseThrow();
    assertArrayEquals(bytes("2"), entry.value());
    assertNull(entry.metadata());
    assertNull(entry.expiration());
  }

  @Test
  void ttlExpiresTheKeyForGetAndList() throws Exception {
    kv.put("short", bytes("x"), null, 60L, null);
    kv.put("long", bytes("y"), null, 120L, null);
    assertEquals(clock.epochSecond() + 60, kv.get("short").orElseThrow().expiration());

    clock.advance(Duration.ofSeconds(59));
    assertTrue(kv.get("short").isPresent());

    clock.advance(Duration.ofSeconds(1));
    assertTrue(kv.get("short").isEmpty(), "expired at its expiration second");
    assertEquals(List.of("long"), names(kv.list(null, 1000, null)));

    clock.advance(Duration.ofSeconds(60));
    assertTrue(kv.get("long").isEmpty());
    assertTrue(kv.list(null, 1000, null).keys().isEmpty());
    assertEquals(2, kv.purgeExpired());
  }

  @Test
  void absoluteExpirationMustBeAtLeastSixtySecondsAhead() throws Exception {
    long now = clock.epochSecond();
    kv.put("ok", bytes("x"), now + 60, null, null);
    assertEquals(now + 60, kv.get("ok").orElseThrow().expiration());

    BindingException e =
        assertThrows(
            BindingException.class, () -> kv.put("soon", bytes("x"), now + 59, null, null));
    assertEquals(BindingException.Code.LIMIT, e.code());
    assertTrue(e.getMessage().contains("at least 60 seconds in the future"), e.getMessage());
  }

  @Test
  void ttlBelowSixtySecondsIsALimitError() {
    BindingException e =
        assertThrows(BindingException.class, () -> kv.put("k", bytes("x"), null, 59L, null));
    assertEquals(BindingException.Code.LIMIT, e.code());
    assertTrue(e.getMessage().contains("Invalid expiration_ttl of 59"), e.getMessage());
  }

  @Test
  void anExpirationPastTheLatestIsALimitErrorInsteadOfAnOverflowThatLosesTheKey() throws Exception {
    long now = clock.epochSecond();
    BindingException ttl =
        assertThrows(
            BindingException.class, () -> kv.put("ttl", bytes("x"), null, Long.MAX_VALUE, null));
    BindingException ttlJustOver =
        assertThrows(
            BindingException.class,
            () ->
                kv.put(
                    "ttl", bytes("x"), null, KvNamespace.MAX_EXPIRATION_SECONDS - now + 1, null));
    BindingException at =
        assertThrows(
            BindingException.class, () -> kv.put("at", bytes("x"), Long.MAX_VALUE, null, null));

    for (BindingException e : List.of(ttl, ttlJustOver, at)) {
      assertEquals(BindingException.Code.LIMIT, e.code());
    }
    assertEquals(
        "Invalid expiration_ttl: it ends after 8640000000000 seconds since the epoch, the latest"
            + " expiration",
        ttl.getMessage());
    assertEquals(
        "Invalid expiration: it ends after 8640000000000 seconds since the epoch, the latest"
            + " expiration",
        at.getMessage());
    assertTrue(kv.get("ttl").isEmpty());
    assertTrue(kv.get("at").isEmpty());

    kv.put("latest", bytes("x"), null, KvNamespace.MAX_EXPIRATION_SECONDS - now, null);
    assertEquals(KvNamespace.MAX_EXPIRATION_SECONDS, kv.get("latest").orElseThrow().expiration());
  }

  @Test
  void aStoredExpirationTooLargeForMillisecondsIsStillInTheFuture() throws Exception {
    kv.putUnchecked("far", bytes("x"), Long.MAX_VALUE / 10, null);

    assertEquals(Long.MAX_VALUE / 10, kv.get("far").orElseThrow().expiration());
  }

  @Test
  void ttlWinsOverExpiration() throws Exception {
    kv.put("k", bytes("x"), clock.epochSecond() + 10_000, 600L, null);

    assertEquals(clock.epochSecond() + 600, kv.get("k").orElseThrow().expiration());
  }

  @Test
  void keyLimits() throws Exception {
    String max = "é".repeat(256); // 512 bytes of UTF-8
    kv.put(max, bytes("x"), null, null, null);
    assertTrue(kv.get(max).isPresent());

    BindingException tooLong = assertThrows(BindingException.class, () -> kv.get(max + "a"));
    assertEquals(BindingException.Code.LIMIT, tooLong.code());
    assertTrue(tooLong.getMessage().contains("513 bytes"), tooLong.getMessage());
    for (String bad : new String[] {"", ".", ".."}) {
      BindingException e =
          assertThrows(BindingException.class, () -> kv.put(bad, bytes("x"), null, null, null));
      assertEquals(BindingException.Code.BAD_REQUEST, e.code(), bad);
    }
  }

  @Test
  void valueAndMetadataLimits() throws Exception {
    kv.put("max", new byte[(int) KvNamespace.MAX_VALUE_BYTES], null, null, null);
    BindingException value =
        assertThrows(
            BindingException.class,
            () -> kv.put("big", new byte[(int) KvNamespace.MAX_VALUE_BYTES + 1], null, null, null));
    assertEquals(BindingException.Code.LIMIT, value.code());

    String fits = "{\"m\":\"" + "y".repeat(1024 - 8) + "\"}"; // exactly 1024 bytes
    kv.put("meta", bytes("x"), null, null, JSON.readTree(fits));
    BindingException meta =
        assertThrows(
            BindingException.class,
            () ->
                kv.put(
                    "meta2",
                    bytes("x"),
                    null,
                    null,
                    JSON.readTree("{\"m\":\"" + "y".repeat(1024 - 7) + "\"}")));
    assertEquals(BindingException.Code.LIMIT, meta.code());
    assertTrue(kv.get("meta2").isEmpty());
  }

  @Test
  void listPagesInByteOrderWithPrefixAndCursor() throws Exception {
    for (String k : List.of("b", "a/2", "a/10", "a/1", "a/é", "a/Z", "c")) {
      kv.put(k, bytes(k), null, null, null);
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      KvNamespace.ListPage page = kv.list("a/", 2, cursor);
      pages++;
      seen.addAll(names(page));
      assertEquals(page.complete(), page.cursor() == null);
      cursor = page.cursor();
    } while (cursor != null);

    assertEquals(List.of("a/1", "a/10", "a/2", "a/Z", "a/é"), seen, "UTF-8 byte order");
    assertEquals(3, pages);
    assertEquals(7, kv.list(null, 1000, null).keys().size());
    assertEquals(List.of("b", "c"), names(kv.list("", 1000, kv.list(null, 5, null).cursor())));
  }

  @Test
  void listLimitOfExactlyTheRemainingKeysIsComplete() throws Exception {
    kv.put("a", bytes("1"), null, null, null);
    kv.put("b", bytes("2"), null, null, null);

    KvNamespace.ListPage page = kv.list(null, 2, null);

    assertTrue(page.complete());
    assertNull(page.cursor());
  }

  @Test
  void listReportsExpirationAndMetadata() throws Exception {
    kv.put("k", bytes("v"), null, 3600L, JSON.readTree("{\"n\":1}"));

    KvNamespace.ListedKey key = kv.list(null, 10, null).keys().get(0);
    assertEquals(clock.epochSecond() + 3600, key.expiration());
    assertEquals(JSON.readTree("{\"n\":1}"), key.metadata());
  }

  @Test
  void listLimitMustBeOneToAThousand() {
    assertEquals(
        BindingException.Code.BAD_REQUEST,
        assertThrows(BindingException.class, () -> kv.list(null, 0, null)).code());
    assertEquals(
        BindingException.Code.BAD_REQUEST,
        assertThrows(BindingException.class, () -> kv.list(null, 1001, null)).code());
    assertEquals(
        BindingException.Code.BAD_REQUEST,
        assertThrows(BindingException.class, () -> kv.list(null, 10, "not base64!")).code());
  }

  @Test
  void deleteRemovesAndAbsentIsFine() throws Exception {
    kv.put("k", bytes("v"), null, null, null);
    kv.delete("k");
    kv.delete("never");

    assertTrue(kv.get("k").isEmpty());
  }

  @Test
  void dataSurvivesReopening() throws Exception {
    kv.put("k", new byte[] {0, (byte) 0xff, 7}, null, 3600L, JSON.readTree("[1]"));
    kv.close();

    kv = KvNamespace.open(dir.resolve("kv/CACHE.sqlite"), clock);

    KvNamespace.Entry entry = kv.get("k").orElseThrow();
    assertArrayEquals(new byte[] {0, (byte) 0xff, 7}, entry.value());
    assertEquals(JSON.readTree("[1]"), entry.metadata());
    assertFalse(entry.expiration() == null);
  }

  static List<String> names(KvNamespace.ListPage page) {
    return page.keys().stream().map(KvNamespace.ListedKey::name).toList();
  }
}
