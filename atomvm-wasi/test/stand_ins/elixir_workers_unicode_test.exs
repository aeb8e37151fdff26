# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ElixirWorkersUnicodeTest do
  # stand-ins/elixir_workers_unicode.erl against OTP's own unicode on this BEAM
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/elixir_workers_unicode.erl", __DIR__)

  setup_all do
    {:ok, module, binary} = :compile.file(String.to_charlist(@source), [:binary, :return_errors])
    {:module, ^module} = :code.load_binary(module, String.to_charlist(@source), binary)
    %{stand_in: module}
  end

  test "declares that it replaces unicode's normalizations", %{stand_in: stand_in} do
    replaced =
      for {:elixir_workers_replaces, value} <- stand_in.module_info(:attributes),
          mfa <- value,
          do: mfa

    assert Enum.sort(replaced) ==
             Enum.sort(
               for form <- [:nfc, :nfd, :nfkc, :nfkd],
                   do: {:unicode, :"characters_to_#{form}_binary", 1}
             )

    for {_, function, arity} <- replaced do
      assert function_exported?(stand_in, function, arity)
    end
  end

  @texts [
    "",
    "plain ascii",
    "é",
    "e\u0301",
    "Å\u0301ñ\u0303",
    "한국어",
    "ﬁ ① ²",
    "a\u0328\u0301 q\u0307\u0323",
    ~c"e\u0301 as a charlist",
    ["mixed ", ~c"cha", "rdata ", 0x1E9B, 0x0323]
  ]

  test "the normalizations answer what OTP's answer", %{stand_in: stand_in} do
    for text <- @texts,
        form <- [:nfc, :nfd, :nfkc, :nfkd] do
      fun = :"characters_to_#{form}_binary"

      assert apply(stand_in, fun, [text]) == apply(:unicode, fun, [text]),
             "#{fun}(#{inspect(text)})"
    end
  end

  test "every code point of a random text survives NFD then NFC", %{stand_in: stand_in} do
    :rand.seed(:exsss, {1, 2, 3})

    text =
      for _ <- 1..2000,
          into: "",
          do:
            <<Enum.random(
                [?a..?z, 0xC0..0x17F, 0x300..0x36F]
                |> Enum.random()
              )::utf8>>

    assert stand_in.characters_to_nfd_binary(text) == :unicode.characters_to_nfd_binary(text)

    assert stand_in.characters_to_nfc_binary(stand_in.characters_to_nfd_binary(text)) ==
             :unicode.characters_to_nfc_binary(text)
  end
end
