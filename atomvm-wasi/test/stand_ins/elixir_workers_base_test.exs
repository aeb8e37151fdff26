# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ElixirWorkersBaseTest do
  # stand-ins/elixir_workers_base.erl against Elixir's own Base decoders on
  # this BEAM: random data encoded every way Base encodes it, then often
  # broken (a character swapped for one outside or inside the alphabet, a
  # padding character or whitespace added), decoded by both with every
  # option; the results, or the exception and its message, must be equal.
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/elixir_workers_base.erl", __DIR__)

  setup_all do
    dir =
      Path.join(
        System.tmp_dir!(),
        "elixir_workers_base_stand_in_#{System.unique_integer([:positive])}"
      )

    File.mkdir_p!(dir)
    on_exit(fn -> File.rm_rf!(dir) end)
    file = Path.join(dir, "elixir_workers_base.erl")
    File.write!(file, File.read!(@source))

    {:ok, module, binary} =
      :compile.file(String.to_charlist(file), [:binary, :return_errors, :warnings_as_errors])

    {:module, ^module} = :code.load_binary(module, String.to_charlist(file), binary)
    %{stand_in: module}
  end

  defp outcome(decode) do
    {:ok, decode.()}
  rescue
    e -> {:raised, e.__struct__, Exception.message(e)}
  end

  defp same(stand_in, pairs, input, opts) do
    for {function, arity} <- pairs do
      args = if arity == 1, do: [input], else: [input, opts]

      assert outcome(fn -> apply(stand_in, function, args) end) ==
               outcome(fn -> apply(Base, function, args) end),
             "#{function}/#{arity} of #{inspect(input)} with #{inspect(opts)}"
    end
  end

  defp broken(encoded, junk, tails) do
    case :rand.uniform(4) do
      1 when byte_size(encoded) > 0 ->
        at = :rand.uniform(byte_size(encoded)) - 1
        <<before::binary-size(at), _, rest::binary>> = encoded
        before <> <<Enum.random(junk)>> <> rest

      2 ->
        encoded <> Enum.random(tails)

      _ ->
        encoded
    end
  end

  @base64 [decode64: 1, decode64: 2, decode64!: 1, decode64!: 2]
  @url64 [url_decode64: 1, url_decode64: 2, url_decode64!: 1, url_decode64!: 2]
  @base32 [decode32: 1, decode32: 2, decode32!: 1, decode32!: 2]
  @hex32 [hex_decode32: 1, hex_decode32: 2, hex_decode32!: 1, hex_decode32!: 2]

  test "base 64, standard and URL alphabets, with and without padding and whitespace", %{
    stand_in: stand_in
  } do
    junk = [?=, ?A, ?_, ?-, ?+, ?/, ?\s, ?\n, 0, 200, ?z, ?9]

    for length <- 0..40, padding <- [true, false], ignore <- [nil, :whitespace], _ <- 1..12 do
      data = :crypto.strong_rand_bytes(length)
      opts = [padding: padding] ++ if(ignore, do: [ignore: ignore], else: [])
      tails = ["=", "==", "\n", "A", "AB"]
      same(stand_in, @base64, broken(Base.encode64(data, padding: padding), junk, tails), opts)
      same(stand_in, @url64, broken(Base.url_encode64(data, padding: padding), junk, tails), opts)
    end
  end

  test "base 32 and its extended hex alphabet, in each case, with and without padding", %{
    stand_in: stand_in
  } do
    junk = [?=, ?A, ?a, ?8, ?W, ?w, ?z, ?1, ?\s, 0]

    for length <- 0..30,
        padding <- [true, false],
        letters <- [:upper, :lower, :mixed],
        _ <- 1..8 do
      data = :crypto.strong_rand_bytes(length)
      written = if letters == :mixed, do: Enum.random([:upper, :lower]), else: letters
      opts = [padding: padding, case: letters]
      tails = ["=", "==", "A", "======"]
      encoded = Base.encode32(data, padding: padding, case: written)
      same(stand_in, @base32, broken(encoded, junk, tails), opts)
      hex = Base.hex_encode32(data, padding: padding, case: written)
      same(stand_in, @hex32, broken(hex, junk, tails), opts)
    end
  end

  test "what the documentation shows", %{stand_in: stand_in} do
    assert stand_in.decode64("Zm9vYmFy") == {:ok, "foobar"}
    assert stand_in.decode64("Zm9vYmFy\n", ignore: :whitespace) == {:ok, "foobar"}
    assert stand_in.decode64("Zm9vYg", padding: false) == {:ok, "foob"}
    assert stand_in.url_decode64("_3_-_A==") == {:ok, <<255, 127, 254, 252>>}
    assert stand_in.decode32("MZXW6YTBOI======") == {:ok, "foobar"}
    assert stand_in.hex_decode32("cpnmuoj1e8======", case: :lower) == {:ok, "foobar"}
    assert stand_in.decode64("Zm9vYg=") == :error

    assert_raise ArgumentError, "non-alphabet character found: \"!\" (byte 33)", fn ->
      stand_in.decode64!("Zm9v!mFy")
    end
  end
end
