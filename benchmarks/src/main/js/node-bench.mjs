// SPDX-License-Identifier: Apache-2.0
//
// Per-request latency of a built worker under node, through the real Worker
// host (worker/src/main/js/host.js: a fresh instance of the VM for every pass),
// with an in-memory KV namespace CACHE in `env`. Run by the benchmarks module:
//
//   node node-bench.mjs <worker dir> <host.js> <warmup> <rounds> <runs> <path>...
//
// prints one JSON line per entry point ("handle", then "fetch"; see once()) and
// path: {"entry", "path", "status", "bytes", "medians": [ms per round], "p99s":
// [ms per round]}.

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, hostJs, warmup, rounds, runs, ...paths] = process.argv.slice(2);
const { WorkerHost } = await import(pathToFileURL(hostJs).href);

/** KV namespace in memory: what the host calls for reads and writes. */
class MemoryKv {
  constructor(entries) {
    this.map = new Map(Object.entries(entries));
  }
  async get(key, { type } = {}) {
    const value = this.map.get(key);
    if (value === undefined) return null;
    return type === "arrayBuffer" ? new TextEncoder().encode(value).buffer : value;
  }
  async getWithMetadata(key, options) {
    return { value: await this.get(key, options), metadata: null };
  }
  async put(key, value) {
    this.map.set(key, typeof value === "string" ? value : new TextDecoder().decode(value));
  }
  async delete(key) {
    this.map.delete(key);
  }
  async list() {
    return {
      keys: [...this.map.keys()].sort().map((name) => ({ name })),
      list_complete: true,
    };
  }
}

const module = await WebAssembly.compile(await readFile(join(dir, "atomvm.wasm")));
// a snapshot bundle has no app.avm: the VM holds the application
const app = existsSync(join(dir, "app.avm")) ? new Uint8Array(await readFile(join(dir, "app.avm"))) : undefined;
const host = new WorkerHost({
  module,
  app,
  log: { log() {}, error() {}, warn() {} },
});
const env = { CACHE: new MemoryKv({ greeting: "Hello from KV" }) };
const ctx = { waitUntil() {}, passThroughOnException() {} };

/**
 * One request through `entry`: "handle" is the contract level, a request
 * record in and a response record out (the layer the JVM figures measure:
 * WorkerRuntime.handle); "fetch" is the Worker's fetch handler with node's
 * Request and Response (undici) and the body read as a client would.
 */
async function once(entry, path) {
  let status;
  let body;
  if (entry === "handle") {
    const response = await host.handle(
      {
        method: "GET",
        url: "http://localhost:8797" + path,
        headers: [
          ["accept", "text/html"],
          ["user-agent", "bench"],
        ],
        body: new Uint8Array(0),
      },
      env,
      (promise) => ctx.waitUntil(promise),
    );
    status = response.status;
    body = response.body;
  } else {
    const response = await host.fetch(
      new Request("http://localhost:8797" + path, {
        headers: { accept: "text/html", "user-agent": "bench" },
      }),
      env,
      ctx,
    );
    status = response.status;
    body = new Uint8Array(await response.arrayBuffer());
  }
  if (status !== 200) {
    throw new Error(`GET ${path} (${entry}): ${status} ${new TextDecoder().decode(body).slice(0, 300)}`);
  }
  return body.length;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

for (const entry of ["handle", "fetch"]) {
  for (const path of paths) {
    const bytes = await once(entry, path);
    for (let i = 0; i < Number(warmup); i++) await once(entry, path);
    const medians = [];
    const p99s = [];
    for (let r = 0; r < Number(rounds); r++) {
      const times = [];
      for (let i = 0; i < Number(runs); i++) {
        const start = process.hrtime.bigint();
        await once(entry, path);
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      times.sort((a, b) => a - b);
      medians.push(percentile(times, 0.5));
      p99s.push(percentile(times, 0.99));
    }
    console.log(JSON.stringify({ entry, path, status: 200, bytes, medians, p99s }));
  }
}
