// SPDX-License-Identifier: Apache-2.0
//
// Needs (reads before the response) and effects (writes after it) of
// docs/protocol.md, carried out through the Worker's `env` bindings: KV
// namespaces and D1 databases.

const encoder = new TextEncoder();

export const MAX_KV_KEY_BYTES = 512;
export const MAX_KV_METADATA_BYTES = 1024;
export const MAX_KV_LIST_LIMIT = 1000;
export const MIN_KV_EXPIRATION_TTL = 60;
// The latest expiration, in seconds since the epoch: the last Date (+275760-09-13). The Java host
// keeps the same bound, where now + ttl and expiration * 1000 would otherwise overflow.
export const MAX_KV_EXPIRATION = 8_640_000_000_000;
const latestExpiration = (field) =>
  `Invalid ${field}: it ends after ${MAX_KV_EXPIRATION} seconds since the epoch, the latest expiration`;
export const MAX_KV_VALUE_BYTES = 25 * 1024 * 1024;

/** A failure with one of the contract's error codes. */
export class NeedError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "NeedError";
    this.code = code;
  }
}

/** The type of a binding object in `env`: "kv", "d1", or null for anything else. */
export function bindingType(value) {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return null;
  if (
    typeof value.getWithMetadata === "function" &&
    typeof value.list === "function" &&
    typeof value.put === "function"
  ) {
    return "kv";
  }
  if (typeof value.prepare === "function" && typeof value.batch === "function") return "d1";
  return null;
}

/**
 * What the guest sees of `env`: plain variables and secrets (strings) as
 * `env`, KV and D1 bindings by type as `bindings`. Other bindings are not
 * offered.
 */
export function describeEnv(env) {
  const vars = {};
  const bindings = {};
  for (const [name, value] of Object.entries(env ?? {})) {
    if (typeof value === "string") {
      vars[name] = value;
    } else {
      const type = bindingType(value);
      if (type) bindings[name] = type;
    }
  }
  return { vars, bindings };
}

/** Fulfils one need; always resolves, to `{ ok: value }` or `{ error: { code, message } }`. */
export async function fulfil(need, env, bindings) {
  try {
    return { ok: await read(need, env, bindings) };
  } catch (e) {
    if (e instanceof NeedError) return { error: { code: e.code, message: e.message } };
    return { error: { code: "internal", message: String(e && e.message ? e.message : e) } };
  }
}

async function read(need, env, bindings) {
  switch (need.type) {
    case "kv.get": {
      const kv = binding(need, env, bindings, "kv");
      const key = kvKey(need);
      return kvValue(kv.get(key, { type: readType(need) }), need);
    }
    case "kv.get_with_metadata": {
      const kv = binding(need, env, bindings, "kv");
      const key = kvKey(need);
      const { value, metadata } = await kv.getWithMetadata(key, { type: readType(need) });
      if (value === null) return null;
      return { value: await kvValue(value, need), metadata: metadata ?? null };
    }
    case "kv.list": {
      const kv = binding(need, env, bindings, "kv");
      const options = {};
      if (need.prefix !== undefined && need.prefix !== null) options.prefix = string(need, "prefix");
      if (need.cursor !== undefined && need.cursor !== null) options.cursor = string(need, "cursor");
      if (need.limit !== undefined && need.limit !== null) {
        if (!Number.isInteger(need.limit)) throw new NeedError("bad_request", '"limit" is not an integer');
        if (need.limit < 1 || need.limit > MAX_KV_LIST_LIMIT) {
          throw new NeedError("bad_request", `the list limit must be 1..${MAX_KV_LIST_LIMIT}, not ${need.limit}`);
        }
        options.limit = need.limit;
      }
      const listed = await kv.list(options);
      const result = {
        keys: listed.keys.map((k) => {
          const key = { name: k.name };
          if (k.expiration !== undefined) key.expiration = k.expiration;
          if (k.metadata !== undefined) key.metadata = k.metadata;
          return key;
        }),
        list_complete: listed.list_complete,
      };
      if (listed.cursor) result.cursor = listed.cursor;
      return result;
    }
    case "d1.query": {
      const db = binding(need, env, bindings, "d1");
      const statement = d1Statement(db, need);
      const result = await sql(() => statement.all());
      const meta = result.meta ?? {};
      return {
        results: result.results ?? [],
        meta: {
          rows_read: meta.rows_read ?? 0,
          rows_written: meta.rows_written ?? 0,
          last_row_id: meta.last_row_id ?? 0,
          changes: meta.changes ?? 0,
          duration: meta.duration ?? 0,
        },
      };
    }
    default:
      throw new NeedError("bad_request", `unknown need type ${JSON.stringify(need.type ?? null)}`);
  }
}

/** Carries out one effect; throws (NeedError or the binding's error) when it fails. */
export async function perform(effect, env, bindings) {
  if (effect === null || typeof effect !== "object" || Array.isArray(effect)) {
    throw new NeedError("bad_request", "the effect is not an object");
  }
  switch (effect.type) {
    case "kv.put": {
      const kv = binding(effect, env, bindings, "kv");
      const key = kvKey(effect);
      const text = string(effect, "value");
      const encoding = effect.encoding ?? "text";
      let value;
      if (encoding === "text") value = text;
      else if (encoding === "base64") value = base64(text);
      else throw new NeedError("bad_request", `"encoding" ${JSON.stringify(encoding)} is not "text" or "base64"`);
      const size = typeof value === "string" ? encoder.encode(value).length : value.length;
      if (size > MAX_KV_VALUE_BYTES) {
        throw new NeedError(
          "limit",
          `the value of "${key}" is ${size} bytes; the limit is ${MAX_KV_VALUE_BYTES} (25 MiB)`,
        );
      }
      const options = {};
      const now = Math.floor(Date.now() / 1000);
      if (effect.expiration_ttl !== undefined && effect.expiration_ttl !== null) {
        if (typeof effect.expiration_ttl !== "number")
          throw new NeedError("bad_request", `${effect.type}: "expiration_ttl" must be a number of seconds`);
        const ttl = Math.floor(effect.expiration_ttl);
        if (ttl < MIN_KV_EXPIRATION_TTL) {
          throw new NeedError(
            "limit",
            `Invalid expiration_ttl of ${ttl}: it must be at least ${MIN_KV_EXPIRATION_TTL} seconds`,
          );
        }
        if (ttl > MAX_KV_EXPIRATION - now) throw new NeedError("limit", latestExpiration("expiration_ttl"));
        options.expirationTtl = ttl;
      } else if (effect.expiration !== undefined && effect.expiration !== null) {
        if (typeof effect.expiration !== "number")
          throw new NeedError("bad_request", `${effect.type}: "expiration" must be a number of seconds`);
        const at = Math.floor(effect.expiration);
        if (at < now + MIN_KV_EXPIRATION_TTL) {
          throw new NeedError(
            "limit",
            `Invalid expiration of ${at}: it must be at least ${MIN_KV_EXPIRATION_TTL} seconds in the future (now is ${now})`,
          );
        }
        if (at > MAX_KV_EXPIRATION) throw new NeedError("limit", latestExpiration("expiration"));
        options.expiration = at;
      }
      if (effect.metadata !== undefined && effect.metadata !== null) {
        const metaSize = encoder.encode(JSON.stringify(effect.metadata)).length;
        if (metaSize > MAX_KV_METADATA_BYTES) {
          throw new NeedError(
            "limit",
            `the metadata of "${key}" is ${metaSize} bytes of JSON; the limit is ${MAX_KV_METADATA_BYTES}`,
          );
        }
        options.metadata = effect.metadata;
      }
      await kv.put(key, value, options);
      return;
    }
    case "kv.delete": {
      const kv = binding(effect, env, bindings, "kv");
      await kv.delete(kvKey(effect));
      return;
    }
    case "d1.exec": {
      const db = binding(effect, env, bindings, "d1");
      const statement = d1Statement(db, effect);
      await sql(() => statement.run());
      return;
    }
    case "d1.batch": {
      const db = binding(effect, env, bindings, "d1");
      if (!Array.isArray(effect.statements) || effect.statements.length === 0) {
        throw new NeedError("bad_request", '"statements" is not a non-empty list');
      }
      const statements = effect.statements.map((s) => d1Statement(db, s ?? {}));
      await sql(() => db.batch(statements));
      return;
    }
    default:
      throw new NeedError("bad_request", `unknown effect type ${JSON.stringify(effect.type ?? null)}`);
  }
}

function binding(request, env, bindings, type) {
  const name = request.binding;
  if (typeof name !== "string") throw new NeedError("bad_request", `${request.type} needs a string "binding"`);
  const actual = bindings[name];
  if (!actual) {
    const declared = Object.keys(bindings);
    throw new NeedError(
      "undeclared_binding",
      `the worker declares no binding named ${name}${declared.length ? ` (declared: ${declared.join(", ")})` : ""}`,
    );
  }
  if (actual !== type) {
    throw new NeedError("bad_request", `${name} is a ${actual} binding; ${request.type} needs a ${type} binding`);
  }
  return env[name];
}

function string(request, field) {
  const value = request[field];
  if (typeof value !== "string") throw new NeedError("bad_request", `${request.type} needs a string "${field}"`);
  return value;
}

function kvKey(request) {
  const key = string(request, "key");
  if (key === "") throw new NeedError("bad_request", "a KV key must not be empty");
  if (key === "." || key === "..") throw new NeedError("bad_request", 'a KV key must not be "." or ".."');
  const size = encoder.encode(key).length;
  if (size > MAX_KV_KEY_BYTES) {
    throw new NeedError("limit", `the key "${key.slice(0, 32)}…" is ${size} bytes; the limit is ${MAX_KV_KEY_BYTES}`);
  }
  return key;
}

/** How a KV value is handed to the guest: "text" (default), "json" or "base64". */
function as(request) {
  const value = request.as ?? "text";
  if (value !== "text" && value !== "json" && value !== "base64") {
    throw new NeedError("bad_request", `"as" must be "text", "json" or "base64", not ${JSON.stringify(value)}`);
  }
  return value;
}

function readType(need) {
  return as(need) === "base64" ? "arrayBuffer" : "text";
}

async function kvValue(pending, need) {
  const type = as(need);
  const value = await pending;
  if (value === null || type === "text") return value;
  if (type === "base64") return toBase64(new Uint8Array(value));
  try {
    return JSON.parse(value);
  } catch (e) {
    throw new NeedError("bad_request", `the value is not JSON: ${e.message}`);
  }
}

function toBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function d1Statement(db, request) {
  const query = string(request, "sql");
  const params = request.params ?? [];
  if (!Array.isArray(params)) throw new NeedError("bad_request", '"params" is not a list');
  params.forEach((p, i) => {
    if (p !== null && typeof p !== "string" && typeof p !== "number" && typeof p !== "boolean") {
      throw new NeedError("bad_request", `params[${i}] is not a JSON scalar`);
    }
  });
  try {
    const statement = db.prepare(query);
    return params.length ? statement.bind(...params) : statement;
  } catch (e) {
    throw new NeedError("sql_error", String(e && e.message ? e.message : e));
  }
}

async function sql(run) {
  try {
    return await run();
  } catch (e) {
    if (e instanceof NeedError) throw e;
    throw new NeedError("sql_error", String(e && e.message ? e.message : e));
  }
}

function base64(text) {
  let binary;
  try {
    binary = atob(text);
  } catch {
    throw new NeedError("bad_request", '"value" is not base64');
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
