package dev.elixirworkers.wasi;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.elixirworkers.wasi.preview1.OutputBuffer;
import java.time.Duration;
import java.util.Map;

/**
 * The host's answer in place of the worker's: a limit was hit or the guest failed
 * (docs/protocol.md, "Limits and what a violation returns" and "Errors the host reports"). Every
 * such text is made here, so this file is the one to hold against the protocol; the conformance
 * cases pin the bytes, which the JavaScript host (worker/src/main/js/host.js) answers alike.
 *
 * @param status the HTTP status
 * @param message the plain-text body, ending in a newline
 * @param details what only a worker in development mode shows the client, after {@code message}
 *     (the trap, the end of stderr), or empty; every failure logs it
 */
record RequestFailure(int status, String message, String details) {
  /** How much of stdout an invalid response quotes. */
  static final int PREVIEW_BYTES = 200;

  /** How much of the end of stderr a failed run quotes. */
  static final int STDERR_TAIL_BYTES = 4096;

  /** The worker variable that puts a worker in development mode, as for the framework's pages. */
  static final String ENV_VAR = "ELIXIR_WORKERS_ENV";

  RequestFailure(int status, String message) {
    this(status, message, "");
  }

  /**
   * Whether a worker with this env shows failure details to its clients: {@code ELIXIR_WORKERS_ENV}
   * is {@code dev} or {@code development}, as for the framework's error pages. Production, the
   * default, shows only the fixed text: a crash report can quote a request's secrets.
   */
  static boolean developmentMode(Map<String, String> env) {
    String value = env.get(ENV_VAR);
    return "dev".equals(value) || "development".equals(value);
  }

  /** The response: the fixed text, plus the details in development mode. */
  WorkerResponse response(boolean developmentMode) {
    return WorkerResponse.text(status, developmentMode ? message + details : message);
  }

  /** The fixed text only, as production answers. */
  WorkerResponse response() {
    return response(false);
  }

  /** What the host logs about this failure: the fixed text and the details. */
  String logText() {
    return (message + details).stripTrailing();
  }

  static RequestFailure requestBodyTooLarge(long limit) {
    return new RequestFailure(413, "the request body is larger than " + limit + " bytes\n");
  }

  static RequestFailure timeLimit(Duration limit) {
    return new RequestFailure(504, "the worker ran longer than " + limit.toMillis() + " ms\n");
  }

  static RequestFailure tooManyRounds(int limit) {
    return new RequestFailure(500, "the worker asked for more than " + limit + " rounds\n");
  }

  static RequestFailure tooManyNeeds(int needs, int limit) {
    return new RequestFailure(
        500, "the worker asked for " + needs + " needs in one round; the limit is " + limit + "\n");
  }

  static RequestFailure outOfMemory(long limitBytes, OutputBuffer stderr) {
    return new RequestFailure(
        500,
        "the worker ran out of memory (the limit is " + limitBytes + " bytes)\n",
        stderrTail(stderr));
  }

  static RequestFailure stdoutTooLarge(long limit, byte[] stdout) {
    return invalidResponse("more than " + limit + " bytes on stdout", stdout);
  }

  static RequestFailure invalidResponse(String problem, byte[] stdout) {
    return new RequestFailure(
        502,
        "the worker wrote an invalid response: "
            + problem
            + "\nfirst bytes: "
            + Frames.preview(stdout, PREVIEW_BYTES)
            + "\n");
  }

  /** 1xx is a valid status in a frame, but no HTTP response can end with one. */
  static RequestFailure informationalStatus(int status) {
    return new RequestFailure(
        502, "the worker answered with status " + status + ", which cannot be a final response\n");
  }

  static RequestFailure needIdReused(String id, byte[] stdout) {
    return invalidResponse(
        "need id " + TextNode.valueOf(id) + " is used twice in one request", stdout);
  }

  static RequestFailure crashed(String trap, OutputBuffer stderr) {
    return new RequestFailure(
        500, "the worker crashed\n", "trap: " + trap.strip() + "\n" + stderrTail(stderr));
  }

  static RequestFailure exited(int status, OutputBuffer stderr) {
    return new RequestFailure(
        500, "the worker exited with status " + status + "\n", stderrTail(stderr));
  }

  private static String stderrTail(OutputBuffer stderr) {
    String tail = stderr.tail(STDERR_TAIL_BYTES);
    return tail.isEmpty() ? "" : "stderr:\n" + tail + (tail.endsWith("\n") ? "" : "\n");
  }
}
