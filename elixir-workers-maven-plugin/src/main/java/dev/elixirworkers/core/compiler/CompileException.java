package dev.elixirworkers.core.compiler;

import dev.elixirworkers.core.BuildException;

/** Compiling Erlang or Elixir sources failed; subclasses say how. */
public class CompileException extends BuildException {
  public CompileException(String message) {
    super(message);
  }

  public CompileException(String message, Throwable cause) {
    super(message, cause);
  }
}
