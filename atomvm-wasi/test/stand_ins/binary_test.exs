# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.BinaryTest do
  # stand-ins/binary.erl against OTP's own binary on this BEAM, compiled under
  # another name so that OTP's stays loaded.
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/binary.erl", __DIR__)

  setup_all do
    dir = Path.join(System.tmp_dir!(), "binary_stand_in_#{System.unique_integer([:positive])}")
    File.mkdir_p!(dir)
    file = Path.join(dir, "binary_stand_in.erl")

    File.write!(
      file,
      String.replace(File.read!(@source), "-module(binary).", "-module(binary_stand_in).")
    )

    {:ok, module, beam} = :compile.file(String.to_charlist(file), [:binary, :return_errors])
    {:module, ^module} = :code.load_binary(module, String.to_charlist(file), beam)
    on_exit(fn -> File.rm_rf!(dir) end)
    %{stand_in: module}
  end

  @subjects ["", "a", "a,b,,c,", ",a,,b,", "  a b\tc\n d  ", "aaaa", "abcabc", "a-b_c-", "xyz"]
  @patterns [
    ",",
    " ",
    "a",
    "aa",
    "b",
    ["-", "_"],
    [" ", "\t", "\n"],
    ["a", "ab"],
    ["ab", "a"],
    "zz"
  ]
  @options [
    [],
    [:global],
    [:trim],
    [:trim_all],
    [:global, :trim],
    [:global, :trim_all],
    [:trim, :global],
    [scope: {1, 3}],
    [:global, scope: {1, 3}],
    [:global, :trim_all, scope: {2, 4}],
    [:global, scope: {4, -3}]
  ]

  defp outcome(fun) do
    fun.()
  rescue
    e in ArgumentError -> {:raised, e.__struct__}
  end

  test "split/3 answers what OTP's answers for every pattern form and option", %{
    stand_in: stand_in
  } do
    for subject <- @subjects, pattern <- @patterns, options <- @options do
      expected = outcome(fn -> :binary.split(subject, pattern, options) end)
      actual = outcome(fn -> stand_in.split(subject, pattern, options) end)

      assert actual == expected,
             "split(#{inspect(subject)}, #{inspect(pattern)}, #{inspect(options)})"
    end
  end

  test "split/2 splits at the first match", %{stand_in: stand_in} do
    for subject <- @subjects, pattern <- @patterns do
      assert stand_in.split(subject, pattern) == :binary.split(subject, pattern)
    end
  end

  test "matches/2,3 answer what OTP's answer", %{stand_in: stand_in} do
    for subject <- @subjects, pattern <- @patterns do
      assert stand_in.matches(subject, pattern) == :binary.matches(subject, pattern)

      for scope <- [{0, 0}, {1, 3}, {2, byte_size(subject) - 2}],
          elem(scope, 1) >= 0,
          elem(scope, 0) + elem(scope, 1) <= byte_size(subject) do
        assert stand_in.matches(subject, pattern, scope: scope) ==
                 :binary.matches(subject, pattern, scope: scope)
      end
    end
  end

  test "a compiled pattern is taken wherever a pattern is", %{stand_in: stand_in} do
    for pattern <- @patterns do
      compiled = stand_in.compile_pattern(pattern)

      assert stand_in.split("a,b c-d_e", compiled, [:global]) ==
               :binary.split("a,b c-d_e", pattern, [:global])

      assert stand_in.matches("aabab", compiled) == :binary.matches("aabab", pattern)
    end
  end

  test "an empty pattern, a bad option or a scope past the end is badarg", %{stand_in: stand_in} do
    for {fun, args} <- [
          {:split, ["abc", ""]},
          {:split, ["abc", []]},
          {:split, ["abc", ["a", ""]]},
          {:split, ["abc", "b", [:everywhere]]},
          {:split, ["abc", "b", [scope: {2, 5}]]},
          {:split, ["abc", "b", [scope: {1, -2}]]},
          {:matches, ["abc", ""]},
          {:matches, [:abc, "b"]},
          {:compile_pattern, [""]},
          {:compile_pattern, [[]]}
        ] do
      assert_raise ArgumentError, fn -> apply(stand_in, fun, args) end
      assert_raise ArgumentError, fn -> apply(:binary, fun, args) end
    end
  end

  test "encode_hex/1,2 and decode_hex/1 answer what OTP's answer", %{stand_in: stand_in} do
    for data <- ["", <<0>>, <<255, 16, 1>>, :rand.bytes(64)] do
      assert stand_in.encode_hex(data) == :binary.encode_hex(data)
      assert stand_in.encode_hex(data, :lowercase) == String.downcase(:binary.encode_hex(data))
      assert stand_in.decode_hex(:binary.encode_hex(data)) == data
      assert stand_in.decode_hex(String.downcase(:binary.encode_hex(data))) == data
    end

    assert_raise ArgumentError, fn -> stand_in.decode_hex("abc") end
    assert_raise ArgumentError, fn -> stand_in.decode_hex("zz") end
  end
end
