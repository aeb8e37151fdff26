# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Frame do
  @moduledoc """
  Request and response frames (docs/protocol.md, version 1): one line of JSON
  (the head), a single `\\n`, then exactly `body_size` raw bytes. Bodies are
  never escaped: the response body is written as the handler's iodata.
  """

  alias ElixirWorkers.{Conn, Host, JSON, URL}

  @version 1

  # the head carries the results of reads (a KV value may have 25 MiB)
  @max_head_bytes 128 * 1024 * 1024

  @doc "Decodes a request frame into a `Conn`."
  @spec decode_request(binary()) :: {:ok, Conn.t()} | {:error, term()}
  def decode_request(frame) when is_binary(frame) do
    case :binary.match(frame, "\n") do
      {at, 1} ->
        {head, <<?\n, body::binary>>} = :erlang.split_binary(frame, at)
        decode_head(JSON.decode(head, max_bytes: @max_head_bytes, max_depth: 1024), body)

      :nomatch ->
        {:error, :missing_newline}
    end
  end

  @doc false
  # The request frame as the WASI platform reads it
  # (`ElixirWorkers.Host.read_frame/0`): split, the head decoded in C.
  @spec decode_read({:ok, term(), binary()} | {:error, term()}) ::
          {:ok, Conn.t()} | {:error, term()}
  def decode_read({:ok, head, body}), do: decode_head({:ok, head}, body)
  def decode_read({:error, {:invalid_json, reason}}), do: decode_head({:error, reason}, "")
  def decode_read({:error, _reason} = error), do: error

  @doc """
  Encodes the final response of a `Conn` as a frame (iodata), with the
  conn's effects. Raises `ArgumentError` when the status or a header is not
  valid.
  """
  @spec encode_response(Conn.t()) :: iodata()
  def encode_response(%Conn{
        status: status,
        resp_headers: headers,
        resp_body: body,
        effects: effects
      }) do
    if not (is_integer(status) and status >= 100 and status <= 599) do
      raise ArgumentError, "the response status must be an integer in 100..599"
    end

    head = [
      "{\"v\":1,\"status\":",
      :erlang.integer_to_binary(status),
      ",\"headers\":",
      encode_headers(headers),
      ",\"body_size\":",
      :erlang.integer_to_binary(:erlang.iolist_size(body)),
      case effects do
        [] -> []
        _ -> [",\"effects\":", JSON.encode(:lists.reverse(effects))]
      end,
      ?}
    ]

    [head, ?\n, body]
  end

  @doc "Encodes needs (reads for the host to do) and the state to get back, as a frame."
  @spec encode_needs([map()], term()) :: iodata()
  def encode_needs(needs, state) do
    [
      "{\"v\":1,\"needs\":",
      JSON.encode(needs),
      ",\"state\":",
      JSON.encode(state),
      ",\"body_size\":0}\n"
    ]
  end

  defp decode_head({:ok, %{"v" => @version, "method" => method, "url" => url} = head}, body)
       when is_binary(method) and is_binary(url) do
    with {:ok, headers} <- decode_headers(:maps.get("headers", head, [])),
         {:ok, body} <- check_body(:maps.get("body_size", head, 0), body),
         {:ok, env} <- map_field(head, "env"),
         {:ok, bindings} <- map_field(head, "bindings"),
         {:ok, cf} <- map_field(head, "cf"),
         {:ok, results} <- map_field(head, "results"),
         {:ok, round} <- round_field(head) do
      {scheme, host, port, path, query_string} = Conn.split_url(url)
      # no call into URL (a module load) for the common case
      query_params = if query_string == "", do: %{}, else: URL.decode_query(query_string)

      {:ok,
       %Conn{
         method: method,
         url: url,
         scheme: scheme,
         host: host,
         port: port,
         path: path,
         segments: Conn.split_path(path),
         query_string: query_string,
         query_params: query_params,
         params: query_params,
         headers: headers,
         body: body,
         env: env,
         bindings: bindings,
         cf: cf,
         round: round,
         state: :maps.get("state", head, nil),
         results: results
       }}
    end
  end

  defp decode_head({:ok, %{"v" => @version}}, _body), do: {:error, {:invalid_field, "method/url"}}
  defp decode_head({:ok, %{"v" => version}}, _body), do: {:error, {:unsupported_version, version}}
  defp decode_head({:ok, _head}, _body), do: {:error, :invalid_head}
  defp decode_head({:error, reason}, _body), do: {:error, {:invalid_json, reason}}

  defp map_field(head, name) do
    case :maps.get(name, head, nil) do
      nil -> {:ok, %{}}
      value when is_map(value) -> {:ok, value}
      _ -> {:error, {:invalid_field, name}}
    end
  end

  defp round_field(head) do
    case :maps.get("round", head, 0) do
      round when is_integer(round) and round >= 0 -> {:ok, round}
      _ -> {:error, {:invalid_field, "round"}}
    end
  end

  defp decode_headers(list), do: decode_headers(list, [])

  defp decode_headers([], acc), do: {:ok, :lists.reverse(acc)}

  defp decode_headers([[name, value] | rest], acc) when is_binary(name) and is_binary(value),
    do: decode_headers(rest, [{name, value} | acc])

  defp decode_headers(_, _acc), do: {:error, {:invalid_field, "headers"}}

  defp check_body(size, body) when is_integer(size) and size == byte_size(body), do: {:ok, body}
  defp check_body(size, body), do: {:error, {:body_size_mismatch, size, byte_size(body)}}

  # natively inside AtomVM; the Elixir encoder below on the host BEAM, and
  # for headers the NIF refuses (it raises the error)
  defp encode_headers(headers) do
    case Host.json_headers(headers) do
      json when is_binary(json) -> json
      _ -> encode_headers_elixir(headers)
    end
  end

  defp encode_headers_elixir([]), do: "[]"

  defp encode_headers_elixir([first | rest]),
    do: [?[, encode_header(first) | encode_more_headers(rest)]

  defp encode_more_headers([]), do: [?]]

  defp encode_more_headers([header | rest]),
    do: [?,, encode_header(header) | encode_more_headers(rest)]

  defp encode_header({name, value}) when is_binary(name) and is_binary(value),
    do: [?[, JSON.encode_string(name), ?,, JSON.encode_string(value), ?]]

  defp encode_header(_) do
    raise ArgumentError, "response headers must be a list of {name, value} binaries"
  end
end
