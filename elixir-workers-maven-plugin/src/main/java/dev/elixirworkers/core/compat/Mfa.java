package dev.elixirworkers.core.compat;

/**
 * A function by module, name and arity, as BEAM names them ({@code Elixir.String}, {@code upcase},
 * 1).
 */
public record Mfa(String module, String function, int arity) implements Comparable<Mfa> {

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
