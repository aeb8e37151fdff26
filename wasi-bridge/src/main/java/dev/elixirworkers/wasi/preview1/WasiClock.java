package dev.elixirworkers.wasi.preview1;

import java.time.Instant;

/** The clocks and the sleep a guest sees; replaceable in tests. */
public interface WasiClock {
  /** Nanoseconds since the Unix epoch. */
  long realtimeNanos();

  /** A monotonic reading in nanoseconds (same origin as {@link #sleep}'s deadlines). */
  long monotonicNanos();

  /** Blocks for about {@code nanos} nanoseconds. */
  void sleep(long nanos) throws InterruptedException;

  /** The system clocks: {@link Instant#now()}, {@link System#nanoTime()}, {@link Thread#sleep}. */
  WasiClock SYSTEM =
      new WasiClock() {
        @Override
        public long realtimeNanos() {
          Instant now = Instant.now();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }

        @Override
        public long monotonicNanos() {
          return System.nanoTime();
        }

        @Override
        public void sleep(long nanos) throws InterruptedException {
          if (nanos > 0) {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
          }
        }
      };
}
