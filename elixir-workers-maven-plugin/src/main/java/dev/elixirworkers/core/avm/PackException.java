package dev.elixirworkers.core.avm;

import dev.elixirworkers.core.BuildException;

/** Packing an {@code .avm} failed; the message says what to change. */
public class PackException extends BuildException {
  public PackException(String message) {
    super(message);
  }

  public PackException(String message, Throwable cause) {
    super(message, cause);
  }
}
