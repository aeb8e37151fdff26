// SPDX-License-Identifier: Apache-2.0
// Conformance cases through WorkerHost.fetch in node, with an in-memory KV.
// D1 needs SQLite, which node 20 lacks: D1 cases run under workerd instead.

import { WorkerHost } from "../../../main/js/host.js";
import { LocalKv, recordingLog, testGuest } from "../support.js";
import { hostLimits, loopReason } from "./runner.js";

export class NodeAdapter {
  name = "node";

  unsupported(testCase) {
    const loop = loopReason(testCase);
    if (loop) return loop;
    const usesD1 = (testCase.config?.d1_databases ?? []).length > 0 || testCase.seed?.d1;
    return usesD1 ? "node 20 has no SQLite for a local D1; this case runs under workerd (its D1 is SQLite)" : null;
  }

  async start(config, seed) {
    const { module, app } = await testGuest();
    this.passes = 0;
    this.log = recordingLog();
    this.env = { ...(config.vars ?? {}), ...(config.secrets ?? {}) };
    for (const name of config.kv_namespaces ?? []) this.env[name] = new LocalKv();
    for (const [binding, entries] of Object.entries(seed.kv ?? {})) {
      for (const e of entries) {
        const value =
          e.value_base64 !== undefined
            ? new Uint8Array(Buffer.from(e.value_base64, "base64"))
            : new TextEncoder().encode(e.value);
        const expiration =
          e.expiration ??
          (e.expiration_offset !== undefined ? Math.floor(Date.now() / 1000) + e.expiration_offset : undefined);
        this.env[binding].seed(e.key, value, e.metadata, expiration);
      }
    }
    this.host = new WorkerHost({
      module,
      app,
      limits: hostLimits(config.limits),
      log: this.log,
      onPass: () => this.passes++,
    });
  }

  async send({ method, url, headers, body }) {
    this.passes = 0;
    let pending = null;
    const request = new Request(url, { method, headers, body: body.length ? body : undefined });
    const response = await this.host.fetch(request, this.env, { waitUntil: (p) => (pending = p) });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const failures = pending ? await pending : [];
    return { response, body: bytes, rounds: this.passes, effectFailures: failures.length };
  }

  async kvEntry(binding, key) {
    return this.env[binding].entry(key);
  }

  async d1Rows() {
    throw new Error("no D1 under node");
  }

  async close() {}
}
