// SPDX-License-Identifier: Apache-2.0
// Conformance cases under workerd (Miniflare, offline): WorkerHost in the real
// Workers runtime, with Miniflare's KV and D1.

import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { GUEST_DIR, testGuest, WORKER_DIR } from "../support.js";
import { hostLimits, loopReason } from "./runner.js";

const BUNDLE = join(WORKER_DIR, "target/conformance/workerd-bundle");
let prepared = false;

function prepareBundle() {
  if (prepared) return;
  rmSync(BUNDLE, { recursive: true, force: true });
  mkdirSync(BUNDLE, { recursive: true });
  const js = join(WORKER_DIR, "src/main/js");
  for (const f of readdirSync(js)) cpSync(join(js, f), join(BUNDLE, f));
  cpSync(join(WORKER_DIR, "src/test/js/conformance/conformance-entry.js"), join(BUNDLE, "conformance-entry.js"));
  cpSync(join(GUEST_DIR, "atomvm.wasm"), join(BUNDLE, "atomvm.wasm"));
  cpSync(join(GUEST_DIR, "app.avm"), join(BUNDLE, "app.avm"));
  prepared = true;
}

const MIN_KV_EXPIRY = 60;

export class WorkerdAdapter {
  name = "workerd";

  unsupported(testCase) {
    const loop = loopReason(testCase);
    if (loop) return loop;
    const now = Date.now() / 1000;
    for (const entries of Object.values(testCase.seed?.kv ?? {})) {
      for (const e of entries) {
        const at = e.expiration ?? (e.expiration_offset !== undefined ? now + e.expiration_offset : null);
        if (at !== null && at < now + MIN_KV_EXPIRY) {
          return "workerd's KV refuses to store an entry that expires within 60 s, so the expired seed cannot be written; the node runner covers this case";
        }
      }
    }
    return null;
  }

  async start(config, seed) {
    await testGuest();
    prepareBundle();
    this.mf = new Miniflare({
      modules: true,
      scriptPath: join(BUNDLE, "conformance-entry.js"),
      modulesRoot: BUNDLE,
      modulesRules: [
        { type: "ESModule", include: ["**/*.js"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
        { type: "Data", include: ["**/*.avm"] },
      ],
      compatibilityDate: "2025-06-01",
      bindings: {
        ...(config.vars ?? {}),
        ...(config.secrets ?? {}),
        __CONFORMANCE_LIMITS: JSON.stringify(hostLimits(config.limits)),
      },
      kvNamespaces: config.kv_namespaces ?? [],
      d1Databases: config.d1_databases ?? [],
      cf: false,
      host: "127.0.0.1",
      port: 0,
      handleRuntimeStdio() {},
    });
    await this.mf.ready;
    for (const [binding, entries] of Object.entries(seed.kv ?? {})) {
      const kv = await this.mf.getKVNamespace(binding);
      for (const e of entries) {
        const value = e.value_base64 !== undefined ? new Uint8Array(Buffer.from(e.value_base64, "base64")) : e.value;
        const options = {};
        if (e.metadata !== undefined) options.metadata = e.metadata;
        if (e.expiration !== undefined) options.expiration = e.expiration;
        if (e.expiration_offset !== undefined) options.expiration = Math.floor(Date.now() / 1000) + e.expiration_offset;
        await kv.put(e.key, value, options);
      }
    }
    for (const [binding, statements] of Object.entries(seed.d1 ?? {})) {
      const db = await this.mf.getD1Database(binding);
      for (const sql of statements) await db.prepare(sql).run();
    }
  }

  async send({ method, url, headers, body }) {
    const response = await this.mf.dispatchFetch(url, {
      method,
      headers,
      body: body.length ? body : undefined,
      redirect: "manual",
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const rounds = Number(response.headers.get("x-conformance-rounds") ?? "0");
    const id = response.headers.get("x-conformance-id");
    let effectFailures = 0;
    if (id) {
      const effects = await this.mf.dispatchFetch(`http://conformance.test/__conformance/effects?id=${id}`);
      effectFailures = (await effects.json()).failures.length;
    }
    return { response, body: bytes, rounds, effectFailures };
  }

  async kvEntry(binding, key) {
    const kv = await this.mf.getKVNamespace(binding);
    const { value, metadata } = await kv.getWithMetadata(key, "arrayBuffer");
    if (value === null) return null;
    const listed = await kv.list({ prefix: key });
    const item = listed.keys.find((k) => k.name === key);
    return { value: new Uint8Array(value), metadata: metadata ?? null, expiration: item?.expiration ?? null };
  }

  async d1Rows(binding, sql) {
    const db = await this.mf.getD1Database(binding);
    return (await db.prepare(sql).all()).results;
  }

  async close() {
    if (this.mf) await this.mf.dispose();
    this.mf = null;
  }
}
