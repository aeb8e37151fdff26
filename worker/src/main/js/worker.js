// SPDX-License-Identifier: Apache-2.0
//
// The Cloudflare Worker: AtomVM (atomvm.wasm) runs the Elixir application
// (app.avm) for every request, through the guest-host contract of
// docs/protocol.md. Both files are imported as modules — atomvm.wasm as
// CompiledWasm (Workers forbid compiling WebAssembly at run time), app.avm as
// Data — by the module rules of the generated wrangler.jsonc. When atomvm.wasm
// is a snapshot that holds the application, the plugin ships
// worker-snapshot.js as worker.js instead, and no app.avm.

import wasm from "./atomvm.wasm";
import app from "./app.avm";
import { WorkerHost } from "./host.js";

const host = new WorkerHost({ module: wasm, app: new Uint8Array(app) });

export default {
  fetch(request, env, ctx) {
    return host.fetch(request, env, ctx);
  },
};
