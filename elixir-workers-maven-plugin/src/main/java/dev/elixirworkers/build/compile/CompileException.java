package dev.elixirworkers.build.compile;

import dev.elixirworkers.build.BuildException;

/** Compiling Erlang or Elixir sources failed; subclasses say how. */
public class CompileException extends BuildException {
  public CompileException(String message) {
    super(message);
  }

  public CompileException(String message, Throwable cause) {
    super(message, cause);
  }
}
