// SPDX-License-Identifier: Apache-2.0
// Request and response frames (docs/protocol.md, v1).

import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeAnswer, encodeRequest, InvalidFrame, preview } from "../../main/js/frames.js";

const enc = (s) => new TextEncoder().encode(s);
const frame = (head, body = "") => enc(JSON.stringify(head) + "\n" + body);

test("the request frame is one JSON line, then the raw body", () => {
  const bytes = encodeRequest(
    {
      method: "POST",
      url: "http://x/a?b=1",
      headers: [
        ["X-A", "1"],
        ["x-a", "2"],
      ],
      env: { G: "hi" },
      bindings: { KV: "kv" },
      round: 1,
      state: { s: 1 },
      results: { a: { ok: null } },
    },
    new Uint8Array([0, 10, 255]),
  );
  const nl = bytes.indexOf(10);
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, nl)));
  assert.deepEqual(Object.keys(head), [
    "v",
    "method",
    "url",
    "headers",
    "body_size",
    "env",
    "bindings",
    "cf",
    "round",
    "state",
    "results",
  ]);
  assert.deepEqual(head.headers, [
    ["x-a", "1"],
    ["x-a", "2"],
  ]);
  assert.equal(head.body_size, 3);
  assert.deepEqual([...bytes.subarray(nl + 1)], [0, 10, 255]);
});

test("round 0 carries null state and empty results", () => {
  const bytes = encodeRequest({ method: "GET", url: "http://x/", headers: [] }, new Uint8Array(0));
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, bytes.length - 1)));
  assert.equal(head.round, 0);
  assert.equal(head.state, null);
  assert.deepEqual(head.results, {});
  assert.deepEqual(head.cf, {});
});

test("a final response keeps repeated headers and the raw body", () => {
  const a = decodeAnswer(
    frame(
      {
        v: 1,
        status: 201,
        headers: [
          ["set-cookie", "a=1"],
          ["set-cookie", "b=2"],
        ],
        body_size: 3,
      },
      "a\nb",
    ),
  );
  assert.equal(a.kind, "response");
  assert.equal(a.status, 201);
  assert.deepEqual(a.headers, [
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
  ]);
  assert.equal(new TextDecoder().decode(a.body), "a\nb");
  assert.deepEqual(a.effects, []);
});

test("needs come with their state", () => {
  const a = decodeAnswer(
    frame({ v: 1, needs: [{ id: "u", type: "kv.get", binding: "KV", key: "k" }], state: [1], body_size: 0 }),
  );
  assert.equal(a.kind, "needs");
  assert.deepEqual(a.state, [1]);
  assert.equal(a.needs[0].id, "u");
});

for (const [name, bytes, message] of [
  ["nothing", enc(""), "it wrote nothing"],
  ["no newline", enc('{"v":1}'), "there is no newline after the head"],
  ["not JSON", enc("hello\n"), "the head is not JSON"],
  ["not an object", enc("[1]\n"), "the head is not a JSON object"],
  ["wrong version", frame({ v: 2, status: 200, body_size: 0 }), '"v" is 2, not 1'],
  ["no version", frame({ status: 200, body_size: 0 }), '"v" is null, not 1'],
  ["neither status nor needs", frame({ v: 1, body_size: 0 }), 'neither "status" nor "needs"'],
  ["status out of range", frame({ v: 1, status: 99, body_size: 0 }), '"status" 99 is not in 100..599'],
  ["status not an integer", frame({ v: 1, status: "200", body_size: 0 }), '"status" is missing or not an integer'],
  ["bad header pair", frame({ v: 1, status: 200, headers: [["a"]], body_size: 0 }), "not a [name, value] pair"],
  ["bad header name", frame({ v: 1, status: 200, headers: [["a b", "c"]], body_size: 0 }), "is not a valid name"],
  [
    "line break in a value",
    frame({ v: 1, status: 200, headers: [["a", "b\r\nc: d"]], body_size: 0 }),
    "has a line break",
  ],
  [
    "short body",
    frame({ v: 1, status: 200, body_size: 10 }, "12345"),
    'the body is 5 bytes but "body_size" says 10 (too short)',
  ],
  ["long body", frame({ v: 1, status: 200, body_size: 1 }, "12"), "(too long)"],
  ["needs not a list", frame({ v: 1, needs: {}, body_size: 0 }), '"needs" is not a list'],
  ["need without id", frame({ v: 1, needs: [{ type: "kv.get" }], body_size: 0 }), 'needs[0] has no "id" string'],
  ["effects not a list", frame({ v: 1, status: 200, effects: {}, body_size: 0 }), '"effects" is not a list'],
]) {
  test(`an invalid response frame is rejected: ${name}`, () => {
    assert.throws(
      () => decodeAnswer(bytes),
      (e) => e instanceof InvalidFrame && e.message.includes(message),
    );
  });
}

test("preview escapes what is not printable ASCII and says how long it was", () => {
  assert.equal(preview(enc("a\\b\n\r\t\u0001é"), 100), "a\\\\b\\n\\r\\t\\x01\\xc3\\xa9");
  assert.equal(preview(enc("abcdef"), 3), "abc... (6 bytes in all)");
});
