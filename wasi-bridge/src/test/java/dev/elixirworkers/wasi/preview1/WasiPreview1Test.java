package dev.elixirworkers.wasi.preview1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WasiPreview1Test {
  static final int MEM = 64 * 1024;
  static final int OUT = 0xff00; // scratch for results
  final ByteBufferMemory m = ByteBufferMemory.ofSize(MEM);
  final byte[] app = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  WasiPreview1.Builder base() {
    return WasiPreview1.builder()
        .args("atomvm", "/app/app.avm")
        .env("A", "1")
        .stdin("hello stdin".getBytes(StandardCharsets.UTF_8))
        .preopen(
            "/app",
            InMemoryDirectory.builder()
                .file("app.avm", app)
                .file("lib/extra.txt", new byte[] {1, 2, 3})
                .build());
  }

  final WasiPreview1 wasi = base().build();

  /** Writes {@code text} at {@code at}; returns its byte length. */
  int put(int at, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    m.write(at, bytes);
    return bytes.length;
  }

  /** One iovec at {@code iovs} pointing at {@code buf, len}. */
  void iovec(int iovs, int buf, int len) {
    m.writeInt(iovs, buf);
    m.writeInt(iovs + 4, len);
  }

  String string(int at, int len) {
    return new String(m.readBytes(at, len), StandardCharsets.UTF_8);
  }

  int open(String path) {
    int len = put(0x100, path);
    int errno = wasi.path_open(m, 3, 0, 0x100, len, 0, ~0L, ~0L, 0, OUT);
    assertEquals(Errno.SUCCESS, errno, "open " + path + ": " + Errno.name(errno));
    return m.readInt(OUT);
  }

  @Test
  void argsAreNulTerminatedWithPointers() {
    assertEquals(Errno.SUCCESS, wasi.args_sizes_get(m, OUT, OUT + 4));
    assertEquals(2, m.readInt(OUT));
    assertEquals("atomvm\0/app/app.avm\0".length(), m.readInt(OUT + 4));

    assertEquals(Errno.SUCCESS, wasi.args_get(m, 0x100, 0x200));
    assertEquals(0x200, m.readInt(0x100));
    assertEquals(0x207, m.readInt(0x104));
    assertEquals("atomvm\0/app/app.avm\0", string(0x200, 20));
  }

  @Test
  void environmentIsNameEqualsValue() {
    assertEquals(Errno.SUCCESS, wasi.environ_sizes_get(m, OUT, OUT + 4));
    assertEquals(1, m.readInt(OUT));
    assertEquals(4, m.readInt(OUT + 4));
    assertEquals(Errno.SUCCESS, wasi.environ_get(m, 0x100, 0x200));
    assertEquals("A=1\0", string(0x200, 4));
  }

  @Test
  void pointersOutsideMemoryAreFaultsNotExceptions() {
    assertEquals(Errno.FAULT, wasi.args_sizes_get(m, MEM - 2, 0));
    assertEquals(Errno.FAULT, wasi.args_get(m, -4, 0));
    assertEquals(Errno.FAULT, wasi.clock_time_get(m, 0, 0, MEM - 7));
    assertEquals(Errno.FAULT, wasi.random_get(m, MEM - 8, 9));
    iovec(0x10, MEM - 4, 8);
    assertEquals(Errno.FAULT, wasi.fd_write(m, 1, 0x10, 1, OUT));
    assertEquals(0, wasi.stdout().totalWritten(), "nothing written when an iovec is bad");
    assertEquals(Errno.FAULT, wasi.fd_read(m, 0, 0x10, 1, OUT));
    iovec(0x10, 0x400, 4);
    assertEquals(Errno.SUCCESS, wasi.fd_read(m, 0, 0x10, 1, OUT));
    assertEquals("hell", string(0x400, 4), "the failed read consumed nothing");
  }

  @Test
  void stdinIsReadInPiecesThenEof() {
    iovec(0x10, 0x400, 5);
    iovec(0x18, 0x500, 3);
    assertEquals(Errno.SUCCESS, wasi.fd_read(m, 0, 0x10, 2, OUT));
    assertEquals(8, m.readInt(OUT));
    assertEquals("hello", string(0x400, 5));
    assertEquals(" st", string(0x500, 3));

    iovec(0x10, 0x400, 100);
    assertEquals(Errno.SUCCESS, wasi.fd_read(m, 0, 0x10, 1, OUT));
    assertEquals(3, m.readInt(OUT));
    assertEquals(Errno.SUCCESS, wasi.fd_read(m, 0, 0x10, 1, OUT));
    assertEquals(0, m.readInt(OUT));
  }

  @Test
  void stdoutAndStderrCollectWritesAndStderrLinesReachTheListener() {
    List<String> lines = new ArrayList<>();
    WasiPreview1 w = base().stderrLines(1024, lines::add).build();
    int len = put(0x400, "one\ntwo\r\nthr");
    iovec(0x10, 0x400, len);

    assertEquals(Errno.SUCCESS, w.fd_write(m, 1, 0x10, 1, OUT));
    assertEquals(len, m.readInt(OUT));
    assertEquals(Errno.SUCCESS, w.fd_write(m, 2, 0x10, 1, OUT));
    w.stderr().flushLines();

    assertEquals("one\ntwo\r\nthr", new String(w.stdout().toByteArray(), StandardCharsets.UTF_8));
    assertEquals(List.of("one", "two", "thr"), lines);
  }

  @Test
  void stdoutPastItsLimitTakesWhatFitsThenFailsWithFbig() {
    WasiPreview1 w = base().stdout(new OutputBuffer(10, OutputBuffer.Overflow.REJECT)).build();
    iovec(0x10, 0x400, 8);

    assertEquals(Errno.SUCCESS, w.fd_write(m, 1, 0x10, 1, OUT));
    assertEquals(8, m.readInt(OUT));
    assertEquals(Errno.SUCCESS, w.fd_write(m, 1, 0x10, 1, OUT));
    assertEquals(2, m.readInt(OUT), "partial write up to the limit");
    assertEquals(Errno.FBIG, w.fd_write(m, 1, 0x10, 1, OUT));
    assertTrue(w.stdout().overflowed());
    assertEquals(10, w.stdout().toByteArray().length);
  }

  @Test
  void stderrPastItsLimitKeepsTheTail() {
    OutputBuffer stderr = new OutputBuffer(4, OutputBuffer.Overflow.KEEP_TAIL);
    WasiPreview1 w = base().stderr(stderr).build();
    int len = put(0x400, "abcdefghij");
    iovec(0x10, 0x400, len);

    assertEquals(Errno.SUCCESS, w.fd_write(m, 2, 0x10, 1, OUT));

    assertEquals(10, m.readInt(OUT));
    assertEquals("ghij", stderr.tail(100));
  }

  @Test
  void writesToReadOnlyDescriptorsAndReadsFromStdoutAreBadf() {
    iovec(0x10, 0x400, 1);
    assertEquals(Errno.BADF, wasi.fd_write(m, 0, 0x10, 1, OUT));
    assertEquals(Errno.BADF, wasi.fd_write(m, open("app.avm"), 0x10, 1, OUT));
    assertEquals(Errno.BADF, wasi.fd_read(m, 1, 0x10, 1, OUT));
    assertEquals(Errno.BADF, wasi.fd_write(m, 99, 0x10, 1, OUT));
    assertEquals(Errno.ISDIR, wasi.fd_read(m, 3, 0x10, 1, OUT));
  }

  @Test
  void preopenIsAnnouncedAsDirectoryThreeAndNothingElse() {
    assertEquals(Errno.SUCCESS, wasi.fd_prestat_get(m, 3, OUT));
    assertEquals(0, m.readByte(OUT));
    assertEquals(4, m.readInt(OUT + 4));
    assertEquals(Errno.NAMETOOLONG, wasi.fd_prestat_dir_name(m, 3, 0x400, 3));
    assertEquals(Errno.SUCCESS, wasi.fd_prestat_dir_name(m, 3, 0x400, 4));
    assertEquals("/app", string(0x400, 4));
    assertEquals(Errno.BADF, wasi.fd_prestat_get(m, 4, OUT));
    assertEquals(Errno.BADF, wasi.fd_prestat_get(m, 1, OUT));
  }

  @Test
  void openedFileReadsSeeksTellsAndPreads() {
    int fd = open("app.avm");
    assertEquals(4, fd);

    assertEquals(Errno.SUCCESS, wasi.fd_seek(m, fd, -4, WasiPreview1.WHENCE_END, OUT));
    assertEquals(12, m.readLong(OUT));
    iovec(0x10, 0x400, 10);
    assertEquals(Errno.SUCCESS, wasi.fd_read(m, fd, 0x10, 1, OUT));
    assertEquals(4, m.readInt(OUT));
    assertEquals("cdef", string(0x400, 4));
    assertEquals(Errno.SUCCESS, wasi.fd_tell(m, fd, OUT));
    assertEquals(16, m.readLong(OUT));

    assertEquals(Errno.SUCCESS, wasi.fd_pread(m, fd, 0x10, 1, 2, OUT));
    assertEquals(10, m.readInt(OUT));
    assertEquals("23456789ab", string(0x400, 10));
    assertEquals(Errno.SUCCESS, wasi.fd_tell(m, fd, OUT));
    assertEquals(16, m.readLong(OUT), "pread leaves the position alone");

    assertEquals(Errno.INVAL, wasi.fd_seek(m, fd, -1, WasiPreview1.WHENCE_SET, OUT));
    assertEquals(Errno.INVAL, wasi.fd_seek(m, fd, 0, 7, OUT));
    assertEquals(Errno.SPIPE, wasi.fd_seek(m, 0, 0, WasiPreview1.WHENCE_CUR, OUT));
    assertEquals(Errno.SPIPE, wasi.fd_pread(m, 0, 0x10, 1, 0, OUT));
    assertEquals(Errno.SUCCESS, wasi.fd_close(m, fd));
    assertEquals(Errno.BADF, wasi.fd_close(m, fd));
    assertEquals(Errno.BADF, wasi.fd_read(m, fd, 0x10, 1, OUT));
  }

  @Test
  void filestatReportsSizeAndType() {
    int fd = open("app.avm");
    assertEquals(Errno.SUCCESS, wasi.fd_filestat_get(m, fd, 0x400));
    assertEquals(WasiPreview1.FILETYPE_REGULAR_FILE, m.readByte(0x400 + 16));
    assertEquals(16, m.readLong(0x400 + 32));

    int len = put(0x100, "lib");
    assertEquals(Errno.SUCCESS, wasi.path_filestat_get(m, 3, 0, 0x100, len, 0x400));
    assertEquals(WasiPreview1.FILETYPE_DIRECTORY, m.readByte(0x400 + 16));

    assertEquals(Errno.SUCCESS, wasi.fd_fdstat_get(m, 3, 0x400));
    assertEquals(WasiPreview1.FILETYPE_DIRECTORY, m.readByte(0x400));
  }

  @Test
  void pathsResolveRelativelyAndCannotEscapeThePreopen() {
    assertEquals(3, readAll(open("lib/../lib/./extra.txt")).length);
    int len = put(0x100, "../etc/passwd");
    assertEquals(Errno.NOTCAPABLE, wasi.path_open(m, 3, 0, 0x100, len, 0, ~0L, ~0L, 0, OUT));
    len = put(0x100, "/etc/passwd");
    assertEquals(Errno.NOTCAPABLE, wasi.path_open(m, 3, 0, 0x100, len, 0, ~0L, ~0L, 0, OUT));
    len = put(0x100, "nope");
    assertEquals(Errno.NOENT, wasi.path_open(m, 3, 0, 0x100, len, 0, ~0L, ~0L, 0, OUT));
    assertEquals(Errno.NOENT, wasi.path_filestat_get(m, 3, 0, 0x100, len, 0x400));
    len = put(0x100, "app.avm/x");
    assertEquals(Errno.NOTDIR, wasi.path_open(m, 3, 0, 0x100, len, 0, ~0L, ~0L, 0, OUT));
    m.write(0x100, new byte[] {(byte) 0xff, (byte) 0xfe});
    assertEquals(Errno.ILSEQ, wasi.path_open(m, 3, 0, 0x100, 2, 0, ~0L, ~0L, 0, OUT));
  }

  @Test
  void theFileSystemIsReadOnly() {
    int len = put(0x100, "new.txt");
    assertEquals(
        Errno.ROFS,
        wasi.path_open(m, 3, 0, 0x100, len, WasiPreview1.OFLAGS_CREAT, ~0L, ~0L, 0, OUT));
    len = put(0x100, "app.avm");
    assertEquals(
        Errno.ROFS,
        wasi.path_open(m, 3, 0, 0x100, len, WasiPreview1.OFLAGS_TRUNC, ~0L, ~0L, 0, OUT));
    assertEquals(
        Errno.EXIST,
        wasi.path_open(
            m,
            3,
            0,
            0x100,
            len,
            WasiPreview1.OFLAGS_CREAT | WasiPreview1.OFLAGS_EXCL,
            ~0L,
            ~0L,
            0,
            OUT));
    int fd = open("app.avm");
    assertEquals(Errno.SUCCESS, wasi.fd_fdstat_get(m, fd, 0x400));
    assertEquals(0, m.readLong(0x408) & WasiPreview1.RIGHT_FD_WRITE, "no write right granted");
  }

  byte[] readAll(int fd) {
    iovec(0x10, 0x1000, 4096);
    assertEquals(Errno.SUCCESS, wasi.fd_read(m, fd, 0x10, 1, OUT));
    return m.readBytes(0x1000, m.readInt(OUT));
  }

  @Test
  void readdirListsDotEntriesAndNamesWithCookies() {
    assertEquals(Errno.SUCCESS, wasi.fd_readdir(m, 3, 0x1000, 4096, 0, OUT));
    int used = m.readInt(OUT);
    List<String> names = new ArrayList<>();
    long lastNext = 0;
    for (int at = 0x1000; at < 0x1000 + used; ) {
      lastNext = m.readLong(at);
      int namlen = m.readInt(at + 16);
      names.add(string(at + 24, namlen));
      at += 24 + namlen;
    }
    assertEquals(List.of(".", "..", "app.avm", "lib"), names);
    assertEquals(4, lastNext);

    assertEquals(Errno.SUCCESS, wasi.fd_readdir(m, 3, 0x1000, 4096, 3, OUT));
    assertEquals(24 + 3, m.readInt(OUT), "from cookie 3 only lib");

    assertEquals(Errno.SUCCESS, wasi.fd_readdir(m, 3, 0x1000, 30, 0, OUT));
    assertEquals(30, m.readInt(OUT), "a full buffer means: call again");

    assertEquals(Errno.NOTDIR, wasi.fd_readdir(m, 0, 0x1000, 30, 0, OUT));
  }

  @Test
  void clocksAndRandomness() {
    assertEquals(Errno.SUCCESS, wasi.clock_time_get(m, WasiPreview1.CLOCK_REALTIME, 0, OUT));
    long nanos = m.readLong(OUT);
    assertTrue(Math.abs(nanos / 1_000_000 - System.currentTimeMillis()) < 60_000);
    assertEquals(Errno.SUCCESS, wasi.clock_res_get(m, WasiPreview1.CLOCK_MONOTONIC, OUT));
    assertEquals(Errno.INVAL, wasi.clock_time_get(m, 9, 0, OUT));

    assertEquals(Errno.SUCCESS, wasi.random_get(m, 0x400, 32));
    byte[] first = m.readBytes(0x400, 32);
    assertEquals(Errno.SUCCESS, wasi.random_get(m, 0x400, 32));
    assertTrue(!Arrays.equals(first, m.readBytes(0x400, 32)));
  }

  /** A clock that only moves when slept on. */
  static final class FakeClock implements WasiClock {
    long now = 1_000_000_000L;
    final List<Long> sleeps = new ArrayList<>();

    @Override
    public long realtimeNanos() {
      return now;
    }

    @Override
    public long monotonicNanos() {
      return now;
    }

    @Override
    public void sleep(long nanos) {
      sleeps.add(nanos);
      now += nanos;
    }
  }

  void clockSubscription(int at, long userdata, long timeout, boolean absolute) {
    m.writeLong(at, userdata);
    m.writeByte(at + 8, (byte) 0);
    m.writeInt(at + 16, WasiPreview1.CLOCK_MONOTONIC);
    m.writeLong(at + 24, timeout);
    m.writeLong(at + 32, 0);
    m.writeShort(at + 40, (short) (absolute ? 1 : 0));
  }

  @Test
  void pollOneoffSleepsUntilTheEarliestClock() {
    FakeClock clock = new FakeClock();
    WasiPreview1 w = base().clock(clock).build();
    clockSubscription(0x100, 11, 5_000_000, false);
    clockSubscription(0x130, 22, 9_000_000, false);

    assertEquals(Errno.SUCCESS, w.poll_oneoff(m, 0x100, 0x400, 2, OUT));

    assertEquals(List.of(5_000_000L), clock.sleeps);
    assertEquals(1, m.readInt(OUT));
    assertEquals(11, m.readLong(0x400));
    assertEquals(0, m.readShort(0x408));
    assertEquals(0, m.readByte(0x40a));
  }

  @Test
  void pollOneoffWithAnFdSubscriptionDoesNotSleep() {
    FakeClock clock = new FakeClock();
    WasiPreview1 w = base().clock(clock).build();
    clockSubscription(0x100, 11, 5_000_000, false);
    m.writeLong(0x130, 33);
    m.writeByte(0x138, (byte) 1); // fd_read
    m.writeInt(0x140, 0);

    assertEquals(Errno.SUCCESS, w.poll_oneoff(m, 0x100, 0x400, 2, OUT));

    assertEquals(List.of(), clock.sleeps);
    assertEquals(1, m.readInt(OUT));
    assertEquals(33, m.readLong(0x400));
    assertEquals(11, m.readLong(0x410), "stdin has 11 bytes ready");
    assertEquals(Errno.INVAL, w.poll_oneoff(m, 0x100, 0x400, 0, OUT));
  }

  @Test
  void sleepingPastTheDeadlineEndsTheGuest() {
    FakeClock clock = new FakeClock();
    WasiPreview1 w = base().clock(clock).deadlineNanos(clock.now + 1_000_000).build();
    clockSubscription(0x100, 1, 3_600_000_000_000L, false);

    assertThrows(DeadlineExceeded.class, () -> w.poll_oneoff(m, 0x100, 0x400, 1, OUT));
    assertEquals(List.of(1_000_000L), clock.sleeps, "slept only until the deadline");
  }

  @Test
  void procExitIsControlFlowAndProcRaiseEndsWithSignalStatus() {
    assertEquals(7, assertThrows(ProcExit.class, () -> wasi.proc_exit(m, 7)).exitCode());
    assertEquals(Errno.SUCCESS, wasi.proc_raise(m, 0));
    assertEquals(128 + 6, assertThrows(ProcExit.class, () -> wasi.proc_raise(m, 6)).exitCode());
    assertEquals(Errno.INVAL, wasi.proc_raise(m, 99));
    assertEquals(Errno.SUCCESS, wasi.sched_yield(m));
  }

  @Test
  void fdstatFlagsCanBeSetWithinTheirBits() {
    assertEquals(Errno.SUCCESS, wasi.fd_fdstat_set_flags(m, 1, 4));
    assertEquals(Errno.SUCCESS, wasi.fd_fdstat_get(m, 1, 0x400));
    assertEquals(4, m.readShort(0x402));
    assertEquals(Errno.INVAL, wasi.fd_fdstat_set_flags(m, 1, 0x100));
    assertEquals(Errno.BADF, wasi.fd_fdstat_set_flags(m, 42, 0));
  }

  @Test
  void aliasedIovecsAreCopiedOneByOneUpToTheRoomLeft() {
    int block = 4 << 20;
    ByteBufferMemory big = ByteBufferMemory.ofSize(block + 64 * 1024);
    int iovs = block; // 1024 iovecs after the block, every one the whole block: 4 GiB claimed
    for (int i = 0; i < 1024; i++) {
      big.writeInt(iovs + 8 * i, 0);
      big.writeInt(iovs + 8 * i + 4, block);
    }
    for (int i = 0; i < block; i += 64) {
      big.writeByte(i, (byte) '\n');
    }
    List<String> lines = new ArrayList<>();
    OutputBuffer.LineLog log = new OutputBuffer.LineLog(lines::add, 640);
    WasiPreview1 w =
        base()
            .stdout(new OutputBuffer(1 << 20, OutputBuffer.Overflow.REJECT))
            .stderr(new OutputBuffer(1000, OutputBuffer.Overflow.KEEP_TAIL, log))
            .build();
    int nwritten = iovs + 8 * 1024;

    assertEquals(Errno.SUCCESS, w.fd_write(big, 1, iovs, 1024, nwritten));
    assertEquals(1 << 20, big.readInt(nwritten), "stdout takes what fits");
    assertEquals(Errno.FBIG, w.fd_write(big, 1, iovs, 1024, nwritten));

    assertEquals(Errno.SUCCESS, w.fd_write(big, 2, iovs, 1024, nwritten));
    assertEquals(Integer.MAX_VALUE, big.readInt(nwritten), "a short write of 2^31 - 1 bytes");
    assertEquals(11, lines.size(), "10 whole lines, then what the budget reached of the 11th");
    assertEquals(Integer.MAX_VALUE - 640L, log.dropped());
    assertEquals(1000, w.stderr().toByteArray().length);
    assertTrue(w.stderr().overflowed());
  }

  @Test
  void aliasedIovecsSummingToTwoGibAllocateOnlyWhatIsKept() {
    int block = 4 << 20;
    ByteBufferMemory big = ByteBufferMemory.ofSize(block + 64 * 1024);
    int count = 511; // 2044 MiB claimed: just under what the sum-first copy could allocate
    for (int i = 0; i < count; i++) {
      big.writeInt(block + 8 * i, 0);
      big.writeInt(block + 8 * i + 4, block);
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    for (int fd : new int[] {1, 2}) {
      WasiPreview1 w =
          base()
              .stdout(new OutputBuffer(1 << 20, OutputBuffer.Overflow.REJECT))
              .stderr(
                  new OutputBuffer(
                      64 << 10,
                      OutputBuffer.Overflow.KEEP_TAIL,
                      new OutputBuffer.LineLog(line -> {}, 64 << 10)))
              .build();
      long before = threads.getThreadAllocatedBytes(tid);

      assertEquals(Errno.SUCCESS, w.fd_write(big, fd, block, count, block + 8 * count));

      long allocated = threads.getThreadAllocatedBytes(tid) - before;
      assertTrue(allocated < 64L << 20, "fd " + fd + " allocated " + allocated + " bytes");
    }
  }

  @Test
  void theReadOnlyTreeAnswersWritesResizesAndSocketCallsWithTheSpecsErrnos() {
    int file = open("app.avm");
    iovec(0x10, 0x400, 1);
    // wasi-testsuite's dir_fd_op_failures: ISDIR, BADF or NOTCAPABLE, never NOSYS
    assertEquals(Errno.ISDIR, wasi.fd_pwrite(m, 3, 0x10, 1, 0, OUT));
    assertEquals(Errno.NOTCAPABLE, wasi.fd_pwrite(m, file, 0x10, 1, 0, OUT));
    assertEquals(Errno.SPIPE, wasi.fd_pwrite(m, 1, 0x10, 1, 0, OUT));
    assertEquals(Errno.BADF, wasi.fd_pwrite(m, 99, 0x10, 1, 0, OUT));
    assertEquals(Errno.ISDIR, wasi.fd_allocate(m, 3, 0, 1));
    assertEquals(Errno.NOTCAPABLE, wasi.fd_allocate(m, file, 0, 1));
    assertEquals(Errno.BADF, wasi.fd_allocate(m, 99, 0, 1));
    assertEquals(Errno.ISDIR, wasi.fd_filestat_set_size(m, 3, 0));
    assertEquals(Errno.NOTCAPABLE, wasi.fd_filestat_set_size(m, file, 0));
    assertEquals(Errno.INVAL, wasi.fd_filestat_set_size(m, 0, 0));
    assertEquals(Errno.BADF, wasi.fd_filestat_set_size(m, 99, 0));
    assertEquals(Errno.NOTSOCK, wasi.sock_shutdown(m, 1, 2));
    assertEquals(Errno.BADF, wasi.sock_shutdown(m, 99, 2));
    assertEquals(Errno.NOTSOCK, wasi.sock_send(m, 3, 0x10, 1, 0, OUT));
    assertEquals(Errno.NOTSOCK, wasi.sock_recv(m, 3, 0x10, 1, 0, OUT, OUT + 4));
    assertEquals(Errno.NOTSOCK, wasi.sock_accept(m, 3, 0, OUT));
    for (String name :
        List.of(
            "fd_pwrite",
            "fd_allocate",
            "fd_filestat_set_size",
            "sock_accept",
            "sock_recv",
            "sock_send",
            "sock_shutdown")) {
      assertTrue(WasiFunctions.lookup(name).orElseThrow().implemented(), name);
    }
  }

  @Test
  void aDirectoryOpenedWithWriteRightsIsIsdirNotADirectoryWithoutThem() {
    int len = put(0x100, "lib");
    long readdir = WasiPreview1.RIGHT_FD_READDIR;

    assertEquals(
        Errno.ISDIR,
        wasi.path_open(
            m,
            3,
            0,
            0x100,
            len,
            WasiPreview1.OFLAGS_DIRECTORY,
            readdir | WasiPreview1.RIGHT_FD_WRITE,
            0,
            0,
            OUT));
    assertEquals(
        Errno.SUCCESS,
        wasi.path_open(m, 3, 0, 0x100, len, WasiPreview1.OFLAGS_DIRECTORY, readdir, 0, 0, OUT));
  }

  @Test
  void functionTableCoversPreview1AndAnswersTheRestWithNosys() {
    assertEquals(46, WasiFunctions.all().size());
    WasiFunctions.Function rename = WasiFunctions.lookup("path_rename").orElseThrow();
    assertEquals(Errno.NOSYS, rename.call(wasi, m, new long[6]));
    assertTrue(!rename.implemented());

    WasiFunctions.Function write = WasiFunctions.lookup("fd_write").orElseThrow();
    iovec(0x10, 0x400, put(0x400, "hi"));
    assertEquals(Errno.SUCCESS, write.call(wasi, m, new long[] {1, 0x10, 1, OUT}));
    assertArrayEquals("hi".getBytes(), wasi.stdout().toByteArray());
  }

  @Test
  void unknownImportsGetANosysStubOnlyWhenTheyReturnOneI32() {
    WasiFunctions.Signature errnoLike =
        new WasiFunctions.Signature(
            List.of(WasiFunctions.ValType.I32), List.of(WasiFunctions.ValType.I32));
    assertEquals(
        Errno.NOSYS,
        WasiFunctions.stub("thread_spawn", errnoLike).orElseThrow().call(wasi, m, new long[1]));
    assertTrue(
        WasiFunctions.stub(
                "weird", new WasiFunctions.Signature(List.of(), List.of(WasiFunctions.ValType.I64)))
            .isEmpty());
  }
}
