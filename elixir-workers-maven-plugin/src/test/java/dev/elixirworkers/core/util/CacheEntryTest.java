package dev.elixirworkers.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.RecordingLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheEntryTest {
  @TempDir Path temp;

  @Test
  void threadsAskingAtOnceWaitForOneBuildAndAllSeeItWhole() throws Exception {
    AtomicInteger builds = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    List<Future<String>> seen = new ArrayList<>();
    RecordingLog log = new RecordingLog();
    for (int i = 0; i < 8; i++) {
      seen.add(
          threads.submit(
              () -> {
                start.await();
                CacheEntry.Entry entry =
                    new CacheEntry(temp.resolve("cache/thing"), "thing", log)
                        .obtain(
                            staging -> {
                              builds.incrementAndGet();
                              Files.writeString(staging.resolve("a"), "first half ");
                              java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L);
                              Files.writeString(staging.resolve("b"), "second half");
                            });
                return Files.readString(entry.directory().resolve("a"))
                    + Files.readString(entry.directory().resolve("b"));
              }));
    }
    start.countDown();
    try {
      for (Future<String> result : seen) {
        assertEquals("first half second half", result.get(30, TimeUnit.SECONDS));
      }
    } finally {
      threads.shutdownNow();
    }
    assertEquals(1, builds.get());
    assertTrue(log.contains("Waiting for another build in this JVM"), log.lines.toString());
  }

  @Test
  void aFailedBuildPublishesNothingAndLeavesNoStagingBehind() throws Exception {
    CacheEntry entry = new CacheEntry(temp.resolve("cache/thing"), "thing", new RecordingLog());

    assertThrows(
        BuildException.class,
        () ->
            entry.obtain(
                staging -> {
                  Files.writeString(staging.resolve("a"), "half");
                  throw new BuildException("the compiler failed");
                }));

    assertFalse(Files.exists(temp.resolve("cache/thing")));
    try (Stream<Path> left = Files.list(temp.resolve("cache"))) {
      assertEquals(List.of("thing.lock"), left.map(p -> p.getFileName().toString()).toList());
    }
    assertTrue(entry.obtain(staging -> Files.writeString(staging.resolve("a"), "whole")).made());
  }

  @Test
  void anIntactEntryIsNeverMadeAgain() throws Exception {
    CacheEntry entry = new CacheEntry(temp.resolve("cache/thing"), "thing", new RecordingLog());
    entry.obtain(staging -> Files.writeString(staging.resolve("a"), "whole"));

    CacheEntry.Entry again =
        entry.obtain(
            staging -> {
              throw new AssertionError("an intact entry was made again");
            });

    assertFalse(again.made());
    assertEquals("whole", Files.readString(again.directory().resolve("a")));
  }

  @Test
  void aFileAddedToOrRemovedFromAnEntryCountsAsDamage() throws Exception {
    RecordingLog log = new RecordingLog();
    CacheEntry entry = new CacheEntry(temp.resolve("cache/thing"), "thing", log);
    entry.obtain(staging -> Files.writeString(staging.resolve("a"), "whole"));
    Files.writeString(temp.resolve("cache/thing/stray"), "x");

    assertTrue(entry.obtain(staging -> Files.writeString(staging.resolve("a"), "whole")).made());
    assertFalse(Files.exists(temp.resolve("cache/thing/stray")));
    Files.delete(temp.resolve("cache/thing/a"));
    assertTrue(entry.obtain(staging -> Files.writeString(staging.resolve("a"), "whole")).made());
    assertTrue(log.contains("do not match the digest"), log.lines.toString());
  }

  @Test
  void whatAKilledBuildLeftBehindIsRemovedByTheNextOne() throws Exception {
    Path leftover = Files.createDirectories(temp.resolve("cache/thing.staging-1234/deep"));
    Files.writeString(leftover.resolve("half"), "x");

    new CacheEntry(temp.resolve("cache/thing"), "thing", new RecordingLog())
        .obtain(staging -> Files.writeString(staging.resolve("a"), "whole"));

    try (Stream<Path> left = Files.list(temp.resolve("cache"))) {
      assertEquals(
          List.of("thing", "thing.lock"),
          left.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }
}
