# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ElixirWorkersStringTest do
  # stand-ins/elixir_workers_string.erl against OTP's string:titlecase/1 on this BEAM
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/elixir_workers_string.erl", __DIR__)

  setup_all do
    {:ok, module, binary} = :compile.file(String.to_charlist(@source), [:binary, :return_errors])

    {:module, ^module} = :code.load_binary(module, String.to_charlist(@source), binary)
    %{stand_in: module}
  end

  test "declares that it replaces string:titlecase/1", %{stand_in: stand_in} do
    assert [[{:string, :titlecase, 1}]] ==
             for(
               {:elixir_workers_replaces, value} <- stand_in.module_info(:attributes),
               do: value
             )
  end

  test "answers as OTP does, for binaries and charlists", %{stand_in: stand_in} do
    # ǆ titlecases to ǅ (not to its uppercase Ǆ), ß to Ss (two codepoints), and
    # "e\u0301" is one grapheme cluster of two codepoints
    subjects = [
      "",
      "a",
      "hELLO",
      "élan vital",
      "ǆemal",
      "ßa",
      "e\u0301cole",
      "1abc",
      " x",
      "ÿ",
      "ﬁne"
    ]

    for subject <- subjects, input <- [subject, String.to_charlist(subject)] do
      assert :string.titlecase(input) == stand_in.titlecase(input),
             "titlecase(#{inspect(input)})"
    end
  end

  test "raises on what is not a string", %{stand_in: stand_in} do
    assert_raise FunctionClauseError, fn -> stand_in.titlecase(:atom) end
  end
end
