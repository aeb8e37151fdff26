package dev.elixirworkers.wasi.toolchain;

/**
 * No usable WASI C toolchain was found, or the compiler failed. The message says what was looked
 * for and how to fix it, or quotes the failing command, its exit code and the tail of its output.
 */
public class WasiToolchainException extends Exception {
  private static final long serialVersionUID = 1L;

  public WasiToolchainException(String message) {
    super(message);
  }

  public WasiToolchainException(String message, Throwable cause) {
    super(message, cause);
  }
}
