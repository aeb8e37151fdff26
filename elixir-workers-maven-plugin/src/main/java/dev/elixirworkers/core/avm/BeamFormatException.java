package dev.elixirworkers.core.avm;

/** A file that should be a BEAM module (or an AVM archive) is not one, or is damaged. */
public class BeamFormatException extends PackException {
  public BeamFormatException(String message) {
    super(message);
  }

  public BeamFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
