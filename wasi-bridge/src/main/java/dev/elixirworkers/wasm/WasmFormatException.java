package dev.elixirworkers.wasm;

/** The bytes are not a WebAssembly module this reader understands. */
public final class WasmFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  public WasmFormatException(String message) {
    super(message);
  }
}
