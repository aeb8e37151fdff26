// SPDX-License-Identifier: Apache-2.0
//
// The Worker entry the workerd conformance runner loads instead of worker.js:
// the same WorkerHost, with the case's limits (a JSON var), and two things the
// runner needs to see: how many times the guest ran (x-conformance-rounds) and
// how many effects failed (GET /__conformance/effects?id=…, which waits for them).

import wasm from "./atomvm.wasm";
import app from "./app.avm";
import { WorkerHost } from "./host.js";

const pending = new Map();

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/__conformance/effects") {
      const id = url.searchParams.get("id");
      const failures = pending.has(id) ? await pending.get(id) : [];
      pending.delete(id);
      return Response.json({ failures });
    }
    const { __CONFORMANCE_LIMITS: limits, ...hostEnv } = env;
    let passes = 0;
    const host = new WorkerHost({
      module: wasm,
      app: new Uint8Array(app),
      limits: JSON.parse(limits ?? "{}"),
      onPass: () => passes++,
    });
    const id = crypto.randomUUID();
    const response = await host.fetch(request, hostEnv, {
      waitUntil(promise) {
        pending.set(id, promise);
        ctx.waitUntil(promise);
      },
    });
    const headers = new Headers(response.headers);
    headers.set("x-conformance-rounds", String(passes));
    headers.set("x-conformance-id", id);
    return new Response(response.body, { status: response.status, headers });
  },
};
