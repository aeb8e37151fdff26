// SPDX-License-Identifier: Apache-2.0
//
// The bridge between HTTP and the guest-host contract (docs/protocol.md, v1):
// every pass runs a fresh instance of the VM with the request frame on stdin;
// needs are fulfilled concurrently through `env` bindings and the guest runs
// again, up to the round limit; the final response goes back to the client and
// its effects run after it, through ctx.waitUntil. Guest failures become the
// responses the contract lists, with the same texts as the Java host.

import { decodeAnswer, encodeRequest, InvalidFrame, preview } from "./frames.js";
import { describeEnv, fulfil, perform } from "./bindings.js";
import {
  DeadlineExceeded,
  HostFailure,
  InMemoryDirectory,
  LineLog,
  OutputBuffer,
  ProcExit,
  SYSTEM_CLOCK,
  WasiPreview1,
} from "./wasi.js";

/** The guest's arguments. */
export const ARGS = Object.freeze(["atomvm", "/app/app.avm"]);

/** Where the application archive appears in the guest. */
export const APP_DIR = "/app";
export const APP = "app.avm";

/** The contract's limits, the same defaults as the Java host. */
export const DEFAULT_LIMITS = Object.freeze({
  requestBodyBytes: 100 * 1024 * 1024,
  stdoutBytes: 32 * 1024 * 1024,
  stderrBytes: 64 * 1024,
  // what one request may log of stderr: more is slow to log under workerd
  stderrLogBytes: 64 * 1024,
  rounds: 8,
  needsPerRound: 64,
  timeMs: 10_000,
  memoryBytes: 128 * 1024 * 1024,
});

export const PREVIEW_BYTES = 200;
export const STDERR_TAIL_BYTES = 4096;
export const TEXT = "text/plain; charset=utf-8";

/** The worker variable that puts a worker in development mode, as for the framework's pages. */
export const ENV_VAR = "ELIXIR_WORKERS_ENV";

/**
 * Whether a worker with these vars shows failure details to its clients:
 * ELIXIR_WORKERS_ENV is "dev" or "development", as for the framework's error
 * pages. Production, the default, shows only the fixed text: a crash report
 * can quote a request's secrets.
 */
export function developmentMode(vars) {
  const value = vars[ENV_VAR];
  return value === "dev" || value === "development";
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "upgrade",
  "proxy-connection",
  "te",
  "trailer",
]);
const NULL_BODY = new Set([101, 204, 205, 304]);
const encoder = new TextEncoder();

/** A plain-text response made by the host. */
export function text(status, body) {
  return { status, headers: [["content-type", TEXT]], body: encoder.encode(body) };
}

/**
 * The pre-initialisation export of a plain atomvm.wasm; a snapshot no longer
 * has it. A VM that has it reads app.avm on every run.
 */
export const PREINIT_EXPORT = "atomvm_wasi_preinit";

/** Whether `module` is a plain atomvm.wasm, which needs app.avm at /app/app.avm. */
export function readsApp(module) {
  return WebAssembly.Module.exports(module).some((e) => e.name === PREINIT_EXPORT);
}

/**
 * The custom section in which a snapshot states the memory it imports as
 * `env.memory` (JSON `{"initial": pages, "maximum": pages}`, maximum optional):
 * a compiled module does not reveal an import's limits to JavaScript.
 */
export const MEMORY_SECTION = "elixir-workers.memory";

/** Idle memories a host keeps for the next passes. */
const IDLE_MEMORIES = 2;

const PAGE = 65536;

/**
 * The memory `module` imports, as WebAssembly.Memory descriptor, or null when
 * it defines its own (a plain atomvm.wasm).
 */
export function importedMemory(module) {
  const imported = WebAssembly.Module.imports(module).some(
    (i) => i.module === "env" && i.name === "memory" && i.kind === "memory",
  );
  if (!imported) return null;
  const [section] = WebAssembly.Module.customSections(module, MEMORY_SECTION);
  let layout;
  try {
    layout = section && JSON.parse(new TextDecoder().decode(section));
  } catch {
    layout = undefined;
  }
  const pages = (n) => Number.isInteger(n) && n >= 0 && n <= 65536;
  if (!layout || !pages(layout.initial) || !(layout.maximum === undefined || pages(layout.maximum))) {
    throw new TypeError(
      `the module imports env.memory but its ${MEMORY_SECTION} section does not say how large: rebuild the worker`,
    );
  }
  return layout.maximum === undefined
    ? { initial: layout.initial }
    : { initial: layout.initial, maximum: layout.maximum };
}

/**
 * Runs one worker: `module` is the compiled VM (a WebAssembly.Module: on
 * Workers the CompiledWasm import, never compiled at run time), `app` the bytes
 * of app.avm, or nothing when the VM is a snapshot that holds the application
 * (its /app is then empty). Options: `limits` (see DEFAULT_LIMITS), `log`
 * (console-like: log/error), `clock` and `random` for tests.
 */
export class WorkerHost {
  constructor({ module, app, limits = {}, log = console, clock = SYSTEM_CLOCK, random, onPass } = {}) {
    if (!(module instanceof WebAssembly.Module)) throw new TypeError("module must be a WebAssembly.Module");
    if (app == null && readsApp(module)) {
      throw new TypeError(`app is required: this VM is not a snapshot and reads ${APP} on every request`);
    }
    this.module = module;
    this.memory = importedMemory(module);
    this.idleMemories = [];
    this.appDir = new InMemoryDirectory(
      app == null ? {} : { [APP]: app instanceof Uint8Array ? app : new Uint8Array(app) },
    );
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...limits });
    this.log = log;
    this.clock = clock;
    this.random = random;
    this.onPass = onPass;
  }

  /** The Worker's fetch handler. */
  async fetch(request, env = {}, ctx = undefined) {
    let response;
    try {
      const length = Number(request.headers.get("content-length") ?? "0");
      if (length > this.limits.requestBodyBytes) {
        response = this.#tooLarge();
      } else {
        // a GET has no body stream: no need to wait for one
        const body = request.body === null ? new Uint8Array(0) : new Uint8Array(await request.arrayBuffer());
        if (body.length > this.limits.requestBodyBytes) {
          response = this.#tooLarge();
        } else {
          const headers = [];
          for (const [name, value] of request.headers) headers.push([name, value]);
          response = await this.handle(
            { method: request.method, url: request.url, headers, body, cf: request.cf ?? {} },
            env,
            (promise) => (ctx && typeof ctx.waitUntil === "function" ? ctx.waitUntil(promise) : promise),
          );
        }
      }
    } catch (e) {
      this.log.error(
        `[elixir-workers] ${request.method} ${request.url}: the host failed: ${e && e.stack ? e.stack : e}`,
      );
      response = text(500, `the worker host failed: ${e}\n`);
    }
    return toResponse(response);
  }

  #tooLarge() {
    return text(413, `the request body is larger than ${this.limits.requestBodyBytes} bytes\n`);
  }

  /**
   * One HTTP request through the contract: `{ method, url, headers, body, cf }`
   * in, `{ status, headers, body }` out. `waitUntil` receives the promise of
   * the effects (it resolves when they are done; failures are logged).
   *
   * @throws HostFailure when a WASI host function failed (a bug in this host)
   */
  async handle(request, env = {}, waitUntil = (p) => p) {
    const described = describeEnv(env);
    const label = `${request.method} ${request.url}`;
    const stderrLog = new LineLog((line) => this.log.error(`[worker] ${line}`), this.limits.stderrLogBytes);
    let outcome;
    try {
      outcome = await this.#rounds(request, env, described, waitUntil, stderrLog);
    } finally {
      if (stderrLog.dropped > 0) {
        this.log.error(
          `[elixir-workers] ${label}: ${stderrLog.dropped} bytes dropped from the worker's stderr (the log takes ${this.limits.stderrLogBytes} bytes of it per request)`,
        );
      }
    }
    if (!(outcome instanceof Failure)) return outcome;
    this.log.error(`[elixir-workers] ${label}: ${(outcome.message + outcome.details).trimEnd()}`);
    return text(outcome.status, developmentMode(described.vars) ? outcome.message + outcome.details : outcome.message);
  }

  /**
   * The rounds of one request: the final response, or the Failure that ended
   * them. The checks of an answer come in the order docs/protocol.md gives: a
   * valid frame, need ids not used before, the round limit, the needs limit.
   */
  async #rounds(request, env, { vars, bindings }, waitUntil, stderrLog) {
    // null prototype: a need id such as "__proto__" is a key like any other
    const results = Object.create(null);
    let state = null;
    const body = request.body ?? new Uint8Array(0);
    // the time limit counts guest time, summed over the rounds of this request
    let budget = BigInt(this.limits.timeMs) * 1_000_000n;
    for (let round = 0; ; round++) {
      const frame = encodeRequest(
        {
          method: request.method,
          url: request.url,
          headers: request.headers ?? [],
          env: vars,
          bindings,
          cf: request.cf ?? {},
          round,
          state,
          results,
        },
        body,
      );
      const pass = await this.runPass(frame, budget, stderrLog);
      budget -= pass.elapsedNanos;
      const failure = this.#failure(pass);
      if (failure) return failure;
      let answer;
      try {
        answer = decodeAnswer(pass.stdout.bytes());
        if (answer.kind === "needs") checkNeedIds(answer.needs, results);
      } catch (e) {
        if (!(e instanceof InvalidFrame)) throw e;
        return invalid(e.message, pass.stdout.bytes());
      }
      if (answer.kind === "response") {
        if (answer.status < 200) {
          // the effects of an answer that cannot be sent are dropped, as for any failure
          return new Failure(
            502,
            `the worker answered with status ${answer.status}, which cannot be a final response\n`,
          );
        }
        if (answer.effects.length > 0) {
          waitUntil(this.runEffects(answer.effects, env, bindings, `${request.method} ${request.url}`));
        }
        return { status: answer.status, headers: answer.headers, body: answer.body };
      }
      if (round + 1 >= this.limits.rounds) {
        return new Failure(500, `the worker asked for more than ${this.limits.rounds} rounds\n`);
      }
      if (answer.needs.length > this.limits.needsPerRound) {
        return new Failure(
          500,
          `the worker asked for ${answer.needs.length} needs in one round; the limit is ${this.limits.needsPerRound}\n`,
        );
      }
      const fulfilled = await Promise.all(answer.needs.map((need) => fulfil(need, env, bindings)));
      answer.needs.forEach((need, i) => {
        results[need.id] = fulfilled[i];
      });
      state = answer.state;
    }
  }

  /** Effects in order, after the response; a failure is logged and the rest still run. */
  async runEffects(effects, env, bindings, label) {
    const failures = [];
    for (let i = 0; i < effects.length; i++) {
      const effect = effects[i];
      try {
        await perform(effect, env, bindings);
      } catch (e) {
        const type = effect && typeof effect === "object" ? effect.type : undefined;
        const code = e && e.code ? `${e.code}: ` : "";
        const line = `[elixir-workers] ${label}: effect ${i} (${type}) failed: ${code}${e && e.message ? e.message : e}`;
        failures.push(line);
        this.log.error(line);
      }
    }
    return failures;
  }

  /**
   * Runs the guest once on a fresh instance, within `budgetNanos` of guest
   * time: `{ outcome, status, message, stdout, stderr, memoryBytes,
   * elapsedNanos }` with outcome "exited", "trapped", "timed-out" or
   * "unlinkable". `elapsedNanos` includes the time the guest slept.
   */
  async runPass(
    stdin,
    budgetNanos = BigInt(this.limits.timeMs) * 1_000_000n,
    stderrLog = new LineLog((line) => this.log.error(`[worker] ${line}`), this.limits.stderrLogBytes),
  ) {
    if (this.onPass) this.onPass();
    const stdout = new OutputBuffer(this.limits.stdoutBytes, "reject");
    const stderr = new OutputBuffer(this.limits.stderrBytes, "keep-tail", stderrLog);
    const start = this.clock.monotonicNanos();
    const pass = { outcome: "exited", status: 0, message: "", stdout, stderr, memoryBytes: 0, elapsedNanos: 0n };
    if (budgetNanos <= 0n) {
      pass.outcome = "timed-out";
      return pass;
    }
    const wasi = new WasiPreview1({
      args: ARGS,
      stdin,
      stdout,
      stderr,
      preopens: { [APP_DIR]: this.appDir },
      clock: this.clock,
      ...(this.random ? { random: this.random } : {}),
      deadlineNanos: start + budgetNanos,
    });
    // A snapshot imports its memory: every pass borrows one that is already
    // mapped and zeroed, so instantiating only copies the data segments (a
    // fresh memory page-faults on every page the image and the run touch).
    const lent = this.memory && (this.idleMemories.pop() ?? new WebAssembly.Memory(this.memory));
    try {
      await this.#run(wasi, lent, pass, start);
    } finally {
      if (lent) this.#takeBack(lent);
    }
    return pass;
  }

  async #run(wasi, lent, pass, start) {
    let instance;
    try {
      const imports = { wasi_snapshot_preview1: wasi.imports(this.module) };
      if (lent) imports.env = { memory: lent };
      instance = await WebAssembly.instantiate(this.module, imports);
    } catch (e) {
      pass.outcome = "unlinkable";
      pass.message = String(e && e.message ? e.message : e);
      return;
    }
    const memory = instance.exports.memory;
    if (!(memory instanceof WebAssembly.Memory) || typeof instance.exports._start !== "function") {
      pass.outcome = "unlinkable";
      pass.message = "the module exports no memory or no _start: it is not a WASI command";
      return;
    }
    wasi.bind(memory);
    try {
      instance.exports._start();
    } catch (e) {
      if (e instanceof ProcExit) {
        pass.status = e.code;
      } else if (e instanceof DeadlineExceeded) {
        pass.outcome = "timed-out";
      } else if (e instanceof HostFailure) {
        throw e;
      } else {
        pass.outcome = "trapped";
        pass.message = String(e && e.message ? e.message : e);
      }
    } finally {
      pass.stderr.flushLines();
      pass.memoryBytes = memory.buffer.byteLength;
      pass.elapsedNanos = this.clock.monotonicNanos() - start + wasi.slept;
    }
  }

  /** Zeroes a lent memory for the next pass; one that grew cannot shrink and is dropped. */
  #takeBack(memory) {
    if (memory.buffer.byteLength !== this.memory.initial * PAGE || this.idleMemories.length >= IDLE_MEMORIES) return;
    new Uint8Array(memory.buffer).fill(0);
    this.idleMemories.push(memory);
  }

  /** The Failure of a pass that failed, or null. */
  #failure(pass) {
    if (pass.outcome === "unlinkable") {
      return new Failure(500, `the worker cannot be linked: ${pass.message}\n`);
    }
    if (pass.outcome === "timed-out") {
      return new Failure(504, `the worker ran longer than ${this.limits.timeMs} ms\n`);
    }
    if (pass.memoryBytes > this.limits.memoryBytes) {
      return new Failure(
        500,
        `the worker ran out of memory (the limit is ${this.limits.memoryBytes} bytes)\n`,
        tail(pass.stderr),
      );
    }
    if (pass.outcome === "trapped") {
      return new Failure(500, "the worker crashed\n", `trap: ${pass.message.trim()}\n${tail(pass.stderr)}`);
    }
    if (pass.stdout.overflowed) {
      // checked before the exit status: a guest whose write failed may have exited because of it
      return invalid(`more than ${pass.stdout.limit} bytes on stdout`, pass.stdout.bytes());
    }
    if (pass.status !== 0) {
      return new Failure(500, `the worker exited with status ${pass.status}\n`, tail(pass.stderr));
    }
    return null;
  }
}

/**
 * The host's answer in place of the worker's, with the same texts as the Java
 * host (wasi-bridge, RequestFailure): `message` is the fixed text every client
 * sees; `details` (the trap, the end of stderr) only a worker in development
 * mode shows; both go to the log.
 */
class Failure {
  constructor(status, message, details = "") {
    this.status = status;
    this.message = message;
    this.details = details;
  }
}

function invalid(message, out) {
  return new Failure(
    502,
    `the worker wrote an invalid response: ${message}\nfirst bytes: ${preview(out, PREVIEW_BYTES)}\n`,
  );
}

function tail(stderr) {
  const t = stderr.tail(STDERR_TAIL_BYTES);
  return t === "" ? "" : `stderr:\n${t}${t.endsWith("\n") ? "" : "\n"}`;
}

function checkNeedIds(needs, results) {
  for (const need of needs) {
    if (Object.prototype.hasOwnProperty.call(results, need.id)) {
      throw new InvalidFrame(`need id ${JSON.stringify(need.id)} is used twice in one request`);
    }
  }
}

/** `{ status, headers, body }` as a fetch Response (hop-by-hop headers dropped). */
export function toResponse({ status, headers, body }) {
  if (status < 200) {
    // a Worker cannot send an informational status as the final response (handle() answers
    // such a guest with the same text; this guards other callers)
    return toResponse(text(502, `the worker answered with status ${status}, which cannot be a final response\n`));
  }
  const out = new Headers();
  for (const [name, value] of headers) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.append(name, value);
  }
  return new Response(NULL_BODY.has(status) || body.length === 0 ? null : body, { status, headers: out });
}
