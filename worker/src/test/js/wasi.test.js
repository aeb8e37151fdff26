// SPDX-License-Identifier: Apache-2.0
// The WASI preview1 shim, called directly over a plain WebAssembly.Memory.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DeadlineExceeded,
  Errno,
  HostFailure,
  IMPLEMENTED,
  InMemoryDirectory,
  MODULE,
  LineLog,
  OutputBuffer,
  PREVIEW1_FUNCTIONS,
  ProcExit,
  WasiPreview1,
} from "../../main/js/wasi.js";

const PAGE = 65536;
const enc = new TextEncoder();

function setup(options = {}) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const wasi = new WasiPreview1({
    args: ["atomvm", "/app/app.avm"],
    env: { A: "1" },
    stdin: enc.encode("hello"),
    preopens: { "/app": new InMemoryDirectory({ "app.avm": enc.encode("0123456789"), "sub/x.txt": enc.encode("x") }) },
    ...options,
  }).bind(memory);
  const view = () => new DataView(memory.buffer);
  const bytes = () => new Uint8Array(memory.buffer);
  const put = (at, text) => {
    const b = enc.encode(text);
    bytes().set(b, at);
    return b.length;
  };
  return { memory, wasi, view, bytes, put, ns: wasi.imports() };
}

function openApp(s, path = "app.avm") {
  const len = s.put(1000, path);
  const errno = s.wasi.path_open(3, 0, 1000, len, 0, -1n, -1n, 0, 2000);
  return { errno, fd: s.view().getUint32(2000, true) };
}

test("args and environ are written with their sizes", () => {
  const s = setup();
  assert.equal(s.wasi.args_sizes_get(0, 4), Errno.SUCCESS);
  assert.equal(s.view().getUint32(0, true), 2);
  assert.equal(s.view().getUint32(4, true), "atomvm\0/app/app.avm\0".length);
  assert.equal(s.wasi.args_get(100, 200), Errno.SUCCESS);
  const first = s.view().getUint32(100, true);
  const second = s.view().getUint32(104, true);
  assert.equal(new TextDecoder().decode(s.bytes().subarray(second, second + 12)), "/app/app.avm");
  assert.equal(first, 200);
  assert.equal(s.wasi.environ_sizes_get(0, 4), Errno.SUCCESS);
  assert.equal(s.view().getUint32(0, true), 1);
});

test("pointers outside memory are EFAULT, never an exception", () => {
  const s = setup();
  assert.equal(s.wasi.args_sizes_get(PAGE - 2, 0), Errno.FAULT);
  assert.equal(s.wasi.clock_time_get(0, 0n, PAGE - 4), Errno.FAULT);
  assert.equal(s.wasi.random_get(PAGE - 8, 16), Errno.FAULT);
  assert.equal(s.wasi.fd_write(1, PAGE - 4, 1, 0), Errno.FAULT);
  assert.equal(s.wasi.fd_read(0, 0, 1, -1), Errno.FAULT);
  assert.equal(s.wasi.fd_prestat_dir_name(3, PAGE - 2, 4), Errno.FAULT);
});

test("unknown descriptors are EBADF and bad arguments EINVAL", () => {
  const s = setup();
  assert.equal(s.wasi.fd_close(42), Errno.BADF);
  assert.equal(s.wasi.fd_fdstat_get(42, 0), Errno.BADF);
  assert.equal(s.wasi.fd_prestat_get(0, 0), Errno.BADF);
  assert.equal(s.wasi.clock_time_get(9, 0n, 0), Errno.INVAL);
  assert.equal(s.wasi.fd_fdstat_set_flags(1, 0x100), Errno.INVAL);
  assert.equal(s.wasi.poll_oneoff(0, 100, 0, 200), Errno.INVAL);
  assert.equal(s.wasi.proc_raise(99), Errno.INVAL);
});

test("calls outside the implemented set answer ENOSYS", () => {
  const s = setup();
  for (const name of PREVIEW1_FUNCTIONS) {
    assert.equal(typeof s.ns[name], "function", name);
    if (!IMPLEMENTED.includes(name)) assert.equal(s.ns[name](0, 0, 0), Errno.NOSYS, name);
  }
  assert.equal(s.ns.path_unlink_file(3, 0, 0), Errno.NOSYS);
  assert.equal(MODULE, "wasi_snapshot_preview1");
});

test("stdin reads to its end, then 0 bytes", () => {
  const s = setup();
  s.view().setUint32(0, 100, true);
  s.view().setUint32(4, 3, true);
  assert.equal(s.wasi.fd_read(0, 0, 1, 8), Errno.SUCCESS);
  assert.equal(s.view().getUint32(8, true), 3);
  assert.equal(s.wasi.fd_read(0, 0, 1, 8), Errno.SUCCESS);
  assert.equal(s.view().getUint32(8, true), 2);
  assert.equal(s.wasi.fd_read(0, 0, 1, 8), Errno.SUCCESS);
  assert.equal(s.view().getUint32(8, true), 0);
  // "hel", then "lo" over its first two bytes
  assert.equal(new TextDecoder().decode(s.bytes().subarray(100, 103)), "lol");
});

test("stdout accepts up to its limit, then EFBIG", () => {
  const stdout = new OutputBuffer(8, "reject");
  const s = setup({ stdout });
  s.put(100, "0123456789");
  s.view().setUint32(0, 100, true);
  s.view().setUint32(4, 10, true);
  assert.equal(s.wasi.fd_write(1, 0, 1, 8), Errno.SUCCESS);
  assert.equal(s.view().getUint32(8, true), 8);
  assert.equal(s.wasi.fd_write(1, 0, 1, 8), Errno.FBIG);
  assert.equal(stdout.overflowed, true);
  assert.equal(new TextDecoder().decode(stdout.bytes()), "01234567");
});

test("stderr hands complete lines to its listener and keeps the tail", () => {
  const lines = [];
  const stderr = new OutputBuffer(4, "keep-tail", (l) => lines.push(l));
  stderr.write(enc.encode("one\r\ntwo\nthr"));
  stderr.write(enc.encode("ee"));
  stderr.flushLines();
  assert.deepEqual(lines, ["one", "two", "three"]);
  assert.equal(stderr.tail(100), "hree");
  assert.equal(stderr.overflowed, true);
});

test("the preopen is /app and its files read, pread, seek and stat", () => {
  const s = setup();
  assert.equal(s.wasi.fd_prestat_get(3, 0), Errno.SUCCESS);
  assert.equal(s.view().getUint32(4, true), 4);
  assert.equal(s.wasi.fd_prestat_dir_name(3, 10, 4), Errno.SUCCESS);
  assert.equal(new TextDecoder().decode(s.bytes().subarray(10, 14)), "/app");
  assert.equal(s.wasi.fd_prestat_dir_name(3, 10, 3), Errno.NAMETOOLONG);
  const { errno, fd } = openApp(s);
  assert.equal(errno, Errno.SUCCESS);
  assert.equal(s.wasi.fd_filestat_get(fd, 3000), Errno.SUCCESS);
  assert.equal(s.view().getUint8(3016), 4);
  assert.equal(s.view().getBigUint64(3032, true), 10n);
  assert.equal(s.wasi.fd_seek(fd, -3n, 2, 3100), Errno.SUCCESS);
  assert.equal(s.view().getBigUint64(3100, true), 7n);
  s.view().setUint32(0, 100, true);
  s.view().setUint32(4, 10, true);
  assert.equal(s.wasi.fd_read(fd, 0, 1, 8), Errno.SUCCESS);
  assert.equal(new TextDecoder().decode(s.bytes().subarray(100, 103)), "789");
  assert.equal(s.wasi.fd_pread(fd, 0, 1, 2n, 8), Errno.SUCCESS);
  assert.equal(s.view().getUint32(8, true), 8);
  assert.equal(new TextDecoder().decode(s.bytes().subarray(100, 108)), "23456789");
  assert.equal(s.wasi.fd_tell(fd, 3100), Errno.SUCCESS);
  assert.equal(s.view().getBigUint64(3100, true), 10n);
  assert.equal(s.wasi.fd_seek(fd, -20n, 0, 3100), Errno.INVAL);
  assert.equal(s.wasi.fd_write(fd, 0, 1, 8), Errno.BADF);
  assert.equal(s.wasi.fd_close(fd), Errno.SUCCESS);
  assert.equal(s.wasi.fd_close(fd), Errno.BADF);
});

test("paths cannot leave the preopen, be absolute, or be created", () => {
  const s = setup();
  assert.equal(openApp(s, "../etc/passwd").errno, Errno.NOTCAPABLE);
  assert.equal(openApp(s, "/etc/passwd").errno, Errno.NOTCAPABLE);
  assert.equal(openApp(s, "missing").errno, Errno.NOENT);
  assert.equal(openApp(s, "app.avm/").errno, Errno.NOTDIR);
  assert.equal(openApp(s, "sub/../app.avm").errno, Errno.SUCCESS);
  const len = s.put(1000, "new");
  assert.equal(s.wasi.path_open(3, 0, 1000, len, 1, -1n, -1n, 0, 2000), Errno.ROFS);
  const len2 = s.put(1000, "app.avm");
  assert.equal(s.wasi.path_open(3, 0, 1000, len2, 8, -1n, -1n, 0, 2000), Errno.ROFS);
  s.bytes().set([0xff, 0xfe], 1000);
  assert.equal(s.wasi.path_open(3, 0, 1000, 2, 0, -1n, -1n, 0, 2000), Errno.ILSEQ);
  assert.equal(s.wasi.path_filestat_get(3, 0, 1000, s.put(1000, "sub"), 3000), Errno.SUCCESS);
  assert.equal(s.view().getUint8(3016), 3);
});

test("readdir lists ., .., then names in byte order, resuming at the cookie", () => {
  const s = setup();
  assert.equal(s.wasi.fd_readdir(3, 100, 1000, 0n, 8), Errno.SUCCESS);
  const used = s.view().getUint32(8, true);
  const names = [];
  for (let at = 100; at < 100 + used;) {
    const len = s.view().getUint32(at + 16, true);
    names.push(new TextDecoder().decode(s.bytes().subarray(at + 24, at + 24 + len)));
    at += 24 + len;
  }
  assert.deepEqual(names, [".", "..", "app.avm", "sub"]);
  assert.equal(s.wasi.fd_readdir(3, 100, 1000, 3n, 8), Errno.SUCCESS);
  assert.equal(s.view().getUint32(116, true), 3);
  assert.equal(new TextDecoder().decode(s.bytes().subarray(124, 127)), "sub");
  assert.equal(s.wasi.fd_readdir(0, 100, 1000, 0n, 8), Errno.NOTDIR);
});

test("clocks read nanoseconds; a clock subscription advances them instead of blocking", () => {
  const s = setup();
  assert.equal(s.wasi.clock_time_get(0, 0n, 0), Errno.SUCCESS);
  const now = s.view().getBigUint64(0, true);
  assert.ok(Math.abs(Number(now / 1_000_000n) - Date.now()) < 5000);
  assert.equal(s.wasi.clock_time_get(1, 0n, 0), Errno.SUCCESS);
  const before = s.view().getBigUint64(0, true);
  // one relative clock subscription of 5 s
  s.view().setBigUint64(100, 7n, true);
  s.view().setUint8(108, 0);
  s.view().setUint32(116, 1, true);
  s.view().setBigUint64(124, 5_000_000_000n, true);
  s.view().setUint16(140, 0, true);
  const started = performance.now();
  assert.equal(s.wasi.poll_oneoff(100, 200, 1, 300), Errno.SUCCESS);
  assert.ok(performance.now() - started < 1000, "no real waiting");
  assert.equal(s.view().getUint32(300, true), 1);
  assert.equal(s.view().getBigUint64(200, true), 7n);
  assert.equal(s.wasi.clock_time_get(1, 0n, 0), Errno.SUCCESS);
  assert.ok(s.view().getBigUint64(0, true) - before >= 5_000_000_000n);
});

test("a sleep past the deadline ends the run", () => {
  const s = setup({ deadlineNanos: BigInt(Math.round(performance.now() * 1e6)) + 1_000_000_000n });
  s.view().setUint8(108, 0);
  s.view().setUint32(116, 1, true);
  s.view().setBigUint64(124, 60_000_000_000n, true);
  assert.throws(() => s.wasi.poll_oneoff(100, 200, 1, 300), DeadlineExceeded);
});

test("an fd subscription is ready at once", () => {
  const s = setup();
  s.view().setUint8(108, 1); // fd_read
  s.view().setUint32(116, 0, true);
  assert.equal(s.wasi.poll_oneoff(100, 200, 1, 300), Errno.SUCCESS);
  assert.equal(s.view().getUint32(300, true), 1);
  assert.equal(s.view().getBigUint64(216, true), 5n);
});

test("random_get fills the buffer (more than crypto's 64 KiB per call)", () => {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const wasi = new WasiPreview1().bind(memory);
  assert.equal(wasi.random_get(0, 100_000), Errno.SUCCESS);
  const b = new Uint8Array(memory.buffer, 0, 100_000);
  assert.ok(b.some((x) => x !== 0) && b.subarray(90_000).some((x) => x !== 0));
});

test("proc_exit and proc_raise end the run as control flow", () => {
  const s = setup();
  assert.throws(
    () => s.ns.proc_exit(3),
    (e) => e instanceof ProcExit && e.code === 3,
  );
  assert.throws(
    () => s.ns.proc_raise(6),
    (e) => e instanceof ProcExit && e.code === 134,
  );
  assert.equal(s.ns.proc_raise(0), Errno.SUCCESS);
});

test("a host bug surfaces as HostFailure, not as an errno", () => {
  const wasi = new WasiPreview1();
  const ns = wasi.imports(); // no memory bound: the host's own mistake
  assert.throws(() => ns.args_sizes_get(0, 4), HostFailure);
});

test("aliased iovecs are copied one by one up to the room left, never their sum", () => {
  const block = 4 << 20;
  const memory = new WebAssembly.Memory({ initial: block / 65536 + 1 });
  const lines = [];
  const stderr = new OutputBuffer(1000, "keep-tail", new LineLog((l) => lines.push(l), 640));
  const stdout = new OutputBuffer(1 << 20, "reject");
  const wasi = new WasiPreview1({ stdout, stderr }).bind(memory);
  const view = new DataView(memory.buffer);
  const iovs = block; // 1024 iovecs after the block, every one the whole block: 4 GiB claimed
  for (let i = 0; i < 1024; i++) {
    view.setUint32(iovs + 8 * i, 0, true);
    view.setUint32(iovs + 8 * i + 4, block, true);
  }
  const bytes = new Uint8Array(memory.buffer);
  for (let i = 0; i < block; i += 64) bytes[i] = 0x0a;
  const nwritten = iovs + 8 * 1024;
  assert.equal(wasi.fd_write(1, iovs, 1024, nwritten), Errno.SUCCESS);
  assert.equal(view.getUint32(nwritten, true), 1 << 20, "stdout takes what fits");
  assert.equal(wasi.fd_write(1, iovs, 1024, nwritten), Errno.FBIG);
  assert.equal(wasi.fd_write(2, iovs, 1024, nwritten), Errno.SUCCESS);
  assert.equal(view.getUint32(nwritten, true), 2 ** 31 - 1, "a short write of 2^31 - 1 bytes");
  assert.equal(lines.length, 11, "10 whole lines, then what the budget reached of the 11th");
  assert.equal(stderr.log.dropped, 2 ** 31 - 1 - 640);
  assert.equal(stderr.bytes().length, 1000);
  assert.equal(stderr.overflowed, true);
});

test("the read-only tree answers writes, resizes and socket calls with the spec's errnos", () => {
  const s = setup();
  const { fd: file } = openApp(s);
  s.view().setUint32(0, 100, true);
  s.view().setUint32(4, 1, true);
  // wasi-testsuite's dir_fd_op_failures: ISDIR, BADF or NOTCAPABLE, never NOSYS
  assert.equal(s.ns.fd_pwrite(3, 0, 1, 0n, 8), Errno.ISDIR);
  assert.equal(s.ns.fd_pwrite(file, 0, 1, 0n, 8), Errno.NOTCAPABLE);
  assert.equal(s.ns.fd_pwrite(1, 0, 1, 0n, 8), Errno.SPIPE);
  assert.equal(s.ns.fd_pwrite(99, 0, 1, 0n, 8), Errno.BADF);
  assert.equal(s.ns.fd_allocate(3, 0n, 1n), Errno.ISDIR);
  assert.equal(s.ns.fd_allocate(file, 0n, 1n), Errno.NOTCAPABLE);
  assert.equal(s.ns.fd_allocate(99, 0n, 1n), Errno.BADF);
  assert.equal(s.ns.fd_filestat_set_size(3, 0n), Errno.ISDIR);
  assert.equal(s.ns.fd_filestat_set_size(file, 0n), Errno.NOTCAPABLE);
  assert.equal(s.ns.fd_filestat_set_size(0, 0n), Errno.INVAL);
  assert.equal(s.ns.fd_filestat_set_size(99, 0n), Errno.BADF);
  assert.equal(s.ns.sock_shutdown(1, 2), Errno.NOTSOCK);
  assert.equal(s.ns.sock_shutdown(99, 2), Errno.BADF);
  assert.equal(s.ns.sock_send(3, 0, 1, 0, 8), Errno.NOTSOCK);
  assert.equal(s.ns.sock_recv(3, 0, 1, 0, 8, 12), Errno.NOTSOCK);
  assert.equal(s.ns.sock_accept(3, 0, 8), Errno.NOTSOCK);
});

test("a directory opened with write rights is ISDIR, without them it opens", () => {
  const s = setup();
  const len = s.put(1000, "sub");
  const readdir = 1n << 14n;
  const write = 1n << 6n;
  assert.equal(s.wasi.path_open(3, 0, 1000, len, 2, readdir | write, 0n, 0, 2000), Errno.ISDIR);
  assert.equal(s.wasi.path_open(3, 0, 1000, len, 2, readdir, 0n, 0, 2000), Errno.SUCCESS);
});
