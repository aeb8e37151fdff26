package dev.elixirworkers.wasi.preview1;

/**
 * Thrown by {@code proc_exit} (and {@code proc_raise}) to end the guest: control flow, not an
 * error. The engine binding unwinds the guest with it and reports {@link #exitCode()}.
 */
public final class ProcExit extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  public ProcExit(int exitCode) {
    super("proc_exit(" + exitCode + ")", null, false, false);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
