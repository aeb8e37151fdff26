# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Middleware.RequestId do
  @moduledoc """
  Gives each request an id: the incoming `x-request-id` when it looks like
  one (20 to 200 characters of `A-Z a-z 0-9 - _ + / =`), otherwise 32 random
  hex digits. The id is put in `conn.assigns.request_id` and in the response
  header.

      plug ElixirWorkers.Middleware.RequestId, header: "x-request-id"

  Options: `header` (default `"x-request-id"`), `trust_incoming` (default
  `true`).
  """

  alias ElixirWorkers.{Conn, Host, Options}

  @doc false
  def init(opts) do
    header = Options.get(opts, :header, "x-request-id")
    trust = Options.get(opts, :trust_incoming, true) == true
    {ElixirWorkers.String.downcase(header, :ascii), trust}
  end

  @doc false
  def call(conn, opts) when is_list(opts), do: call(conn, init(opts))

  def call(conn, {header, trust}) do
    id =
      case trust and Conn.req_header(conn, header) do
        incoming when is_binary(incoming) ->
          if valid?(incoming), do: incoming, else: generate()

        _ ->
          generate()
      end

    conn
    |> Conn.assign(:request_id, id)
    |> Conn.put_resp_header(header, id)
  end

  @doc "A new id: 32 random hex digits."
  @spec generate() :: binary()
  def generate, do: :erlang.list_to_binary(hex(Host.random_bytes(16)))

  # a list, turned into a binary once (appending to a binary copies it)
  defp hex(<<>>), do: []
  defp hex(<<a::4, b::4, rest::binary>>), do: [digit(a), digit(b) | hex(rest)]

  defp digit(d) when d < 10, do: ?0 + d
  defp digit(d), do: ?a + d - 10

  defp valid?(id) do
    size = byte_size(id)
    size >= 20 and size <= 200 and id_chars?(id)
  end

  defp id_chars?(<<c, rest::binary>>)
       when (c >= ?a and c <= ?z) or (c >= ?A and c <= ?Z) or (c >= ?0 and c <= ?9) or c == ?- or
              c == ?_ or c == ?+ or c == ?/ or c == ?=,
       do: id_chars?(rest)

  defp id_chars?(<<>>), do: true
  defp id_chars?(_), do: false
end
