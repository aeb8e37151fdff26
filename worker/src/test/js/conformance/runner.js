// SPDX-License-Identifier: Apache-2.0
//
// Runs the shared conformance cases (conformance/*.json at the top of the
// repository; the format is in conformance/README.md) against the JavaScript
// host, through an adapter that provides the environment: node (WorkerHost with
// in-memory KV) or workerd (Miniflare with its real KV and D1).
//
// An adapter has: name; unsupported(testCase) -> reason or null; start(config,
// seed); send({ method, url, headers, body }) -> { response, body, rounds,
// effectFailures }; kvEntry(binding, key) -> null | { value, metadata,
// expiration }; d1Rows(binding, sql) -> rows; close().

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { WORKER_DIR } from "../support.js";

export const CASES_DIR = process.env.CONFORMANCE_DIR || join(WORKER_DIR, "../conformance");

/** Every case file, by name; fails (never skips) when the directory is missing or empty. */
export function loadCases() {
  if (!existsSync(CASES_DIR)) {
    throw new Error(`${CASES_DIR} does not exist: the conformance cases live at the top of the repository`);
  }
  const files = readdirSync(CASES_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort();
  assert.ok(files.length > 0, `no conformance cases in ${CASES_DIR}`);
  return files.map((f) => ({ name: f.slice(0, -5), testCase: JSON.parse(readFileSync(join(CASES_DIR, f), "utf8")) }));
}

/** The host's limit names for a case's `limits`. */
export function hostLimits(limits = {}) {
  const names = {
    request_body_bytes: "requestBodyBytes",
    response_bytes: "stdoutBytes",
    rounds: "rounds",
    needs_per_round: "needsPerRound",
    time_ms: "timeMs",
    memory_bytes: "memoryBytes",
  };
  const out = {};
  for (const [k, v] of Object.entries(limits)) {
    if (!names[k]) throw new Error(`unknown limit ${k} in a conformance case`);
    out[names[k]] = v;
  }
  return out;
}

/** Every path the case's requests go to. */
export function paths(testCase) {
  return testCase.steps.map((s) => new URL(s.request.url).pathname);
}

/** The reason a JavaScript host cannot run a case anywhere: an endless loop. */
export function loopReason(testCase) {
  return paths(testCase).includes("/loop")
    ? "a JavaScript host cannot interrupt a WebAssembly loop that makes no host calls; on Cloudflare the platform's CPU limit ends it"
    : null;
}

export function requestOf(spec) {
  let body = new Uint8Array(0);
  if (spec.body !== undefined) body = new TextEncoder().encode(spec.body);
  else if (spec.body_base64 !== undefined) body = new Uint8Array(Buffer.from(spec.body_base64, "base64"));
  else if (spec.body_json !== undefined) body = new TextEncoder().encode(JSON.stringify(spec.body_json));
  else if (spec.body_repeat !== undefined)
    body = new TextEncoder().encode(spec.body_repeat.text.repeat(spec.body_repeat.times));
  return { method: spec.method, url: spec.url, headers: spec.headers ?? [], body };
}

/** `actual` contains `expected` as conformance/README.md defines it. */
export function contains(actual, expected, path = "$") {
  if (expected === null || typeof expected !== "object") {
    if (typeof expected === "number") {
      assert.equal(typeof actual, "number", `${path}: expected the number ${expected}, got ${JSON.stringify(actual)}`);
      assert.ok(actual === expected, `${path}: expected ${expected}, got ${actual}`);
    } else {
      assert.deepEqual(
        actual,
        expected,
        `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
      );
    }
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected a list, got ${JSON.stringify(actual)}`);
    assert.equal(
      actual.length,
      expected.length,
      `${path}: expected ${expected.length} items, got ${JSON.stringify(actual)}`,
    );
    expected.forEach((e, i) => contains(actual[i], e, `${path}[${i}]`));
    return;
  }
  assert.ok(
    actual !== null && typeof actual === "object" && !Array.isArray(actual),
    `${path}: expected an object, got ${JSON.stringify(actual)}`,
  );
  for (const [k, v] of Object.entries(expected)) {
    assert.ok(Object.prototype.hasOwnProperty.call(actual, k), `${path}: no key ${k} in ${JSON.stringify(actual)}`);
    contains(actual[k], v, `${path}.${k}`);
  }
}

function rowsEqual(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: ${JSON.stringify(actual)}`);
  expected.forEach((row, i) => {
    assert.deepEqual(
      Object.keys(actual[i]).sort(),
      Object.keys(row).sort(),
      `${what} row ${i}: ${JSON.stringify(actual[i])}`,
    );
    for (const [k, v] of Object.entries(row)) {
      if (typeof v === "number") assert.ok(actual[i][k] === v, `${what} row ${i}.${k}: ${actual[i][k]} != ${v}`);
      else assert.deepEqual(actual[i][k], v, `${what} row ${i}.${k}`);
    }
  });
}

async function check(expect, got, adapter, label) {
  const { response, body, rounds, effectFailures } = got;
  const text = new TextDecoder().decode(body);
  const where = `${label}: ${response.status} ${text.slice(0, 300)}`;
  if (expect.status !== undefined) assert.equal(response.status, expect.status, where);
  for (const [name, values] of Object.entries(expect.headers ?? {})) {
    if (name.toLowerCase() === "set-cookie") {
      assert.deepEqual(response.headers.getSetCookie(), values, `${label}: set-cookie`);
    } else {
      // the Fetch API joins repeated fields with ", "
      assert.equal(response.headers.get(name), values.length ? values.join(", ") : null, `${label}: header ${name}`);
    }
  }
  for (const name of expect.absent_headers ?? [])
    assert.ok(!response.headers.has(name), `${label}: header ${name} is present`);
  if (expect.body !== undefined) assert.equal(text, expect.body, where);
  if (expect.body_base64 !== undefined)
    assert.deepEqual(Buffer.from(body), Buffer.from(expect.body_base64, "base64"), where);
  for (const part of expect.body_contains ?? [])
    assert.ok(text.includes(part), `${where}\n  does not contain ${JSON.stringify(part)}`);
  if (expect.body_json !== undefined) contains(JSON.parse(text), expect.body_json);
  if (expect.rounds !== undefined) assert.equal(rounds, expect.rounds, `${label}: rounds`);
  if (expect.effect_failures !== undefined)
    assert.equal(effectFailures, expect.effect_failures, `${label}: failed effects`);
  const state = expect.state ?? {};
  for (const [binding, keys] of Object.entries(state.kv ?? {})) {
    for (const [key, want] of Object.entries(keys)) {
      const entry = await adapter.kvEntry(binding, key);
      const what = `${label}: KV ${binding}/${key}`;
      if (want === null) {
        assert.equal(entry, null, `${what} should be absent`);
        continue;
      }
      assert.ok(entry, `${what} is absent`);
      if (want.value !== undefined) assert.equal(new TextDecoder().decode(entry.value), want.value, what);
      if (want.value_base64 !== undefined)
        assert.deepEqual(Buffer.from(entry.value), Buffer.from(want.value_base64, "base64"), what);
      if (want.metadata !== undefined) assert.deepEqual(entry.metadata ?? null, want.metadata, `${what} metadata`);
      if (want.expiration !== undefined) assert.equal(entry.expiration ?? null, want.expiration, `${what} expiration`);
      if (want.expires_in !== undefined) {
        const left = entry.expiration - Date.now() / 1000;
        assert.ok(
          left >= want.expires_in[0] && left <= want.expires_in[1],
          `${what} expires in ${left} s, not within ${want.expires_in}`,
        );
      }
    }
  }
  for (const [binding, queries] of Object.entries(state.d1 ?? {})) {
    for (const { sql, rows } of queries)
      rowsEqual(await adapter.d1Rows(binding, sql), rows, `${label}: D1 ${binding} ${sql}`);
  }
}

/** Runs one case through an adapter (started and closed here). */
export async function runCase(testCase, adapter) {
  await adapter.start(testCase.config ?? {}, testCase.seed ?? {});
  try {
    for (const [i, step] of testCase.steps.entries()) {
      const request = requestOf(step.request);
      const got = await adapter.send(request);
      await check(step.expect ?? {}, got, adapter, `step ${i + 1} (${request.method} ${request.url})`);
    }
  } finally {
    await adapter.close();
  }
}

/**
 * Cases that state something the real Workers runtime does differently: they
 * run, must still fail (a case that starts passing fails here, so the entry
 * gets removed), and print why. Keyed by adapter name, then case name.
 */
export const KNOWN_DIVERGENCES = {
  workerd: {
    "d1-value-types": {
      reason:
        "D1 binds every JavaScript number as REAL (typeof(7) is 'real' under workerd, and D1 refuses BigInt), while the case expects 'integer' as a local SQLite driver binds it",
      failure: /ti: expected "integer", got "real"/,
    },
    "kv-put-absolute-expiration-and-overwrite": {
      reason:
        "the Workers KV binding takes expiration as a 32-bit integer and rejects 4102444800 (after 2038) with 'Value out of range', so the put fails as an effect",
      failure: /KV CACHE\/k is absent/,
    },
  },
};

/** Runs every case a node:test suite can; records which ran, skips with the reason otherwise. */
export function register(test, adapterFactory, ran) {
  for (const { name, testCase } of loadCases()) {
    const adapter = adapterFactory();
    const reason = adapter.unsupported(testCase);
    if (reason) {
      test(`conformance (${adapter.name}): ${name}`, { skip: reason }, () => {});
      console.log(`# SKIP conformance (${adapter.name}) ${name}: ${reason}`);
      continue;
    }
    const divergence = KNOWN_DIVERGENCES[adapter.name]?.[name];
    if (divergence) {
      test(`conformance (${adapter.name}): ${name} — known divergence: ${divergence.reason}`, async () => {
        await assert.rejects(
          runCase(testCase, adapter),
          (e) => e instanceof assert.AssertionError && divergence.failure.test(e.message),
          `${name} no longer fails as KNOWN_DIVERGENCES says under ${adapter.name}: update or remove the entry`,
        );
        console.log(`# KNOWN DIVERGENCE conformance (${adapter.name}) ${name}: ${divergence.reason}`);
        ran.add(name);
      });
      continue;
    }
    test(`conformance (${adapter.name}): ${name} — ${testCase.description}`, async () => {
      await runCase(testCase, adapter);
      ran.add(name);
    });
  }
}
