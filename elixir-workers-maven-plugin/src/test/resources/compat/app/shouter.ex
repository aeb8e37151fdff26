# A module that calls things AtomVM has and things it has not (CompatibilityCheckerTest).
defmodule Shouter do
  @compile {:no_warn_undefined, [:atomvm, :crypto]}

  def shout(text) do
    loud = String.upcase(text)
    sorted = Enum.sort([3, 1, 2])
    trim = call(&String.trim/1, text)
    reversed = :lists.reverse(sorted)
    found = :maps.get(:a, %{a: 1}, 0)
    random = :crypto.strong_rand_bytes(4)
    hashed = :crypto.hash(:sha256, text)
    platform = :atomvm.platform()
    {loud, trim, reversed, found, random, hashed, platform, Shouter.Helper.ok(text)}
  end

  # a fun literal is reported on the line where it is loaded, that is where it is used
  defp call(fun, arg), do: fun.(arg)

  # Elixir 1.18 compiles this to a map match and a call of
  # :elixir_erl_pass.no_parens_remote/2, which a stand-in provides on the VM
  def name_of(config), do: config.name

  # a macro's body runs in the compiler, never on the VM: nothing in it is reported
  defmacro shouted(text) do
    loud = String.downcase("compile time")
    quote do: {unquote(loud), unquote(text)}
  end
end

defmodule Shouter.Helper do
  def ok(text), do: byte_size(text)
end
