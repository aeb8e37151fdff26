package dev.elixirworkers.wasi.preview1;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Where a guest's stdout or stderr goes: an in-memory buffer with a size limit, and optionally a
 * listener that receives each completed line as it is written (for logging).
 *
 * <p>Two policies for the limit: {@link Overflow#REJECT} (stdout) accepts bytes up to the limit and
 * then fails writes with {@link Errno#FBIG}; {@link Overflow#KEEP_TAIL} (stderr) accepts
 * everything, hands every line to the listener and keeps only the last {@code limit} bytes (the
 * useful part of a crash report).
 */
public final class OutputBuffer {
  /** What happens past the limit. */
  public enum Overflow {
    REJECT,
    KEEP_TAIL
  }

  static final int MAX_LINE = 16 * 1024;

  private final long limit;
  private final Overflow overflow;
  private final Consumer<String> lineListener;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private long total;
  private boolean overflowed;

  public OutputBuffer(long limit, Overflow overflow, Consumer<String> lineListener) {
    if (limit < 0 || limit > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("limit out of range: " + limit);
    }
    this.limit = limit;
    this.overflow = overflow;
    this.lineListener = lineListener;
  }

  public OutputBuffer(long limit, Overflow overflow) {
    this(limit, overflow, null);
  }

  /**
   * Appends what fits and returns how many bytes were accepted; {@code -1} when nothing could be
   * accepted because the limit was reached ({@link Overflow#REJECT} only).
   */
  int write(byte[] data, int offset, int length) {
    if (overflow == Overflow.REJECT) {
      long room = limit - bytes.size();
      if (room <= 0 && length > 0) {
        overflowed = true;
        return -1;
      }
      int accepted = (int) Math.min(room, length);
      if (accepted < length) {
        overflowed = true;
      }
      append(data, offset, accepted);
      return accepted;
    }
    append(data, offset, length);
    if (bytes.size() > limit) {
      overflowed = true;
      if (bytes.size() > 2 * limit || bytes.size() > limit + (1 << 20)) {
        byte[] all = bytes.toByteArray();
        bytes.reset();
        bytes.write(all, (int) (all.length - limit), (int) limit);
      }
    }
    return length;
  }

  private void append(byte[] data, int offset, int length) {
    bytes.write(data, offset, length);
    total += length;
    if (lineListener != null) {
      for (int i = offset; i < offset + length; i++) {
        byte b = data[i];
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
  }

  private void emitLine() {
    byte[] raw = line.toByteArray();
    line.reset();
    int end = raw.length;
    if (end > 0 && raw[end - 1] == '\r') {
      end--;
    }
    try {
      lineListener.accept(new String(raw, 0, end, StandardCharsets.UTF_8));
    } catch (RuntimeException ignored) {
      // a failing logger must not change what the guest sees
    }
  }

  /** Hands a final unterminated line, if any, to the listener. */
  public void flushLines() {
    if (lineListener != null && line.size() > 0) {
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
