# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Router do
  @moduledoc """
  A route table in the manner of `Plug.Router`, compiled into function
  clauses that match on the method and the path segments.

      defmodule MyApp.Router do
        use ElixirWorkers.Router

        plug ElixirWorkers.Middleware.RequestId
        plug ElixirWorkers.Middleware.SecurityHeaders

        get "/", MyApp.Pages, :home
        get "/hello/:name", MyApp.Pages, :hello
        get "/files/*path", MyApp.Files, :show
        post "/api/items", MyApp.Items, :create, plugs: [ElixirWorkers.Middleware.BodyParser]

        get "/ping" do
          text(conn, "pong")
        end

        # optional: replaces the default 404
        def not_found(conn), do: html(conn, 404, "<h1>Nothing here</h1>")
      end

  ## Routes

  `get`, `post`, `put`, `patch`, `delete`, `options` and `head` take a path
  and either `Module, :function` (called with the conn) or a `do` block (in
  which `conn` and the path parameters are variables), then options:

    * `plugs: [...]` - middleware for this route only, run after the
      router's own, before the handler (same forms as `plug/2`).

  In a path, `:name` captures one segment and `*name` (last only) the rest
  as a list. Captures are percent-decoded and land in `conn.path_params`
  and `conn.params`. Empty segments do not count: `/a//b/` matches `/a/b`.
  Routes are tried in order.

  A request no route matches gets `404` (or the router's `not_found/1`).
  When the path matches routes of other methods only: `OPTIONS` gets `204`
  and `405` for anything else, both with an `allow` header. `HEAD` is
  answered by the `GET` route unless a `head` route matches first; the
  framework never writes a body for `HEAD`.

  ## Middleware

  `plug Module, opts` calls `Module.call(conn, Module.init(opts))` (`init/1`
  runs at compile time, as in Plug; a module without `init/1` gets `opts`
  as they are); `plug :name, opts` calls the router's own `name(conn,
  opts)`. The router's plugs run for every request, before routing - so
  they see requests that end in 404 too. A plug that returns a halted conn
  (`ElixirWorkers.Conn.halt/1`) ends the request: nothing after it runs.

  The router itself is a plug (`init/1`, `call/2`), and `call/1` is what
  `use ElixirWorkers.App, router: ...` calls.
  """

  @methods [:get, :post, :put, :patch, :delete, :options, :head]

  # What `use ElixirWorkers.Router` imports: plug/1,2 and each method at arities
  # 2..4 (.formatter.exs lists the same, for `mix format`).
  @dsl [plug: 1, plug: 2] ++ for(method <- @methods, arity <- 2..4, do: {method, arity})

  @doc false
  defmacro __using__(_opts) do
    quote do
      import ElixirWorkers.Router, only: unquote(@dsl)

      import ElixirWorkers.Conn

      Module.register_attribute(__MODULE__, :ew_plugs, accumulate: true)
      Module.register_attribute(__MODULE__, :ew_routes, accumulate: true)
      @before_compile ElixirWorkers.Router
    end
  end

  @doc "Adds middleware that runs for every request, in the order declared."
  defmacro plug(plug, opts \\ []) do
    quote do
      @ew_plugs {unquote(plug), unquote(opts)}
    end
  end

  for name <- @methods do
    method = name |> Atom.to_string() |> String.upcase()

    @doc "A `#{method}` route: `#{name} path, Module, :function[, opts]` or `#{name} path[, opts] do ... end`."
    defmacro unquote(name)(path, spec),
      do: ElixirWorkers.Router.__route__(__CALLER__, unquote(method), path, [spec])

    defmacro unquote(name)(path, a, b),
      do: ElixirWorkers.Router.__route__(__CALLER__, unquote(method), path, [a, b])

    defmacro unquote(name)(path, a, b, c),
      do: ElixirWorkers.Router.__route__(__CALLER__, unquote(method), path, [a, b, c])
  end

  @doc false
  def __route__(_caller, method, path, args) do
    if not is_binary(path) do
      raise ArgumentError, "a route path must be a literal binary, got: #{Macro.to_string(path)}"
    end

    {_pattern, params} = compile_path(path)

    case args do
      [[do: block]] ->
        block_route(method, path, params, block, [])

      [opts, [do: block]] ->
        block_route(method, path, params, block, opts)

      [module, function] ->
        mfa_route(method, path, module, function, [])

      [module, function, opts] ->
        mfa_route(method, path, module, function, opts)

      _ ->
        raise ArgumentError,
              "#{String.downcase(method)} #{path}: expected `Module, :function[, opts]` or a do block"
    end
  end

  defp mfa_route(method, path, module, function, opts) do
    quote do
      @ew_routes {unquote(method), unquote(path), {:remote, unquote(module), unquote(function)},
                  unquote(opts)}
    end
  end

  defp block_route(method, path, params, block, opts) do
    # named after the route: the body is evaluated after every route expanded
    name = :"#{method} #{path}"

    bindings =
      for {param, _kind} <- params do
        var = Macro.var(String.to_atom(param), nil)

        quote do
          unquote(var) = :maps.get(unquote(param), var!(conn).path_params, nil)
          _ = unquote(var)
        end
      end

    quote do
      @ew_routes {unquote(method), unquote(path), {:local, unquote(name)}, unquote(opts)}
      defp unquote(name)(var!(conn)) do
        unquote_splicing(bindings)
        unquote(block)
      end
    end
  end

  @doc false
  # "/hello/:name/*rest" -> {pattern AST, [{"name", :one}, {"rest", :glob}]}
  def compile_path(path) do
    segments = path |> String.split("/") |> Enum.reject(&(&1 == ""))
    compile_segments(segments, path, [], [])
  end

  defp compile_segments([], _path, pattern, params),
    do: {Enum.reverse(pattern), Enum.reverse(params)}

  defp compile_segments(["*" <> name], path, pattern, params) do
    check_param(name, path, params)
    var = param_var(name)

    glob =
      case pattern do
        [] -> var
        _ -> quote(do: unquote(Enum.reverse(pattern)) ++ unquote(var))
      end

    {glob, Enum.reverse([{name, :glob} | params])}
  end

  defp compile_segments(["*" <> _ | _], path, _pattern, _params) do
    raise ArgumentError, "route #{path}: a *glob must be the last segment"
  end

  defp compile_segments([":" <> name | rest], path, pattern, params) do
    check_param(name, path, params)
    compile_segments(rest, path, [param_var(name) | pattern], [{name, :one} | params])
  end

  defp compile_segments([literal | rest], path, pattern, params) do
    if String.contains?(literal, [":", "*"]) do
      raise ArgumentError,
            "route #{path}: `:` and `*` must start a segment (in #{inspect(literal)})"
    end

    compile_segments(rest, path, [literal | pattern], params)
  end

  defp check_param(name, path, params) do
    if not Regex.match?(~r/^[a-z_][A-Za-z0-9_]*$/, name) do
      raise ArgumentError, "route #{path}: #{inspect(name)} is not a valid parameter name"
    end

    if List.keymember?(params, name, 0) do
      raise ArgumentError, "route #{path}: parameter #{name} appears twice"
    end
  end

  defp param_var(name), do: Macro.var(String.to_atom("ew_" <> name), __MODULE__)

  @doc false
  defmacro __before_compile__(env) do
    plugs = env.module |> Module.get_attribute(:ew_plugs) |> Enum.reverse()
    routes = env.module |> Module.get_attribute(:ew_routes) |> Enum.reverse() |> Enum.with_index()
    conn = Macro.var(:conn, __MODULE__)

    match_clauses =
      for {{method, path, _action, _opts}, index} <- routes do
        match_clause(method, path, index)
      end

    head_clauses =
      for {{"GET", path, _action, _opts}, index} <- routes do
        match_clause("HEAD", path, index)
      end

    # One case a route, one after the other: a case nested in both branches of the
    # next would double the code with each route, and Elixir 1.20's type checker
    # reports a pattern that the enclosing branch rules out (`[]` inside `["a"]`).
    allowed =
      for {{method, path, _action, _opts}, _index} <- routes do
        case compile_path(path) do
          {{_name, _meta, context}, _params} when is_atom(context) ->
            # a root glob matches every path
            quote(do: allowed = [unquote(method) | allowed])

          {pattern, _params} ->
            pattern = Macro.prewalk(pattern, &underscore_vars/1)

            quote do
              allowed =
                case segments do
                  unquote(pattern) -> [unquote(method) | allowed]
                  _ -> allowed
                end
            end
        end
      end

    route_clauses =
      for {{method, path, action, opts}, index} <- routes do
        route_plugs = Keyword.get(opts, :plugs, [])

        unless is_list(route_plugs) do
          raise ArgumentError, "#{method} #{path}: plugs: must be a list"
        end

        call =
          case action do
            {:remote, module, function} ->
              quote(do: unquote(module).unquote(function)(unquote(conn)))

            {:local, name} ->
              quote(do: unquote(name)(unquote(conn)))
          end

        body = chain(Enum.map(route_plugs, &normalize_plug/1), conn, call, env)

        quote do
          defp __ew_route__(unquote(index), unquote(conn)), do: unquote(body)
        end
      end

    not_found =
      if Module.defines?(env.module, {:not_found, 1}) do
        quote(do: &not_found/1)
      else
        nil
      end

    router_chain = chain(plugs, conn, quote(do: __ew_dispatch__(unquote(conn))), env)

    # A router without routes gets no matcher: a case on one that can only return nil
    # has a clause that never matches (a warning of Elixir 1.18's type checker).
    dispatch =
      if routes == [] do
        quote do
          defp __ew_dispatch__(conn), do: __ew_no_route__(conn)
        end
      else
        quote do
          defp __ew_dispatch__(%ElixirWorkers.Conn{method: method, segments: segments} = conn) do
            case __ew_match__(method, segments) do
              {index, params} ->
                __ew_route__(index, ElixirWorkers.Router.Dispatch.put_path_params(conn, params))

              nil ->
                __ew_no_route__(conn)
            end
          end

          unquote_splicing(match_clauses)
          unquote_splicing(head_clauses)
          defp __ew_match__(_method, _segments), do: nil

          unquote_splicing(route_clauses)
          defp __ew_route__(index, _conn), do: :erlang.error({:no_such_route, index})
        end
      end

    quote do
      @doc false
      def init(opts), do: opts

      @doc false
      def call(conn, _opts), do: call(conn)

      @doc "Runs the router's middleware, then the matching route."
      def call(%ElixirWorkers.Conn{} = unquote(conn)), do: unquote(router_chain)

      unquote(dispatch)

      defp __ew_no_route__(%ElixirWorkers.Conn{segments: segments} = conn) do
        ElixirWorkers.Router.Dispatch.no_route(conn, __ew_allowed__(segments), unquote(not_found))
      end

      defp __ew_allowed__(segments) do
        _ = segments
        allowed = []
        unquote_splicing(allowed)
        allowed
      end
    end
  end

  defp match_clause(method, path, index) do
    {pattern, params} = compile_path(path)

    captured =
      for {name, kind} <- params do
        quote(do: {unquote(name), unquote(kind), unquote(param_var(name))})
      end

    quote do
      defp __ew_match__(unquote(method), unquote(pattern)),
        do: {unquote(index), unquote(captured)}
    end
  end

  defp underscore_vars({name, meta, context}) when is_atom(name) and is_atom(context),
    do: {:_, meta, context}

  defp underscore_vars(ast), do: ast

  defp normalize_plug({plug, opts}), do: {plug, opts}
  defp normalize_plug(plug), do: {plug, []}

  # Nested cases: each plug's conn goes to the next unless halted. Generated, so
  # that the type checker of Elixir 1.20 does not report the clauses a plug cannot
  # reach (`other` after a plug that always returns a conn).
  defp chain([], _conn, final, _env), do: final

  defp chain([{plug, opts} | rest], conn, final, env) do
    call = plug_call(plug, opts, conn, env)

    quote generated: true do
      case unquote(call) do
        %ElixirWorkers.Conn{halted: false} = unquote(conn) ->
          unquote(chain(rest, conn, final, env))

        %ElixirWorkers.Conn{} = halted ->
          halted

        other ->
          ElixirWorkers.Router.Dispatch.bad_plug(unquote(inspect(plug)), other)
      end
    end
  end

  defp plug_call(plug, opts, conn, env) when is_atom(plug) do
    case Atom.to_string(plug) do
      "Elixir." <> _ ->
        Code.ensure_compiled!(plug)

        opts =
          if function_exported?(plug, :init, 1) do
            plug.init(opts)
          else
            opts
          end

        quote(do: unquote(plug).call(unquote(conn), unquote(Macro.escape(opts))))

      _ ->
        if not Module.defines?(env.module, {plug, 2}) do
          raise ArgumentError,
                "plug #{inspect(plug)} in #{inspect(env.module)}: define #{plug}(conn, opts)" <>
                  " in the router, or use a module"
        end

        quote(do: unquote(plug)(unquote(conn), unquote(Macro.escape(opts))))
    end
  end

  defp plug_call(plug, _opts, _conn, env) do
    raise ArgumentError,
          "plug in #{inspect(env.module)}: expected a module or a function name, got #{Macro.to_string(plug)}"
  end
end

defmodule ElixirWorkers.Router.Dispatch do
  @moduledoc false
  # What compiled routers call at run time (ElixirWorkers.Router itself is
  # compile-time only and never packed).

  alias ElixirWorkers.{Conn, URL}

  def put_path_params(%Conn{} = conn, []), do: conn

  def put_path_params(%Conn{params: all} = conn, captured) do
    params = decode(captured, %{})
    %Conn{conn | path_params: params, params: :maps.merge(all, params)}
  end

  defp decode([], acc), do: acc

  defp decode([{name, :one, value} | rest], acc),
    do: decode(rest, :maps.put(name, URL.decode(value), acc))

  defp decode([{name, :glob, values} | rest], acc),
    do: decode(rest, :maps.put(name, decode_all(values), acc))

  defp decode_all([]), do: []
  defp decode_all([value | rest]), do: [URL.decode(value) | decode_all(rest)]

  def no_route(conn, [], nil), do: not_found(conn)
  def no_route(conn, [], not_found), do: not_found.(conn)

  def no_route(%Conn{method: method} = conn, methods, _not_found) do
    allow = allow_header(methods)
    conn = Conn.put_resp_header(conn, "allow", allow)

    case method do
      "OPTIONS" -> Conn.send_resp(conn, 204, "")
      _ -> Conn.text(conn, 405, "Method Not Allowed\n")
    end
  end

  def not_found(conn), do: Conn.text(conn, 404, "Not Found\n")

  def bad_plug(plug, other) do
    :erlang.error({:bad_plug_return, plug, other})
  end

  defp allow_header(methods) do
    methods = if :lists.member("GET", methods), do: ["HEAD" | methods], else: methods
    join(:lists.usort(["OPTIONS" | methods]))
  end

  defp join([one]), do: one
  defp join([one | rest]), do: one <> ", " <> join(rest)
end
