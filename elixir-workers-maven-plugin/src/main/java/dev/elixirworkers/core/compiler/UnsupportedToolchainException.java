package dev.elixirworkers.core.compiler;

/** The installed Erlang/OTP or Elixir is outside {@link SupportedToolchains}' range. */
public class UnsupportedToolchainException extends CompileException {
  public UnsupportedToolchainException(String message) {
    super(message);
  }
}
