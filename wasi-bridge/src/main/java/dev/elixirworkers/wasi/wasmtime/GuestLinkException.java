package dev.elixirworkers.wasi.wasmtime;

/**
 * The module cannot run on this host: it does not compile, imports something the host does not
 * provide or with a signature the host cannot stub, or lacks the {@code memory}/{@code _start}
 * exports of a WASI command. The message names the import or export.
 */
public final class GuestLinkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GuestLinkException(String message) {
    super(message);
  }
}
