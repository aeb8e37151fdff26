package dev.elixirworkers.build.pack;

import dev.elixirworkers.build.BuildException;

/** Packing an {@code .avm} failed; the message says what to change. */
public class PackException extends BuildException {
  public PackException(String message) {
    super(message);
  }

  public PackException(String message, Throwable cause) {
    super(message, cause);
  }
}
