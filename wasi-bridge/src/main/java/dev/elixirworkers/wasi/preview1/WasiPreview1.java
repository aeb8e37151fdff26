package dev.elixirworkers.wasi.preview1;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A WASI preview1 host for one guest run, entirely in memory: arguments and environment, stdin from
 * a byte array, stdout and stderr into {@link OutputBuffer}s, read-only preopened {@link
 * InMemoryDirectory}s, clocks, randomness and {@code poll_oneoff} on clocks.
 *
 * <p>Functions carry the specification's names and parameters. Each validates its arguments before
 * doing anything, returns an {@link Errno} for guest mistakes (bad descriptor, pointer outside
 * memory, ...) and throws only for host bugs. {@code proc_exit} throws {@link ProcExit}; a sleep
 * past the deadline throws {@link DeadlineExceeded}. Calls the host does not offer are answered by
 * {@link WasiFunctions} with {@link Errno#NOSYS}.
 *
 * <p>Not thread-safe: one instance serves one guest on one thread.
 */
public final class WasiPreview1 {
  // filetype
  public static final int FILETYPE_UNKNOWN = 0;
  public static final int FILETYPE_CHARACTER_DEVICE = 2;
  public static final int FILETYPE_DIRECTORY = 3;
  public static final int FILETYPE_REGULAR_FILE = 4;

  // rights
  public static final long RIGHT_FD_DATASYNC = 1L;
  public static final long RIGHT_FD_READ = 1L << 1;
  public static final long RIGHT_FD_SEEK = 1L << 2;
  public static final long RIGHT_FD_FDSTAT_SET_FLAGS = 1L << 3;
  public static final long RIGHT_FD_SYNC = 1L << 4;
  public static final long RIGHT_FD_TELL = 1L << 5;
  public static final long RIGHT_FD_WRITE = 1L << 6;
  public static final long RIGHT_FD_ADVISE = 1L << 7;
  public static final long RIGHT_FD_ALLOCATE = 1L << 8;
  public static final long RIGHT_PATH_OPEN = 1L << 13;
  public static final long RIGHT_FD_READDIR = 1L << 14;
  public static final long RIGHT_PATH_FILESTAT_GET = 1L << 18;
  public static final long RIGHT_FD_FILESTAT_GET = 1L << 21;
  public static final long RIGHT_FD_FILESTAT_SET_SIZE = 1L << 22;
  public static final long RIGHT_POLL_FD_READWRITE = 1L << 27;

  static final long RIGHTS_FILE_READ =
      RIGHT_FD_READ
          | RIGHT_FD_SEEK
          | RIGHT_FD_TELL
          | RIGHT_FD_FDSTAT_SET_FLAGS
          | RIGHT_FD_ADVISE
          | RIGHT_FD_FILESTAT_GET
          | RIGHT_POLL_FD_READWRITE;
  static final long RIGHTS_DIR =
      RIGHT_PATH_OPEN
          | RIGHT_FD_READDIR
          | RIGHT_PATH_FILESTAT_GET
          | RIGHT_FD_FILESTAT_GET
          | RIGHT_FD_FDSTAT_SET_FLAGS;

  /** Rights that write: a directory opened with one of them is {@link Errno#ISDIR}. */
  static final long RIGHTS_WRITING =
      RIGHT_FD_DATASYNC | RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE;

  static final long RIGHTS_STDIN =
      RIGHT_FD_READ | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_FILESTAT_GET | RIGHT_POLL_FD_READWRITE;
  static final long RIGHTS_STDOUT =
      RIGHT_FD_WRITE | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_FILESTAT_GET | RIGHT_POLL_FD_READWRITE;

  // clocks, whence, flags, events
  public static final int CLOCK_REALTIME = 0;
  public static final int CLOCK_MONOTONIC = 1;
  public static final int CLOCK_PROCESS_CPUTIME_ID = 2;
  public static final int CLOCK_THREAD_CPUTIME_ID = 3;
  static final int WHENCE_SET = 0;
  static final int WHENCE_CUR = 1;
  static final int WHENCE_END = 2;
  static final int FDFLAGS_ALL = 0x1f;
  static final int OFLAGS_CREAT = 1;
  static final int OFLAGS_DIRECTORY = 2;
  static final int OFLAGS_EXCL = 4;
  static final int OFLAGS_TRUNC = 8;
  static final int LOOKUPFLAGS_SYMLINK_FOLLOW = 1;
  static final int EVENTTYPE_CLOCK = 0;
  static final int EVENTTYPE_FD_READ = 1;
  static final int EVENTTYPE_FD_WRITE = 2;
  static final int SUBCLOCKFLAGS_ABSTIME = 1;
  static final int IOV_MAX = 1024;
  static final int MAX_OPEN_FDS = 1024;
  static final int SIGNAL_MAX = 30;

  private static final Random SHARED_RANDOM = new SecureRandom();

  // ---- descriptors

  private abstract static class Descriptor {
    final int filetype;
    final long rightsBase;
    final long rightsInheriting;
    int fdflags;

    Descriptor(int filetype, long rightsBase, long rightsInheriting) {
      this.filetype = filetype;
      this.rightsBase = rightsBase;
      this.rightsInheriting = rightsInheriting;
    }
  }

  private static final class StdinDescriptor extends Descriptor {
    final byte[] data;
    int position;

    StdinDescriptor(byte[] data) {
      super(FILETYPE_UNKNOWN, RIGHTS_STDIN, 0);
      this.data = data;
    }
  }

  private static final class OutputDescriptor extends Descriptor {
    final OutputBuffer buffer;

    OutputDescriptor(OutputBuffer buffer) {
      super(FILETYPE_UNKNOWN, RIGHTS_STDOUT, 0);
      this.buffer = buffer;
    }
  }

  private static final class DirDescriptor extends Descriptor {
    final InMemoryDirectory.Dir dir;
    final byte[] preopenName; // null unless preopened

    DirDescriptor(InMemoryDirectory.Dir dir, byte[] preopenName, long base, long inheriting) {
      super(FILETYPE_DIRECTORY, base, inheriting);
      this.dir = dir;
      this.preopenName = preopenName;
    }
  }

  private static final class FileDescriptor extends Descriptor {
    final InMemoryDirectory.File file;
    long position;

    FileDescriptor(InMemoryDirectory.File file, long rights) {
      super(FILETYPE_REGULAR_FILE, rights, 0);
      this.file = file;
    }
  }

  private final List<byte[]> args;
  private final List<byte[]> environ;
  private final OutputBuffer stdout;
  private final OutputBuffer stderr;
  private final WasiClock clock;
  private final Random random;
  private final long deadlineNanos;
  private final long fileTimeNanos;
  private final long startNanos;
  private final TreeMap<Integer, Descriptor> fds = new TreeMap<>();

  private WasiPreview1(Builder b) {
    this.args = encodeAll(b.args);
    List<String> env = new ArrayList<>();
    b.environment.forEach((k, v) -> env.add(k + "=" + v));
    this.environ = encodeAll(env);
    this.stdout = b.stdout;
    this.stderr = b.stderr;
    this.clock = b.clock;
    this.random = b.random;
    this.deadlineNanos = b.deadlineNanos;
    this.fileTimeNanos = b.fileTimeNanos;
    this.startNanos = clock.monotonicNanos();
    fds.put(0, new StdinDescriptor(b.stdin));
    fds.put(1, new OutputDescriptor(stdout));
    fds.put(2, new OutputDescriptor(stderr));
    int fd = 3;
    for (Map.Entry<String, InMemoryDirectory> e : b.preopens.entrySet()) {
      fds.put(
          fd++,
          new DirDescriptor(
              e.getValue().root(),
              e.getKey().getBytes(StandardCharsets.UTF_8),
              RIGHTS_DIR,
              RIGHTS_DIR | RIGHTS_FILE_READ));
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** What the guest wrote to stdout (up to the limit). */
  public OutputBuffer stdout() {
    return stdout;
  }

  /** What the guest wrote to stderr (the tail, past the limit). */
  public OutputBuffer stderr() {
    return stderr;
  }

  // ---- args and environment

  public int args_sizes_get(LinearMemory m, int argcPtr, int argvBufSizePtr) {
    return sizesGet(m, args, argcPtr, argvBufSizePtr);
  }

  public int args_get(LinearMemory m, int argvPtr, int argvBufPtr) {
    return stringsGet(m, args, argvPtr, argvBufPtr);
  }

  public int environ_sizes_get(LinearMemory m, int countPtr, int bufSizePtr) {
    return sizesGet(m, environ, countPtr, bufSizePtr);
  }

  public int environ_get(LinearMemory m, int environPtr, int environBufPtr) {
    return stringsGet(m, environ, environPtr, environBufPtr);
  }

  private static int sizesGet(LinearMemory m, List<byte[]> strings, int countPtr, int sizePtr) {
    if (!m.inBounds(countPtr, 4) || !m.inBounds(sizePtr, 4)) {
      return Errno.FAULT;
    }
    int size = 0;
    for (byte[] s : strings) {
      size += s.length + 1;
    }
    m.writeInt(countPtr, strings.size());
    m.writeInt(sizePtr, size);
    return Errno.SUCCESS;
  }

  private static int stringsGet(LinearMemory m, List<byte[]> strings, int ptrs, int buf) {
    long size = 0;
    for (byte[] s : strings) {
      size += s.length + 1;
    }
    if (!m.inBounds(ptrs, 4L * strings.size()) || !m.inBounds(buf, size)) {
      return Errno.FAULT;
    }
    int at = buf;
    for (int i = 0; i < strings.size(); i++) {
      byte[] s = strings.get(i);
      m.writeInt(ptrs + 4 * i, at);
      m.write(at, s);
      m.writeByte(at + s.length, (byte) 0);
      at += s.length + 1;
    }
    return Errno.SUCCESS;
  }

  // ---- clocks, randomness, scheduling

  public int clock_res_get(LinearMemory m, int id, int resolutionPtr) {
    if (id < CLOCK_REALTIME || id > CLOCK_THREAD_CPUTIME_ID) {
      return Errno.INVAL;
    }
    if (!m.inBounds(resolutionPtr, 8)) {
      return Errno.FAULT;
    }
    m.writeLong(resolutionPtr, id == CLOCK_MONOTONIC ? 1L : 1_000L);
    return Errno.SUCCESS;
  }

  public int clock_time_get(LinearMemory m, int id, long precision, int timePtr) {
    if (id < CLOCK_REALTIME || id > CLOCK_THREAD_CPUTIME_ID) {
      return Errno.INVAL;
    }
    if (!m.inBounds(timePtr, 8)) {
      return Errno.FAULT;
    }
    m.writeLong(timePtr, now(id));
    return Errno.SUCCESS;
  }

  private long now(int id) {
    return switch (id) {
      case CLOCK_REALTIME -> clock.realtimeNanos();
      case CLOCK_MONOTONIC -> clock.monotonicNanos();
      // CPU time of a single-threaded guest: approximated by the time since it started
      default -> clock.monotonicNanos() - startNanos;
    };
  }

  public int random_get(LinearMemory m, int buf, int bufLen) {
    long length = Integer.toUnsignedLong(bufLen);
    if (!m.inBounds(buf, length)) {
      return Errno.FAULT;
    }
    byte[] bytes = new byte[(int) length];
    random.nextBytes(bytes);
    m.write(buf, bytes);
    return Errno.SUCCESS;
  }

  public int sched_yield(LinearMemory m) {
    Thread.yield();
    return Errno.SUCCESS;
  }

  /**
   * Waits for clock subscriptions; fd subscriptions are always ready (everything is in memory), so
   * when there is one, nothing sleeps. A sleep that would pass the deadline throws {@link
   * DeadlineExceeded} when the deadline is reached.
   */
  public int poll_oneoff(LinearMemory m, int in, int out, int nsubscriptions, int neventsPtr) {
    long count = Integer.toUnsignedLong(nsubscriptions);
    if (count == 0) {
      return Errno.INVAL;
    }
    if (!m.inBounds(in, 48 * count) || !m.inBounds(out, 32 * count) || !m.inBounds(neventsPtr, 4)) {
      return Errno.FAULT;
    }
    int n = (int) count;
    long nowMono = clock.monotonicNanos();
    long[] userdata = new long[n];
    int[] types = new int[n];
    long[] wakeAt = new long[n]; // clocks: monotonic deadline
    int[] errors = new int[n];
    long[] nbytes = new long[n];
    boolean[] ready = new boolean[n];
    boolean anyReady = false;
    long earliest = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      int sub = in + 48 * i;
      userdata[i] = m.readLong(sub);
      int tag = m.readByte(sub + 8) & 0xff;
      types[i] = tag;
      switch (tag) {
        case EVENTTYPE_CLOCK -> {
          int id = m.readInt(sub + 16);
          long timeout = m.readLong(sub + 24);
          int flags = m.readShort(sub + 40) & 0xffff;
          if (id < CLOCK_REALTIME || id > CLOCK_THREAD_CPUTIME_ID) {
            errors[i] = Errno.INVAL;
            ready[i] = true;
            anyReady = true;
            continue;
          }
          long at;
          if ((flags & SUBCLOCKFLAGS_ABSTIME) != 0) {
            at = satAdd(nowMono, timeout - now(id));
          } else {
            at = satAdd(nowMono, timeout < 0 ? Long.MAX_VALUE : timeout);
          }
          wakeAt[i] = at;
          earliest = Math.min(earliest, at);
        }
        case EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE -> {
          int fd = m.readInt(sub + 16);
          Descriptor d = fds.get(fd);
          ready[i] = true;
          anyReady = true;
          if (d == null) {
            errors[i] = Errno.BADF;
          } else if (tag == EVENTTYPE_FD_READ && d instanceof StdinDescriptor s) {
            nbytes[i] = s.data.length - s.position;
          } else if (tag == EVENTTYPE_FD_READ && d instanceof FileDescriptor f) {
            nbytes[i] = Math.max(0, f.file.content().length - f.position);
          } else if (tag == EVENTTYPE_FD_WRITE && d instanceof OutputDescriptor) {
            nbytes[i] = 0;
          } else {
            errors[i] = Errno.BADF;
          }
        }
        default -> {
          errors[i] = Errno.INVAL;
          ready[i] = true;
          anyReady = true;
        }
      }
    }
    if (!anyReady) {
      long wakeup = earliest;
      boolean hitsDeadline = wakeup > deadlineNanos;
      long sleepUntil = hitsDeadline ? deadlineNanos : wakeup;
      try {
        long left;
        while ((left = sleepUntil - clock.monotonicNanos()) > 0) {
          clock.sleep(left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Errno.INTR;
      }
      if (hitsDeadline) {
        throw new DeadlineExceeded();
      }
      long after = clock.monotonicNanos();
      for (int i = 0; i < n; i++) {
        if (types[i] == EVENTTYPE_CLOCK && wakeAt[i] <= after) {
          ready[i] = true;
        }
      }
    }
    int events = 0;
    for (int i = 0; i < n; i++) {
      if (!ready[i]) {
        continue;
      }
      int ev = out + 32 * events++;
      m.writeLong(ev, userdata[i]);
      m.writeShort(ev + 8, (short) errors[i]);
      m.writeByte(ev + 10, (byte) types[i]);
      m.writeByte(ev + 11, (byte) 0);
      m.writeInt(ev + 12, 0);
      m.writeLong(ev + 16, types[i] == EVENTTYPE_CLOCK ? 0 : nbytes[i]);
      m.writeLong(ev + 24, 0);
    }
    m.writeInt(neventsPtr, events);
    return Errno.SUCCESS;
  }

  private static long satAdd(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return r;
  }

  // ---- process

  /** Ends the guest: always throws {@link ProcExit}. */
  public void proc_exit(LinearMemory m, int code) {
    throw new ProcExit(code);
  }

  /**
   * Signal 0 does nothing; any other signal ends the guest as a POSIX shell would report it, with
   * exit status 128 + signal.
   */
  public int proc_raise(LinearMemory m, int signal) {
    if (signal < 0 || signal > SIGNAL_MAX) {
      return Errno.INVAL;
    }
    if (signal == 0) {
      return Errno.SUCCESS;
    }
    throw new ProcExit(128 + signal);
  }

  // ---- descriptors

  public int fd_close(LinearMemory m, int fd) {
    return fds.remove(fd) == null ? Errno.BADF : Errno.SUCCESS;
  }

  public int fd_fdstat_get(LinearMemory m, int fd, int statPtr) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    if (!m.inBounds(statPtr, 24)) {
      return Errno.FAULT;
    }
    m.writeByte(statPtr, (byte) d.filetype);
    m.writeByte(statPtr + 1, (byte) 0);
    m.writeShort(statPtr + 2, (short) d.fdflags);
    m.writeInt(statPtr + 4, 0);
    m.writeLong(statPtr + 8, d.rightsBase);
    m.writeLong(statPtr + 16, d.rightsInheriting);
    return Errno.SUCCESS;
  }

  public int fd_fdstat_set_flags(LinearMemory m, int fd, int flags) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    if ((flags & ~FDFLAGS_ALL) != 0) {
      return Errno.INVAL;
    }
    if ((d.rightsBase & RIGHT_FD_FDSTAT_SET_FLAGS) == 0) {
      return Errno.NOTCAPABLE;
    }
    d.fdflags = flags;
    return Errno.SUCCESS;
  }

  public int fd_filestat_get(LinearMemory m, int fd, int statPtr) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    if ((d.rightsBase & RIGHT_FD_FILESTAT_GET) == 0) {
      return Errno.NOTCAPABLE;
    }
    if (!m.inBounds(statPtr, 64)) {
      return Errno.FAULT;
    }
    if (d instanceof DirDescriptor dir) {
      writeFilestat(m, statPtr, dir.dir);
    } else if (d instanceof FileDescriptor file) {
      writeFilestat(m, statPtr, file.file);
    } else {
      long size = d instanceof StdinDescriptor s ? s.data.length : 0;
      writeFilestat(m, statPtr, 0, d.filetype, size);
    }
    return Errno.SUCCESS;
  }

  private void writeFilestat(LinearMemory m, int ptr, InMemoryDirectory.Node node) {
    if (node instanceof InMemoryDirectory.File f) {
      writeFilestat(m, ptr, node.inode(), FILETYPE_REGULAR_FILE, f.content().length);
    } else {
      writeFilestat(m, ptr, node.inode(), FILETYPE_DIRECTORY, 0);
    }
  }

  private void writeFilestat(LinearMemory m, int ptr, long inode, int filetype, long size) {
    m.writeLong(ptr, 1); // dev
    m.writeLong(ptr + 8, inode);
    m.writeByte(ptr + 16, (byte) filetype);
    for (int i = 17; i < 24; i++) {
      m.writeByte(ptr + i, (byte) 0);
    }
    m.writeLong(ptr + 24, 1); // nlink
    m.writeLong(ptr + 32, size);
    m.writeLong(ptr + 40, fileTimeNanos);
    m.writeLong(ptr + 48, fileTimeNanos);
    m.writeLong(ptr + 56, fileTimeNanos);
  }

  public int fd_prestat_get(LinearMemory m, int fd, int prestatPtr) {
    if (!(fds.get(fd) instanceof DirDescriptor d) || d.preopenName == null) {
      return Errno.BADF;
    }
    if (!m.inBounds(prestatPtr, 8)) {
      return Errno.FAULT;
    }
    m.writeInt(prestatPtr, 0); // tag 0: directory (and padding)
    m.writeInt(prestatPtr + 4, d.preopenName.length);
    return Errno.SUCCESS;
  }

  public int fd_prestat_dir_name(LinearMemory m, int fd, int pathPtr, int pathLen) {
    if (!(fds.get(fd) instanceof DirDescriptor d) || d.preopenName == null) {
      return Errno.BADF;
    }
    if (Integer.toUnsignedLong(pathLen) < d.preopenName.length) {
      return Errno.NAMETOOLONG;
    }
    if (!m.inBounds(pathPtr, d.preopenName.length)) {
      return Errno.FAULT;
    }
    m.write(pathPtr, d.preopenName);
    return Errno.SUCCESS;
  }

  public int fd_read(LinearMemory m, int fd, int iovs, int iovsLen, int nreadPtr) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    int[][] vecs = iovecs(m, iovs, iovsLen);
    if (vecs == null) {
      return iovsErrno(m, iovs, iovsLen);
    }
    if (!m.inBounds(nreadPtr, 4)) {
      return Errno.FAULT;
    }
    if (d instanceof DirDescriptor) {
      return Errno.ISDIR;
    }
    if ((d.rightsBase & RIGHT_FD_READ) == 0) {
      return Errno.BADF;
    }
    long total;
    if (d instanceof StdinDescriptor s) {
      total = copyOut(m, vecs, s.data, s.position);
      s.position += (int) total;
    } else if (d instanceof FileDescriptor f) {
      total = copyOut(m, vecs, f.file.content(), f.position);
      f.position += total;
    } else {
      return Errno.BADF;
    }
    m.writeInt(nreadPtr, (int) total);
    return Errno.SUCCESS;
  }

  public int fd_pread(LinearMemory m, int fd, int iovs, int iovsLen, long offset, int nreadPtr) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    int[][] vecs = iovecs(m, iovs, iovsLen);
    if (vecs == null) {
      return iovsErrno(m, iovs, iovsLen);
    }
    if (!m.inBounds(nreadPtr, 4)) {
      return Errno.FAULT;
    }
    if (d instanceof DirDescriptor) {
      return Errno.ISDIR;
    }
    if (!(d instanceof FileDescriptor f)) {
      return d instanceof StdinDescriptor ? Errno.SPIPE : Errno.BADF;
    }
    if ((d.rightsBase & (RIGHT_FD_READ | RIGHT_FD_SEEK)) != (RIGHT_FD_READ | RIGHT_FD_SEEK)) {
      return Errno.NOTCAPABLE;
    }
    if (offset < 0) {
      return Errno.INVAL;
    }
    long total = copyOut(m, vecs, f.file.content(), offset);
    m.writeInt(nreadPtr, (int) total);
    return Errno.SUCCESS;
  }

  public int fd_write(LinearMemory m, int fd, int iovs, int iovsLen, int nwrittenPtr) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    int[][] vecs = iovecs(m, iovs, iovsLen);
    if (vecs == null) {
      return iovsErrno(m, iovs, iovsLen);
    }
    if (!m.inBounds(nwrittenPtr, 4)) {
      return Errno.FAULT;
    }
    if (!(d instanceof OutputDescriptor out)) {
      return d instanceof DirDescriptor ? Errno.ISDIR : Errno.BADF;
    }
    // iovec by iovec: they may all point at the same bytes, so their sum is no size to allocate;
    // one call reports at most Integer.MAX_VALUE bytes, a short write the guest repeats
    long accepted = 0;
    for (int[] v : vecs) {
      long length = Integer.toUnsignedLong(v[1]);
      long offered = Math.min(length, Integer.MAX_VALUE - accepted);
      if (length == 0) {
        continue;
      }
      if (offered == 0) {
        break;
      }
      int n = out.buffer.write(m, v[0], (int) offered);
      if (n < 0) {
        if (accepted == 0) {
          return Errno.FBIG;
        }
        break;
      }
      accepted += n;
      if (n < length) {
        break;
      }
    }
    m.writeInt(nwrittenPtr, (int) accepted);
    return Errno.SUCCESS;
  }

  /**
   * Nothing here can be written at an offset: a directory is {@link Errno#ISDIR}, a file of the
   * read-only tree lacks the right, stdout and stderr are streams.
   */
  public int fd_pwrite(
      LinearMemory m, int fd, int iovs, int iovsLen, long offset, int nwrittenPtr) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    if (iovecs(m, iovs, iovsLen) == null) {
      return iovsErrno(m, iovs, iovsLen);
    }
    if (!m.inBounds(nwrittenPtr, 4)) {
      return Errno.FAULT;
    }
    return cannotWrite(d);
  }

  /** Like {@link #fd_pwrite}: nothing here can grow. */
  public int fd_allocate(LinearMemory m, int fd, long offset, long length) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    return cannotWrite(d);
  }

  /** Like {@link #fd_pwrite}, but a stream is {@link Errno#INVAL}, as ftruncate on a pipe. */
  public int fd_filestat_set_size(LinearMemory m, int fd, long size) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    if (d instanceof StdinDescriptor || d instanceof OutputDescriptor) {
      return Errno.INVAL;
    }
    return cannotWrite(d);
  }

  /** Directories are {@link Errno#ISDIR}; streams cannot seek; files never have write rights. */
  private static int cannotWrite(Descriptor d) {
    if (d instanceof DirDescriptor) {
      return Errno.ISDIR;
    }
    if (d instanceof FileDescriptor) {
      return Errno.NOTCAPABLE;
    }
    return Errno.SPIPE;
  }

  /** No descriptor here is a socket: {@link Errno#NOTSOCK}, or {@link Errno#BADF} for none. */
  public int sock_shutdown(LinearMemory m, int fd, int how) {
    return fds.containsKey(fd) ? Errno.NOTSOCK : Errno.BADF;
  }

  public int sock_accept(LinearMemory m, int fd, int flags, int fdPtr) {
    return sock_shutdown(m, fd, 0);
  }

  public int sock_recv(
      LinearMemory m, int fd, int riData, int riDataLen, int riFlags, int roDatalen, int roFlags) {
    return sock_shutdown(m, fd, 0);
  }

  public int sock_send(
      LinearMemory m, int fd, int siData, int siDataLen, int siFlags, int soDatalen) {
    return sock_shutdown(m, fd, 0);
  }

  public int fd_seek(LinearMemory m, int fd, long offset, int whence, int newOffsetPtr) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    if (!m.inBounds(newOffsetPtr, 8)) {
      return Errno.FAULT;
    }
    if (!(d instanceof FileDescriptor f)) {
      return d instanceof DirDescriptor ? Errno.BADF : Errno.SPIPE;
    }
    long needed = offset == 0 && whence == WHENCE_CUR ? RIGHT_FD_TELL : RIGHT_FD_SEEK;
    if ((d.rightsBase & needed) == 0) {
      return Errno.NOTCAPABLE;
    }
    long base =
        switch (whence) {
          case WHENCE_SET -> 0;
          case WHENCE_CUR -> f.position;
          case WHENCE_END -> f.file.content().length;
          default -> -1;
        };
    if (base < 0) {
      return Errno.INVAL;
    }
    long target = satAdd(base, offset);
    if (target < 0) {
      return Errno.INVAL;
    }
    f.position = target;
    m.writeLong(newOffsetPtr, target);
    return Errno.SUCCESS;
  }

  public int fd_tell(LinearMemory m, int fd, int offsetPtr) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    if (!m.inBounds(offsetPtr, 8)) {
      return Errno.FAULT;
    }
    if (!(d instanceof FileDescriptor f)) {
      return d instanceof DirDescriptor ? Errno.BADF : Errno.SPIPE;
    }
    if ((d.rightsBase & RIGHT_FD_TELL) == 0) {
      return Errno.NOTCAPABLE;
    }
    m.writeLong(offsetPtr, f.position);
    return Errno.SUCCESS;
  }

  /** Lists {@code .}, {@code ..} and the entries; the cookie is the index of the next entry. */
  public int fd_readdir(LinearMemory m, int fd, int buf, int bufLen, long cookie, int bufusedPtr) {
    Descriptor d = fds.get(fd);
    if (d == null) {
      return Errno.BADF;
    }
    long length = Integer.toUnsignedLong(bufLen);
    if (!m.inBounds(buf, length) || !m.inBounds(bufusedPtr, 4)) {
      return Errno.FAULT;
    }
    if (!(d instanceof DirDescriptor dir)) {
      return Errno.NOTDIR;
    }
    if ((d.rightsBase & RIGHT_FD_READDIR) == 0) {
      return Errno.NOTCAPABLE;
    }
    if (cookie < 0) {
      return Errno.INVAL;
    }
    List<String> names = new ArrayList<>();
    List<InMemoryDirectory.Node> nodes = new ArrayList<>();
    names.add(".");
    nodes.add(dir.dir);
    names.add("..");
    nodes.add(dir.dir); // the parent is outside this capability; report the directory itself
    dir.dir
        .entries()
        .forEach(
            (name, node) -> {
              names.add(name);
              nodes.add(node);
            });
    ByteBuffer out =
        ByteBuffer.allocate((int) Math.min(length, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
    int written = 0;
    for (long i = cookie; i < names.size() && written < out.capacity(); i++) {
      byte[] name = names.get((int) i).getBytes(StandardCharsets.UTF_8);
      InMemoryDirectory.Node node = nodes.get((int) i);
      ByteBuffer entry = ByteBuffer.allocate(24 + name.length).order(ByteOrder.LITTLE_ENDIAN);
      entry.putLong(i + 1);
      entry.putLong(node.inode());
      entry.putInt(name.length);
      entry.put(
          (byte)
              (node instanceof InMemoryDirectory.Dir ? FILETYPE_DIRECTORY : FILETYPE_REGULAR_FILE));
      entry.put(new byte[3]);
      entry.put(name);
      int fits = Math.min(entry.capacity(), out.capacity() - written);
      out.put(written, entry.array(), 0, fits);
      written += fits;
    }
    m.write(buf, out.array(), 0, written);
    m.writeInt(bufusedPtr, written);
    return Errno.SUCCESS;
  }

  // ---- paths

  public int path_open(
      LinearMemory m,
      int dirfd,
      int dirflags,
      int path,
      int pathLen,
      int oflags,
      long rightsBase,
      long rightsInheriting,
      int fdflags,
      int fdPtr) {
    Descriptor d = fds.get(dirfd);
    if (d == null) {
      return Errno.BADF;
    }
    if (!(d instanceof DirDescriptor dir)) {
      return Errno.NOTDIR;
    }
    if ((d.rightsBase & RIGHT_PATH_OPEN) == 0) {
      return Errno.NOTCAPABLE;
    }
    if ((dirflags & ~LOOKUPFLAGS_SYMLINK_FOLLOW) != 0
        || (oflags & ~(OFLAGS_CREAT | OFLAGS_DIRECTORY | OFLAGS_EXCL | OFLAGS_TRUNC)) != 0
        || (fdflags & ~FDFLAGS_ALL) != 0) {
      return Errno.INVAL;
    }
    if (!m.inBounds(path, Integer.toUnsignedLong(pathLen)) || !m.inBounds(fdPtr, 4)) {
      return Errno.FAULT;
    }
    Resolved resolved = resolve(dir.dir, m, path, pathLen);
    if (resolved instanceof Resolved.Failed failed) {
      if (failed.errno() == Errno.NOENT && (oflags & OFLAGS_CREAT) != 0) {
        return Errno.ROFS;
      }
      return failed.errno();
    }
    InMemoryDirectory.Node node = ((Resolved.Found) resolved).node();
    if ((oflags & (OFLAGS_CREAT | OFLAGS_EXCL)) == (OFLAGS_CREAT | OFLAGS_EXCL)) {
      return Errno.EXIST;
    }
    if ((oflags & OFLAGS_TRUNC) != 0) {
      return node instanceof InMemoryDirectory.Dir ? Errno.ISDIR : Errno.ROFS;
    }
    if ((oflags & OFLAGS_DIRECTORY) != 0 && !(node instanceof InMemoryDirectory.Dir)) {
      return Errno.NOTDIR;
    }
    // a directory cannot be written (as open(2) answers O_WRONLY on one); a file of the read-only
    // tree opens with the rights it can have, as before
    if (node instanceof InMemoryDirectory.Dir && (rightsBase & RIGHTS_WRITING) != 0) {
      return Errno.ISDIR;
    }
    if (fds.size() >= MAX_OPEN_FDS) {
      return Errno.MFILE;
    }
    Descriptor opened;
    if (node instanceof InMemoryDirectory.Dir sub) {
      long base = rightsBase & d.rightsInheriting & RIGHTS_DIR;
      opened = new DirDescriptor(sub, null, base, rightsInheriting & d.rightsInheriting);
    } else {
      long base = rightsBase & d.rightsInheriting & RIGHTS_FILE_READ;
      opened = new FileDescriptor((InMemoryDirectory.File) node, base);
    }
    opened.fdflags = fdflags;
    int fd = 3;
    while (fds.containsKey(fd)) {
      fd++;
    }
    fds.put(fd, opened);
    m.writeInt(fdPtr, fd);
    return Errno.SUCCESS;
  }

  public int path_filestat_get(
      LinearMemory m, int dirfd, int flags, int path, int pathLen, int buf) {
    Descriptor d = fds.get(dirfd);
    if (d == null) {
      return Errno.BADF;
    }
    if (!(d instanceof DirDescriptor dir)) {
      return Errno.NOTDIR;
    }
    if ((d.rightsBase & RIGHT_PATH_FILESTAT_GET) == 0) {
      return Errno.NOTCAPABLE;
    }
    if ((flags & ~LOOKUPFLAGS_SYMLINK_FOLLOW) != 0) {
      return Errno.INVAL;
    }
    if (!m.inBounds(path, Integer.toUnsignedLong(pathLen)) || !m.inBounds(buf, 64)) {
      return Errno.FAULT;
    }
    Resolved resolved = resolve(dir.dir, m, path, pathLen);
    if (resolved instanceof Resolved.Failed failed) {
      return failed.errno();
    }
    writeFilestat(m, buf, ((Resolved.Found) resolved).node());
    return Errno.SUCCESS;
  }

  /** Where a path led: to a node, or to the errno that stopped it. */
  private sealed interface Resolved {
    record Found(InMemoryDirectory.Node node) implements Resolved {}

    record Failed(int errno) implements Resolved {}
  }

  /** Paths are relative and cannot climb above {@code base}. */
  private static Resolved resolve(
      InMemoryDirectory.Dir base, LinearMemory m, int path, int pathLen) {
    if (Integer.toUnsignedLong(pathLen) > 4096) {
      return new Resolved.Failed(Errno.NAMETOOLONG);
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(m.readBytes(path, pathLen)))
              .toString();
    } catch (CharacterCodingException e) {
      return new Resolved.Failed(Errno.ILSEQ);
    }
    if (text.isEmpty()) {
      return new Resolved.Failed(Errno.NOENT);
    }
    if (text.startsWith("/")) {
      return new Resolved.Failed(Errno.NOTCAPABLE);
    }
    if (text.indexOf('\0') >= 0) {
      return new Resolved.Failed(Errno.INVAL);
    }
    List<InMemoryDirectory.Node> stack = new ArrayList<>();
    stack.add(base);
    String[] parts = text.split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.equals(".")) {
        if (part.isEmpty()
            && i == parts.length - 1
            && !(stack.get(stack.size() - 1) instanceof InMemoryDirectory.Dir)) {
          return new Resolved.Failed(Errno.NOTDIR); // trailing slash after a file
        }
        continue;
      }
      InMemoryDirectory.Node current = stack.get(stack.size() - 1);
      if (!(current instanceof InMemoryDirectory.Dir dir)) {
        return new Resolved.Failed(Errno.NOTDIR);
      }
      if (part.equals("..")) {
        if (stack.size() == 1) {
          return new Resolved.Failed(Errno.NOTCAPABLE);
        }
        stack.remove(stack.size() - 1);
        continue;
      }
      InMemoryDirectory.Node next = dir.entries().get(part);
      if (next == null) {
        return new Resolved.Failed(Errno.NOENT);
      }
      stack.add(next);
    }
    return new Resolved.Found(stack.get(stack.size() - 1));
  }

  // ---- iovecs

  /** Reads and validates an iovec array: {ptr, len} pairs, or null when invalid. */
  private static int[][] iovecs(LinearMemory m, int iovs, int iovsLen) {
    long count = Integer.toUnsignedLong(iovsLen);
    if (count > IOV_MAX || !m.inBounds(iovs, 8 * count)) {
      return null;
    }
    int[][] vecs = new int[(int) count][];
    for (int i = 0; i < count; i++) {
      int ptr = m.readInt(iovs + 8 * i);
      int len = m.readInt(iovs + 8 * i + 4);
      if (!m.inBounds(ptr, Integer.toUnsignedLong(len))) {
        return null;
      }
      vecs[i] = new int[] {ptr, len};
    }
    return vecs;
  }

  private static int iovsErrno(LinearMemory m, int iovs, int iovsLen) {
    return Integer.toUnsignedLong(iovsLen) > IOV_MAX ? Errno.INVAL : Errno.FAULT;
  }

  private static long copyOut(LinearMemory m, int[][] vecs, byte[] data, long position) {
    long total = 0;
    long at = position;
    for (int[] v : vecs) {
      if (at >= data.length) {
        break;
      }
      int n = (int) Math.min(Integer.toUnsignedLong(v[1]), data.length - at);
      m.write(v[0], data, (int) at, n);
      at += n;
      total += n;
    }
    return total;
  }

  private static List<byte[]> encodeAll(List<String> strings) {
    List<byte[]> out = new ArrayList<>();
    for (String s : strings) {
      out.add(s.getBytes(StandardCharsets.UTF_8));
    }
    return List.copyOf(out);
  }

  /** Configures one guest run. */
  public static final class Builder {
    private List<String> args = List.of();
    private final Map<String, String> environment = new LinkedHashMap<>();
    private byte[] stdin = new byte[0];
    private OutputBuffer stdout;
    private OutputBuffer stderr;
    private final Map<String, InMemoryDirectory> preopens = new LinkedHashMap<>();
    private WasiClock clock = WasiClock.SYSTEM;
    private Random random = SHARED_RANDOM;
    private long deadlineNanos = Long.MAX_VALUE;
    private long fileTimeNanos;

    private Builder() {}

    public Builder args(List<String> args) {
      this.args = List.copyOf(args);
      return this;
    }

    public Builder args(String... args) {
      return args(List.of(args));
    }

    public Builder env(String name, String value) {
      environment.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
      return this;
    }

    /** The bytes the guest reads from fd 0 (not copied). */
    public Builder stdin(byte[] stdin) {
      this.stdin = Objects.requireNonNull(stdin);
      return this;
    }

    public Builder stdout(OutputBuffer stdout) {
      this.stdout = stdout;
      return this;
    }

    public Builder stderr(OutputBuffer stderr) {
      this.stderr = stderr;
      return this;
    }

    /** Offers a read-only directory at {@code guestPath} (e.g. {@code /app}); fds 3, 4, ... */
    public Builder preopen(String guestPath, InMemoryDirectory directory) {
      preopens.put(Objects.requireNonNull(guestPath), Objects.requireNonNull(directory));
      return this;
    }

    public Builder clock(WasiClock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    public Builder random(Random random) {
      this.random = Objects.requireNonNull(random);
      return this;
    }

    /** A {@link WasiClock#monotonicNanos()} reading past which host calls stop waiting. */
    public Builder deadlineNanos(long deadlineNanos) {
      this.deadlineNanos = deadlineNanos;
      return this;
    }

    /** The access, modification and change time every file reports. */
    public Builder fileTimeNanos(long fileTimeNanos) {
      this.fileTimeNanos = fileTimeNanos;
      return this;
    }

    /** Defaults: 16 MiB stdout (rejecting more), 1 MiB stderr tail, no line listener. */
    public WasiPreview1 build() {
      if (stdout == null) {
        stdout = new OutputBuffer(16 << 20, OutputBuffer.Overflow.REJECT);
      }
      if (stderr == null) {
        stderr = new OutputBuffer(1 << 20, OutputBuffer.Overflow.KEEP_TAIL);
      }
      return new WasiPreview1(this);
    }

    /** Convenience for a stderr that streams lines to {@code listener}. */
    public Builder stderrLines(long limit, Consumer<String> listener) {
      return stderr(new OutputBuffer(limit, OutputBuffer.Overflow.KEEP_TAIL, listener));
    }
  }
}
