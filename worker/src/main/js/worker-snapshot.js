// SPDX-License-Identifier: Apache-2.0
//
// The Cloudflare Worker when atomvm.wasm is a snapshot (the plugin's default):
// the VM was pre-initialised with the Elixir application at build time and
// holds it in its memory, so app.avm is neither shipped nor imported; the VM's
// /app directory is empty. The plugin writes this file as worker.js. Otherwise
// as worker.js: atomvm.wasm is imported as CompiledWasm through the module
// rules of the generated wrangler.jsonc.

import wasm from "./atomvm.wasm";
import { WorkerHost } from "./host.js";

const host = new WorkerHost({ module: wasm });

export default {
  fetch(request, env, ctx) {
    return host.fetch(request, env, ctx);
  },
};
