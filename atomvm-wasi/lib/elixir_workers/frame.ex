# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Frame do
  @moduledoc """
  Request and response frames (docs/protocol.md, version 1): one line of JSON
  (the head), a single `\\n`, then exactly `body_size` raw bytes. Bodies are
  never escaped: the response body is written as the handler's iodata.
  """

  alias ElixirWorkers.{Conn, JSON}

  @version 1

  @doc "Decodes a request frame into a `Conn`."
  @spec decode_request(binary()) :: {:ok, Conn.t()} | {:error, term()}
  def decode_request(frame) when is_binary(frame) do
    case :binary.split(frame, "\n") do
      [head, body] -> decode_head(JSON.decode(head), body)
      [_] -> {:error, :missing_newline}
    end
  end

  @doc """
  Encodes the response of a `Conn` as a frame (iodata). Raises
  `ArgumentError` when the status or a header is not valid.
  """
  @spec encode_response(Conn.t()) :: iodata()
  def encode_response(%Conn{status: status, resp_headers: headers, resp_body: body}) do
    if not (is_integer(status) and status >= 100 and status <= 599) do
      raise ArgumentError, "the response status must be an integer in 100..599"
    end

    head = [
      "{\"v\":",
      :erlang.integer_to_binary(@version),
      ",\"status\":",
      :erlang.integer_to_binary(status),
      ",\"headers\":",
      encode_headers(headers, []),
      ",\"body_size\":",
      :erlang.integer_to_binary(:erlang.iolist_size(body)),
      ?}
    ]

    [head, ?\n, body]
  end

  defp decode_head({:ok, %{"v" => @version} = head}, body) do
    with {:ok, method} <- binary_field(head, "method"),
         {:ok, url} <- binary_field(head, "url"),
         {:ok, headers} <- decode_headers(:maps.get("headers", head, []), []),
         {:ok, body} <- check_body(:maps.get("body_size", head, 0), body) do
      {path, query_string} = Conn.split_url(url)

      {:ok,
       %Conn{
         method: method,
         url: url,
         path: path,
         query_string: query_string,
         headers: headers,
         body: body
       }}
    end
  end

  defp decode_head({:ok, %{"v" => version}}, _body), do: {:error, {:unsupported_version, version}}
  defp decode_head({:ok, _head}, _body), do: {:error, :invalid_head}
  defp decode_head({:error, reason}, _body), do: {:error, {:invalid_json, reason}}

  defp binary_field(head, name) do
    case head do
      %{^name => value} when is_binary(value) -> {:ok, value}
      _ -> {:error, {:invalid_field, name}}
    end
  end

  defp decode_headers([], acc), do: {:ok, :lists.reverse(acc)}

  defp decode_headers([[name, value] | rest], acc) when is_binary(name) and is_binary(value),
    do: decode_headers(rest, [{name, value} | acc])

  defp decode_headers(_, _acc), do: {:error, {:invalid_field, "headers"}}

  defp check_body(size, body) when is_integer(size) and size == byte_size(body), do: {:ok, body}
  defp check_body(size, body), do: {:error, {:body_size_mismatch, size, byte_size(body)}}

  defp encode_headers([], []), do: "[]"
  defp encode_headers([], acc), do: [?[, tl(:lists.reverse(acc)), ?]]

  defp encode_headers([{name, value} | rest], acc) when is_binary(name) and is_binary(value) do
    encode_headers(rest, [
      [?[, JSON.encode_string(name), ?,, JSON.encode_string(value), ?]],
      ?,
      | acc
    ])
  end

  defp encode_headers(_, _acc) do
    raise ArgumentError, "response headers must be a list of {name, value} binaries"
  end
end
