# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.ConnTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.Conn

  defp conn(opts \\ []),
    do: Conn.new("GET", "https://Example.COM:8443/a/b%20c//d/?x=1&y=2&x=3", opts)

  test "new/3 splits the URL" do
    c = conn()
    assert c.scheme == "https"
    assert c.host == "example.com"
    assert c.port == 8443
    assert c.path == "/a/b%20c//d/"
    assert c.segments == ["a", "b%20c", "d"]
    assert c.query_string == "x=1&y=2&x=3"
    assert c.query_params == %{"x" => "3", "y" => "2"}
    assert c.params == c.query_params
  end

  test "split_url/1 handles the odd cases" do
    assert Conn.split_url("http://h") == {"http", "h", nil, "/", ""}
    assert Conn.split_url("http://h?q") == {"http", "h", nil, "/", "q"}
    assert Conn.split_url("http://user:pw@h:80/p") == {"http", "h", 80, "/p", ""}
    assert Conn.split_url("http://[::1]:8080/p?a=b") == {"http", "[::1]", 8080, "/p", "a=b"}
    assert Conn.split_url("/rel?x") == {"http", "", nil, "/rel", "x"}
    assert Conn.split_url("http://h:bad/") == {"http", "h", nil, "/", ""}
  end

  test "request headers are case-insensitive, repeated ones kept in order" do
    c = conn(headers: [{"Accept", "a"}, {"x-multi", "1"}, {"X-Multi", "2"}])
    assert Conn.get_req_header(c, "ACCEPT") == ["a"]
    assert Conn.get_req_header(c, "x-multi") == ["1", "2"]
    assert Conn.get_req_header(c, "missing") == []
    assert Conn.req_header(c, "X-MULTI") == "1"
    assert Conn.req_header(c, "nope", "default") == "default"
    c = Conn.put_req_header(c, "X-Multi", "3")
    assert Conn.get_req_header(c, "x-multi") == ["3"]
  end

  test "put_resp_header replaces, add_resp_header repeats, names are lower-cased" do
    c =
      conn()
      |> Conn.put_resp_header("X-A", "1")
      |> Conn.add_resp_header("set-cookie", "a=1")
      |> Conn.add_resp_header("Set-Cookie", "b=2")
      |> Conn.put_resp_header("x-a", "2")

    assert c.resp_headers == [{"x-a", "2"}, {"set-cookie", "a=1"}, {"set-cookie", "b=2"}]
    assert Conn.get_resp_header(c, "SET-COOKIE") == ["a=1", "b=2"]
    c = Conn.put_resp_header(c, "set-cookie", "only")
    assert c.resp_headers == [{"x-a", "2"}, {"set-cookie", "only"}]
    assert Conn.delete_resp_header(c, "X-A").resp_headers == [{"set-cookie", "only"}]
    assert Conn.put_new_resp_header(c, "x-a", "3") == c
  end

  test "header values with line breaks raise" do
    assert_raise ArgumentError, ~r/line break/, fn ->
      Conn.put_resp_header(conn(), "x", "a\r\nb: c")
    end

    assert_raise ArgumentError, ~r/binary/, fn -> Conn.add_resp_header(conn(), "x", 1) end
  end

  test "html, json, text set the content type unless one is set, and the status" do
    c = Conn.html(conn(), "<p>")
    assert {c.status, c.resp_body} == {200, "<p>"}
    assert Conn.get_resp_header(c, "content-type") == ["text/html; charset=utf-8"]

    c = conn() |> Conn.put_status(201) |> Conn.json(%{"ok" => true})
    assert c.status == 201
    assert IO.iodata_to_binary(c.resp_body) == ~s({"ok":true})
    assert Conn.get_resp_header(c, "content-type") == ["application/json"]

    c =
      conn() |> Conn.put_resp_content_type("application/problem+json", nil) |> Conn.json(422, %{})

    assert Conn.get_resp_header(c, "content-type") == ["application/problem+json"]
    assert c.status == 422

    c = Conn.text(conn(), 404, "nope")
    assert {c.status, c.resp_body} == {404, "nope"}
    assert Conn.get_resp_header(c, "content-type") == ["text/plain; charset=utf-8"]

    assert Conn.html(conn(), {:safe, ["<b>", "x"]}).resp_body == ["<b>", "x"]
  end

  test "redirect" do
    c = Conn.redirect(conn(), "/login?next=<x>")
    assert c.status == 302
    assert Conn.get_resp_header(c, "location") == ["/login?next=<x>"]
    assert IO.iodata_to_binary(c.resp_body) =~ "/login?next=&lt;x&gt;"
    assert Conn.redirect(conn(), to: "/a").status == 302
    assert Conn.redirect(conn(), 301, "/b").status == 301
  end

  test "put_status rejects statuses outside 100..599" do
    assert_raise FunctionClauseError, fn -> Conn.put_status(conn(), 600) end
  end

  test "halt, assign, merge_assigns, put_private, env" do
    c = conn(env: %{"GREETING" => "hi"})
    assert Conn.halt(c).halted
    assert Conn.assign(c, :user, 1).assigns == %{user: 1}
    assert Conn.merge_assigns(c, a: 1, b: 2).assigns == %{a: 1, b: 2}
    assert Conn.put_private(c, :x, 1).private == %{x: 1}
    assert Conn.env(c, "GREETING") == "hi"
    assert Conn.env(c, "NOPE", "d") == "d"
  end

  test "cookies in and out" do
    c = conn(headers: [{"cookie", "a=1; b=2"}, {"cookie", "c=3"}])
    assert Conn.cookies(c) == %{"a" => "1", "b" => "2", "c" => "3"}
    assert Conn.get_cookie(c, "b") == "2"
    assert Conn.get_cookie(conn(), "b") == nil

    c = c |> Conn.put_resp_cookie("s", "v", secure: true) |> Conn.delete_resp_cookie("old")
    assert [set, del] = Conn.get_resp_header(c, "set-cookie")
    assert set == "s=v; Path=/; Secure; HttpOnly; SameSite=Lax"
    assert del =~ "old=; Path=/; Max-Age=0"
  end

  test "before_send callbacks run last registered first" do
    c =
      conn()
      |> Conn.register_before_send(fn c -> Conn.add_resp_header(c, "x-order", "first") end)
      |> Conn.register_before_send(fn c -> Conn.add_resp_header(c, "x-order", "second") end)
      |> Conn.run_before_send()

    assert Conn.get_resp_header(c, "x-order") == ["second", "first"]
    assert Conn.run_before_send(c) == c
  end
end
