# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Middleware.BodyParser do
  @moduledoc """
  Parses the request body into `conn.body_params` (and `conn.params`) by its
  `content-type`:

    * `application/x-www-form-urlencoded` - `ElixirWorkers.URL.decode_query/1`
    * `application/json` and `application/*+json` - `ElixirWorkers.JSON`; an
      object becomes the params, any other value lands under `"_json"`

  Other types are left alone (`conn.body` always holds the raw bytes). A body
  over `max_bytes` is answered `413`, invalid JSON `400` (with the position of
  the error); both halt.

      plug ElixirWorkers.Middleware.BodyParser, max_bytes: 64_000

  Options: `max_bytes` (default 1 MB), `max_depth` (JSON nesting, default 64).
  """

  alias ElixirWorkers.{Conn, JSON, Options, URL}

  @doc false
  def init(opts) do
    %{
      max_bytes: Options.get(opts, :max_bytes, 1_000_000),
      max_depth: Options.get(opts, :max_depth, 64)
    }
  end

  @doc false
  def call(conn, opts) when is_list(opts), do: call(conn, init(opts))

  def call(%Conn{body: ""} = conn, _config), do: conn

  def call(%Conn{} = conn, config) do
    case parse(conn, config) do
      {:ok, nil} ->
        conn

      {:ok, body_params} ->
        %Conn{
          conn
          | body_params: body_params,
            params: :maps.merge(:maps.merge(conn.query_params, body_params), conn.path_params)
        }

      {:error, status, message} ->
        conn |> Conn.text(status, [message, ?\n]) |> Conn.halt()
    end
  end

  @doc """
  The body's params: `{:ok, map}`, `{:ok, nil}` for a type this parser does
  not read, or `{:error, status, message}`.
  """
  @spec parse(Conn.t(), map() | keyword()) :: {:ok, map() | nil} | {:error, 400 | 413, binary()}
  def parse(conn, opts) when is_list(opts), do: parse(conn, init(opts))

  def parse(%Conn{body: body} = conn, %{max_bytes: max_bytes, max_depth: max_depth}) do
    if byte_size(body) > max_bytes do
      {:error, 413,
       "Payload Too Large: the body has more than " <>
         :erlang.integer_to_binary(max_bytes) <> " bytes"}
    else
      case media_type(Conn.req_header(conn, "content-type", "")) do
        "application/x-www-form-urlencoded" ->
          {:ok, URL.decode_query(body)}

        type ->
          if json?(type), do: json(body, max_bytes, max_depth), else: {:ok, nil}
      end
    end
  end

  defp json(body, max_bytes, max_depth) do
    case JSON.decode(body, max_bytes: max_bytes, max_depth: max_depth) do
      {:ok, %{} = params} ->
        {:ok, params}

      {:ok, value} ->
        {:ok, %{"_json" => value}}

      {:error, {reason, position}} ->
        {:error, 400,
         "Bad Request: invalid JSON at byte " <>
           :erlang.integer_to_binary(position) <>
           " (" <> :erlang.atom_to_binary(reason, :utf8) <> ")"}
    end
  end

  defp media_type(content_type) do
    [type | _] = :binary.split(content_type, ";")
    ElixirWorkers.String.downcase(ElixirWorkers.String.trim(type), :ascii)
  end

  defp json?("application/json"), do: true
  defp json?("application/" <> subtype), do: ElixirWorkers.String.ends_with?(subtype, "+json")
  defp json?(_), do: false
end
