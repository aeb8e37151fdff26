package dev.elixirworkers.wasi.bindings;

/** The worker's configuration (wrangler.jsonc, .dev.vars) cannot be used; the message says why. */
public final class WorkerConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public WorkerConfigException(String message) {
    super(message);
  }

  public WorkerConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
