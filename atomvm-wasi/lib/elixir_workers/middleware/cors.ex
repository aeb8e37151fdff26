# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Middleware.CORS do
  @moduledoc """
  Cross-origin resource sharing. Answers preflight requests (`OPTIONS` with
  `access-control-request-method`) with `204` and stops there; adds
  `access-control-allow-origin` (and friends) to other requests from an
  allowed origin. Requests without `origin`, or from an origin not allowed,
  pass through unchanged.

      plug ElixirWorkers.Middleware.CORS,
        origins: ["https://app.example.com"],
        credentials: true,
        expose: ["x-request-id"]

  Options:

    * `origins` - `"*"` (default) or a list of allowed origins
    * `methods` - allowed methods (default `GET HEAD POST PUT PATCH DELETE OPTIONS`)
    * `headers` - allowed request headers; default: those the preflight asks for
    * `expose` - response headers the browser may read (default none)
    * `credentials` - `access-control-allow-credentials: true` (default `false`;
      the origin is then echoed, never `*`)
    * `max_age` - seconds a preflight may be cached (default 86400)
  """

  alias ElixirWorkers.{Conn, Options}

  @doc false
  def init(opts) do
    %{
      origins: Options.get(opts, :origins, "*"),
      methods: join(Options.get(opts, :methods, ~w(GET HEAD POST PUT PATCH DELETE OPTIONS))),
      headers: list_or_nil(Options.get(opts, :headers, nil)),
      expose: list_or_nil(Options.get(opts, :expose, [])),
      credentials: Options.get(opts, :credentials, false) == true,
      max_age: :erlang.integer_to_binary(Options.get(opts, :max_age, 86400))
    }
  end

  defp list_or_nil(nil), do: nil
  defp list_or_nil([]), do: nil
  defp list_or_nil(list), do: join(list)

  @doc false
  def call(conn, opts) when is_list(opts), do: call(conn, init(opts))

  def call(%Conn{method: method} = conn, config) do
    case Conn.req_header(conn, "origin") do
      nil ->
        conn

      origin ->
        if allowed?(config.origins, origin) do
          preflight = Conn.req_header(conn, "access-control-request-method")

          if method == "OPTIONS" and preflight != nil do
            conn
            |> allow_origin(origin, config)
            |> Conn.put_resp_header("access-control-allow-methods", config.methods)
            |> allow_headers(conn, config)
            |> Conn.put_resp_header("access-control-max-age", config.max_age)
            |> Conn.send_resp(204, "")
            |> Conn.halt()
          else
            conn
            |> allow_origin(origin, config)
            |> expose(config)
          end
        else
          conn
        end
    end
  end

  defp allowed?("*", _origin), do: true
  defp allowed?(origins, origin) when is_list(origins), do: :lists.member(origin, origins)
  defp allowed?(origin, origin), do: true
  defp allowed?(_, _), do: false

  defp allow_origin(conn, origin, %{origins: origins, credentials: credentials}) do
    conn =
      if origins == "*" and not credentials do
        Conn.put_resp_header(conn, "access-control-allow-origin", "*")
      else
        conn
        |> Conn.put_resp_header("access-control-allow-origin", origin)
        |> vary_origin()
      end

    if credentials,
      do: Conn.put_resp_header(conn, "access-control-allow-credentials", "true"),
      else: conn
  end

  defp vary_origin(conn) do
    case Conn.get_resp_header(conn, "vary") do
      [] -> Conn.put_resp_header(conn, "vary", "origin")
      [vary | _] -> Conn.put_resp_header(conn, "vary", vary <> ", origin")
    end
  end

  defp allow_headers(conn, request, %{headers: nil}) do
    case Conn.req_header(request, "access-control-request-headers") do
      nil -> conn
      asked -> Conn.put_resp_header(conn, "access-control-allow-headers", asked)
    end
  end

  defp allow_headers(conn, _request, %{headers: headers}),
    do: Conn.put_resp_header(conn, "access-control-allow-headers", headers)

  defp expose(conn, %{expose: nil}), do: conn

  defp expose(conn, %{expose: expose}),
    do: Conn.put_resp_header(conn, "access-control-expose-headers", expose)

  defp join([one]), do: one
  defp join([one | rest]), do: one <> ", " <> join(rest)
end
