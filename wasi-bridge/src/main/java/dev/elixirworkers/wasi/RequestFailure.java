package dev.elixirworkers.wasi;

import dev.elixirworkers.wasi.preview1.OutputBuffer;
import java.time.Duration;

/**
 * The host's answer in place of the worker's: a limit was hit or the guest failed
 * (docs/protocol.md, "Limits and what a violation returns" and "Errors the host reports"). Every
 * such text is made here, so this file is the one to hold against the protocol; the conformance
 * cases pin the bytes.
 *
 * @param status the HTTP status
 * @param message the plain-text body, ending in a newline
 */
record RequestFailure(int status, String message) {
  /** How much of stdout an invalid response quotes. */
  static final int PREVIEW_BYTES = 200;

  /** How much of the end of stderr a failed run quotes. */
  static final int STDERR_TAIL_BYTES = 4096;

  WorkerResponse response() {
    return WorkerResponse.text(status, message);
  }

  static RequestFailure requestBodyTooLarge(long bytes, long limit) {
    return new RequestFailure(
        413, "the request body is " + bytes + " bytes; the limit is " + limit + "\n");
  }

  /** The dev server stops reading at its limit, so it cannot say how large the body was. */
  static RequestFailure requestBodyOverDevServerLimit(long limit) {
    return new RequestFailure(
        413, "the request body is larger than " + limit + " bytes, the dev server's limit\n");
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
        "the worker ran out of memory (the limit is "
            + (limitBytes >> 20)
            + " MiB)\n"
            + stderrTail(stderr));
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

  static RequestFailure needIdReused(String id) {
    return new RequestFailure(
        502,
        "the worker wrote an invalid response: need id \""
            + id
            + "\" was already used for this request\n");
  }

  static RequestFailure crashed(String trap, OutputBuffer stderr) {
    return new RequestFailure(500, "the worker crashed: " + trap + "\n" + stderrTail(stderr));
  }

  static RequestFailure exited(int status, OutputBuffer stderr) {
    return new RequestFailure(
        500, "the worker exited with status " + status + "\n" + stderrTail(stderr));
  }

  private static String stderrTail(OutputBuffer stderr) {
    String tail = stderr.tail(STDERR_TAIL_BYTES);
    return tail.isEmpty() ? "" : "stderr:\n" + tail + (tail.endsWith("\n") ? "" : "\n");
  }
}
