# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.UnicodeTest do
  # stand-ins/unicode.erl against OTP's own unicode on this BEAM, compiled
  # under another name so that OTP's stays loaded.
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/unicode.erl", __DIR__)

  setup_all do
    dir = Path.join(System.tmp_dir!(), "unicode_stand_in_#{System.unique_integer([:positive])}")
    File.mkdir_p!(dir)
    file = Path.join(dir, "unicode_stand_in.erl")

    File.write!(
      file,
      String.replace(File.read!(@source), "-module(unicode).", "-module(unicode_stand_in).")
    )

    {:ok, module, beam} = :compile.file(String.to_charlist(file), [:binary, :return_errors])
    {:module, ^module} = :code.load_binary(module, String.to_charlist(file), beam)
    on_exit(fn -> File.rm_rf!(dir) end)
    %{stand_in: module}
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
        form <- [:nfc, :nfd, :nfkc, :nfkd],
        kind <- [:binary, :list] do
      fun = :"characters_to_#{form}_#{kind}"

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
