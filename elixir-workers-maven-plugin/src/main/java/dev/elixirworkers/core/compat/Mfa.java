package dev.elixirworkers.core.compat;

/**
 * A function by module, name and arity, as BEAM names them ({@code Elixir.String}, {@code upcase},
 * 1).
 */
public record Mfa(String module, String function, int arity) implements Comparable<Mfa> {

  /** Reads {@link #key()}'s form back. */
  public static Mfa parse(String key) {
    int colon = key.indexOf(':');
    int slash = key.lastIndexOf('/');
    if (colon <= 0 || slash < colon) {
      throw new IllegalArgumentException("not module:function/arity: " + key);
    }
    return new Mfa(
        key.substring(0, colon),
        key.substring(colon + 1, slash),
        Integer.parseInt(key.substring(slash + 1)));
  }

  /** {@code module:function/arity}, the form of AtomVM's BIF and NIF tables. */
  public String key() {
    return module + ":" + function + "/" + arity;
  }

  /**
   * How an Elixir programmer writes it: {@code String.upcase/1}, {@code :crypto.hash/2}; operators
   * keep their symbol ({@code :erlang.+/2}).
   */
  public String display() {
    String name =
        module.startsWith("Elixir.") ? module.substring("Elixir.".length()) : ":" + module;
    return name + "." + function + "/" + arity;
  }

  @Override
  public int compareTo(Mfa other) {
    return key().compareTo(other.key());
  }

  @Override
  public String toString() {
    return key();
  }
}
