// SPDX-License-Identifier: Apache-2.0
// The shared conformance cases (conformance/*.json) through the JavaScript
// host: in node (in-memory KV) and under workerd (Miniflare's KV and D1). A
// case one environment cannot run is skipped there with the reason; every case
// must run in at least one of them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { loadCases, loopReason, register } from "./conformance/runner.js";
import { NodeAdapter } from "./conformance/node-adapter.js";
import { WorkerdAdapter } from "./conformance/workerd-adapter.js";

const ran = new Set();
register(test, () => new NodeAdapter(), ran);
register(test, () => new WorkerdAdapter(), ran);

test("conformance: every case ran in node or under workerd (or cannot run in any JavaScript host, and says why)", () => {
  const missing = loadCases()
    .filter(({ name, testCase }) => !ran.has(name) && !loopReason(testCase))
    .map(({ name }) => name);
  assert.deepEqual(missing, []);
});
