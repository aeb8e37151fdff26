# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ElixirWorkersCaseTest do
  # stand-ins/elixir_workers_case.erl, with the data generate/case_data.exs
  # reads off this Elixir, against this Elixir's String.Unicode
  use ExUnit.Case, async: true

  @stand_ins Path.expand("../../stand-ins", __DIR__)

  setup_all do
    dir = Path.join(System.tmp_dir!(), "case_stand_in_#{System.unique_integer([:positive])}")
    File.mkdir_p!(dir)
    data = Path.join(dir, "elixir_workers_case_data.erl")

    {_, 0} =
      System.cmd("elixir", [Path.join(@stand_ins, "generate/case_data.exs"), data],
        stderr_to_stdout: true
      )

    for file <- [data, Path.join(@stand_ins, "elixir_workers_case.erl")] do
      {:ok, module, binary} = :compile.file(String.to_charlist(file), [:binary, :return_errors])
      {:module, ^module} = :code.load_binary(module, String.to_charlist(file), binary)
    end

    on_exit(fn -> File.rm_rf!(dir) end)
    %{stand_in: :elixir_workers_case}
  end

  @modes [:default, :greek, :turkic]

  defp same(stand_in, input) do
    for mode <- @modes do
      assert stand_in.upcase(input, [], mode) == String.Unicode.upcase(input, [], mode),
             "upcase(#{inspect(input)}, #{mode})"

      assert stand_in.downcase(input, [], mode) == String.Unicode.downcase(input, [], mode),
             "downcase(#{inspect(input)}, #{mode})"

      if function_exported?(String.Unicode, :titlecase_once, 2) do
        assert stand_in.titlecase_once(input, mode) == String.Unicode.titlecase_once(input, mode),
               "titlecase_once(#{inspect(input)}, #{mode})"
      end
    end
  end

  test "declares what it replaces", %{stand_in: stand_in} do
    assert [[{String.Unicode, :upcase, 3}, {String.Unicode, :downcase, 3} | _]] =
             for(
               {:elixir_workers_replaces, value} <- stand_in.module_info(:attributes),
               do: value
             )
  end

  @tag timeout: 300_000
  test "every codepoint alone, and after and before Σ, as String.Unicode", %{stand_in: stand_in} do
    for cp <- Enum.concat(0..0xD7FF, 0xE000..0x10FFFF) do
      char = <<cp::utf8>>
      same(stand_in, char)

      # only :greek downcasing looks at what comes before and after
      for input <- ["Σ" <> char, char <> "Σ", "Α" <> char <> "Σ"] do
        assert stand_in.downcase(input, [], :greek) == String.Unicode.downcase(input, [], :greek),
               "downcase(#{inspect(input)}, :greek)"
      end
    end
  end

  test "strings mixing scripts, contexts and invalid bytes", %{stand_in: stand_in} do
    pieces =
      ["Σ", "σ", "ς", "Α", "a", "I", "i", "İ", "I\u0307", "ı", "ß", "ǅ", "'", ".", "\u0301"] ++
        ["\u00AD", "ŉ", "ﬃ", "Ꭰ", "𐐀", "𞤀", "ᾈ", " ", "1", <<0xFF>>, <<0xC3>>, <<0xE1, 0x8F>>] ++
        [<<0xF0, 0x90, 0x90>>, <<0x80>>, "Ω", "é", "Ǆ", "ǈ", "ἀ", "ΐ"]

    :rand.seed(:exsss, {14, 2, 1})

    for _ <- 1..20_000 do
      input = Enum.map_join(1..:rand.uniform(8), fn _ -> Enum.random(pieces) end)
      same(stand_in, input)
    end
  end

  test "String's own functions answer the same through it", %{stand_in: stand_in} do
    for input <- ["ΟΔΥΣΣΕΥΣ", "straße", "İstanbul", "ǆemal", "ﬁnal", ""],
        mode <- @modes do
      assert stand_in.upcase(input, [], mode) == String.upcase(input, mode)
      assert stand_in.downcase(input, [], mode) == String.downcase(input, mode)
    end
  end
end
