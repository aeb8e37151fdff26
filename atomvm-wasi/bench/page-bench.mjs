// SPDX-License-Identifier: Apache-2.0
//
// Not a test: the per-request latency of a built worker under node, one fresh
// instance per request, the way the Worker runs it (docs/protocol.md). A
// minimal WASI preview1 host in memory: request frame on stdin, /app/app.avm
// preopened, stdout collected. Reports medians of repeated runs.
//
//   node atomvm-wasi/bench/page-bench.mjs [--show] <worker dir> [path] [runs] [warmup]
//
// e.g. node atomvm-wasi/bench/page-bench.mjs examples/hello-worker/target/worker / 300
// --show prints the first response (head, body, stderr) and does not time.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomFillSync } from "node:crypto";

const argv = process.argv.slice(2);
const SHOW = argv[0] === "--show";
const [dir = "examples/hello-worker/target/worker", path = "/", runsArg = "300", warmArg = "100"] =
  SHOW ? argv.slice(1) : argv;
const RUNS = Number(runsArg);
const WARMUP = Number(warmArg);

const wasm = readFileSync(join(dir, "atomvm.wasm"));
const app = readFileSync(join(dir, "app.avm"));
const module = new WebAssembly.Module(wasm);

const ENOSYS = 52, EBADF = 8, ENOENT = 44, SUCCESS = 0;

class Exit {
  constructor(code) { this.code = code; }
}

// BENCH_BROWSER=1 sends the headers a desktop browser sends (about 700 bytes).
const BROWSER_HEADERS = [
  ["host", "localhost:8797"],
  ["connection", "keep-alive"],
  ["sec-ch-ua", '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"'],
  ["sec-ch-ua-mobile", "?0"],
  ["sec-ch-ua-platform", '"Linux"'],
  ["upgrade-insecure-requests", "1"],
  ["user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"],
  ["accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"],
  ["sec-fetch-site", "none"],
  ["sec-fetch-mode", "navigate"],
  ["sec-fetch-user", "?1"],
  ["sec-fetch-dest", "document"],
  ["accept-encoding", "gzip, deflate, br, zstd"],
  ["accept-language", "en-GB,en;q=0.9,de;q=0.8"],
  ["cookie", "theme=dark; session=3f9a2c7e1b"],
];

function requestFrame(path) {
  const head = JSON.stringify({
    v: 1, method: "GET", url: "http://localhost:8797" + path,
    headers: process.env.BENCH_BROWSER
      ? BROWSER_HEADERS
      : [["host", "localhost:8797"], ["accept", "text/html"], ["user-agent", "bench"]],
    body_size: 0, env: {}, bindings: {}, cf: {}, round: 0, state: null, results: {},
  });
  return Buffer.from(head + "\n");
}

function run(stdin) {
  let memory;
  const view = () => new DataView(memory.buffer);
  const bytes = () => new Uint8Array(memory.buffer);
  const out = [];
  const err = [];
  let stdinPos = 0;
  const files = new Map(); // fd -> {data, pos}
  const args = ["atomvm", "/app/app.avm"].map((a) => Buffer.from(a + "\0"));
  const wasi = {
    args_sizes_get(argc, size) {
      view().setUint32(argc, args.length, true);
      view().setUint32(size, args.reduce((n, a) => n + a.length, 0), true);
      return SUCCESS;
    },
    args_get(argv, buf) {
      for (const a of args) {
        view().setUint32(argv, buf, true);
        bytes().set(a, buf);
        argv += 4;
        buf += a.length;
      }
      return SUCCESS;
    },
    environ_sizes_get(count, size) {
      view().setUint32(count, 0, true);
      view().setUint32(size, 0, true);
      return SUCCESS;
    },
    environ_get() { return SUCCESS; },
    clock_time_get(id, precision, ptr) {
      const ns = id === 0 ? BigInt(Date.now()) * 1000000n : process.hrtime.bigint();
      view().setBigUint64(ptr, ns, true);
      return SUCCESS;
    },
    fd_prestat_get(fd, ptr) {
      if (fd !== 3) return EBADF;
      view().setUint8(ptr, 0);
      view().setUint32(ptr + 4, 4, true);
      return SUCCESS;
    },
    fd_prestat_dir_name(fd, ptr, len) {
      if (fd !== 3) return EBADF;
      bytes().set(Buffer.from("/app").subarray(0, len), ptr);
      return SUCCESS;
    },
    fd_fdstat_get(fd, ptr) {
      const v = view();
      v.setUint8(ptr, fd <= 2 ? 2 : fd === 3 ? 3 : 4);
      v.setUint16(ptr + 2, 0, true);
      v.setBigUint64(ptr + 8, 0xffffffffn, true);
      v.setBigUint64(ptr + 16, 0xffffffffn, true);
      return fd <= 4 ? SUCCESS : EBADF;
    },
    path_open(dirfd, dirflags, pathPtr, pathLen, oflags, rb, ri, fdflags, fdPtr) {
      const name = Buffer.from(memory.buffer, pathPtr, pathLen).toString();
      if (dirfd !== 3 || name !== "app.avm") return ENOENT;
      const fd = 4 + files.size;
      files.set(fd, { data: app, pos: 0 });
      view().setUint32(fdPtr, fd, true);
      return SUCCESS;
    },
    fd_filestat_get(fd, ptr) {
      const f = files.get(fd);
      const v = view();
      for (let i = 0; i < 64; i += 8) v.setBigUint64(ptr + i, 0n, true);
      v.setUint8(ptr + 16, f ? 4 : 2);
      v.setBigUint64(ptr + 32, BigInt(f ? f.data.length : 0), true);
      return SUCCESS;
    },
    fd_read(fd, iovs, iovsLen, nread) {
      const v = view();
      let src, pos;
      if (fd === 0) { src = stdin; pos = stdinPos; }
      else { const f = files.get(fd); if (!f) return EBADF; src = f.data; pos = f.pos; }
      let n = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + i * 8, true);
        const len = v.getUint32(iovs + i * 8 + 4, true);
        const chunk = src.subarray(pos, pos + len);
        bytes().set(chunk, ptr);
        pos += chunk.length;
        n += chunk.length;
        if (chunk.length < len) break;
      }
      if (fd === 0) stdinPos = pos; else files.get(fd).pos = pos;
      v.setUint32(nread, n, true);
      return SUCCESS;
    },
    fd_write(fd, iovs, iovsLen, nwritten) {
      const v = view();
      let n = 0;
      for (let i = 0; i < iovsLen; i++) {
        const ptr = v.getUint32(iovs + i * 8, true);
        const len = v.getUint32(iovs + i * 8 + 4, true);
        (fd === 1 ? out : err).push(Buffer.from(memory.buffer.slice(ptr, ptr + len)));
        n += len;
      }
      v.setUint32(nwritten, n, true);
      return SUCCESS;
    },
    fd_seek(fd, offset, whence, ptr) {
      const f = files.get(fd);
      if (!f) return fd <= 2 ? 70 /* ESPIPE */ : EBADF;
      const base = whence === 0 ? 0 : whence === 1 ? f.pos : f.data.length;
      f.pos = base + Number(offset);
      view().setBigUint64(ptr, BigInt(f.pos), true);
      return SUCCESS;
    },
    fd_close(fd) { files.delete(fd); return SUCCESS; },
    random_get(ptr, len) { randomFillSync(bytes(), ptr, len); return SUCCESS; },
    proc_exit(code) { throw new Exit(code); },
  };
  const imports = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    imports[imp.name] = wasi[imp.name] ?? (() => ENOSYS);
  }
  const t0 = process.hrtime.bigint();
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: imports });
  memory = instance.exports.memory;
  const t1 = process.hrtime.bigint();
  let code = 0;
  try {
    instance.exports._start();
  } catch (e) {
    if (e instanceof Exit) code = e.code; else throw e;
  }
  const t2 = process.hrtime.bigint();
  return { code, out: Buffer.concat(out), err: Buffer.concat(err).toString(),
    instantiate: Number(t1 - t0) / 1e6, run: Number(t2 - t1) / 1e6 };
}

const stdin = requestFrame(path);
const first = run(stdin);
const nl = first.out.indexOf(10);
if (SHOW) {
  console.log(first.out.toString());
  console.log("--- exit " + first.code + ", stderr:\n" + first.err);
  process.exit(0);
}
const head = JSON.parse(first.out.subarray(0, nl).toString());
if (first.code !== 0 || head.status !== 200) {
  console.error(first.out.toString().slice(0, 500), first.err);
  throw new Error("GET " + path + " failed: exit " + first.code + ", status " + head.status);
}
const bodySize = first.out.length - nl - 1;
for (let i = 0; i < WARMUP; i++) run(stdin);
const inst = [], runs = [], total = [];
let last;
const phases = new Map();
for (let i = 0; i < RUNS; i++) {
  const t0 = process.hrtime.bigint();
  const r = (last = run(stdin));
  for (const [, k, v] of r.err.matchAll(/(\w+)=(\d+(?:\.\d+)?)/g)) {
    if (!phases.has(k)) phases.set(k, []);
    phases.get(k).push(Number(v));
  }
  total.push(Number(process.hrtime.bigint() - t0) / 1e6);
  inst.push(r.instantiate);
  runs.push(r.run);
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };
const p90 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length * 0.9)]; };
console.log(`GET ${path}: ${head.status}, body ${bodySize} bytes, app.avm ${app.length} bytes, node ${process.version}`);
console.log(`  instantiate median ${median(inst).toFixed(3)} ms, _start median ${median(runs).toFixed(3)} ms, ` +
  `total median ${median(total).toFixed(3)} ms (p90 ${p90(total).toFixed(3)} ms, ${RUNS} runs after ${WARMUP} warm-up)`);
if (process.env.BENCH_STDERR) console.log("stderr of the last run: " + last.err);
// a worker instrumented to log name=number pairs on stderr gets their medians
if (phases.size > 0) {
  console.log("  medians of name=value pairs on stderr: " +
    [...phases].map(([k, v]) => `${k}=${median(v)}`).join(" "));
}
