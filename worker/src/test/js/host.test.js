// SPDX-License-Identifier: Apache-2.0
// The bridge (WorkerHost) driving the C test guest: frames, failures, limits,
// rounds of needs through env bindings, effects after the response.

import { test } from "node:test";
import assert from "node:assert/strict";
import { WorkerHost } from "../../main/js/host.js";
import {
  appBytes,
  host,
  memoryImportingGuest,
  MemoryD1,
  MemoryKv,
  recordingLog,
  request,
  testGuest,
  text,
} from "./support.js";

async function run(path, options = {}, env = {}, hostOptions = {}) {
  const { host: h, log } = await host(hostOptions);
  const effects = [];
  const response = await h.handle(request(path, options), env, (p) => effects.push(p));
  return {
    response,
    log,
    effects,
    body: text(response.body),
    header: (n) => response.headers.find(([k]) => k === n)?.[1],
  };
}

function script(s) {
  return { method: "POST", body: JSON.stringify(s) };
}

test("echo: method, url, every header (repeats kept) and the raw body", async () => {
  const body = new Uint8Array([0, 1, 2, 10, 13, 255, 254]);
  const { response, header } = await run("/echo?q=1", {
    method: "PUT",
    headers: [
      ["x-a", "1"],
      ["x-a", "2"],
    ],
    body,
  });
  assert.equal(response.status, 200);
  assert.equal(header("x-echo-method"), "PUT");
  assert.equal(header("x-echo-url"), "http://localhost:8797/echo?q=1");
  assert.deepEqual(
    response.headers.filter(([k]) => k === "x-echo-x-a").map(([, v]) => v),
    ["1", "2"],
  );
  assert.deepEqual(
    response.headers.filter(([k]) => k === "set-cookie").map(([, v]) => v),
    ["a=1", "b=2"],
  );
  assert.deepEqual([...response.body], [...body]);
});

test("the guest reads app.avm from the read-only /app preopen", async () => {
  const { response } = await run("/file");
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, appBytes());
  assert.equal((await run("/dir")).body, ".\n..\napp.avm\n");
  assert.equal((await run("/missing")).body, "ENOENT");
  assert.equal((await run("/args")).body, "atomvm /app/app.avm");
});

test("without app.avm (a snapshot VM) the /app preopen is empty and the arguments stay", async () => {
  const { module } = await testGuest();
  const h = new WorkerHost({ module, log: recordingLog() });
  assert.equal(text((await h.handle(request("/dir"))).body), ".\n..\n");
  assert.equal((await h.handle(request("/file"))).status, 500);
  assert.equal(text((await h.handle(request("/args"))).body), "atomvm /app/app.avm");
});

test("a VM that is not a snapshot (it exports atomvm_wasi_preinit) needs app.avm", async () => {
  const name = new TextEncoder().encode("atomvm_wasi_preinit");
  // (module (func) (export "atomvm_wasi_preinit" (func 0)))
  const bytes = new Uint8Array([
    ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...[1, 4, 1, 0x60, 0, 0],
    ...[3, 2, 1, 0],
    ...[7, name.length + 4, 1, name.length, ...name, 0, 0],
    ...[10, 4, 1, 2, 0, 0x0b],
  ]);
  const module = await WebAssembly.compile(bytes);
  assert.throws(() => new WorkerHost({ module }), /app is required: this VM is not a snapshot/);
  assert.ok(new WorkerHost({ module, app: new Uint8Array(1) }));
});

test("a VM that imports its memory (a snapshot) is lent one memory, zeroed between passes", async () => {
  const { module, app, initial } = await memoryImportingGuest();
  const h = new WorkerHost({ module, app, log: recordingLog() });
  assert.deepEqual(h.memory, { initial });
  const first = await h.handle(request("/residue"));
  assert.equal(text(first.body), "runs 1, dirty 0\n");
  assert.equal(h.idleMemories.length, 1);
  const lent = h.idleMemories[0];
  for (let i = 0; i < 3; i++) {
    assert.equal(text((await h.handle(request("/residue"))).body), "runs 1, dirty 0\n");
    assert.equal(h.idleMemories[0], lent, "the same memory again");
  }
  assert.equal(text((await h.handle(request("/echo", { body: "x" }))).body), "x");
});

test("a lent memory the guest grew is not lent again", async () => {
  const { module, app, initial } = await memoryImportingGuest();
  const h = new WorkerHost({ module, app, log: recordingLog() });
  await h.handle(request("/residue"));
  const lent = h.idleMemories[0];
  assert.equal((await h.handle(request("/grow?mb=2"))).status, 200);
  assert.equal(h.idleMemories.length, 0);
  assert.equal(text((await h.handle(request("/residue"))).body), "runs 1, dirty 0\n");
  assert.notEqual(h.idleMemories[0], lent);
  assert.equal(h.idleMemories[0].buffer.byteLength, initial * 65536);
});

test("a memory lent to a pass that trapped is zeroed like any other", async () => {
  const { module, app } = await memoryImportingGuest();
  const h = new WorkerHost({ module, app, log: recordingLog() });
  await h.handle(request("/residue"));
  assert.equal((await h.handle(request("/trap"))).status, 500);
  assert.equal(text((await h.handle(request("/residue"))).body), "runs 1, dirty 0\n");
});

test("a VM that imports env.memory without saying its size is refused with the fix", async () => {
  for (const section of [
    null,
    "not json",
    JSON.stringify({ initial: -1 }),
    JSON.stringify({ initial: 2, maximum: 1.5 }),
  ]) {
    const { module, app } = await memoryImportingGuest({ section });
    assert.throws(
      () => new WorkerHost({ module, app }),
      /imports env\.memory but its elixir-workers\.memory section does not say how large: rebuild the worker/,
    );
  }
});

test("random bytes differ between requests; the time is now", async () => {
  const a = (await run("/random")).body;
  const b = (await run("/random")).body;
  assert.match(a, /^[0-9a-f]{32}$/);
  assert.notEqual(a, b);
  assert.ok(Math.abs(Number((await run("/time")).body) - Date.now() / 1000) < 5);
  assert.equal((await run("/sleep")).body, "slept\n");
});

test("stderr goes to the console line by line, never into the response", async () => {
  const { response, log } = await run("/stderr");
  assert.equal(text(response.body), "logged\n");
  assert.deepEqual(log.lines, ["[worker] hello from the guest", "[worker] second line without newline"]);
});

test("a 4 MiB body passes through untouched", async () => {
  const { response } = await run("/big");
  assert.equal(response.body.length, 4 * 1024 * 1024);
  assert.equal(response.body[1], (31 + 7) & 0xff);
});

test("a trap is a 500 with the fixed text, the trap in the log, and the next request runs on a fresh instance", async () => {
  const { host: h, log } = await host();
  const trapped = await h.handle(request("/trap"));
  assert.equal(trapped.status, 500);
  assert.equal(text(trapped.body), "the worker crashed\n");
  assert.ok(
    log.lines.includes("[elixir-workers] GET http://localhost:8797/trap: the worker crashed\ntrap: unreachable"),
  );
  const oob = await h.handle(request("/oob"));
  assert.equal(text(oob.body), "the worker crashed\n");
  assert.ok(
    log.lines.some((l) => l.endsWith("the worker crashed\ntrap: memory access out of bounds")),
    log.lines,
  );
  const after = await h.handle(request("/echo", { body: "still here" }));
  assert.equal(after.status, 200);
  assert.equal(text(after.body), "still here");
});

test("invalid frames are 502 with the first bytes the guest wrote", async () => {
  const garbage = await run("/garbage");
  assert.equal(garbage.response.status, 502);
  assert.match(garbage.body, /^the worker wrote an invalid response: the head is not JSON/);
  assert.match(garbage.body, /first bytes: this is not a frame\\n\n$/);
  const partial = await run("/partial");
  assert.equal(partial.response.status, 502);
  assert.match(partial.body, /the body is 5 bytes but "body_size" says 10 \(too short\)/);
  const status = await run("/bad-status");
  assert.equal(status.response.status, 502);
  assert.match(status.body, /"status" 99 is not in 100\.\.599/);
});

test("a non-zero exit is a 500 with the status; the tail of stderr goes to the log", async () => {
  const { response, body, log } = await run("/exit", {}, { API_TOKEN: "s3cret" });
  assert.equal(response.status, 500);
  assert.equal(body, "the worker exited with status 3\n");
  assert.ok(
    log.lines.includes(
      "[elixir-workers] GET http://localhost:8797/exit: the worker exited with status 3\nstderr:\nabout to exit with status 3",
    ),
    log.lines,
  );
});

test("in development mode a 500 shows the trap and the tail of stderr", async () => {
  for (const mode of ["dev", "development"]) {
    const exited = await run("/exit", {}, { ELIXIR_WORKERS_ENV: mode });
    assert.equal(exited.body, "the worker exited with status 3\nstderr:\nabout to exit with status 3\n");
    const trapped = await run("/trap", {}, { ELIXIR_WORKERS_ENV: mode });
    assert.equal(trapped.body, "the worker crashed\ntrap: unreachable\n");
  }
  assert.equal(
    (await run("/exit", {}, { ELIXIR_WORKERS_ENV: "production" })).body,
    "the worker exited with status 3\n",
  );
});

test("stderr reaches the log up to the per-request budget, then the dropped bytes are counted", async () => {
  const { response, body, log } = await run("/wasi/aliased-write", {}, {}, { limits: { stderrLogBytes: 640 } });
  assert.equal(response.status, 200);
  assert.equal(body, "0 2147483647\n", "a short write of 2^31 - 1 bytes, not EFBIG for the 4 GiB claimed");
  // the block has no newline: what the budget reached of its first line, then nothing
  assert.deepEqual(
    log.lines.filter((l) => l.startsWith("[worker] ")),
    [`[worker] ${".".repeat(640)}`],
  );
  assert.ok(
    log.lines.includes(
      `[elixir-workers] GET http://localhost:8797/wasi/aliased-write: ${2 ** 31 - 1 - 640} bytes dropped from the worker's stderr (the log takes 640 bytes of it per request)`,
    ),
    log.lines.slice(-2),
  );
});

test("more than the stdout limit is a 502", async () => {
  const { response, body } = await run("/big", {}, {}, { limits: { stdoutBytes: 1 << 20 } });
  assert.equal(response.status, 502);
  assert.match(body, /^the worker wrote an invalid response: more than 1048576 bytes on stdout/);
});

test("sleeping past the time limit is a 504, without waiting for it", async () => {
  const started = performance.now();
  const { response, body } = await run("/sleep-forever", {}, {}, { limits: { timeMs: 1500 } });
  assert.equal(response.status, 504);
  assert.equal(body, "the worker ran longer than 1500 ms\n");
  assert.ok(performance.now() - started < 1500);
});

test("growing past the memory limit is a 500", async () => {
  const { response, body } = await run("/grow?mb=40", {}, {}, { limits: { memoryBytes: 32 << 20 } });
  assert.equal(response.status, 500);
  assert.match(body, /^the worker ran out of memory/);
  assert.equal((await run("/grow?mb=8", {}, {}, { limits: { memoryBytes: 32 << 20 } })).response.status, 200);
});

test("fetch: a body over the limit is a 413 before the guest runs", async () => {
  const { module, app } = await testGuest();
  const log = recordingLog();
  const h = new WorkerHost({ module, app, log, limits: { requestBodyBytes: 10 } });
  const response = await h.fetch(new Request("http://localhost/echo", { method: "POST", body: "0123456789AB" }));
  assert.equal(response.status, 413);
  assert.equal(await response.text(), "the request body is larger than 10 bytes\n");
  const ok = await h.fetch(new Request("http://localhost/echo", { method: "POST", body: "0123456789" }));
  assert.equal(ok.status, 200);
});

test("fetch: a Request becomes a frame and the answer a Response with repeated set-cookie", async () => {
  const { module, app } = await testGuest();
  const h = new WorkerHost({ module, app, log: recordingLog() });
  const response = await h.fetch(
    new Request("http://example.com/echo?x=1", { method: "POST", headers: { "X-Test": "yes" }, body: "hi" }),
  );
  assert.equal(response.status, 200);
  assert.deepEqual(response.headers.getSetCookie(), ["a=1", "b=2"]);
  assert.equal(response.headers.get("x-echo-x-test"), "yes");
  assert.equal(response.headers.get("x-echo-url"), "http://example.com/echo?x=1");
  assert.equal(await response.text(), "hi");
});

test("env: strings are vars and secrets, KV and D1 objects are bindings, others are left out", async () => {
  const env = { GREETING: "hi", TOKEN: "s3cret", CACHE: new MemoryKv(), DB: new MemoryD1(), QUEUE: { send() {} } };
  const { body } = await run("/env", {}, env);
  assert.deepEqual(JSON.parse(body), {
    env: { GREETING: "hi", TOKEN: "s3cret" },
    bindings: { CACHE: "kv", DB: "d1" },
    cf: {},
  });
});

test("needs run over rounds: results accumulate, state and round come back", async () => {
  const env = { KV: new MemoryKv({ a: "1", j: '{"x":[1,2]}' }), DB: new MemoryD1([{ id: 1, name: "ada" }]) };
  const { response, body } = await run(
    "/script",
    script({
      rounds: [
        [
          { id: "a", type: "kv.get", binding: "KV", key: "a" },
          { id: "j", type: "kv.get", binding: "KV", key: "j", as: "json" },
        ],
        [
          { id: "q", type: "d1.query", binding: "DB", sql: "SELECT * FROM t WHERE id = ?", params: [1] },
          { id: "none", type: "kv.get", binding: "KV", key: "zz" },
        ],
      ],
      states: [{ step: "one" }, ["two"]],
    }),
    env,
  );
  assert.equal(response.status, 200, body);
  const got = JSON.parse(body);
  assert.equal(got.round, 2);
  assert.deepEqual(got.state, ["two"]);
  assert.deepEqual(got.results.a, { ok: "1" });
  assert.deepEqual(got.results.j, { ok: { x: [1, 2] } });
  assert.deepEqual(got.results.none, { ok: null });
  assert.deepEqual(got.results.q.ok.results, [{ id: 1, name: "ada" }]);
  assert.deepEqual(Object.keys(got.results.q.ok.meta), [
    "rows_read",
    "rows_written",
    "last_row_id",
    "changes",
    "duration",
  ]);
  assert.deepEqual(env.DB.statements, [["SELECT * FROM t WHERE id = ?", [1]]]);
});

test("the needs of one round are fulfilled concurrently", async () => {
  const kv = new MemoryKv({ a: "1", b: "2" });
  let started = 0;
  let release;
  const bothStarted = new Promise((r) => (release = r));
  const get = kv.get.bind(kv);
  kv.get = async (key, options) => {
    if (++started === 2) release();
    await Promise.race([
      bothStarted,
      new Promise((_, no) => setTimeout(() => no(new Error("needs ran one after the other")), 2000)),
    ]);
    return get(key, options);
  };
  const { body } = await run(
    "/script",
    script({
      rounds: [
        [
          { id: "a", type: "kv.get", binding: "KV", key: "a" },
          { id: "b", type: "kv.get", binding: "KV", key: "b" },
        ],
      ],
    }),
    { KV: kv },
  );
  assert.deepEqual(JSON.parse(body).results, { a: { ok: "1" }, b: { ok: "2" } });
});

test("kv.get_with_metadata and kv.list", async () => {
  const kv = new MemoryKv({ "user:1": "ada", "user:2": "bob", other: "x" });
  kv.map.get("user:1").metadata = { role: "admin" };
  const { body } = await run(
    "/script",
    script({
      rounds: [
        [
          { id: "m", type: "kv.get_with_metadata", binding: "KV", key: "user:1" },
          { id: "gone", type: "kv.get_with_metadata", binding: "KV", key: "user:9" },
          { id: "l", type: "kv.list", binding: "KV", prefix: "user:", limit: 1 },
        ],
      ],
    }),
    { KV: kv },
  );
  const r = JSON.parse(body).results;
  assert.deepEqual(r.m, { ok: { value: "ada", metadata: { role: "admin" } } });
  assert.deepEqual(r.gone, { ok: null });
  assert.deepEqual(r.l.ok.keys, [{ name: "user:1", metadata: { role: "admin" } }]);
  assert.equal(r.l.ok.list_complete, false);
  assert.equal(typeof r.l.ok.cursor, "string");
});

test("a need that cannot be fulfilled is an error result, not a failed request", async () => {
  const env = { KV: new MemoryKv({ bad: "{not json" }), DB: new MemoryD1() };
  const { response, body } = await run(
    "/script",
    script({
      rounds: [
        [
          { id: "u", type: "kv.get", binding: "NOPE", key: "a" },
          { id: "t", type: "d1.query", binding: "KV", sql: "SELECT 1" },
          { id: "k", type: "kv.get", binding: "KV" },
          { id: "l", type: "kv.get", binding: "KV", key: "x".repeat(513) },
          { id: "s", type: "d1.query", binding: "DB", sql: "FAIL" },
          { id: "j", type: "kv.get", binding: "KV", key: "bad", as: "json" },
          { id: "y", type: "kv.frobnicate", binding: "KV" },
          { id: "n", type: "kv.list", binding: "KV", limit: 5000 },
        ],
      ],
    }),
    env,
  );
  assert.equal(response.status, 200);
  const codes = Object.fromEntries(Object.entries(JSON.parse(body).results).map(([id, r]) => [id, r.error.code]));
  assert.deepEqual(codes, {
    u: "undeclared_binding",
    t: "bad_request",
    k: "bad_request",
    l: "limit",
    s: "sql_error",
    j: "bad_request",
    y: "bad_request",
    n: "bad_request",
  });
});

test("kv.get as base64 hands binary values over intact", async () => {
  const kv = new MemoryKv();
  const bytes = new Uint8Array([0, 255, 10, 13, 128, 65]);
  await kv.put("blob", bytes);
  const { response } = await run("/kv/raw?binding=KV&key=blob", {}, { KV: kv });
  assert.equal(response.status, 200);
  assert.deepEqual([...response.body], [...bytes]);
  assert.equal((await run("/kv/raw?binding=KV&key=absent", {}, { KV: kv })).response.status, 404);
});

test("a chain of KV keys takes one round per key", async () => {
  const kv = new MemoryKv({ k: "k1", k1: "k2" });
  const { body } = await run("/chain?binding=KV&key=k", {}, { KV: kv });
  assert.equal(body, "k -> k1 -> k2");
});

test("asking for more rounds than the limit is a 500", async () => {
  const need = (i) => [{ id: `n${i}`, type: "kv.get", binding: "KV", key: "a" }];
  const env = { KV: new MemoryKv({ a: "1" }) };
  const seven = await run("/script", script({ rounds: Array.from({ length: 7 }, (_, i) => need(i)) }), env);
  assert.equal(seven.response.status, 200, seven.body);
  assert.equal(JSON.parse(seven.body).round, 7);
  const eight = await run("/script", script({ rounds: Array.from({ length: 8 }, (_, i) => need(i)) }), env);
  assert.equal(eight.response.status, 500);
  assert.equal(eight.body, "the worker asked for more than 8 rounds\n");
});

test("more needs in one round than the limit is a 500", async () => {
  const needs = Array.from({ length: 65 }, (_, i) => ({ id: `n${i}`, type: "kv.get", binding: "KV", key: "a" }));
  const { response, body } = await run("/script", script({ rounds: [needs] }), { KV: new MemoryKv() });
  assert.equal(response.status, 500);
  assert.equal(body, "the worker asked for 65 needs in one round; the limit is 64\n");
});

test("a need id used twice in one request is an invalid response", async () => {
  const need = { id: "same", type: "kv.get", binding: "KV", key: "a" };
  const { response, body } = await run("/script", script({ rounds: [[need], [need]] }), { KV: new MemoryKv() });
  assert.equal(response.status, 502);
  assert.match(body, /need id "same" is used twice/);
});

test("effects run after the response, in order; a failure is logged and the rest still run", async () => {
  const env = { KV: new MemoryKv(), DB: new MemoryD1() };
  const { response, effects, log } = await run(
    "/script",
    script({
      status: 201,
      effects: [
        { type: "kv.put", binding: "KV", key: "a", value: "1", metadata: { m: 1 } },
        { type: "kv.put", binding: "KV", key: "bin", value: "AP8K", encoding: "base64" },
        { type: "kv.put", binding: "KV", key: "b", value: "2", expiration_ttl: 10 },
        { type: "kv.delete", binding: "KV", key: "a" },
        { type: "d1.exec", binding: "DB", sql: "INSERT INTO t VALUES (?)", params: ["x"] },
        {
          type: "d1.batch",
          binding: "DB",
          statements: [{ sql: "UPDATE t SET a = ?", params: [1] }, { sql: "DELETE FROM t" }],
        },
        { type: "kv.put", binding: "NOPE", key: "c", value: "3" },
      ],
    }),
    env,
  );
  assert.equal(response.status, 201);
  assert.equal(effects.length, 1, "one waitUntil promise");
  const failures = await effects[0];
  assert.deepEqual(
    env.KV.calls.map((c) => c.slice(0, 2)),
    [
      ["put", "a"],
      ["put", "bin"],
      ["delete", "a"],
    ],
  );
  assert.deepEqual([...env.KV.map.get("bin").value], [0, 255, 10]);
  assert.deepEqual(env.DB.statements, [
    ["INSERT INTO t VALUES (?)", ["x"]],
    ["UPDATE t SET a = ?", [1]],
    ["DELETE FROM t", []],
  ]);
  assert.equal(failures.length, 2);
  assert.match(failures[0], /POST http:\/\/localhost:8797\/script: effect 2 \(kv\.put\) failed: limit:/);
  assert.match(failures[1], /effect 6 \(kv\.put\) failed: undeclared_binding:/);
  assert.deepEqual(log.lines, failures);
});

test("a module that is not a WASI command is reported, not thrown", async () => {
  // (module (func (export "_start")))  -- no memory
  const bytes = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 10, 1, 6, 95, 115, 116, 97, 114, 116, 0, 0, 10, 4, 1,
    2, 0, 11,
  ]);
  const h = new WorkerHost({ module: await WebAssembly.compile(bytes), app: new Uint8Array(0), log: recordingLog() });
  const response = await h.handle(request("/"));
  assert.equal(response.status, 500);
  assert.match(text(response.body), /^the worker cannot be linked: the module exports no memory or no _start/);
});
