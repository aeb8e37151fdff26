package dev.elixirworkers.core.snapshot;

/** A module could not be snapshotted; the message says why. */
public final class SnapshotException extends Exception {
  private static final long serialVersionUID = 1L;

  public SnapshotException(String message) {
    super(message);
  }

  public SnapshotException(String message, Throwable cause) {
    super(message, cause);
  }
}
