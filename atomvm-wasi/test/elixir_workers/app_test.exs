# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.AppTest.Router do
  use ElixirWorkers.Router

  get "/ok", ElixirWorkers.AppTest.Handlers, :ok
  get "/raise", ElixirWorkers.AppTest.Handlers, :raise_it
  get "/throw", ElixirWorkers.AppTest.Handlers, :throw_it
  get "/exit", ElixirWorkers.AppTest.Handlers, :exit_it
  get "/not-a-conn", ElixirWorkers.AppTest.Handlers, :not_a_conn
  get "/bad-header", ElixirWorkers.AppTest.Handlers, :bad_header
  get "/before-send", ElixirWorkers.AppTest.Handlers, :before_send
  get "/undefined/module", ElixirWorkers.AppTest.Handlers, :undefined_module
  get "/undefined/function", ElixirWorkers.AppTest.Handlers, :undefined_function
  get "/secrets/:how", ElixirWorkers.AppTest.Handlers, :leak
end

defmodule ElixirWorkers.AppTest.Handlers do
  import ElixirWorkers.Conn

  def ok(conn), do: text(conn, "fine")
  def raise_it(_conn), do: raise("it <broke>")
  def throw_it(_conn), do: throw(:ball)
  def exit_it(_conn), do: exit(:gone)
  def not_a_conn(_conn), do: :oops
  def bad_header(conn), do: %{conn | resp_headers: [{"x", <<0xFF>>}]}

  @compile {:no_warn_undefined, [ElixirWorkers.AppTest.Absent, {:lists, :no_such_function, 2}]}

  # not tail calls, so that the caller's frame stays on the stack
  @undefined_module_line __ENV__.line + 1
  def undefined_module(conn), do: text(conn, ElixirWorkers.AppTest.Absent.greet(conn, "a"))

  def undefined_module_line, do: @undefined_module_line

  def undefined_function(conn), do: text(conn, :lists.no_such_function(conn, "secret-arg"))

  # Every way a handler's error could carry the request's secrets into the log.
  def leak(%{path_params: %{"how" => how}} = conn) do
    case how do
      "ok-tuple" -> {:ok, conn}
      "in-a-map" -> %{conn: conn, env: conn.env}
      "improper" -> [conn | conn.headers]
      "key-error" -> raise KeyError, key: :no_such_field, term: conn
      "match-error" -> {:ok, _} = :erlang.list_to_tuple([:error, conn])
      "interpolated" -> raise "the key #{env(conn, "API_KEY")} was refused"
      "cookie" -> raise "session #{get_cookie(conn, "session")} expired"
      "authorization" -> throw({:denied, req_header(conn, "authorization")})
    end
  end

  def before_send(conn) do
    conn
    |> register_before_send(fn c -> put_resp_header(c, "x-late", "yes") end)
    |> text("body")
  end
end

defmodule ElixirWorkers.AppTest.Worker do
  use ElixirWorkers.App, router: ElixirWorkers.AppTest.Router
end

defmodule ElixirWorkers.AppTest.Custom do
  use ElixirWorkers.App, router: ElixirWorkers.AppTest.Router, debug_errors: false

  # handle/1 stays overridable
  @impl true
  def handle(%{path: "/custom"} = conn), do: ElixirWorkers.Conn.text(conn, "custom")
  def handle(conn), do: super(conn)
end

defmodule ElixirWorkers.AppTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.{App, JSON}
  alias ElixirWorkers.AppTest.{Custom, Worker}

  defp request(module, method, path, opts \\ []) do
    head =
      JSON.encode_to_binary(%{
        "v" => 1,
        "method" => method,
        "url" => "http://localhost" <> path,
        "headers" => Keyword.get(opts, :headers, []),
        "body_size" => 0,
        "env" => Keyword.get(opts, :env, %{})
      })

    parent = self()

    out =
      IO.iodata_to_binary(
        App.respond(module, head <> "\n", fn line ->
          send(parent, {:log, IO.iodata_to_binary(line)})
        end)
      )

    [head, body] = :binary.split(out, "\n")
    {JSON.decode!(head), body}
  end

  defp logs do
    receive do
      {:log, line} -> [line | logs()]
    after
      0 -> []
    end
  end

  @dev %{"ELIXIR_WORKERS_ENV" => "development"}

  test "a router app answers" do
    assert {%{"status" => 200}, "fine"} = request(Worker, "GET", "/ok")
  end

  test "production: a raise is a plain 500, the details go to the log" do
    {head, body} = request(Worker, "GET", "/raise")
    assert head["status"] == 500
    assert head["headers"] == [["content-type", "text/plain; charset=utf-8"]]
    assert body == "Internal Server Error\n"
    [first | stack] = logs()

    assert first ==
             "elixir-workers: ElixirWorkers.AppTest.Worker answered 500 to GET /raise: ** (RuntimeError) it <broke>"

    assert Enum.any?(
             stack,
             &(&1 =~
                 "ElixirWorkers.AppTest.Handlers.raise_it/1 (test/elixir_workers/app_test.exs:")
           )
  end

  test "development: the error and the stack trace, as text" do
    {head, body} = request(Worker, "GET", "/raise", env: @dev)
    assert head["status"] == 500
    assert body =~ "** (RuntimeError) it <broke>"
    assert body =~ "ElixirWorkers.AppTest.Handlers.raise_it/1"
  end

  test "development: as escaped HTML when the client accepts it" do
    {head, body} =
      request(Worker, "GET", "/raise",
        env: %{"ELIXIR_WORKERS_ENV" => "dev"},
        headers: [["accept", "text/html,*/*"]]
      )

    assert head["headers"] == [["content-type", "text/html; charset=utf-8"]]
    assert body =~ "<h1>500 Internal Server Error</h1>"
    assert body =~ "it &lt;broke&gt;"
    refute body =~ "it <broke>"
  end

  test "other values of ELIXIR_WORKERS_ENV are production" do
    assert {_, "Internal Server Error\n"} =
             request(Worker, "GET", "/raise", env: %{"ELIXIR_WORKERS_ENV" => "production"})
  end

  test "debug_errors: false wins over the environment" do
    assert {_, "Internal Server Error\n"} = request(Custom, "GET", "/raise", env: @dev)
  end

  test "throw, exit and a non-conn are 500s that say what happened" do
    assert {_, body} = request(Worker, "GET", "/throw", env: @dev)
    assert body =~ "** (throw) ball"
    assert {_, body} = request(Worker, "GET", "/exit", env: @dev)
    assert body =~ "** (exit) gone"
    assert {_, body} = request(Worker, "GET", "/not-a-conn", env: @dev)
    assert body =~ "{bad_return_value,oops}"
  end

  test "a response that cannot be encoded is a 500" do
    assert {%{"status" => 500}, body} = request(Worker, "GET", "/bad-header", env: @dev)
    assert body =~ "not valid UTF-8"
  end

  test "HEAD gets the headers without the body" do
    {head, body} = request(Worker, "HEAD", "/ok")
    assert head["status"] == 200
    assert head["body_size"] == 0
    assert body == ""
  end

  test "before_send callbacks run on the final response" do
    {head, "body"} = request(Worker, "GET", "/before-send")
    assert ["x-late", "yes"] in head["headers"]
  end

  test "handle/1 can be overridden around the router" do
    assert {_, "custom"} = request(Custom, "GET", "/custom")
    assert {_, "fine"} = request(Custom, "GET", "/ok")
  end

  test "an invalid request frame is a 500 and a log line" do
    out =
      IO.iodata_to_binary(
        App.respond(Worker, "not a frame", fn line ->
          send(self(), {:log, IO.iodata_to_binary(line)})
        end)
      )

    assert out =~ ~s("status":500)

    assert logs() == [
             "elixir-workers: ElixirWorkers.AppTest.Worker got an invalid request frame: missing_newline"
           ]
  end

  test "Host.random_bytes works on the host BEAM too" do
    assert byte_size(ElixirWorkers.Host.random_bytes(16)) == 16
  end

  test "a call to a module that is not there names the function, the module and the caller" do
    {head, body} = request(Worker, "GET", "/undefined/module")
    assert head["status"] == 500
    assert body == "Internal Server Error\n"
    [first, missing, caller | _] = logs()

    assert first ==
             "elixir-workers: ElixirWorkers.AppTest.Worker answered 500 to GET /undefined/module: " <>
               "** (UndefinedFunctionError) function ElixirWorkers.AppTest.Absent.greet/2 is undefined " <>
               "(module ElixirWorkers.AppTest.Absent is not available), called at test/elixir_workers/app_test.exs:" <>
               Integer.to_string(ElixirWorkers.AppTest.Handlers.undefined_module_line())

    assert missing == "    ElixirWorkers.AppTest.Absent.greet/2"

    assert caller ==
             "    ElixirWorkers.AppTest.Handlers.undefined_module/1 (test/elixir_workers/app_test.exs:" <>
               Integer.to_string(ElixirWorkers.AppTest.Handlers.undefined_module_line()) <> ")"
  end

  test "a call to a function a module does not export is undefined or private, in Erlang notation" do
    {_head, body} = request(Worker, "GET", "/undefined/function", env: @dev)

    assert body =~
             "\n\n** (UndefinedFunctionError) function :lists.no_such_function/2 is undefined or private\n" <>
               "    :lists.no_such_function/2\n    ElixirWorkers.AppTest.Handlers.undefined_function/1 ("

    refute body =~ "secret-arg"
    refute Enum.any?(logs(), &(&1 =~ "secret-arg"))
  end

  @secret_env %{"API_KEY" => "sk_live_abcdef123456", "ELIXIR_WORKERS_ENV" => "development"}
  @secret_headers [
    ["cookie", "theme=dark; session=\"sess-0123456789\""],
    ["authorization", "Bearer tok-9876543210"],
    ["accept", "text/html"]
  ]
  @secrets ["sk_live_abcdef123456", "sess-0123456789", "tok-9876543210", "theme=dark"]

  for how <-
        ~w(ok-tuple in-a-map improper key-error match-error interpolated cookie authorization) do
    test "no env value, cookie or credential reaches the log or the error page: #{how}" do
      path = "/secrets/" <> unquote(how)
      {_head, body} = request(Worker, "GET", path, env: @secret_env, headers: @secret_headers)
      logged = Enum.join(logs(), "\n")

      assert logged =~ "answered 500 to GET " <> path
      assert body =~ "500 Internal Server Error"

      for secret <- @secrets, text <- [logged, body] do
        refute text =~ secret, "#{inspect(secret)} in:\n" <> text
      end
    end
  end

  test "a Conn in an error reason prints as its method and path" do
    {_head, body} =
      request(Worker, "GET", "/secrets/ok-tuple", env: @secret_env, headers: @secret_headers)

    assert [first | _] = logs()

    assert first ==
             "elixir-workers: ElixirWorkers.AppTest.Worker answered 500 to GET /secrets/ok-tuple: " <>
               "** (error) {bad_return_value,{ok,#ElixirWorkers.Conn<GET /secrets/ok-tuple>}}"

    assert body =~ "{bad_return_value,{ok,#ElixirWorkers.Conn&lt;GET /secrets/ok-tuple&gt;}}"
  end

  test "an exception that inspects the Conn shows it the same way" do
    request(Worker, "GET", "/secrets/key-error", env: @secret_env, headers: @secret_headers)
    assert [first | _] = logs()

    assert first =~
             "** (KeyError) key :no_such_field not found in: #ElixirWorkers.Conn<GET /secrets/key-error>"
  end

  test "a value cut out of free text becomes [redacted], and the rest of the line stays" do
    request(Worker, "GET", "/secrets/interpolated", env: @secret_env, headers: @secret_headers)
    assert [first | _] = logs()
    assert first =~ "** (RuntimeError) the key [redacted] was refused"
  end

  test "development: the undefined function on the HTML page" do
    {_head, body} =
      request(Worker, "GET", "/undefined/module", env: @dev, headers: [["accept", "text/html"]])

    assert body =~
             "<pre>** (UndefinedFunctionError) function ElixirWorkers.AppTest.Absent.greet/2 is undefined " <>
               "(module ElixirWorkers.AppTest.Absent is not available)</pre>"
  end
end
