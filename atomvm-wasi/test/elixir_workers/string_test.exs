# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.StringTest do
  use ExUnit.Case, async: true

  # Elixir's own String, for comparison on the host BEAM
  alias String, as: Ref
  alias ElixirWorkers.String, as: S

  @samples [
    "",
    " ",
    "hello world",
    "  padded\t\n",
    "a,b,,c,",
    ",lead",
    "tab\tsep\vvert\fform\rret",
    "Zoë and Ørjan",
    "ÀÉÎÕÜ àéîõü ÿ",
    "Ǆ ǅ ǆ ĳ Ĳ Ł ł Ž ž ſ İ ı",
    "Σίσυφος ΑΒΓ αβγ",
    "Москва ЁЖИК ёжик",
    "emoji 😀 and 𝄞",
    "\u3000ideographic\u2003space\u205F",
    "no\u00A0break",
    <<"bad ", 0xFF, " byte">>
  ]

  test "split/1 splits on Unicode whitespace like String.split/1" do
    for s <- @samples, S.valid?(s) do
      assert S.split(s) == Ref.split(s), inspect(s)
    end
  end

  test "split/3 like String.split/3" do
    cases = [
      {"a,b,,c,", ",", []},
      {"a,b,,c,", ",", [trim: true]},
      {"a,b,,c,", ",", [parts: 2]},
      {"a,b,,c,", ",", [parts: 3, trim: true]},
      {",a,,b", ",", [trim: true, parts: 2]},
      {"a-b_c", ["-", "_"], []},
      {"a--b", "--", []},
      {"abc", "", []},
      {"abc", "", [parts: 2]},
      {"", ",", []},
      {"", ",", [trim: true]},
      {"", "", []},
      {"héllo", "", []},
      {"x", "xyz", []},
      {"1 , 2 , 3", " , ", []}
    ]

    for {s, pattern, opts} <- cases do
      assert S.split(s, pattern, opts) == Ref.split(s, pattern, opts),
             "split(#{inspect(s)}, #{inspect(pattern)}, #{inspect(opts)})"
    end
  end

  test "trim/1, trim_leading/1, trim_trailing/1 like String's" do
    for s <- @samples, S.valid?(s) do
      assert S.trim(s) == Ref.trim(s), inspect(s)
      assert S.trim_leading(s) == Ref.trim_leading(s), inspect(s)
      assert S.trim_trailing(s) == Ref.trim_trailing(s), inspect(s)
    end
  end

  test "trim/2 with a string to trim" do
    assert S.trim("--a-b--", "-") == Ref.trim("--a-b--", "-")
    assert S.trim("abab x abab", "ab") == Ref.trim("abab x abab", "ab")
    assert S.trim_leading("xxa", "x") == "a"
    assert S.trim_trailing("axx", "x") == "a"
    assert S.trim("aaa", "a") == ""
  end

  test "upcase/downcase/capitalize match String's on the scripts covered" do
    for s <- @samples,
        S.valid?(s),
        not Ref.contains?(s, ["ǅ", "Ǆ", "ǆ", "ſ", "İ", "ı", "ς", "ΐ"]) do
      assert S.upcase(s) == Ref.upcase(s), "upcase #{inspect(s)}"
      assert S.downcase(s) == Ref.downcase(s), "downcase #{inspect(s)}"
    end

    assert S.capitalize("élan VITAL") == Ref.capitalize("élan VITAL")
    assert S.capitalize("") == ""
  end

  test "the :ascii mode changes a-z/A-Z only" do
    assert S.upcase("héllo", :ascii) == "HéLLO"
    assert S.downcase("HÉLLO", :ascii) == "hÉllo"
    assert S.downcase("Content-Type", :ascii) == "content-type"
  end

  test "unchanged strings are returned as they are, invalid bytes kept" do
    s = "already lower"
    assert :erts_debug.same(S.downcase(s), s)
    assert S.upcase(<<"a", 0xFF, "b">>) == <<"A", 0xFF, "B">>
  end

  test "characters beyond the tables stay as they are" do
    assert S.upcase("ß") == "ß"
    assert S.upcase("ǆ") == "ǆ"
  end

  test "replace/4 like String.replace/4" do
    cases = [
      {"a,b,c", ",", "-", []},
      {"a,b,c", ",", "-", [global: false]},
      {"aaa", "a", "bb", []},
      {"a-b_c", ["-", "_"], "+", []},
      {"a-b_c", ["-", "_"], "+", [global: false]},
      {"abc", "", "-", []},
      {"abc", "", "-", [global: false]},
      {"abc", "x", "-", []}
    ]

    for {s, pattern, replacement, opts} <- cases do
      assert S.replace(s, pattern, replacement, opts) ==
               Ref.replace(s, pattern, replacement, opts),
             "replace(#{inspect(s)}, #{inspect(pattern)}, #{inspect(replacement)}, #{inspect(opts)})"
    end
  end

  test "contains?, starts_with?, ends_with?" do
    for s <- @samples, p <- ["", "a", "wor", "😀", ["x", "ld"], [], ["", "q"]] do
      assert S.contains?(s, p) == Ref.contains?(s, p), "contains? #{inspect(s)} #{inspect(p)}"

      assert S.starts_with?(s, p) == Ref.starts_with?(s, p),
             "starts_with? #{inspect(s)} #{inspect(p)}"

      assert S.ends_with?(s, p) == Ref.ends_with?(s, p), "ends_with? #{inspect(s)} #{inspect(p)}"
    end
  end

  test "length/1 counts codepoints" do
    for s <- @samples, S.valid?(s) do
      assert S.length(s) == length(Ref.codepoints(s)), inspect(s)
    end

    # graphemes differ: e + combining acute accent
    assert S.length("e\u0301") == 2
    assert Ref.length("e\u0301") == 1
    # an invalid byte counts as one
    assert S.length(<<"a", 0xFF, "é">>) == 3
  end

  test "slice/3 and slice/2 on codepoints" do
    s = "héllo wörld 😀!"

    for start <- -16..16, len <- 0..16 do
      assert S.slice(s, start, len) == Ref.slice(s, start, len), "slice(#{start}, #{len})"
    end

    # A decreasing first..last has step -1, which String.slice/2 reads as step 1 (and
    # warns about since Elixir 1.18): the reference is given step 1, slice/2 both.
    for first <- -16..16, last <- -16..16 do
      expected = Ref.slice(s, Range.new(first, last, 1))
      assert S.slice(s, Range.new(first, last, 1)) == expected, "slice(#{first}..#{last}//1)"

      if first > last do
        assert S.slice(s, Range.new(first, last, -1)) == expected,
               "slice(#{first}..#{last}//-1)"
      end
    end
  end

  test "at, first, last, codepoints, reverse" do
    s = "añb😀"
    assert S.at(s, 1) == "ñ"
    assert S.at(s, -1) == "😀"
    assert S.at(s, 10) == nil
    assert S.first(s) == "a"
    assert S.last(s) == "😀"
    assert S.first("") == nil
    assert S.codepoints(s) == Ref.codepoints(s)
    assert S.reverse(s) == Ref.reverse(s)
  end

  test "pad_leading, pad_trailing, duplicate" do
    assert S.pad_leading("7", 3, "0") == Ref.pad_leading("7", 3, "0")
    assert S.pad_leading("abc", 2) == "abc"
    assert S.pad_trailing("ä", 4, "xy") == Ref.pad_trailing("ä", 4, "xy")
    assert S.pad_leading("a", 6, "xyz") == Ref.pad_leading("a", 6, "xyz")
    assert S.duplicate("ab", 3) == "ababab"
  end

  test "to_integer and parse_integer" do
    assert S.to_integer("-42") == -42
    assert_raise ArgumentError, fn -> S.to_integer("4x") end
    assert S.parse_integer("12abc") == {12, "abc"}
    assert S.parse_integer("-7") == {-7, ""}
    assert S.parse_integer("+3 ") == {3, " "}
    assert S.parse_integer("x") == :error
    assert S.parse_integer("-") == :error
  end

  test "valid?" do
    assert S.valid?("héllo")
    refute S.valid?(<<0xFF>>)
  end
end
