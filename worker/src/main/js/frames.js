// SPDX-License-Identifier: Apache-2.0
//
// The frames of docs/protocol.md, version 1: one line of UTF-8 JSON (the head),
// a single "\n", then exactly body_size raw body bytes. Mirrors the Java host's
// Frames (wasi-bridge).

export const VERSION = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The response frame broke the contract; the message says how. */
export class InvalidFrame extends Error {
  constructor(message) {
    super(message);
    this.name = "InvalidFrame";
  }
}

/**
 * The request frame for stdin. `head` holds method, url, headers ([name,
 * value] pairs, names lower-cased here), env, bindings, cf, round, state and
 * results; `body` is a Uint8Array.
 */
export function encodeRequest(head, body) {
  const json = JSON.stringify({
    v: VERSION,
    method: head.method,
    url: head.url,
    headers: head.headers.map(([name, value]) => [name.toLowerCase(), value]),
    body_size: body.length,
    env: head.env ?? {},
    bindings: head.bindings ?? {},
    cf: head.cf ?? {},
    round: head.round ?? 0,
    state: head.state ?? null,
    results: head.results ?? {},
  });
  const bytes = encoder.encode(json);
  const frame = new Uint8Array(bytes.length + 1 + body.length);
  frame.set(bytes, 0);
  frame[bytes.length] = 0x0a;
  frame.set(body, bytes.length + 1);
  return frame;
}

/**
 * Reads the guest's answer from its stdout: `{ kind: "response", status,
 * headers, body, effects }` or `{ kind: "needs", needs, state }`.
 *
 * @throws InvalidFrame when the frame breaks the contract
 */
export function decodeAnswer(frame) {
  const newline = frame.indexOf(0x0a);
  if (newline < 0) {
    throw new InvalidFrame(frame.length === 0 ? "it wrote nothing" : "there is no newline after the head");
  }
  let head;
  try {
    head = JSON.parse(decoder.decode(frame.subarray(0, newline)));
  } catch {
    // the parser's own words differ between the hosts; the preview shows the bytes
    throw new InvalidFrame("the head is not JSON");
  }
  if (head === null || typeof head !== "object" || Array.isArray(head)) {
    throw new InvalidFrame("the head is not a JSON object");
  }
  if (head.v !== VERSION) {
    throw new InvalidFrame(`"v" is ${JSON.stringify(head.v ?? null)}, not ${VERSION}`);
  }
  const hasStatus = "status" in head;
  const hasNeeds = "needs" in head;
  if (!hasStatus && !hasNeeds) {
    throw new InvalidFrame('the head has neither "status" nor "needs"');
  }
  if (hasStatus && hasNeeds) {
    throw new InvalidFrame('the head has both "status" and "needs"');
  }
  if (hasNeeds) {
    const needs = checkNeeds(head.needs);
    bodyOf(head, frame, newline);
    return { kind: "needs", needs, state: head.state === undefined ? null : head.state };
  }
  const status = head.status;
  if (!Number.isInteger(status)) {
    throw new InvalidFrame('"status" is missing or not an integer');
  }
  if (status < 100 || status > 599) {
    throw new InvalidFrame(`"status" ${status} is not in 100..599`);
  }
  const headers = [];
  if (head.headers !== undefined && head.headers !== null) {
    if (!Array.isArray(head.headers)) {
      throw new InvalidFrame('"headers" is not a list of [name, value] pairs');
    }
    for (const pair of head.headers) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
        throw new InvalidFrame(`"headers" holds ${JSON.stringify(pair)}, not a [name, value] pair`);
      }
      const [name, value] = pair;
      if (!isToken(name)) {
        throw new InvalidFrame(`header name ${JSON.stringify(name)} is not a valid name`);
      }
      if (/[\r\n\0]/.test(value)) {
        throw new InvalidFrame(`header ${name} has a line break in its value`);
      }
      headers.push([name, value]);
    }
  }
  const body = bodyOf(head, frame, newline);
  let effects = [];
  if (head.effects !== undefined && head.effects !== null) {
    if (!Array.isArray(head.effects)) {
      throw new InvalidFrame('"effects" is not a list');
    }
    effects = head.effects;
  }
  return { kind: "response", status, headers, body, effects };
}

function bodyOf(head, frame, newline) {
  const size = head.body_size;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new InvalidFrame('"body_size" is missing or not a non-negative integer');
  }
  const bodyBytes = frame.length - newline - 1;
  if (bodyBytes !== size) {
    throw new InvalidFrame(
      `the body is ${bodyBytes} bytes but "body_size" says ${size}${bodyBytes < size ? " (too short)" : " (too long)"}`,
    );
  }
  return frame.subarray(newline + 1);
}

function checkNeeds(needs) {
  if (!Array.isArray(needs)) {
    throw new InvalidFrame('"needs" is not a list');
  }
  const ids = new Set();
  needs.forEach((need, i) => {
    if (need === null || typeof need !== "object" || Array.isArray(need)) {
      throw new InvalidFrame(`needs[${i}] is not an object`);
    }
    if (typeof need.id !== "string" || need.id === "") {
      throw new InvalidFrame(`needs[${i}] has no "id" string`);
    }
    if (ids.has(need.id)) throw new InvalidFrame(`need id ${JSON.stringify(need.id)} is used twice in one request`);
    ids.add(need.id);
  });
  return needs;
}

/** Up to `max` bytes, printable ASCII kept and everything else escaped. */
export function preview(bytes, max) {
  let out = "";
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 0x5c) out += "\\\\";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b === 0x09) out += "\\t";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += "\\x" + b.toString(16).padStart(2, "0");
  }
  if (bytes.length > max) out += `... (${bytes.length} bytes in all)`;
  return out;
}

function isToken(name) {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name);
}
