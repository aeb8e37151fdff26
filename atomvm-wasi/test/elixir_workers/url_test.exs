# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.URLTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.URL

  test "decode/1 decodes %XX and keeps +" do
    assert URL.decode("a%20b+c") == "a b+c"
    assert URL.decode("%E2%82%AC%e2%82%ac") == "€€"
    assert URL.decode("plain") == "plain"
    assert URL.decode("") == ""
  end

  test "decode/1 keeps malformed escapes as they are" do
    assert URL.decode("100%") == "100%"
    assert URL.decode("%zz%4") == "%zz%4"
    assert URL.decode("%%41") == "%A"
  end

  test "decode/1 gives bytes, not checked for UTF-8" do
    assert URL.decode("%FF") == <<0xFF>>
  end

  test "decode_www_form/1 reads + as a space" do
    assert URL.decode_www_form("a+b%2Bc") == "a b+c"
  end

  test "encode/1 keeps unreserved characters only, like URI.encode/2 with unreserved" do
    for s <- ["a b", "ä/€?&=#", "-._~AZaz09", "", <<0, 255>>] do
      assert URL.encode(s) == URI.encode(s, &URI.char_unreserved?/1)
    end
  end

  test "encode_www_form/1 like URI.encode_www_form/1" do
    for s <- ["a b", "ä/€?&=#+", "-._~AZaz09", ""] do
      assert URL.encode_www_form(s) == URI.encode_www_form(s)
    end
  end

  test "decode_query_pairs/1 keeps every pair in order" do
    assert URL.decode_query_pairs("a=1&b=2&a=3") == [{"a", "1"}, {"b", "2"}, {"a", "3"}]
    assert URL.decode_query_pairs("a&&b=&=c") == [{"a", ""}, {"b", ""}, {"", "c"}]
    assert URL.decode_query_pairs("x=a%3Db%26c&y=1+2") == [{"x", "a=b&c"}, {"y", "1 2"}]
    assert URL.decode_query_pairs("") == []
  end

  test "decode_query/1: a repeated key keeps its last value, key[] collects a list" do
    assert URL.decode_query("a=1&b=2&a=3") == %{"a" => "3", "b" => "2"}
    assert URL.decode_query("t[]=x&t[]=y&u=1&t[]=z") == %{"t" => ["x", "y", "z"], "u" => "1"}
    assert URL.decode_query("t%5B%5D=x&t%5B%5D=y") == %{"t" => ["x", "y"]}
    assert URL.decode_query("") == %{}
    assert URL.decode_query("[]=1") == %{"[]" => "1"}
  end

  test "encode_query/1 round-trips through decode_query/1" do
    params = %{"q" => "a b&c", "n" => 1, "tags" => ["x", "y"], "e" => "€"}
    query = URL.encode_query(params)

    assert URL.decode_query(query) == %{
             "q" => "a b&c",
             "n" => "1",
             "tags" => ["x", "y"],
             "e" => "€"
           }

    assert URL.encode_query([{"a", 1}, {:b, true}]) == "a=1&b=true"
    assert URL.encode_query([]) == ""
  end
end
