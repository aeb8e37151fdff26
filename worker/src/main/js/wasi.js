// SPDX-License-Identifier: Apache-2.0
//
// A WASI preview1 host for one guest run, entirely in memory: arguments and
// environment, stdin from a byte array, stdout and stderr into OutputBuffers,
// read-only preopened directories, clocks, randomness and poll_oneoff on clocks.
//
// Functions carry the specification's names and parameters. Each validates its
// arguments before doing anything, returns an errno for guest mistakes (bad
// descriptor, pointer outside memory, ...) and throws only for host bugs.
// proc_exit throws ProcExit; a sleep past the deadline throws DeadlineExceeded.
// Calls this host does not offer answer ENOSYS.
//
// Clocks and sleeping: a Worker cannot block, and its clocks do not advance
// while JavaScript runs. A clock subscription in poll_oneoff therefore does not
// wait: it advances this instance's clocks by the time asked for ("virtual
// sleep"), so the guest sees its timer expire, and a sleep that would pass the
// deadline ends the run at once with DeadlineExceeded.
//
// This mirrors the Java host (wasi-bridge, dev.elixirworkers.wasi.preview1).

/** The WASI errno values used here, with the specification's names. */
export const Errno = Object.freeze({
  SUCCESS: 0,
  BADF: 8,
  EXIST: 20,
  FAULT: 21,
  FBIG: 22,
  ILSEQ: 25,
  INTR: 27,
  INVAL: 28,
  ISDIR: 31,
  MFILE: 33,
  NAMETOOLONG: 37,
  NOENT: 44,
  NOSYS: 52,
  NOTDIR: 54,
  NOTSOCK: 57,
  NOTCAPABLE: 76,
  ROFS: 69,
  SPIPE: 70,
});

export const FILETYPE_UNKNOWN = 0;
export const FILETYPE_DIRECTORY = 3;
export const FILETYPE_REGULAR_FILE = 4;

const RIGHT_FD_DATASYNC = 1n;
const RIGHT_FD_READ = 1n << 1n;
const RIGHT_FD_SEEK = 1n << 2n;
const RIGHT_FD_FDSTAT_SET_FLAGS = 1n << 3n;
const RIGHT_FD_TELL = 1n << 5n;
const RIGHT_FD_WRITE = 1n << 6n;
const RIGHT_FD_ADVISE = 1n << 7n;
const RIGHT_FD_ALLOCATE = 1n << 8n;
const RIGHT_PATH_OPEN = 1n << 13n;
const RIGHT_FD_READDIR = 1n << 14n;
const RIGHT_PATH_FILESTAT_GET = 1n << 18n;
const RIGHT_FD_FILESTAT_GET = 1n << 21n;
const RIGHT_FD_FILESTAT_SET_SIZE = 1n << 22n;
const RIGHT_POLL_FD_READWRITE = 1n << 27n;

const RIGHTS_FILE_READ =
  RIGHT_FD_READ |
  RIGHT_FD_SEEK |
  RIGHT_FD_TELL |
  RIGHT_FD_FDSTAT_SET_FLAGS |
  RIGHT_FD_ADVISE |
  RIGHT_FD_FILESTAT_GET |
  RIGHT_POLL_FD_READWRITE;
const RIGHTS_DIR =
  RIGHT_PATH_OPEN | RIGHT_FD_READDIR | RIGHT_PATH_FILESTAT_GET | RIGHT_FD_FILESTAT_GET | RIGHT_FD_FDSTAT_SET_FLAGS;
// rights that write: a directory opened with one of them is ISDIR
const RIGHTS_WRITING = RIGHT_FD_DATASYNC | RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_SET_SIZE;
const RIGHTS_STDIN = RIGHT_FD_READ | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_FILESTAT_GET | RIGHT_POLL_FD_READWRITE;
const RIGHTS_STDOUT = RIGHT_FD_WRITE | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_FILESTAT_GET | RIGHT_POLL_FD_READWRITE;

export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
const CLOCK_THREAD_CPUTIME_ID = 3;
const WHENCE_SET = 0;
const WHENCE_CUR = 1;
const WHENCE_END = 2;
const FDFLAGS_ALL = 0x1f;
const OFLAGS_CREAT = 1;
const OFLAGS_DIRECTORY = 2;
const OFLAGS_EXCL = 4;
const OFLAGS_TRUNC = 8;
const LOOKUPFLAGS_SYMLINK_FOLLOW = 1;
const EVENTTYPE_CLOCK = 0;
const EVENTTYPE_FD_READ = 1;
const EVENTTYPE_FD_WRITE = 2;
const SUBCLOCKFLAGS_ABSTIME = 1;
const IOV_MAX = 1024;
const MAX_OPEN_FDS = 1024;
const SIGNAL_MAX = 30;
const MAX_PATH = 4096;
const I64_MAX = (1n << 63n) - 1n;

/** proc_exit (and proc_raise) end the guest: control flow, not an error. */
export class ProcExit extends Error {
  constructor(code) {
    super(`proc_exit(${code})`);
    this.name = "ProcExit";
    this.code = code;
  }
}

/** The guest slept past the host's deadline. */
export class DeadlineExceeded extends Error {
  constructor() {
    super("deadline exceeded");
    this.name = "DeadlineExceeded";
  }
}

/** A host function failed: a bug in this host, never the guest's fault. */
export class HostFailure extends Error {
  constructor(name, cause) {
    super(`WASI host function ${name} failed: ${cause && cause.stack ? cause.stack : cause}`);
    this.name = "HostFailure";
    this.cause = cause;
  }
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const lenientDecoder = new TextDecoder("utf-8");

/**
 * Receives completed lines while its budget of bytes lasts; past it, bytes are
 * only counted (`dropped`). Shared by the buffers of several guest runs (the
 * passes of one request), it caps what one request can put into the log.
 */
export class LineLog {
  constructor(listener, budget = Infinity) {
    if (!(budget >= 0)) throw new RangeError(`budget must not be negative: ${budget}`);
    this.listener = listener;
    this.room = budget;
    this.dropped = 0;
  }

  accept(line) {
    try {
      this.listener(line);
    } catch {
      // a failing logger must not change what the guest sees
    }
  }
}

/**
 * Where a guest's stdout or stderr goes: bytes in memory with a limit, and
 * optionally a LineLog (or a plain listener, without a budget) that receives
 * each completed line (for logging). "reject" (stdout) accepts bytes up to the
 * limit and then fails writes with FBIG; "keep-tail" (stderr) accepts
 * everything, hands lines to the log while its budget lasts and keeps only the
 * last `limit` bytes. Only the bytes kept or logged are copied: the length a
 * guest claims (iovecs may all point at the same megabytes) never becomes an
 * allocation.
 */
export class OutputBuffer {
  static MAX_LINE = 16 * 1024;

  constructor(limit, overflow = "reject", log = null) {
    if (!(limit >= 0)) throw new RangeError(`limit out of range: ${limit}`);
    this.limit = limit;
    this.overflow = overflow;
    this.log = typeof log === "function" ? new LineLog(log) : log;
    this.chunks = [];
    this.size = 0; // bytes kept in chunks
    this.total = 0; // every byte accepted
    this.overflowed = false;
    this.line = [];
    this.lineSize = 0;
  }

  /** Appends what fits; returns how many bytes were accepted, -1 when none could be. */
  write(bytes) {
    let accepted = bytes.length;
    if (this.overflow === "reject") {
      const room = this.limit - this.size;
      if (room <= 0 && bytes.length > 0) {
        this.overflowed = true;
        return -1;
      }
      accepted = Math.min(room, bytes.length);
      if (accepted < bytes.length) this.overflowed = true;
    }
    const log = this.log;
    const logged = log ? Math.min(accepted, log.room) : 0;
    const keptFrom = this.overflow === "reject" ? 0 : Math.max(0, accepted - this.limit);
    if (keptFrom > 0) {
      this.overflowed = true;
      // this write alone fills the tail
      this.chunks = [];
      this.size = 0;
    }
    if (logged > 0) this.#lines(bytes.subarray(0, logged));
    if (keptFrom < accepted) this.#keep(bytes.subarray(keptFrom, accepted));
    if (log) {
      log.room -= logged;
      log.dropped += accepted - logged;
      // the budget ended inside a line: what there is of it still goes out
      if (log.room === 0 && this.lineSize > 0) this.#emitLine();
    }
    this.total += accepted;
    return accepted;
  }

  #keep(bytes) {
    if (bytes.length === 0) return;
    this.chunks.push(bytes.slice());
    this.size += bytes.length;
    if (this.overflow === "keep-tail" && this.size > this.limit) {
      this.overflowed = true;
      if (this.size > 2 * this.limit || this.size > this.limit + (1 << 20)) {
        const all = this.#all();
        this.chunks = [all.slice(all.length - this.limit)];
        this.size = this.limit;
      }
    }
  }

  #lines(bytes) {
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0x0a) {
        this.#lineAdd(bytes.subarray(start, i));
        this.#emitLine();
        start = i + 1;
      } else if (this.lineSize + (i + 1 - start) >= OutputBuffer.MAX_LINE) {
        this.#lineAdd(bytes.subarray(start, i + 1));
        this.#emitLine();
        start = i + 1;
      }
    }
    this.#lineAdd(bytes.subarray(start));
  }

  #lineAdd(part) {
    if (part.length > 0) {
      this.line.push(part.slice());
      this.lineSize += part.length;
    }
  }

  #emitLine() {
    let raw = concat(this.line, this.lineSize);
    this.line = [];
    this.lineSize = 0;
    if (raw.length > 0 && raw[raw.length - 1] === 0x0d) raw = raw.subarray(0, raw.length - 1);
    this.log.accept(lenientDecoder.decode(raw));
  }

  /** Hands a final unterminated line, if any, to the log. */
  flushLines() {
    if (this.log && this.lineSize > 0) this.#emitLine();
  }

  #all() {
    const all = concat(this.chunks, this.size);
    this.chunks = [all];
    return all;
  }

  /** What is kept: the first `limit` bytes ("reject") or the last ones ("keep-tail"). */
  bytes() {
    const all = this.#all();
    return all.length > this.limit ? all.subarray(all.length - this.limit) : all;
  }

  /** The last `maxBytes` bytes kept, decoded as UTF-8 (malformed bytes replaced). */
  tail(maxBytes) {
    const all = this.bytes();
    return lenientDecoder.decode(all.subarray(Math.max(0, all.length - maxBytes)));
  }
}

function concat(parts, size) {
  if (parts.length === 1 && parts[0].length === size) return parts[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A read-only directory tree of named byte arrays: `{ "app.avm": bytes }`; a
 * `/` in a name creates subdirectories. Immutable; one tree can back many
 * guests at once.
 */
export class InMemoryDirectory {
  static #inodes = 1n;

  constructor(files = {}) {
    this.root = InMemoryDirectory.#dir();
    for (const [path, content] of Object.entries(files)) this.#add(path, content);
    InMemoryDirectory.#freeze(this.root);
  }

  static #dir() {
    return { kind: "dir", inode: InMemoryDirectory.#inodes++, entries: new Map() };
  }

  #add(path, content) {
    if (!(content instanceof Uint8Array)) throw new TypeError(`${path}: content must be a Uint8Array`);
    const parts = path.split("/");
    let dir = this.root;
    parts.forEach((part, i) => {
      if (part === "" || part === "." || part === "..") {
        throw new RangeError(`Not a plain relative file name: ${path}`);
      }
      const existing = dir.entries.get(part);
      if (i === parts.length - 1) {
        if (existing && existing.kind === "dir") throw new RangeError(`${path} is already a directory`);
        dir.entries.set(part, { kind: "file", inode: InMemoryDirectory.#inodes++, content });
      } else {
        if (existing && existing.kind !== "dir") throw new RangeError(`${part} in ${path} is already a file`);
        if (!existing) dir.entries.set(part, InMemoryDirectory.#dir());
        dir = dir.entries.get(part);
      }
    });
  }

  // entries in byte order of their UTF-8 names: what fd_readdir lists
  static #freeze(dir) {
    const sorted = [...dir.entries.entries()].sort((a, b) => compareUtf8(a[0], b[0]));
    dir.entries = new Map(sorted);
    dir.names = sorted.map(([name]) => name);
    for (const [, node] of sorted) if (node.kind === "dir") InMemoryDirectory.#freeze(node);
  }
}

function compareUtf8(a, b) {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The clocks a guest sees: realtime and monotonic, nanoseconds as BigInt. */
export const SYSTEM_CLOCK = Object.freeze({
  realtimeNanos: () => BigInt(Date.now()) * 1_000_000n,
  monotonicNanos: () => BigInt(Math.round(performance.now() * 1e6)),
});

const defaultRandom = (bytes) => {
  for (let at = 0; at < bytes.length; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(bytes.length, at + 65536)));
  }
};

/** The preview1 functions and their parameter lists (i64 parameters are BigInt). */
const PREVIEW1 = [
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "fd_advise",
  "fd_allocate",
  "fd_close",
  "fd_datasync",
  "fd_fdstat_get",
  "fd_fdstat_set_flags",
  "fd_fdstat_set_rights",
  "fd_filestat_get",
  "fd_filestat_set_size",
  "fd_filestat_set_times",
  "fd_pread",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "fd_pwrite",
  "fd_read",
  "fd_readdir",
  "fd_renumber",
  "fd_seek",
  "fd_sync",
  "fd_tell",
  "fd_write",
  "path_create_directory",
  "path_filestat_get",
  "path_filestat_set_times",
  "path_link",
  "path_open",
  "path_readlink",
  "path_remove_directory",
  "path_rename",
  "path_symlink",
  "path_unlink_file",
  "poll_oneoff",
  "proc_exit",
  "proc_raise",
  "random_get",
  "sched_yield",
  "sock_accept",
  "sock_recv",
  "sock_send",
  "sock_shutdown",
];

/** The functions this host implements; the rest of preview1 answers ENOSYS. */
export const IMPLEMENTED = Object.freeze([
  "args_get",
  "args_sizes_get",
  "environ_get",
  "environ_sizes_get",
  "clock_res_get",
  "clock_time_get",
  "fd_allocate",
  "fd_close",
  "fd_fdstat_get",
  "fd_fdstat_set_flags",
  "fd_filestat_get",
  "fd_filestat_set_size",
  "fd_pread",
  "fd_prestat_get",
  "fd_prestat_dir_name",
  "fd_pwrite",
  "fd_read",
  "fd_readdir",
  "fd_seek",
  "fd_tell",
  "fd_write",
  "path_filestat_get",
  "path_open",
  "poll_oneoff",
  "proc_exit",
  "proc_raise",
  "random_get",
  "sched_yield",
  "sock_accept",
  "sock_recv",
  "sock_send",
  "sock_shutdown",
]);

export const MODULE = "wasi_snapshot_preview1";

/**
 * One guest run. Options: args (strings), env ({name: value}), stdin
 * (Uint8Array), stdout / stderr (OutputBuffer), preopens ({"/app":
 * InMemoryDirectory}), clock, random (fills a Uint8Array), deadlineNanos (a
 * monotonic reading past which sleeping stops the run), fileTimeNanos.
 *
 * Not reentrant: one instance serves one guest.
 */
export class WasiPreview1 {
  constructor({
    args = [],
    env = {},
    stdin = new Uint8Array(0),
    stdout = new OutputBuffer(16 << 20, "reject"),
    stderr = new OutputBuffer(1 << 20, "keep-tail"),
    preopens = {},
    clock = SYSTEM_CLOCK,
    random = defaultRandom,
    deadlineNanos = null,
    fileTimeNanos = 0n,
  } = {}) {
    this.args = args.map((a) => encoder.encode(a));
    this.environ = Object.entries(env).map(([k, v]) => encoder.encode(`${k}=${v}`));
    this.stdout = stdout;
    this.stderr = stderr;
    this.clock = clock;
    this.random = random;
    this.deadlineNanos = deadlineNanos;
    this.fileTimeNanos = BigInt(fileTimeNanos);
    this.slept = 0n; // virtual sleep added to every clock reading
    this.startNanos = this.#monotonic();
    this.fds = new Map();
    this.fds.set(0, {
      kind: "stdin",
      filetype: FILETYPE_UNKNOWN,
      rights: RIGHTS_STDIN,
      inheriting: 0n,
      fdflags: 0,
      data: stdin,
      position: 0,
    });
    this.fds.set(1, {
      kind: "out",
      filetype: FILETYPE_UNKNOWN,
      rights: RIGHTS_STDOUT,
      inheriting: 0n,
      fdflags: 0,
      buffer: stdout,
    });
    this.fds.set(2, {
      kind: "out",
      filetype: FILETYPE_UNKNOWN,
      rights: RIGHTS_STDOUT,
      inheriting: 0n,
      fdflags: 0,
      buffer: stderr,
    });
    let fd = 3;
    for (const [guestPath, directory] of Object.entries(preopens)) {
      this.fds.set(fd++, {
        kind: "dir",
        filetype: FILETYPE_DIRECTORY,
        rights: RIGHTS_DIR,
        inheriting: RIGHTS_DIR | RIGHTS_FILE_READ,
        fdflags: 0,
        node: directory.root,
        preopenName: encoder.encode(guestPath),
      });
    }
    this.memory = null;
  }

  /** The guest's exported memory; call before running the guest. */
  bind(memory) {
    this.memory = memory;
    return this;
  }

  /**
   * The import object's `wasi_snapshot_preview1` namespace for a module: every
   * function the module imports from it (unknown names answer ENOSYS). Errors
   * other than ProcExit and DeadlineExceeded thrown by a host function become
   * HostFailure.
   */
  imports(module) {
    const names = module ? importedNames(module) : new Set(PREVIEW1);
    const ns = {};
    const implemented = new Set(IMPLEMENTED);
    for (const name of names) {
      if (!implemented.has(name)) {
        ns[name] = () => Errno.NOSYS;
        continue;
      }
      const fn = this[name];
      ns[name] = (...args) => {
        // the host's time limit, checked at every call (a sleep checks it too)
        if (this.deadlineNanos !== null && this.#monotonic() > this.deadlineNanos) throw new DeadlineExceeded();
        try {
          return fn.apply(this, args);
        } catch (e) {
          if (e instanceof ProcExit || e instanceof DeadlineExceeded) throw e;
          if (e instanceof MemoryFault) return Errno.FAULT;
          throw new HostFailure(name, e);
        }
      };
    }
    return ns;
  }

  // ---- memory

  #view() {
    if (!this.memory) throw new Error("WasiPreview1: no memory bound");
    return new DataView(this.memory.buffer);
  }

  #bytes() {
    return new Uint8Array(this.memory.buffer);
  }

  #inBounds(ptr, length) {
    const size = this.memory.buffer.byteLength;
    const p = ptr >>> 0;
    const n = typeof length === "bigint" ? length : BigInt(length);
    return n >= 0n && BigInt(p) + n <= BigInt(size);
  }

  #read(ptr, length) {
    const p = ptr >>> 0;
    const n = length >>> 0;
    if (!this.#inBounds(p, n)) throw new MemoryFault();
    return this.#bytes().subarray(p, p + n);
  }

  // ---- args and environment

  args_sizes_get(argcPtr, bufSizePtr) {
    return this.#sizesGet(this.args, argcPtr, bufSizePtr);
  }

  args_get(argvPtr, bufPtr) {
    return this.#stringsGet(this.args, argvPtr, bufPtr);
  }

  environ_sizes_get(countPtr, bufSizePtr) {
    return this.#sizesGet(this.environ, countPtr, bufSizePtr);
  }

  environ_get(environPtr, bufPtr) {
    return this.#stringsGet(this.environ, environPtr, bufPtr);
  }

  #sizesGet(strings, countPtr, sizePtr) {
    if (!this.#inBounds(countPtr, 4) || !this.#inBounds(sizePtr, 4)) return Errno.FAULT;
    const size = strings.reduce((n, s) => n + s.length + 1, 0);
    const v = this.#view();
    v.setUint32(countPtr >>> 0, strings.length, true);
    v.setUint32(sizePtr >>> 0, size, true);
    return Errno.SUCCESS;
  }

  #stringsGet(strings, ptrs, buf) {
    const size = strings.reduce((n, s) => n + s.length + 1, 0);
    if (!this.#inBounds(ptrs, 4 * strings.length) || !this.#inBounds(buf, size)) return Errno.FAULT;
    const v = this.#view();
    const mem = this.#bytes();
    let at = buf >>> 0;
    strings.forEach((s, i) => {
      v.setUint32((ptrs >>> 0) + 4 * i, at, true);
      mem.set(s, at);
      mem[at + s.length] = 0;
      at += s.length + 1;
    });
    return Errno.SUCCESS;
  }

  // ---- clocks, randomness, scheduling

  #monotonic() {
    return this.clock.monotonicNanos() + (this.slept ?? 0n);
  }

  #now(id) {
    switch (id) {
      case CLOCK_REALTIME:
        return this.clock.realtimeNanos() + this.slept;
      case CLOCK_MONOTONIC:
        return this.#monotonic();
      default:
        // CPU time of a single-threaded guest: approximated by the time since it started
        return this.#monotonic() - this.startNanos;
    }
  }

  clock_res_get(id, resolutionPtr) {
    if (id < CLOCK_REALTIME || id > CLOCK_THREAD_CPUTIME_ID) return Errno.INVAL;
    if (!this.#inBounds(resolutionPtr, 8)) return Errno.FAULT;
    this.#view().setBigUint64(resolutionPtr >>> 0, id === CLOCK_MONOTONIC ? 1n : 1000n, true);
    return Errno.SUCCESS;
  }

  clock_time_get(id, _precision, timePtr) {
    if (id < CLOCK_REALTIME || id > CLOCK_THREAD_CPUTIME_ID) return Errno.INVAL;
    if (!this.#inBounds(timePtr, 8)) return Errno.FAULT;
    this.#view().setBigUint64(timePtr >>> 0, BigInt.asUintN(64, this.#now(id)), true);
    return Errno.SUCCESS;
  }

  random_get(buf, bufLen) {
    const n = bufLen >>> 0;
    if (!this.#inBounds(buf, n)) return Errno.FAULT;
    const bytes = new Uint8Array(n);
    this.random(bytes);
    this.#bytes().set(bytes, buf >>> 0);
    return Errno.SUCCESS;
  }

  sched_yield() {
    return Errno.SUCCESS;
  }

  /**
   * Clock subscriptions advance this instance's clocks (virtual sleep, see the
   * top of this file); fd subscriptions are always ready (everything is in
   * memory), so when there is one, no time passes.
   */
  poll_oneoff(inPtr, outPtr, nsubscriptions, neventsPtr) {
    const count = nsubscriptions >>> 0;
    if (count === 0) return Errno.INVAL;
    if (!this.#inBounds(inPtr, 48 * count) || !this.#inBounds(outPtr, 32 * count) || !this.#inBounds(neventsPtr, 4)) {
      return Errno.FAULT;
    }
    const v = this.#view();
    const nowMono = this.#monotonic();
    const subs = [];
    let anyReady = false;
    let earliest = null;
    for (let i = 0; i < count; i++) {
      const sub = (inPtr >>> 0) + 48 * i;
      const s = {
        userdata: v.getBigUint64(sub, true),
        type: v.getUint8(sub + 8),
        error: 0,
        nbytes: 0n,
        ready: false,
        wakeAt: 0n,
      };
      subs.push(s);
      if (s.type === EVENTTYPE_CLOCK) {
        const id = v.getUint32(sub + 16, true);
        const timeout = v.getBigUint64(sub + 24, true);
        const flags = v.getUint16(sub + 40, true);
        if (id > CLOCK_THREAD_CPUTIME_ID) {
          s.error = Errno.INVAL;
          s.ready = anyReady = true;
          continue;
        }
        let at;
        if (flags & SUBCLOCKFLAGS_ABSTIME) {
          const delta = timeout - this.#now(id);
          at = nowMono + (delta > 0n ? delta : 0n);
        } else {
          at = nowMono + (timeout > I64_MAX ? I64_MAX : timeout);
        }
        s.wakeAt = at;
        if (earliest === null || at < earliest) earliest = at;
      } else if (s.type === EVENTTYPE_FD_READ || s.type === EVENTTYPE_FD_WRITE) {
        const d = this.fds.get(v.getUint32(sub + 16, true));
        s.ready = anyReady = true;
        if (!d) s.error = Errno.BADF;
        else if (s.type === EVENTTYPE_FD_READ && d.kind === "stdin") s.nbytes = BigInt(d.data.length - d.position);
        else if (s.type === EVENTTYPE_FD_READ && d.kind === "file") {
          const left = BigInt(d.node.content.length) - d.position;
          s.nbytes = left > 0n ? left : 0n;
        } else if (s.type === EVENTTYPE_FD_WRITE && d.kind === "out") s.nbytes = 0n;
        else s.error = Errno.BADF;
      } else {
        s.error = Errno.INVAL;
        s.ready = anyReady = true;
      }
    }
    if (!anyReady) {
      if (this.deadlineNanos !== null && earliest > this.deadlineNanos) {
        this.slept += this.deadlineNanos - nowMono > 0n ? this.deadlineNanos - nowMono : 0n;
        throw new DeadlineExceeded();
      }
      this.slept += earliest - nowMono;
      const after = this.#monotonic();
      for (const s of subs) if (s.type === EVENTTYPE_CLOCK && s.wakeAt <= after) s.ready = true;
    }
    let events = 0;
    for (const s of subs) {
      if (!s.ready) continue;
      const ev = (outPtr >>> 0) + 32 * events++;
      v.setBigUint64(ev, s.userdata, true);
      v.setUint16(ev + 8, s.error, true);
      v.setUint8(ev + 10, s.type);
      v.setUint8(ev + 11, 0);
      v.setUint32(ev + 12, 0, true);
      v.setBigUint64(ev + 16, s.type === EVENTTYPE_CLOCK ? 0n : s.nbytes, true);
      v.setBigUint64(ev + 24, 0n, true);
    }
    v.setUint32(neventsPtr >>> 0, events, true);
    return Errno.SUCCESS;
  }

  // ---- process

  proc_exit(code) {
    throw new ProcExit(code >>> 0);
  }

  /** Signal 0 does nothing; any other ends the guest with status 128 + signal, as a shell reports it. */
  proc_raise(signal) {
    if (signal < 0 || signal > SIGNAL_MAX) return Errno.INVAL;
    if (signal === 0) return Errno.SUCCESS;
    throw new ProcExit(128 + signal);
  }

  // ---- descriptors

  fd_close(fd) {
    return this.fds.delete(fd) ? Errno.SUCCESS : Errno.BADF;
  }

  fd_fdstat_get(fd, statPtr) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    if (!this.#inBounds(statPtr, 24)) return Errno.FAULT;
    const v = this.#view();
    const p = statPtr >>> 0;
    v.setUint8(p, d.filetype);
    v.setUint8(p + 1, 0);
    v.setUint16(p + 2, d.fdflags, true);
    v.setUint32(p + 4, 0, true);
    v.setBigUint64(p + 8, d.rights, true);
    v.setBigUint64(p + 16, d.inheriting, true);
    return Errno.SUCCESS;
  }

  fd_fdstat_set_flags(fd, flags) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    if ((flags & ~FDFLAGS_ALL) !== 0) return Errno.INVAL;
    if ((d.rights & RIGHT_FD_FDSTAT_SET_FLAGS) === 0n) return Errno.NOTCAPABLE;
    d.fdflags = flags;
    return Errno.SUCCESS;
  }

  fd_filestat_get(fd, statPtr) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    if ((d.rights & RIGHT_FD_FILESTAT_GET) === 0n) return Errno.NOTCAPABLE;
    if (!this.#inBounds(statPtr, 64)) return Errno.FAULT;
    if (d.kind === "dir" || d.kind === "file") this.#writeNodeFilestat(statPtr, d.node);
    else this.#writeFilestat(statPtr, 0n, d.filetype, d.kind === "stdin" ? BigInt(d.data.length) : 0n);
    return Errno.SUCCESS;
  }

  #writeNodeFilestat(ptr, node) {
    if (node.kind === "file") this.#writeFilestat(ptr, node.inode, FILETYPE_REGULAR_FILE, BigInt(node.content.length));
    else this.#writeFilestat(ptr, node.inode, FILETYPE_DIRECTORY, 0n);
  }

  #writeFilestat(ptr, inode, filetype, size) {
    const v = this.#view();
    const p = ptr >>> 0;
    v.setBigUint64(p, 1n, true); // dev
    v.setBigUint64(p + 8, inode, true);
    v.setUint8(p + 16, filetype);
    for (let i = 17; i < 24; i++) v.setUint8(p + i, 0);
    v.setBigUint64(p + 24, 1n, true); // nlink
    v.setBigUint64(p + 32, size, true);
    v.setBigUint64(p + 40, this.fileTimeNanos, true);
    v.setBigUint64(p + 48, this.fileTimeNanos, true);
    v.setBigUint64(p + 56, this.fileTimeNanos, true);
  }

  fd_prestat_get(fd, prestatPtr) {
    const d = this.fds.get(fd);
    if (!d || d.kind !== "dir" || !d.preopenName) return Errno.BADF;
    if (!this.#inBounds(prestatPtr, 8)) return Errno.FAULT;
    const v = this.#view();
    v.setUint32(prestatPtr >>> 0, 0, true); // tag 0: directory (and padding)
    v.setUint32((prestatPtr >>> 0) + 4, d.preopenName.length, true);
    return Errno.SUCCESS;
  }

  fd_prestat_dir_name(fd, pathPtr, pathLen) {
    const d = this.fds.get(fd);
    if (!d || d.kind !== "dir" || !d.preopenName) return Errno.BADF;
    if (pathLen >>> 0 < d.preopenName.length) return Errno.NAMETOOLONG;
    if (!this.#inBounds(pathPtr, d.preopenName.length)) return Errno.FAULT;
    this.#bytes().set(d.preopenName, pathPtr >>> 0);
    return Errno.SUCCESS;
  }

  /** Reads and validates an iovec array: [ptr, len] pairs, or an errno. */
  #iovecs(iovs, iovsLen) {
    const count = iovsLen >>> 0;
    if (count > IOV_MAX) return Errno.INVAL;
    if (!this.#inBounds(iovs, 8 * count)) return Errno.FAULT;
    const v = this.#view();
    const vecs = [];
    for (let i = 0; i < count; i++) {
      const ptr = v.getUint32((iovs >>> 0) + 8 * i, true);
      const len = v.getUint32((iovs >>> 0) + 8 * i + 4, true);
      if (!this.#inBounds(ptr, len)) return Errno.FAULT;
      vecs.push([ptr, len]);
    }
    return vecs;
  }

  #copyOut(vecs, data, position) {
    const mem = this.#bytes();
    let at = position;
    let total = 0;
    for (const [ptr, len] of vecs) {
      if (at >= data.length) break;
      const n = Math.min(len, data.length - at);
      mem.set(data.subarray(at, at + n), ptr);
      at += n;
      total += n;
    }
    return total;
  }

  fd_read(fd, iovs, iovsLen, nreadPtr) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    const vecs = this.#iovecs(iovs, iovsLen);
    if (typeof vecs === "number") return vecs;
    if (!this.#inBounds(nreadPtr, 4)) return Errno.FAULT;
    if (d.kind === "dir") return Errno.ISDIR;
    if ((d.rights & RIGHT_FD_READ) === 0n) return Errno.BADF;
    let total;
    if (d.kind === "stdin") {
      total = this.#copyOut(vecs, d.data, d.position);
      d.position += total;
    } else if (d.kind === "file") {
      const content = d.node.content;
      total = d.position >= BigInt(content.length) ? 0 : this.#copyOut(vecs, content, Number(d.position));
      d.position += BigInt(total);
    } else {
      return Errno.BADF;
    }
    this.#view().setUint32(nreadPtr >>> 0, total, true);
    return Errno.SUCCESS;
  }

  fd_pread(fd, iovs, iovsLen, offset, nreadPtr) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    const vecs = this.#iovecs(iovs, iovsLen);
    if (typeof vecs === "number") return vecs;
    if (!this.#inBounds(nreadPtr, 4)) return Errno.FAULT;
    if (d.kind === "dir") return Errno.ISDIR;
    if (d.kind !== "file") return d.kind === "stdin" ? Errno.SPIPE : Errno.BADF;
    if ((d.rights & (RIGHT_FD_READ | RIGHT_FD_SEEK)) !== (RIGHT_FD_READ | RIGHT_FD_SEEK)) return Errno.NOTCAPABLE;
    const off = BigInt.asIntN(64, offset);
    if (off < 0n) return Errno.INVAL;
    const content = d.node.content;
    const total = off >= BigInt(content.length) ? 0 : this.#copyOut(vecs, content, Number(off));
    this.#view().setUint32(nreadPtr >>> 0, total, true);
    return Errno.SUCCESS;
  }

  fd_write(fd, iovs, iovsLen, nwrittenPtr) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    const vecs = this.#iovecs(iovs, iovsLen);
    if (typeof vecs === "number") return vecs;
    if (!this.#inBounds(nwrittenPtr, 4)) return Errno.FAULT;
    if (d.kind !== "out") return d.kind === "dir" ? Errno.ISDIR : Errno.BADF;
    // iovec by iovec: they may all point at the same bytes, so their sum is no
    // size to allocate; one call reports at most 2^31 - 1 bytes (a short write)
    const mem = this.#bytes();
    let accepted = 0;
    for (const [ptr, len] of vecs) {
      if (len === 0) continue;
      const offered = Math.min(len, 0x7fff_ffff - accepted);
      if (offered === 0) break;
      const n = d.buffer.write(mem.subarray(ptr, ptr + offered));
      if (n < 0) {
        if (accepted === 0) return Errno.FBIG;
        break;
      }
      accepted += n;
      if (n < len) break;
    }
    this.#view().setUint32(nwrittenPtr >>> 0, accepted, true);
    return Errno.SUCCESS;
  }

  /**
   * Nothing here can be written at an offset: a directory is ISDIR, a file of
   * the read-only tree lacks the right, stdin, stdout and stderr are streams.
   */
  fd_pwrite(fd, iovs, iovsLen, _offset, nwrittenPtr) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    const vecs = this.#iovecs(iovs, iovsLen);
    if (typeof vecs === "number") return vecs;
    if (!this.#inBounds(nwrittenPtr, 4)) return Errno.FAULT;
    return cannotWrite(d);
  }

  /** Like fd_pwrite: nothing here can grow. */
  fd_allocate(fd, _offset, _length) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    return cannotWrite(d);
  }

  /** Like fd_pwrite, but a stream is INVAL, as ftruncate on a pipe. */
  fd_filestat_set_size(fd, _size) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    if (d.kind === "stdin" || d.kind === "out") return Errno.INVAL;
    return cannotWrite(d);
  }

  /** No descriptor here is a socket: NOTSOCK, or BADF for none. */
  sock_shutdown(fd, _how) {
    return this.fds.has(fd) ? Errno.NOTSOCK : Errno.BADF;
  }

  sock_accept(fd) {
    return this.sock_shutdown(fd);
  }

  sock_recv(fd) {
    return this.sock_shutdown(fd);
  }

  sock_send(fd) {
    return this.sock_shutdown(fd);
  }

  fd_seek(fd, offset, whence, newOffsetPtr) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    if (!this.#inBounds(newOffsetPtr, 8)) return Errno.FAULT;
    if (d.kind !== "file") return d.kind === "dir" ? Errno.BADF : Errno.SPIPE;
    const off = BigInt.asIntN(64, offset);
    const needed = off === 0n && whence === WHENCE_CUR ? RIGHT_FD_TELL : RIGHT_FD_SEEK;
    if ((d.rights & needed) === 0n) return Errno.NOTCAPABLE;
    let base;
    if (whence === WHENCE_SET) base = 0n;
    else if (whence === WHENCE_CUR) base = d.position;
    else if (whence === WHENCE_END) base = BigInt(d.node.content.length);
    else return Errno.INVAL;
    let target = base + off;
    if (target > I64_MAX) target = I64_MAX;
    if (target < 0n) return Errno.INVAL;
    d.position = target;
    this.#view().setBigUint64(newOffsetPtr >>> 0, target, true);
    return Errno.SUCCESS;
  }

  fd_tell(fd, offsetPtr) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    if (!this.#inBounds(offsetPtr, 8)) return Errno.FAULT;
    if (d.kind !== "file") return d.kind === "dir" ? Errno.BADF : Errno.SPIPE;
    if ((d.rights & RIGHT_FD_TELL) === 0n) return Errno.NOTCAPABLE;
    this.#view().setBigUint64(offsetPtr >>> 0, d.position, true);
    return Errno.SUCCESS;
  }

  /** Lists ".", ".." and the entries; the cookie is the index of the next entry. */
  fd_readdir(fd, buf, bufLen, cookie, bufusedPtr) {
    const d = this.fds.get(fd);
    if (!d) return Errno.BADF;
    const length = bufLen >>> 0;
    if (!this.#inBounds(buf, length) || !this.#inBounds(bufusedPtr, 4)) return Errno.FAULT;
    if (d.kind !== "dir") return Errno.NOTDIR;
    if ((d.rights & RIGHT_FD_READDIR) === 0n) return Errno.NOTCAPABLE;
    const start = BigInt.asIntN(64, cookie);
    if (start < 0n) return Errno.INVAL;
    const names = [".", "..", ...d.node.names];
    // the parent is outside this capability: ".." reports the directory itself
    const nodes = [d.node, d.node, ...d.node.names.map((n) => d.node.entries.get(n))];
    const capacity = Math.min(length, 1 << 20);
    const out = new Uint8Array(capacity);
    let written = 0;
    for (let i = start; i < BigInt(names.length) && written < capacity; i++) {
      const name = encoder.encode(names[Number(i)]);
      const node = nodes[Number(i)];
      const entry = new Uint8Array(24 + name.length);
      const ev = new DataView(entry.buffer);
      ev.setBigUint64(0, i + 1n, true);
      ev.setBigUint64(8, node.inode, true);
      ev.setUint32(16, name.length, true);
      ev.setUint8(20, node.kind === "dir" ? FILETYPE_DIRECTORY : FILETYPE_REGULAR_FILE);
      entry.set(name, 24);
      const fits = Math.min(entry.length, capacity - written);
      out.set(entry.subarray(0, fits), written);
      written += fits;
    }
    this.#bytes().set(out.subarray(0, written), buf >>> 0);
    this.#view().setUint32(bufusedPtr >>> 0, written, true);
    return Errno.SUCCESS;
  }

  // ---- paths

  path_open(dirfd, dirflags, path, pathLen, oflags, rightsBase, rightsInheriting, fdflags, fdPtr) {
    const d = this.fds.get(dirfd);
    if (!d) return Errno.BADF;
    if (d.kind !== "dir") return Errno.NOTDIR;
    if ((d.rights & RIGHT_PATH_OPEN) === 0n) return Errno.NOTCAPABLE;
    if (
      (dirflags & ~LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0 ||
      (oflags & ~(OFLAGS_CREAT | OFLAGS_DIRECTORY | OFLAGS_EXCL | OFLAGS_TRUNC)) !== 0 ||
      (fdflags & ~FDFLAGS_ALL) !== 0
    ) {
      return Errno.INVAL;
    }
    if (!this.#inBounds(path, pathLen >>> 0) || !this.#inBounds(fdPtr, 4)) return Errno.FAULT;
    const node = this.#resolve(d.node, path, pathLen);
    if (typeof node === "number") {
      return node === Errno.NOENT && (oflags & OFLAGS_CREAT) !== 0 ? Errno.ROFS : node;
    }
    if ((oflags & (OFLAGS_CREAT | OFLAGS_EXCL)) === (OFLAGS_CREAT | OFLAGS_EXCL)) return Errno.EXIST;
    if ((oflags & OFLAGS_TRUNC) !== 0) return node.kind === "dir" ? Errno.ISDIR : Errno.ROFS;
    if ((oflags & OFLAGS_DIRECTORY) !== 0 && node.kind !== "dir") return Errno.NOTDIR;
    const base = BigInt.asUintN(64, rightsBase);
    // a directory cannot be written (as open(2) answers O_WRONLY on one); a file of the
    // read-only tree opens with the rights it can have, as before
    if (node.kind === "dir" && (base & RIGHTS_WRITING) !== 0n) return Errno.ISDIR;
    if (this.fds.size >= MAX_OPEN_FDS) return Errno.MFILE;
    const inheriting = BigInt.asUintN(64, rightsInheriting);
    let opened;
    if (node.kind === "dir") {
      opened = {
        kind: "dir",
        filetype: FILETYPE_DIRECTORY,
        rights: base & d.inheriting & RIGHTS_DIR,
        inheriting: inheriting & d.inheriting,
        fdflags,
        node,
        preopenName: null,
      };
    } else {
      opened = {
        kind: "file",
        filetype: FILETYPE_REGULAR_FILE,
        rights: base & d.inheriting & RIGHTS_FILE_READ,
        inheriting: 0n,
        fdflags,
        node,
        position: 0n,
      };
    }
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, opened);
    this.#view().setUint32(fdPtr >>> 0, fd, true);
    return Errno.SUCCESS;
  }

  path_filestat_get(dirfd, flags, path, pathLen, buf) {
    const d = this.fds.get(dirfd);
    if (!d) return Errno.BADF;
    if (d.kind !== "dir") return Errno.NOTDIR;
    if ((d.rights & RIGHT_PATH_FILESTAT_GET) === 0n) return Errno.NOTCAPABLE;
    if ((flags & ~LOOKUPFLAGS_SYMLINK_FOLLOW) !== 0) return Errno.INVAL;
    if (!this.#inBounds(path, pathLen >>> 0) || !this.#inBounds(buf, 64)) return Errno.FAULT;
    const node = this.#resolve(d.node, path, pathLen);
    if (typeof node === "number") return node;
    this.#writeNodeFilestat(buf, node);
    return Errno.SUCCESS;
  }

  /** A node, or an errno. Paths are relative and cannot climb above `base`. */
  #resolve(base, path, pathLen) {
    if (pathLen >>> 0 > MAX_PATH) return Errno.NAMETOOLONG;
    let text;
    try {
      text = strictDecoder.decode(this.#read(path, pathLen));
    } catch (e) {
      if (e instanceof MemoryFault) return Errno.FAULT;
      return Errno.ILSEQ;
    }
    if (text === "") return Errno.NOENT;
    if (text.startsWith("/")) return Errno.NOTCAPABLE;
    if (text.includes("\0")) return Errno.INVAL;
    const stack = [base];
    const parts = text.split("/");
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const current = stack[stack.length - 1];
      if (part === "" || part === ".") {
        if (part === "" && i === parts.length - 1 && current.kind !== "dir") return Errno.NOTDIR; // trailing slash after a file
        continue;
      }
      if (current.kind !== "dir") return Errno.NOTDIR;
      if (part === "..") {
        if (stack.length === 1) return Errno.NOTCAPABLE;
        stack.pop();
        continue;
      }
      const next = current.entries.get(part);
      if (!next) return Errno.NOENT;
      stack.push(next);
    }
    return stack[stack.length - 1];
  }
}

/** Directories are ISDIR; streams cannot seek; files never have write rights. */
function cannotWrite(d) {
  if (d.kind === "dir") return Errno.ISDIR;
  if (d.kind === "file") return Errno.NOTCAPABLE;
  return Errno.SPIPE;
}

const importNames = new WeakMap();

/** Preview1's functions and whatever else the module imports from it, once per module. */
function importedNames(module) {
  let names = importNames.get(module);
  if (!names) {
    names = new Set(PREVIEW1);
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.module === MODULE && imp.kind === "function") names.add(imp.name);
    }
    importNames.set(module, names);
  }
  return names;
}

/** A pointer that slipped past validation: answered with FAULT. */
class MemoryFault extends Error {}

/** ENOSYS stubs for names outside preview1 are offered too; this lists preview1's own. */
export const PREVIEW1_FUNCTIONS = Object.freeze([...PREVIEW1]);
