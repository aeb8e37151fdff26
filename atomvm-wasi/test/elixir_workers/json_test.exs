# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.JSONTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.JSON

  defp enc(term), do: term |> JSON.encode() |> IO.iodata_to_binary()

  describe "decode" do
    test "scalars" do
      assert JSON.decode("null") == {:ok, nil}
      assert JSON.decode("true") == {:ok, true}
      assert JSON.decode("false") == {:ok, false}
      assert JSON.decode("0") == {:ok, 0}
      assert JSON.decode("-0") == {:ok, 0}
      assert JSON.decode("42") == {:ok, 42}
      assert JSON.decode("-17") == {:ok, -17}
      assert JSON.decode(~s("hi")) == {:ok, "hi"}
      assert JSON.decode(" \t\r\n 1 \n") == {:ok, 1}
    end

    test "numbers with fractions and exponents are floats" do
      assert JSON.decode("1.5") == {:ok, 1.5}
      assert JSON.decode("-0.25") == {:ok, -0.25}
      assert JSON.decode("1e3") == {:ok, 1000.0}
      assert JSON.decode("1E3") == {:ok, 1000.0}
      assert JSON.decode("1e+3") == {:ok, 1000.0}
      assert JSON.decode("25e-1") == {:ok, 2.5}
      assert JSON.decode("-1.5e2") == {:ok, -150.0}
      assert JSON.decode("0.5E-1") == {:ok, 0.05}
    end

    test "arrays and objects" do
      assert JSON.decode("[]") == {:ok, []}
      assert JSON.decode("{}") == {:ok, %{}}

      assert JSON.decode(~s([1, "a", [true, null], {"b": {}}])) ==
               {:ok, [1, "a", [true, nil], %{"b" => %{}}]}

      assert JSON.decode(~s({"a" : 1 , "b":[ 2 ] })) == {:ok, %{"a" => 1, "b" => [2]}}
    end

    test "a repeated key keeps its last value" do
      assert JSON.decode(~s({"a": 1, "a": 2})) == {:ok, %{"a" => 2}}
    end

    test "every escape" do
      assert JSON.decode(~S("\" \\ \/ \b \f \n \r \t")) == {:ok, "\" \\ / \b \f \n \r \t"}
      assert JSON.decode(~S("\u0041\u00e9\u20AC")) == {:ok, "Aé€"}
      assert JSON.decode(~S("a\u0000b")) == {:ok, <<?a, 0, ?b>>}
    end

    test "surrogate pairs become one character" do
      assert JSON.decode(~S("\ud83d\ude00")) == {:ok, "😀"}
      assert JSON.decode(~S("x\uD834\uDD1Ey")) == {:ok, "x𝄞y"}
    end

    test "raw UTF-8 passes through" do
      assert JSON.decode(~s("héllo wörld 😀")) == {:ok, "héllo wörld 😀"}
    end

    test "strings without escapes are sub-binaries of the input" do
      {:ok, value} = JSON.decode(~s(["#{String.duplicate("x", 100)}"]))
      assert value == [String.duplicate("x", 100)]
    end

    test "errors carry the reason and the byte position" do
      assert JSON.decode("") == {:error, {:unexpected_end, 0}}
      assert JSON.decode("   ") == {:error, {:unexpected_end, 3}}
      assert JSON.decode("[1, }") == {:error, {:unexpected_character, 4}}
      assert JSON.decode("[1 2]") == {:error, {:expected_comma_or_bracket, 3}}
      assert JSON.decode(~s({"a" 1})) == {:error, {:expected_colon, 5}}
      assert JSON.decode(~s({"a":1 "b":2})) == {:error, {:expected_comma_or_brace, 7}}
      assert JSON.decode(~s({1:2})) == {:error, {:expected_key, 1}}
      assert JSON.decode(~s({"a":1,})) == {:error, {:expected_key, 7}}
      assert JSON.decode("[1,]") == {:error, {:unexpected_character, 3}}
      assert JSON.decode("1 2") == {:error, {:trailing_data, 2}}
      assert JSON.decode("nul") == {:error, {:unexpected_character, 0}}
      assert JSON.decode("tru e") == {:error, {:unexpected_character, 0}}
      assert JSON.decode("'a'") == {:error, {:unexpected_character, 0}}
    end

    test "bad numbers" do
      assert JSON.decode("01") == {:error, {:trailing_data, 1}}
      assert JSON.decode("1.") == {:error, {:invalid_number, 2}}
      assert JSON.decode("1.e3") == {:error, {:invalid_number, 2}}
      assert JSON.decode(".5") == {:error, {:unexpected_character, 0}}
      assert JSON.decode("-") == {:error, {:unexpected_end, 1}}
      assert JSON.decode("-a") == {:error, {:invalid_number, 1}}
      assert JSON.decode("1e") == {:error, {:invalid_number, 2}}
      assert JSON.decode("1e+") == {:error, {:invalid_number, 3}}
      assert JSON.decode("+1") == {:error, {:unexpected_character, 0}}
      assert JSON.decode("0x10") == {:error, {:trailing_data, 1}}
      assert JSON.decode("NaN") == {:error, {:unexpected_character, 0}}
      assert JSON.decode("Infinity") == {:error, {:unexpected_character, 0}}
    end

    test "huge numbers: 64-bit integers, finite floats" do
      assert JSON.decode("9223372036854775807") == {:ok, 9_223_372_036_854_775_807}
      assert JSON.decode("-9223372036854775808") == {:ok, -9_223_372_036_854_775_808}
      assert JSON.decode("9223372036854775808") == {:error, {:number_out_of_range, 0}}
      assert JSON.decode("-9223372036854775809") == {:error, {:number_out_of_range, 0}}

      assert JSON.decode("[123456789012345678901234567890]") ==
               {:error, {:number_out_of_range, 1}}

      assert JSON.decode("1e400") == {:error, {:number_out_of_range, 0}}
      assert JSON.decode("-1.5e308") == {:ok, -1.5e308}
      assert JSON.decode("1e-400") == {:ok, 0.0}
      assert {:ok, f} = JSON.decode("1" <> String.duplicate("0", 300) <> ".5")
      assert f > 1.0e299
    end

    test "strings: unterminated, control characters, bad escapes, lone surrogates" do
      assert JSON.decode(~s("abc)) == {:error, {:unterminated_string, 4}}
      assert JSON.decode(~s(["a\nb"])) == {:error, {:control_character, 3}}
      assert JSON.decode(<<?", ?a, 0x1F, ?">>) == {:error, {:control_character, 2}}
      assert JSON.decode(~S("\x")) == {:error, {:invalid_escape, 2}}
      assert JSON.decode(~S("\u12G4")) == {:error, {:invalid_escape, 2}}
      assert JSON.decode(~S("\u12")) == {:error, {:invalid_escape, 2}}
      assert JSON.decode(<<?", ?\\>>) == {:error, {:unexpected_end, 2}}
      assert JSON.decode(~S("\ud83d")) == {:error, {:lone_surrogate, 2}}
      assert JSON.decode(~S("\ud83dx")) == {:error, {:lone_surrogate, 2}}
      assert JSON.decode(~S("\ud83d\u0041")) == {:error, {:lone_surrogate, 2}}
      assert JSON.decode(~S("\ude00")) == {:error, {:lone_surrogate, 2}}
    end

    test "invalid UTF-8 is rejected where it starts" do
      assert JSON.decode(<<?", 0xFF, ?">>) == {:error, {:invalid_utf8, 1}}
      assert JSON.decode(<<?", ?a, ?b, 0xC3, ?">>) == {:error, {:invalid_utf8, 3}}
      # overlong encoding of "/" and an encoded surrogate
      assert JSON.decode(<<?", 0xC0, 0xAF, ?">>) == {:error, {:invalid_utf8, 1}}
      assert JSON.decode(<<?", 0xED, 0xA0, 0x80, ?">>) == {:error, {:invalid_utf8, 1}}

      assert JSON.decode(<<?[, ?", "é", ?", ?,, ?", 0xE2, 0x82, ?">>) ==
               {:error, {:invalid_utf8, 7}}
    end

    test "long strings (searched natively) decode and fail like short ones" do
      long = String.duplicate("abcdefgh", 40)
      assert JSON.decode(~s("#{long}")) == {:ok, long}
      assert JSON.decode(~s("#{long}\\n#{long}")) == {:ok, long <> "\n" <> long}
      assert JSON.decode(~s("#{long}é😀#{long}")) == {:ok, long <> "é😀" <> long}
      assert JSON.decode(~s(["#{long}", "x"])) == {:ok, [long, "x"]}
      assert JSON.decode(~s("#{long})) == {:error, {:unterminated_string, 321}}
      assert JSON.decode(<<?", long::binary, 1, ?">>) == {:error, {:control_character, 321}}
      assert JSON.decode(<<?", long::binary, "é", 0xFF, ?">>) == {:error, {:invalid_utf8, 323}}
      big = String.duplicate("x", 1_000_000)
      assert JSON.decode(~s({"v":"#{big}"})) == {:ok, %{"v" => big}}
    end

    test "every truncation of a valid document is an error within the input" do
      doc =
        ~s({"a": [1, -2.5e3, "x\\u00e9y", true, false, null, {"b": "c"}], "d": "\\ud83d\\ude00"})

      assert {:ok, _} = JSON.decode(doc)

      for n <- 0..(byte_size(doc) - 1) do
        prefix = binary_part(doc, 0, n)
        assert {:error, {reason, position}} = JSON.decode(prefix), "prefix #{inspect(prefix)}"
        assert is_atom(reason)
        assert position >= 0 and position <= n
      end
    end

    test "nesting deeper than max_depth is rejected" do
      deep = String.duplicate("[", 600) <> String.duplicate("]", 600)
      assert JSON.decode(deep) == {:error, {:too_deep, 512}}
      assert {:ok, _} = JSON.decode(deep, max_depth: 600)

      ok = String.duplicate("[", 512) <> String.duplicate("]", 512)
      assert {:ok, _} = JSON.decode(ok)

      assert JSON.decode(~s({"a":{"b":{"c":1}}}), max_depth: 2) == {:error, {:too_deep, 10}}
      assert JSON.decode("[[1]]", max_depth: 1) == {:error, {:too_deep, 1}}
    end

    test "input over max_bytes is rejected before parsing" do
      assert JSON.decode("[1,2,3]", max_bytes: 6) == {:error, {:too_large, 6}}
      assert JSON.decode("[1,2,3]", max_bytes: 7) == {:ok, [1, 2, 3]}
    end

    test "decode! raises with the position" do
      assert JSON.decode!("[1]") == [1]

      assert_raise ArgumentError, "invalid JSON at byte 4: unexpected_character", fn ->
        JSON.decode!("[1, }")
      end
    end
  end

  describe "encode" do
    test "scalars" do
      assert enc(nil) == "null"
      assert enc(true) == "true"
      assert enc(false) == "false"
      assert enc(42) == "42"
      assert enc(-7) == "-7"
      assert enc(:ok) == ~s("ok")
      assert enc("hi") == ~s("hi")
    end

    test "floats in their shortest form" do
      assert enc(1.5) == "1.5"
      assert enc(0.1) == "0.1"
      assert enc(100.0) == "100.0"
      assert enc(-0.0) == "-0.0"
      assert enc(123.456) == "123.456"
      assert enc(1.0e21) == "1.0e21"
      assert enc(1.0e20) == "100000000000000000000.0"
      assert enc(1.0e-7) == "0.0000001"
      assert enc(1.5e-8) == "1.5e-8"
      assert enc(0.30000000000000004) == "0.30000000000000004"
      assert enc(1.7976931348623157e308) == "1.7976931348623157e308"
      # not the shortest (5.0e-324), but the same float
      assert JSON.decode(enc(5.0e-324)) == {:ok, 5.0e-324}
    end

    test "floats read back to the same float" do
      for f <- [
            0.1,
            0.2,
            1 / 3,
            2 / 3,
            1.0e-10,
            123_456.789,
            9.007199254740993e15,
            2.5e-300,
            -4.2e42
          ] do
        assert JSON.decode(enc(f)) == {:ok, f}, "#{inspect(f)} -> #{enc(f)}"
      end
    end

    test "strings escape quotes, backslashes and control characters only" do
      assert enc("a\"b\\c") == ~S("a\"b\\c")
      assert enc("\n\r\t\b\f") == ~S("\n\r\t\b\f")
      assert enc(<<0, 1, 0x1F>>) == ~S("\u0000\u0001\u001f")
      assert enc("é€😀/<>") == ~s("é€😀/<>")
    end

    test "invalid UTF-8 raises" do
      assert_raise ArgumentError, ~r/not valid UTF-8/, fn -> JSON.encode(<<0xFF>>) end

      assert_raise ArgumentError, ~r/not valid UTF-8/, fn ->
        JSON.encode(%{"a" => <<"x", 0xC3>>})
      end
    end

    test "lists, tuples and maps" do
      assert enc([]) == "[]"
      assert enc([1, [2, 3], %{}]) == "[1,[2,3],{}]"
      assert enc([{"content-type", "text/html"}]) == ~s([["content-type","text/html"]])
      assert enc(%{"a" => 1}) == ~s({"a":1})
      # the order of map keys is the host BEAM's (not sorted since OTP 26)
      assert JSON.decode(enc(%{a: 1, b: [true]})) == {:ok, %{"a" => 1, "b" => [true]}}
      assert enc(%{1 => "x"}) == ~s({"1":"x"})
    end

    test "structs lose __struct__" do
      assert enc(%URI{host: "h"}) =~ ~s("host":"h")
      refute enc(%URI{host: "h"}) =~ "__struct__"
    end

    test "values without a JSON form raise" do
      assert_raise ArgumentError, ~r/a pid/, fn -> JSON.encode(self()) end
      assert_raise ArgumentError, ~r/a function/, fn -> JSON.encode([fn -> 1 end]) end
      assert_raise ArgumentError, ~r/object key/, fn -> JSON.encode(%{{1} => 2}) end
      assert_raise ArgumentError, ~r/improper/, fn -> JSON.encode([1 | 2]) end
    end

    test "round trip" do
      values = [
        %{
          "name" => "Zoë",
          "tags" => ["a", "b"],
          "n" => -12,
          "x" => 0.5,
          "ok" => true,
          "none" => nil
        },
        [[], [[]], %{"" => ""}],
        "\u0000\u001f\"\\/\u2028\u{1F600}",
        %{"nested" => %{"deeper" => %{"deepest" => [1, 2.25, "three"]}}}
      ]

      for value <- values do
        assert JSON.decode(enc(value)) == {:ok, value}
      end
    end

    test "encode_to_binary" do
      assert JSON.encode_to_binary(%{"a" => [1]}) == ~s({"a":[1]})
    end
  end
end
