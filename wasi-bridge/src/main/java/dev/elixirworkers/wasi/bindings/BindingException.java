package dev.elixirworkers.wasi.bindings;

import java.util.Locale;

/**
 * A need or effect the host could not carry out; goes back to the guest as {@code {"error":
 * {"code": …, "message": …}}} (docs/protocol.md) or, for an effect, is logged with its request.
 */
public final class BindingException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The error codes of docs/protocol.md. */
  public enum Code {
    /** The need names a binding the worker does not declare. */
    UNDECLARED_BINDING,
    /** A field is missing or of the wrong type or value. */
    BAD_REQUEST,
    /** A Cloudflare limit: key, value or metadata size, expiration. */
    LIMIT,
    /** The database rejected the SQL. */
    SQL_ERROR,
    /** Something failed in the host. */
    INTERNAL;

    /** The code as it appears in JSON, e.g. {@code undeclared_binding}. */
    public String json() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Code code;

  public BindingException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public BindingException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
