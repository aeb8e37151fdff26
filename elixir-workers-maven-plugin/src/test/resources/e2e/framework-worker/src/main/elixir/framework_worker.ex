# SPDX-License-Identifier: Apache-2.0

# A worker that exercises the framework inside AtomVM, for FrameworkEndToEndTest.

defmodule FrameworkWorker do
  use ElixirWorkers.App, router: FrameworkWorker.Router
end

defmodule FrameworkWorker.Router do
  use ElixirWorkers.Router

  alias ElixirWorkers.Middleware.{BodyParser, CORS, RequestId, SecurityHeaders}
  alias FrameworkWorker.Handlers

  plug RequestId
  plug SecurityHeaders
  plug :tag

  get "/params/:a/*rest", Handlers, :params
  post "/echo", Handlers, :echo, plugs: [{BodyParser, max_bytes: 1000}]
  post "/json/decode", Handlers, :json_decode
  get "/string", Handlers, :string
  get "/cookies", Handlers, :cookie_demo
  get "/raise", Handlers, :boom
  get "/apply/:module/:function", Handlers, :apply_one
  get "/undefined/elixir", Handlers, :undefined_elixir
  get "/undefined/erlang", Handlers, :undefined_erlang
  get "/undefined/apply/:module", Handlers, :undefined_apply
  get "/undefined/fun", Handlers, :undefined_fun
  get "/html", Handlers, :html_demo
  options "/cors", Handlers, :cors, plugs: [{CORS, origins: ["https://a.example"]}]
  get "/cors", Handlers, :cors, plugs: [{CORS, origins: ["https://a.example"]}]
  get "/kv/:key", Handlers, :kv_get
  put "/kv/:key", Handlers, :kv_put
  get "/chain", Handlers, :chain
  get "/literals/:n", Handlers, :literals
  get "/nested/:n", Handlers, :nested
  get "/dot/:value", Handlers, :dot
  get "/grow/binaries", Handlers, :grow_binaries
  get "/grow/integers", Handlers, :grow_integers
  get "/grow/stack", Handlers, :grow_stack
  get "/secrets/ok-tuple", Handlers, :return_ok_tuple
  get "/secrets/key-error", Handlers, :key_error

  get "/halt" do
    conn |> text(403, "halted in a block") |> halt()
  end

  def tag(conn, _opts), do: put_resp_header(conn, "x-router", "framework")
end

defmodule FrameworkWorker.Handlers do
  import ElixirWorkers.Conn
  alias ElixirWorkers.{Bindings, D1, HTML, JSON, KV}
  alias ElixirWorkers.String, as: Str

  def params(conn), do: json(conn, %{"path" => conn.path_params, "query" => conn.query_params})

  def echo(conn), do: json(conn, %{"body" => conn.body_params, "params" => conn.params})

  @squares Map.new(0..199, &{&1, &1 * &1})

  # term_to_binary/1 recurses in C once per level of nesting
  def nested(%{path_params: %{"n" => n}} = conn) do
    term = Enum.reduce(1..String.to_integer(n), [], fn _, acc -> [acc] end)
    text(conn, Integer.to_string(byte_size(:erlang.term_to_binary(term))))
  end

  # AtomVM decodes a literal into a fresh heap fragment each time code loads
  # it: a loop over one must not pile them up. (No function calls in the loop:
  # after a NIF, AtomVM collects the fragments itself.)
  def literals(%{path_params: %{"n" => n}} = conn),
    do: text(conn, Integer.to_string(sum_squares(String.to_integer(n), 0)))

  defp sum_squares(0, acc), do: acc

  defp sum_squares(n, acc) do
    k = rem(n, 200)
    %{^k => square} = @squares
    sum_squares(n - 1, acc + square)
  end

  # Memory blow-ups: each would outgrow any memory limit, and must be answered
  # as out of memory at once, not after thrashing until the time limit.
  def grow_binaries(conn), do: text(conn, Integer.to_string(length(grow_list(0, []))))

  defp grow_list(n, acc), do: grow_list(n + 1, [:binary.copy("x", 1024) | acc])

  def grow_integers(conn), do: text(conn, Integer.to_string(length(grow_ints(0, []))))

  defp grow_ints(n, acc), do: grow_ints(n + 1, [n | acc])

  def grow_stack(conn), do: text(conn, Integer.to_string(depth(0, 1_000_000_000_000)))

  # not a tail call: every level stays on the stack (without the end case the
  # compiler, seeing that depth/2 never returns, would make it one)
  defp depth(n, limit) when n < limit, do: 1 + depth(n + 1, limit)
  defp depth(_n, _limit), do: 0

  # A Conn in an error reason, or inspected by an exception's message.
  def return_ok_tuple(conn), do: {:ok, conn}

  def key_error(conn), do: raise(KeyError, key: :no_such_field, term: conn)

  def json_decode(conn) do
    case JSON.decode(conn.body, max_depth: 16) do
      {:ok, value} ->
        json(conn, %{"ok" => value})

      {:error, {reason, position}} ->
        json(conn, 422, %{"error" => reason, "position" => position})
    end
  end

  def string(conn) do
    s = Map.get(conn.query_params, "s", "")

    json(conn, %{
      "upcase" => Str.upcase(s),
      "downcase" => Str.downcase(s),
      "trim" => Str.trim(s),
      "split" => Str.split(s),
      "split_comma" => Str.split(s, ",", trim: true),
      "length" => Str.length(s),
      "slice" => Str.slice(s, 1, 3),
      "replace" => Str.replace(s, "a", "4"),
      "contains" => Str.contains?(s, ["x", "ü"]),
      "starts" => Str.starts_with?(s, " "),
      "reverse" => Str.reverse(s)
    })
  end

  def cookie_demo(conn) do
    conn
    |> put_resp_cookie("a", "1")
    |> put_resp_cookie("b", "2", secure: true, max_age: 60)
    |> json(cookies(conn))
  end

  def boom(_conn), do: raise(ArgumentError, "boom from the handler")

  # Calls Module.function/1 named by the path (so the compatibility check does not see the call)
  # and answers what it raised or threw, e.g. "error undef" for a NIF atomvm.wasm leaves out.
  def apply_one(%{path_params: %{"module" => m, "function" => f}} = conn) do
    module = :erlang.binary_to_atom(m, :utf8)
    function = :erlang.binary_to_atom(f, :utf8)

    try do
      apply(module, function, [~c"/app/none.beam"])
      text(conn, "returned")
    catch
      kind, reason when is_atom(reason) ->
        text(conn, "#{kind} #{reason}")
    end
  end

  # Calls to functions the VM does not have, one for each way AtomVM looks a function up: a
  # remote call to a module that is not packed, and to a function a module does not export;
  # apply/3 to a module that is not there (the path names it, so the compatibility check does not
  # see it); an external fun of a function that is not exported. None is a tail call, so the
  # caller's frame (with its line) stays on the stack.
  @compile {:no_warn_undefined,
            [FrameworkWorker.NotPacked, {:lists, :no_such_function, 2}, {:lists, :no_such_fun, 1}]}

  def undefined_elixir(conn), do: text(conn, FrameworkWorker.NotPacked.greet(conn, "x"))

  def undefined_erlang(conn), do: text(conn, :lists.no_such_function(conn.path, "x"))

  def undefined_apply(%{path_params: %{"module" => m}} = conn) do
    text(conn, apply(:erlang.binary_to_atom(m, :utf8), :greet, [conn, "x"]))
  end

  def undefined_fun(conn) do
    fun = &:lists.no_such_fun/1
    text(conn, fun.(conn.path))
  end

  def name, do: "handlers"

  # `value.name` on what is not a map: the module's name/0 called without parentheses, or an
  # error, as Elixir raises it (from Elixir 1.18 on, both go through :elixir_erl_pass). The path
  # is "module" (this module: named by an atom, so the packer keeps all of it) or names an atom.
  def dot(%{path_params: %{"value" => atom}} = conn) do
    value = if atom == "module", do: __MODULE__, else: :erlang.binary_to_atom(atom, :utf8)

    try do
      text(conn, value.name)
    catch
      kind, reason -> text(conn, "#{kind} #{error_name(reason)}")
    end
  end

  defp error_name(reason) when is_tuple(reason), do: :erlang.element(1, reason)
  defp error_name(reason), do: reason

  def html_demo(conn) do
    html(conn, HTML.tag("p", [class: "x"], ["<script>", HTML.raw("<b>ok</b>")]))
  end

  def cors(conn), do: text(conn, "cors")

  def kv_get(%{path_params: %{"key" => key}} = conn) do
    case KV.get(conn, "CACHE", key) do
      nil -> text(conn, 404, "no " <> key)
      value -> text(conn, value)
    end
  end

  def kv_put(%{path_params: %{"key" => key}} = conn) do
    conn |> KV.put("CACHE", key, conn.body) |> send_resp(204, "")
  end

  # Reads that depend on earlier reads: session -> user -> (posts, prefs).
  def chain(conn) do
    user_id = KV.get(conn, "CACHE", "session")
    user = D1.query_one(conn, "DB", "SELECT id, name FROM users WHERE id = ?", [user_id])

    [posts, prefs] =
      Bindings.all([
        fn ->
          D1.query(conn, "DB", "SELECT title FROM posts WHERE user_id = ? ORDER BY title", [
            user["id"]
          ])
        end,
        fn -> KV.get(conn, "CACHE", "prefs:" <> user["name"], as: :json) end
      ])

    conn
    |> KV.put("CACHE", "seen:" <> user["name"], "yes")
    |> D1.exec("DB", "UPDATE users SET visits = visits + 1 WHERE id = ?", [user["id"]])
    |> json(%{
      "name" => user["name"],
      "posts" => :lists.map(fn row -> row["title"] end, posts),
      "theme" => prefs["theme"],
      "round" => conn.round
    })
  end
end
