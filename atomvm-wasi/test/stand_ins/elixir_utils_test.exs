# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ElixirUtilsTest do
  # stand-ins/elixir_utils.erl against Elixir 1.18's answers and, on an Elixir that has one
  # (1.18), its own elixir_utils:jaro_similarity/2, compiled under another name so that
  # Elixir's elixir_utils stays loaded.
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/elixir_utils.erl", __DIR__)

  setup_all do
    dir =
      Path.join(System.tmp_dir!(), "elixir_utils_stand_in_#{System.unique_integer([:positive])}")

    File.mkdir_p!(dir)
    file = Path.join(dir, "elixir_utils_stand_in.erl")

    File.write!(
      file,
      String.replace(
        File.read!(@source),
        "-module(elixir_utils).",
        "-module(elixir_utils_stand_in)."
      )
    )

    {:ok, module, binary} = :compile.file(String.to_charlist(file), [:binary, :return_errors])
    {:module, ^module} = :code.load_binary(module, String.to_charlist(file), binary)
    on_exit(fn -> File.rm_rf!(dir) end)
    %{stand_in: module}
  end

  # Elixir 1.18.3's :elixir_utils.jaro_similarity/2 (1.14's String.jaro_distance/2 answers
  # otherwise for some of them: "ab" and "ba" are 0.0 here)
  @known [
    {"martha", "marhta", 0.9444444444444445},
    {"dwayne", "duane", 0.8222222222222223},
    {"dixon", "dicksonx", 0.7666666666666666},
    {"abc", "xyz", 0.0},
    {"ab", "ba", 0.0},
    {"héllo", "hello", 0.8666666666666667},
    {"e\u0301a", "ae\u0301", 0.0},
    {"crate", "trace", 0.7333333333333334},
    {"jellyfish", "smellyfish", 0.8962962962962964},
    {"", "", 1.0},
    {"", "a", 0.0}
  ]

  test "jaro_similarity/2 answers what Elixir 1.18 answers", %{stand_in: stand_in} do
    mismatches =
      for {a, b, expected} <- @known,
          stand_in.jaro_similarity(a, b) !== expected,
          do: {a, b, expected, stand_in.jaro_similarity(a, b)}

    assert mismatches == []
  end

  test "jaro_similarity/2 answers what this Elixir's elixir_utils answers, if it has one", %{
    stand_in: stand_in
  } do
    if function_exported?(:elixir_utils, :jaro_similarity, 2) do
      :rand.seed(:exsss, {1, 2, 3})
      letters = ~c"abcdé"

      word = fn ->
        for _ <- 1..:rand.uniform(8), into: "", do: <<Enum.random(letters)::utf8>>
      end

      mismatches =
        for _ <- 1..2_000,
            a = word.(),
            b = word.(),
            :elixir_utils.jaro_similarity(a, b) !== stand_in.jaro_similarity(a, b),
            do: {a, b, :elixir_utils.jaro_similarity(a, b), stand_in.jaro_similarity(a, b)}

      assert mismatches == []
    end
  end
end
