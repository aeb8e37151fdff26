package dev.elixirworkers.wasi.preview1;

/**
 * Thrown when a host call would block past the guest's deadline (e.g. {@code poll_oneoff} asked to
 * sleep longer than the time left): ends the guest like an interrupt of running code does.
 */
public final class DeadlineExceeded extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeadlineExceeded() {
    super("the guest's deadline passed while it waited in a host call", null, false, false);
  }
}
