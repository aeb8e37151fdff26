package dev.elixirworkers.wasi.preview1;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where a guest's stdout or stderr goes: an in-memory buffer with a size limit, and optionally a
 * {@link LineLog} that receives each completed line as it is written (for logging).
 *
 * <p>Two policies for the limit: {@link Overflow#REJECT} (stdout) accepts bytes up to the limit and
 * then fails writes with {@link Errno#FBIG}; {@link Overflow#KEEP_TAIL} (stderr) accepts
 * everything, hands lines to the log while its budget lasts and keeps only the last {@code limit}
 * bytes (the useful part of a crash report).
 *
 * <p>Writes from guest memory copy only the bytes that are kept or logged, a chunk at a time: the
 * length a guest claims (iovecs may all point at the same megabytes) never becomes an allocation.
 */
public final class OutputBuffer {
  /** What happens past the limit. */
  public enum Overflow {
    REJECT,
    KEEP_TAIL
  }

  static final int MAX_LINE = 16 * 1024;

  /** The largest piece copied out of guest memory at once. */
  static final int CHUNK = 64 * 1024;

  /**
   * Receives completed lines while its budget of bytes lasts; past it, bytes are only counted.
   * Shared by the buffers of several guest runs (the passes of one request), it caps what one
   * request can put into the log.
   */
  public static final class LineLog {
    private final Consumer<String> listener;
    private long room;
    private long dropped;

    /**
     * @param budget how many bytes (newlines included) reach {@code listener} in all
     */
    public LineLog(Consumer<String> listener, long budget) {
      if (budget < 0) {
        throw new IllegalArgumentException("budget must not be negative: " + budget);
      }
      this.listener = Objects.requireNonNull(listener, "listener");
      this.room = budget;
    }

    /** A log without a budget. */
    public static LineLog unbounded(Consumer<String> listener) {
      return new LineLog(listener, Long.MAX_VALUE);
    }

    /** How many bytes did not reach the listener because the budget was spent. */
    public long dropped() {
      return dropped;
    }

    void accept(String line) {
      try {
        listener.accept(line);
      } catch (RuntimeException ignored) {
        // a failing logger must not change what the guest sees
      }
    }
  }

  private final long limit;
  private final Overflow overflow;
  private final LineLog log;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private long total;
  private boolean overflowed;
  private byte[] chunk; // reused: the bytes in transit from guest memory

  public OutputBuffer(long limit, Overflow overflow, LineLog log) {
    if (limit < 0 || limit > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("limit out of range: " + limit);
    }
    this.limit = limit;
    this.overflow = overflow;
    this.log = log;
  }

  /** Every line goes to {@code lineListener}, however many there are. */
  public OutputBuffer(long limit, Overflow overflow, Consumer<String> lineListener) {
    this(limit, overflow, lineListener == null ? null : LineLog.unbounded(lineListener));
  }

  public OutputBuffer(long limit, Overflow overflow) {
    this(limit, overflow, (LineLog) null);
  }

  /**
   * Appends what fits and returns how many bytes were accepted; {@code -1} when nothing could be
   * accepted because the limit was reached ({@link Overflow#REJECT} only).
   */
  int write(byte[] data, int offset, int length) {
    return write(
        (at, target, targetOffset, n) -> System.arraycopy(data, at, target, targetOffset, n),
        offset,
        length);
  }

  /** {@link #write(byte[], int, int)} for bytes in guest memory (checked by the caller). */
  int write(LinearMemory memory, int address, int length) {
    return write(
        (at, target, targetOffset, n) -> memory.read(at, target, targetOffset, n), address, length);
  }

  /** Copies {@code n} bytes from {@code at} (an address or an offset) into {@code target}. */
  @FunctionalInterface
  private interface Source {
    void copy(int at, byte[] target, int targetOffset, int n);
  }

  private int write(Source source, int start, int length) {
    int accepted = length;
    if (overflow == Overflow.REJECT) {
      long room = limit - bytes.size();
      if (room <= 0 && length > 0) {
        overflowed = true;
        return -1;
      }
      accepted = (int) Math.min(room, length);
      if (accepted < length) {
        overflowed = true;
      }
    }
    int logged = log == null ? 0 : (int) Math.min(accepted, log.room);
    // KEEP_TAIL keeps the last `limit` bytes of the write; what is neither kept nor logged is
    // never copied
    int keptFrom = overflow == Overflow.REJECT ? 0 : (int) Math.max(0, (long) accepted - limit);
    if (keptFrom > 0) {
      overflowed = true;
      bytes.reset(); // this write alone fills the tail
    }
    if (logged >= keptFrom) {
      copy(source, start, 0, accepted, logged, keptFrom);
    } else {
      copy(source, start, 0, logged, logged, keptFrom);
      copy(source, start, keptFrom, accepted, logged, keptFrom);
    }
    if (log != null) {
      log.room -= logged;
      log.dropped += accepted - logged;
      if (log.room == 0 && line.size() > 0) {
        emitLine(); // the budget ended inside a line: what there is of it still goes out
      }
    }
    total += accepted;
    return accepted;
  }

  /**
   * Copies bytes {@code [from, to)} of the write starting at {@code start}: those before {@code
   * logUntil} go to the log, those from {@code keepFrom} on are kept.
   */
  private void copy(Source source, int start, int from, int to, int logUntil, int keepFrom) {
    if (chunk == null || chunk.length < Math.min(to - from, CHUNK)) {
      chunk = new byte[Math.min(Math.max(to - from, 256), CHUNK)];
    }
    for (int at = from; at < to; ) {
      int n = Math.min(chunk.length, to - at);
      source.copy(start + at, chunk, 0, n);
      if (at < logUntil) {
        lines(chunk, Math.min(n, logUntil - at));
      }
      if (at + n > keepFrom) {
        int skip = Math.max(0, keepFrom - at);
        bytes.write(chunk, skip, n - skip);
        trim();
      }
      at += n;
    }
  }

  private void lines(byte[] chunk, int n) {
    for (int i = 0; i < n; i++) {
      byte b = chunk[i];
      if (b == '\n') {
        emitLine();
      } else {
        line.write(b);
        if (line.size() >= MAX_LINE) {
          emitLine();
        }
      }
    }
  }

  private void trim() {
    if (overflow == Overflow.KEEP_TAIL && bytes.size() > limit) {
      overflowed = true;
      if (bytes.size() > 2 * limit || bytes.size() > limit + (1 << 20)) {
        byte[] all = bytes.toByteArray();
        bytes.reset();
        bytes.write(all, (int) (all.length - limit), (int) limit);
      }
    }
  }

  private void emitLine() {
    byte[] raw = line.toByteArray();
    line.reset();
    int end = raw.length;
    if (end > 0 && raw[end - 1] == '\r') {
      end--;
    }
    log.accept(new String(raw, 0, end, StandardCharsets.UTF_8));
  }

  /** Hands a final unterminated line, if any, to the log. */
  public void flushLines() {
    if (log != null && line.size() > 0) {
      emitLine();
    }
  }

  /** What is kept: the first {@code limit} bytes (REJECT) or the last ones (KEEP_TAIL). */
  public byte[] toByteArray() {
    byte[] all = bytes.toByteArray();
    return all.length > limit
        ? Arrays.copyOfRange(all, (int) (all.length - limit), all.length)
        : all;
  }

  /** The last {@code maxBytes} bytes kept, decoded as UTF-8 (malformed bytes replaced). */
  public String tail(int maxBytes) {
    byte[] all = toByteArray();
    int from = Math.max(0, all.length - maxBytes);
    return new String(all, from, all.length - from, StandardCharsets.UTF_8);
  }

  /** Every byte the guest wrote that was accepted, including those no longer kept. */
  public long totalWritten() {
    return total;
  }

  /** True once the guest wrote more than the limit. */
  public boolean overflowed() {
    return overflowed;
  }

  public long limit() {
    return limit;
  }
}
