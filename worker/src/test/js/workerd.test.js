// SPDX-License-Identifier: Apache-2.0
// The Worker entry (worker.js importing atomvm.wasm as CompiledWasm and app.avm
// as Data) under the real workerd, through Miniflare, offline, with local KV and
// D1, driven over HTTP on 127.0.0.1.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { appBytes, GUEST_DIR, testGuest, WORKER_DIR } from "./support.js";

const bundle = join(WORKER_DIR, "target/workerd-test/bundle");
const state = join(WORKER_DIR, "target/workerd-test/state");
let mf;
let base;
const logged = [];

before(async () => {
  await testGuest(); // fails with the reason when the guest was not built
  rmSync(join(WORKER_DIR, "target/workerd-test"), { recursive: true, force: true });
  mkdirSync(bundle, { recursive: true });
  const js = join(WORKER_DIR, "src/main/js");
  for (const f of readdirSync(js)) cpSync(join(js, f), join(bundle, f));
  cpSync(join(GUEST_DIR, "atomvm.wasm"), join(bundle, "atomvm.wasm"));
  cpSync(join(GUEST_DIR, "app.avm"), join(bundle, "app.avm"));
  mf = new Miniflare({
    modules: true,
    scriptPath: join(bundle, "worker.js"),
    modulesRoot: bundle,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
      { type: "Data", include: ["**/*.avm"] },
    ],
    compatibilityDate: "2025-01-01",
    bindings: { GREETING: "hello" },
    kvNamespaces: ["CACHE"],
    d1Databases: ["DB"],
    kvPersist: join(state, "kv"),
    d1Persist: join(state, "d1"),
    host: "127.0.0.1",
    port: 0,
    cf: false,
    inspectorPort: undefined,
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) stream.on("data", (chunk) => logged.push(String(chunk)));
    },
  });
  base = await mf.ready;
  assert.equal(base.hostname, "127.0.0.1");
});

after(async () => {
  if (mf) await mf.dispose();
  if (snapshotMf) await snapshotMf.dispose();
});

const get = (path, init) => fetch(new URL(path, base), init);

async function eventually(check, what) {
  for (let i = 0; i < 100; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test("workerd: a binary body, repeated headers and set-cookie survive the round trip", async () => {
  const body = new Uint8Array(256).map((_, i) => i);
  const r = await get("/echo?x=1", { method: "POST", headers: [["x-a", "1"]], body });
  assert.equal(r.status, 200);
  assert.deepEqual(r.headers.getSetCookie(), ["a=1", "b=2"]);
  assert.equal(r.headers.get("x-echo-url"), new URL("/echo?x=1", base).href);
  assert.equal(r.headers.get("x-echo-x-a"), "1");
  assert.deepEqual(new Uint8Array(await r.arrayBuffer()), body);
});

test("workerd: app.avm arrives as Data at /app/app.avm", async () => {
  const r = await get("/file");
  assert.deepEqual(new Uint8Array(await r.arrayBuffer()), appBytes());
});

let snapshotMf;

test("workerd: worker-snapshot.js (a snapshot VM) runs without app.avm; /app is empty", async () => {
  const dir = join(WORKER_DIR, "target/workerd-test/snapshot-bundle");
  mkdirSync(dir, { recursive: true });
  const js = join(WORKER_DIR, "src/main/js");
  for (const f of readdirSync(js)) if (f !== "worker.js") cpSync(join(js, f), join(dir, f));
  cpSync(join(js, "worker-snapshot.js"), join(dir, "worker.js"));
  cpSync(join(GUEST_DIR, "atomvm.wasm"), join(dir, "atomvm.wasm"));
  snapshotMf = new Miniflare({
    modules: true,
    scriptPath: join(dir, "worker.js"),
    modulesRoot: dir,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
      { type: "Data", include: ["**/*.avm"] },
    ],
    compatibilityDate: "2025-01-01",
    host: "127.0.0.1",
    port: 0,
    cf: false,
    inspectorPort: undefined,
  });
  const url = await snapshotMf.ready;
  assert.equal(await (await fetch(new URL("/dir", url))).text(), ".\n..\n");
  assert.equal(await (await fetch(new URL("/args", url))).text(), "atomvm /app/app.avm");
});

test("workerd: a trap is a 500 and the next request gets a fresh instance", async () => {
  const trapped = await get("/trap");
  assert.equal(trapped.status, 500);
  assert.equal(await trapped.text(), "the worker crashed\n", "production: the fixed text only");
  const next = await get("/echo", { method: "POST", body: "again" });
  assert.equal(await next.text(), "again");
});

test("workerd: a sleep past the time limit is a 504", async () => {
  const r = await get("/sleep-forever");
  assert.equal(r.status, 504);
  assert.equal(await r.text(), "the worker ran longer than 10000 ms\n");
});

test("workerd: vars and bindings reach the guest; stderr reaches the console", async () => {
  const env = await (await get("/env")).json();
  assert.deepEqual(env.env, { GREETING: "hello" });
  assert.deepEqual(env.bindings, { CACHE: "kv", DB: "d1" });
  assert.equal(await (await get("/stderr")).text(), "logged\n");
  await eventually(
    () => logged.join("").includes("[worker] hello from the guest"),
    "the guest's stderr in workerd's output",
  );
});

test("workerd: needs read local KV and D1; effects write them after the response", async () => {
  const kv = await mf.getKVNamespace("CACHE");
  await kv.put("user:1", JSON.stringify({ name: "ada" }), { metadata: { v: 1 } });
  await kv.put("user:2", "bob");
  const db = await mf.getD1Database("DB");
  await db.exec("CREATE TABLE IF NOT EXISTS hits (path TEXT, n INTEGER)");
  await db.prepare("INSERT INTO hits VALUES (?, ?)").bind("/", 1).run();

  const script = {
    rounds: [
      [
        { id: "user", type: "kv.get", binding: "CACHE", key: "user:1", as: "json" },
        { id: "meta", type: "kv.get_with_metadata", binding: "CACHE", key: "user:1" },
        { id: "list", type: "kv.list", binding: "CACHE", prefix: "user:" },
      ],
      [
        { id: "hits", type: "d1.query", binding: "DB", sql: "SELECT path, n FROM hits WHERE n >= ?", params: [1] },
        { id: "bad", type: "d1.query", binding: "DB", sql: "SELECT nope FROM nowhere" },
      ],
    ],
    effects: [
      { type: "kv.put", binding: "CACHE", key: "seen", value: "yes", metadata: { by: "guest" } },
      { type: "kv.delete", binding: "CACHE", key: "user:2" },
      { type: "d1.exec", binding: "DB", sql: "INSERT INTO hits VALUES (?, ?)", params: ["/a", 2] },
      {
        type: "d1.batch",
        binding: "DB",
        statements: [
          { sql: "UPDATE hits SET n = n + 10 WHERE path = ?", params: ["/"] },
          { sql: "INSERT INTO hits VALUES ('/b', 3)" },
        ],
      },
    ],
  };
  const r = await get("/script", { method: "POST", body: JSON.stringify(script) });
  assert.equal(r.status, 200);
  const got = await r.json();
  assert.equal(got.round, 2);
  assert.deepEqual(got.results.user, { ok: { name: "ada" } });
  assert.deepEqual(got.results.meta.ok, { value: JSON.stringify({ name: "ada" }), metadata: { v: 1 } });
  assert.deepEqual(
    got.results.list.ok.keys.map((k) => k.name),
    ["user:1", "user:2"],
  );
  assert.equal(got.results.list.ok.list_complete, true);
  assert.deepEqual(got.results.hits.ok.results, [{ path: "/", n: 1 }]);
  assert.equal(got.results.bad.error.code, "sql_error");

  await eventually(async () => (await kv.get("seen")) === "yes", "the kv.put effect");
  await eventually(async () => (await kv.get("user:2")) === null, "the kv.delete effect");
  const rows = await eventually(async () => {
    const { results } = await db.prepare("SELECT path, n FROM hits ORDER BY path").all();
    return results.length === 3 ? results : null;
  }, "the D1 effects");
  assert.deepEqual(rows, [
    { path: "/", n: 11 },
    { path: "/a", n: 2 },
    { path: "/b", n: 3 },
  ]);
});

test("workerd: kv.get as base64 carries binary values", async () => {
  const kv = await mf.getKVNamespace("CACHE");
  const bytes = new Uint8Array([0, 255, 128, 10, 13]);
  await kv.put("blob", bytes);
  const r = await get("/kv/raw?binding=CACHE&key=blob");
  assert.equal(r.status, 200);
  assert.deepEqual(new Uint8Array(await r.arrayBuffer()), bytes);
});
