# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.RouterTest.Handlers do
  import ElixirWorkers.Conn

  def index(conn), do: text(conn, "index")
  def show(conn), do: json(conn, %{"id" => conn.path_params["id"], "params" => conn.params})
  def files(conn), do: json(conn, conn.path_params)
  def create(conn), do: text(conn, 201, "created " <> conn.assigns[:who])
  def new(conn), do: text(conn, "new form")
  def admin(conn), do: text(conn, "admin")
end

defmodule ElixirWorkers.RouterTest.Tag do
  import ElixirWorkers.Conn

  def init(opts), do: Keyword.fetch!(opts, :value)
  def call(conn, value), do: add_resp_header(conn, "x-tag", value)
end

defmodule ElixirWorkers.RouterTest.Gate do
  import ElixirWorkers.Conn

  def call(conn, _opts) do
    if get_req_header(conn, "authorization") == ["secret"] do
      assign(conn, :who, "admin")
    else
      conn |> text(401, "no") |> halt()
    end
  end
end

defmodule ElixirWorkers.RouterTest.Router do
  use ElixirWorkers.Router

  alias ElixirWorkers.RouterTest.{Gate, Handlers, Tag}

  plug Tag, value: "router"
  plug :count

  get "/", Handlers, :index
  get "/users/new", Handlers, :new
  get "/users/:id", Handlers, :show
  put "/users/:id", Handlers, :show
  post "/users", Handlers, :create, plugs: [Gate, {Tag, value: "route"}]
  get "/files/*path", Handlers, :files
  get "/admin", Handlers, :admin, plugs: [Gate]
  head "/only-head", Handlers, :index

  get "/hello/:first/:last" do
    text(conn, "hello #{first} #{last}")
  end

  delete "/halted", plugs: [{Tag, value: "block"}] do
    conn |> text(409, "stopped") |> halt()
  end

  def count(conn, _opts), do: assign(conn, :counted, true)
end

defmodule ElixirWorkers.RouterTest.CustomNotFound do
  use ElixirWorkers.Router

  get "/*anything", ElixirWorkers.RouterTest.Handlers, :files, plugs: []
  post "/x", ElixirWorkers.RouterTest.Handlers, :index

  def not_found(conn), do: html(conn, 404, "<h1>gone</h1>")
end

defmodule ElixirWorkers.RouterTest.Empty do
  use ElixirWorkers.Router
  def not_found(conn), do: text(conn, 404, "empty")
end

defmodule ElixirWorkers.RouterTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.{Conn, JSON}
  alias ElixirWorkers.RouterTest.{CustomNotFound, Empty, Router}

  defp call(method, path, headers \\ []) do
    Router.call(Conn.new(method, "http://localhost" <> path, headers: headers))
  end

  defp body(conn), do: IO.iodata_to_binary(conn.resp_body)
  defp header(conn, name), do: Conn.get_resp_header(conn, name)

  test "routes by method and path; router plugs run first" do
    conn = call("GET", "/")
    assert {conn.status, body(conn)} == {200, "index"}
    assert header(conn, "x-tag") == ["router"]
    assert conn.assigns.counted
  end

  test ":param captures one segment, decoded, into path_params and params" do
    conn = call("GET", "/users/a%20b?x=1&id=query")
    assert JSON.decode!(body(conn)) == %{"id" => "a b", "params" => %{"id" => "a b", "x" => "1"}}
  end

  test "routes are tried in order" do
    assert body(call("GET", "/users/new")) == "new form"
  end

  test "*glob captures the rest as a list" do
    assert JSON.decode!(body(call("GET", "/files/a/b%2Fc/d.txt"))) == %{
             "path" => ["a", "b/c", "d.txt"]
           }

    assert JSON.decode!(body(call("GET", "/files"))) == %{"path" => []}
  end

  test "empty segments do not count" do
    assert body(call("GET", "//users///7/")) =~ ~s("id":"7")
  end

  test "do-block routes see conn and the parameters as variables" do
    assert body(call("GET", "/hello/ada/lovelace")) == "hello ada lovelace"
  end

  test "404 when no route matches the path" do
    conn = call("GET", "/nope")
    assert {conn.status, body(conn)} == {404, "Not Found\n"}
    assert header(conn, "x-tag") == ["router"], "router plugs run for 404s too"
  end

  test "405 with an allow header when only other methods match" do
    conn = call("DELETE", "/users/1")
    assert conn.status == 405
    assert header(conn, "allow") == ["GET, HEAD, OPTIONS, PUT"]
    assert body(conn) == "Method Not Allowed\n"
  end

  test "OPTIONS on a known path answers 204 with allow" do
    conn = call("OPTIONS", "/users")
    assert conn.status == 204
    assert header(conn, "allow") == ["OPTIONS, POST"]
  end

  test "HEAD is answered by the GET route, an explicit head route first" do
    assert body(call("HEAD", "/")) == "index"
    assert call("HEAD", "/only-head").status == 200
    assert call("GET", "/only-head").status == 405
  end

  test "per-route plugs run after the router's, in order, and may halt" do
    conn = call("POST", "/users", [{"authorization", "secret"}])
    assert {conn.status, body(conn)} == {201, "created admin"}
    assert header(conn, "x-tag") == ["router", "route"]

    conn = call("POST", "/users")
    assert {conn.status, body(conn)} == {401, "no"}
    assert conn.halted
    assert header(conn, "x-tag") == ["router"], "nothing after the halting plug runs"
  end

  test "a block route with plugs" do
    conn = call("DELETE", "/halted")
    assert {conn.status, header(conn, "x-tag")} == {409, ["router", "block"]}
  end

  test "not_found/1 replaces the 404, root globs match everything" do
    conn = CustomNotFound.call(Conn.new("GET", "http://h/a/b"))
    assert JSON.decode!(body(conn)) == %{"anything" => ["a", "b"]}
    conn = CustomNotFound.call(Conn.new("PUT", "http://h/a"))
    assert {conn.status, header(conn, "allow")} == {405, ["GET, HEAD, OPTIONS"]}
    conn = CustomNotFound.call(Conn.new("POST", "http://h/y"))
    assert conn.status == 405
    assert Empty.call(Conn.new("GET", "http://h/")).resp_body == "empty"
  end

  test "a router is a plug" do
    assert Router.init(a: 1) == [a: 1]
    assert Router.call(Conn.new("GET", "http://h/"), []).status == 200
  end

  test "a plug that returns something else than a conn is an error" do
    defmodule BadPlugRouter do
      use ElixirWorkers.Router
      plug :bad
      def bad(_conn, _opts), do: :oops
    end

    assert_raise ErlangError, ~r/bad_plug_return/, fn ->
      BadPlugRouter.call(Conn.new("GET", "http://h/"))
    end
  end

  describe "route definitions that are errors at compile time" do
    defp compile(body) do
      Code.compile_string("""
      defmodule ElixirWorkers.RouterTest.Bad#{System.unique_integer([:positive])} do
        use ElixirWorkers.Router
        #{body}
      end
      """)
    end

    test "a glob that is not last" do
      assert_raise ArgumentError, ~r/must be the last segment/, fn ->
        compile(~s(get "/a/*rest/b", X, :y))
      end
    end

    test "a repeated parameter" do
      assert_raise ArgumentError, ~r/appears twice/, fn -> compile(~s(get "/:a/:a", X, :y)) end
    end

    test "a parameter inside a segment" do
      assert_raise ArgumentError, ~r/must start a segment/, fn ->
        compile(~s(get "/a-:b", X, :y))
      end
    end

    test "a bad parameter name" do
      assert_raise ArgumentError, ~r/not a valid parameter name/, fn ->
        compile(~s(get "/:1a", X, :y))
      end
    end

    test "a function plug the router does not define" do
      assert_raise ArgumentError, ~r/define missing\(conn, opts\)/, fn ->
        compile("plug :missing")
      end
    end

    test "a path that is not a literal" do
      assert_raise ArgumentError, ~r/literal binary/, fn -> compile(~s(get "/" <> "x", X, :y)) end
    end
  end
end
