# SPDX-License-Identifier: Apache-2.0

defmodule HelloWorker.Api do
  @moduledoc "The example's JSON endpoints."

  import ElixirWorkers.Conn
  alias ElixirWorkers.KV

  def health(conn), do: json(conn, %{"status" => "ok", "runtime" => "atomvm"})

  def echo(conn) do
    json(conn, %{
      "method" => conn.method,
      "params" => conn.body_params,
      "query" => conn.query_params
    })
  end

  # Reads the counter (one round trip to the host), answers, and writes the
  # new value after the response.
  def visits(%{bindings: %{"CACHE" => "kv"}} = conn) do
    visits =
      case KV.get(conn, "CACHE", "visits") do
        nil -> 1
        count -> :erlang.binary_to_integer(count) + 1
      end

    conn
    |> KV.put("CACHE", "visits", :erlang.integer_to_binary(visits))
    |> json(%{"visits" => visits})
  end

  def visits(conn) do
    json(conn, 501, %{"error" => "declare a KV namespace binding named CACHE to count visits"})
  end

  # Reads one key (one round trip to the host) and writes nothing.
  def read(%{bindings: %{"CACHE" => "kv"}, path_params: %{"key" => key}} = conn) do
    case KV.get(conn, "CACHE", key) do
      nil -> json(conn, 404, %{"key" => key, "value" => nil})
      value -> json(conn, %{"key" => key, "value" => value})
    end
  end

  def read(conn) do
    json(conn, 501, %{"error" => "declare a KV namespace binding named CACHE to read keys"})
  end
end
