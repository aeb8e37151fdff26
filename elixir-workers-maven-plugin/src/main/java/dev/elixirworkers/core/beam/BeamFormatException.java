package dev.elixirworkers.core.beam;

import dev.elixirworkers.core.BuildException;

/** A file that should be a BEAM module is not one, or is damaged. */
public class BeamFormatException extends BuildException {
  public BeamFormatException(String message) {
    super(message);
  }

  public BeamFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
