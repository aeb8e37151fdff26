# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.CookiesTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.Cookies

  test "parse/1 reads name=value pairs" do
    assert Cookies.parse("a=1; b=two; c=") == %{"a" => "1", "b" => "two", "c" => ""}
    assert Cookies.parse(" spaced = x ;") == %{"spaced" => "x"}
    assert Cookies.parse(~s(q="quoted value")) == %{"q" => "quoted value"}
    assert Cookies.parse("novalue; =empty; d=4") == %{"d" => "4"}
    assert Cookies.parse("") == %{}
  end

  test "the first of repeated names wins; several headers are read in order" do
    assert Cookies.parse("a=1; a=2") == %{"a" => "1"}
    assert Cookies.parse(["a=1", "a=2; b=3"]) == %{"a" => "1", "b" => "3"}
  end

  test "format/3 writes attributes with safe defaults" do
    assert Cookies.format("sid", "abc") == "sid=abc; Path=/; HttpOnly; SameSite=Lax"

    assert Cookies.format("sid", "abc",
             path: "/app",
             domain: "example.com",
             max_age: 3600,
             expires: "Wed, 21 Oct 2026 07:28:00 GMT",
             secure: true,
             http_only: false,
             same_site: "Strict",
             partitioned: true
           ) ==
             "sid=abc; Path=/app; Domain=example.com; Max-Age=3600; Expires=Wed, 21 Oct 2026 07:28:00 GMT; Secure; SameSite=Strict; Partitioned"

    assert Cookies.format("a", "b", same_site: nil, path: nil) == "a=b; HttpOnly"
  end

  test "format_delete/2 expires the cookie" do
    assert Cookies.format_delete("sid") ==
             "sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"
  end

  test "names and values a cookie cannot hold raise" do
    for bad <- ["a b", "a;b", "a,b", ~s(a"b), "a\\b", "é", <<1>>] do
      assert_raise ArgumentError, fn -> Cookies.format("n", bad) end
    end

    for bad <- ["", "a b", "a=b", "a;b", "(x)"] do
      assert_raise ArgumentError, fn -> Cookies.format(bad, "v") end
    end

    assert_raise ArgumentError, fn -> Cookies.format("n", "v", path: "/;x") end
  end
end
