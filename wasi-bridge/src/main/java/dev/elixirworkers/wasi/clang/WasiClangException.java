package dev.elixirworkers.wasi.clang;

/**
 * No usable WASI C toolchain was found, or the compiler failed. The message says what was looked
 * for and how to fix it, or quotes the failing command, its exit code and the tail of its output.
 */
public class WasiClangException extends Exception {
  private static final long serialVersionUID = 1L;

  public WasiClangException(String message) {
    super(message);
  }

  public WasiClangException(String message, Throwable cause) {
    super(message, cause);
  }
}
