// SPDX-License-Identifier: Apache-2.0
//
// Shared by the tests: the C test guest (compiled by the Maven build from
// wasi-bridge/src/test/c/test_guest.c into target/test-guest/), in-memory KV
// and D1 stand-ins, and a console that records what the host logs.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { WorkerHost } from "../../main/js/host.js";

export const WORKER_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const GUEST_DIR = process.env.TEST_GUEST_DIR || join(WORKER_DIR, "target/test-guest");

let guest;

/** The test guest: `{ module, app }`. Fails (never skips) when it has not been built. */
export async function testGuest() {
  if (!guest) {
    const wasm = join(GUEST_DIR, "atomvm.wasm");
    if (!existsSync(wasm)) {
      throw new Error(
        `${wasm} does not exist: the Maven build compiles the C test guest before the JavaScript tests` +
          " (cd worker && ../mvnw process-test-classes), or set TEST_GUEST_DIR",
      );
    }
    guest = {
      module: await WebAssembly.compile(readFileSync(wasm)),
      app: new Uint8Array(readFileSync(join(GUEST_DIR, "app.avm"))),
    };
  }
  return guest;
}

/**
 * The test guest turned into a module that imports its memory the way a
 * snapshot does: `env.memory` with `extraPages` more than it defined, and the
 * custom section that states the size (or `section` instead of it).
 */
export async function memoryImportingGuest({ extraPages = 8, section } = {}) {
  const bytes = readFileSync(join(GUEST_DIR, "atomvm.wasm"));
  const out = [bytes.subarray(0, 8)];
  let limits;
  const sections = [];
  for (let p = 8; p < bytes.length;) {
    const id = bytes[p++];
    const [size, at] = leb(bytes, p);
    sections.push([id, bytes.subarray(at, at + size)]);
    p = at + size;
  }
  for (const [id, body] of sections) {
    if (id === 5) {
      const [, at] = leb(body, 0); // one memory
      const flags = body[at];
      const [min, next] = leb(body, at + 1);
      limits = { flags, initial: min + extraPages, maximum: flags & 1 ? leb(body, next)[0] : undefined };
    }
  }
  const section_ = (id, content) => [Uint8Array.of(id, ...uleb(content.length)), content];
  for (const [id, body] of sections) {
    if (id === 5) continue;
    if (id === 2) {
      const [count, at] = leb(body, 0);
      const entry = [...name("env"), ...name("memory"), 2, limits.flags, ...uleb(limits.initial)];
      if (limits.maximum !== undefined) entry.push(...uleb(limits.maximum));
      out.push(...section_(2, Uint8Array.from([...uleb(count + 1), ...body.subarray(at), ...entry])));
      continue;
    }
    out.push(...section_(id, body));
  }
  const description =
    section !== undefined
      ? section
      : JSON.stringify(
          limits.maximum === undefined
            ? { initial: limits.initial }
            : { initial: limits.initial, maximum: limits.maximum },
        );
  if (description !== null) {
    out.push(...section_(0, Uint8Array.from([...name("elixir-workers.memory"), ...utf8(description)])));
  }
  const wasm = new Uint8Array(out.reduce((n, b) => n + b.length, 0));
  out.reduce((at, b) => (wasm.set(b, at), at + b.length), 0);
  return { module: await WebAssembly.compile(wasm), app: (await testGuest()).app, initial: limits.initial };
}

function leb(bytes, at) {
  let result = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [result, at];
}

function uleb(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

const name = (s) => [...uleb(utf8(s).length), ...utf8(s)];

/** The app.avm stand-in: 70 000 bytes cycling through every byte value (as in the Java tests). */
export function appBytes() {
  const bytes = new Uint8Array(70_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + Math.floor(i / 256)) & 0xff;
  return bytes;
}

/** A console that keeps lines. */
export function recordingLog() {
  const lines = [];
  return { lines, log: (l) => lines.push(l), error: (l) => lines.push(l), warn: (l) => lines.push(l) };
}

export async function host(options = {}) {
  const { module, app } = await testGuest();
  const log = options.log ?? recordingLog();
  return { host: new WorkerHost({ module, app, log, ...options }), log };
}

export const utf8 = (text) => new TextEncoder().encode(text);
export const text = (bytes) => new TextDecoder().decode(bytes);

/** A request for WorkerHost.handle. */
export function request(path, { method = "GET", headers = [], body = "" } = {}) {
  return { method, url: `http://localhost:8797${path}`, headers, body: typeof body === "string" ? utf8(body) : body };
}

/** A KV namespace in memory with the Workers API used by the host. */
export class MemoryKv {
  constructor(entries = {}) {
    this.map = new Map();
    for (const [k, v] of Object.entries(entries)) this.map.set(k, { value: utf8(v), metadata: null });
    this.calls = [];
  }
  async get(key, options = {}) {
    this.calls.push(["get", key]);
    const e = this.map.get(key);
    if (!e) return null;
    return options.type === "arrayBuffer" ? e.value.slice().buffer : text(e.value);
  }
  async getWithMetadata(key, options = {}) {
    const e = this.map.get(key);
    if (!e) return { value: null, metadata: null };
    return { value: options.type === "arrayBuffer" ? e.value.slice().buffer : text(e.value), metadata: e.metadata };
  }
  async put(key, value, options = {}) {
    this.calls.push(["put", key, options]);
    const bytes = typeof value === "string" ? utf8(value) : new Uint8Array(value);
    this.map.set(key, { value: bytes, metadata: options.metadata ?? null, expiration: options.expiration });
  }
  async delete(key) {
    this.calls.push(["delete", key]);
    this.map.delete(key);
  }
  async list({ prefix = "", limit = 1000, cursor } = {}) {
    const names = [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort();
    const start = cursor ? Number(cursor) : 0;
    const page = names.slice(start, start + limit);
    const done = start + limit >= names.length;
    return {
      keys: page.map((name) => ({
        name,
        ...(this.map.get(name).metadata ? { metadata: this.map.get(name).metadata } : {}),
      })),
      list_complete: done,
      ...(done ? {} : { cursor: String(start + limit) }),
    };
  }
}

/** A D1 stand-in: answers every query with `rows`, records statements, fails SQL containing "FAIL". */
export class MemoryD1 {
  constructor(rows = []) {
    this.rows = rows;
    this.statements = [];
    this.batches = [];
  }
  prepare(sql) {
    const db = this;
    const statement = {
      sql,
      params: [],
      bind(...params) {
        return { ...statement, params };
      },
      async all() {
        if (this.sql.includes("FAIL")) throw new Error(`D1_ERROR: near "FAIL": syntax error`);
        db.statements.push([this.sql, this.params]);
        return {
          results: db.rows,
          meta: { rows_read: db.rows.length, rows_written: 0, last_row_id: 0, changes: 0, duration: 0.1 },
        };
      },
      async run() {
        return this.all();
      },
    };
    return statement;
  }
  async batch(statements) {
    this.batches.push(statements.map((s) => [s.sql, s.params]));
    return Promise.all(statements.map((s) => s.all()));
  }
  async exec() {
    throw new Error("not used");
  }
}

/**
 * A KV namespace in memory with the semantics the contract relies on: expiry
 * (an expired key is gone for get and list), metadata, keys listed in byte
 * order of their UTF-8, paging by an opaque cursor. Limits are the host's
 * business (bindings.js checks them before calling put).
 */
export class LocalKv {
  constructor() {
    this.map = new Map();
  }
  #now() {
    return Date.now() / 1000;
  }
  #live(key) {
    const e = this.map.get(key);
    if (!e) return null;
    if (e.expiration !== undefined && e.expiration !== null && e.expiration <= this.#now()) return null;
    return e;
  }
  seed(key, value, metadata, expiration) {
    this.map.set(key, { value, metadata: metadata ?? null, expiration: expiration ?? null });
  }
  entry(key) {
    const e = this.#live(key);
    return e ? { value: e.value, metadata: e.metadata, expiration: e.expiration } : null;
  }
  #read(e, type) {
    if (type === "arrayBuffer") return e.value.slice().buffer;
    const t = text(e.value);
    return type === "json" ? JSON.parse(t) : t;
  }
  async get(key, options = {}) {
    const e = this.#live(key);
    return e ? this.#read(e, typeof options === "string" ? options : options.type) : null;
  }
  async getWithMetadata(key, options = {}) {
    const e = this.#live(key);
    return e
      ? { value: this.#read(e, typeof options === "string" ? options : options.type), metadata: e.metadata }
      : { value: null, metadata: null };
  }
  async put(key, value, options = {}) {
    const bytes = typeof value === "string" ? utf8(value) : new Uint8Array(value);
    const expiration = options.expirationTtl
      ? Math.floor(this.#now()) + options.expirationTtl
      : (options.expiration ?? null);
    this.map.set(key, { value: bytes, metadata: options.metadata ?? null, expiration });
  }
  async delete(key) {
    this.map.delete(key);
  }
  async list({ prefix = "", limit = 1000, cursor } = {}) {
    const after = cursor ? Buffer.from(cursor, "base64").toString("utf8") : null;
    const names = [...this.map.keys()]
      .filter(
        (k) =>
          k.startsWith(prefix) &&
          this.#live(k) &&
          (after === null || Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0),
      )
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = names.slice(0, limit);
    const more = names.length > limit;
    return {
      keys: page.map((name) => {
        const e = this.map.get(name);
        return {
          name,
          ...(e.expiration ? { expiration: e.expiration } : {}),
          ...(e.metadata !== null ? { metadata: e.metadata } : {}),
        };
      }),
      list_complete: !more,
      ...(more ? { cursor: Buffer.from(page[page.length - 1]).toString("base64") } : {}),
      cacheStatus: null,
    };
  }
}
