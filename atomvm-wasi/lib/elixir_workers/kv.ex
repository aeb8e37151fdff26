# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.KV do
  @moduledoc """
  Workers KV. Reads return the value (see `ElixirWorkers.Bindings` for how
  a read waits for the host); writes return the conn with an effect the
  host performs after the response.

      user = KV.get(conn, "CACHE", "user:1", as: :json)
      conn = KV.put(conn, "CACHE", "hits", "1", expiration_ttl: 3600)

  Read options: `as: :text` (default) or `:json`, and `id:` to name the need.
  """

  alias ElixirWorkers.{Bindings, Conn, JSON, Options}

  @doc "The value of `key` (a binary, or decoded JSON with `as: :json`), or `nil` when absent."
  @spec get(Conn.t(), binary(), binary(), keyword()) :: term()
  def get(conn, binding, key, opts \\ []) do
    Bindings.read!(conn, get_need(conn, binding, key, opts))
  end

  @doc "The need `get/4` reads (for `ElixirWorkers.Bindings.read/2`)."
  @spec get_need(Conn.t(), binary(), binary(), keyword()) :: map()
  def get_need(conn, binding, key, opts \\ []),
    do: key_need(conn, "kv.get", binding, key, opts)

  @doc "`{value, metadata}` for `key` (`metadata` may be `nil`), or `nil` when absent."
  @spec get_with_metadata(Conn.t(), binary(), binary(), keyword()) :: {term(), term()} | nil
  def get_with_metadata(conn, binding, key, opts \\ []) do
    case Bindings.read!(conn, key_need(conn, "kv.get_with_metadata", binding, key, opts)) do
      nil -> nil
      %{} = found -> {:maps.get("value", found, nil), :maps.get("metadata", found, nil)}
    end
  end

  @doc """
  Lists keys: `%{"keys" => [%{"name" => ..}, ...], "list_complete" => bool,
  "cursor" => ..}`. Options: `prefix`, `limit` (1-1000), `cursor`, `id`.
  """
  @spec list(Conn.t(), binary(), keyword()) :: map()
  def list(conn, binding, opts \\ []) do
    Bindings.check_binding(conn, binding, "kv")
    prefix = Options.get(opts, :prefix, nil)
    limit = Options.get(opts, :limit, nil)
    cursor = Options.get(opts, :cursor, nil)

    id =
      Options.get(opts, :id, nil) ||
        :erlang.iolist_to_binary([
          "kv.list ",
          binding,
          " ",
          JSON.encode([prefix, limit, cursor])
        ])

    need =
      put_some(%{"id" => id, "type" => "kv.list", "binding" => binding}, [
        {"prefix", prefix},
        {"limit", limit},
        {"cursor", cursor}
      ])

    Bindings.read!(conn, need)
  end

  @doc """
  Writes `value` after the response. A binary is stored as text when it is
  UTF-8 and base64-encoded for the host otherwise; a map or list is stored
  as its JSON. Options: `expiration` (seconds since the epoch),
  `expiration_ttl` (seconds, at least 60), `metadata` (JSON-encodable).
  """
  @spec put(Conn.t(), binary(), binary(), term(), keyword()) :: Conn.t()
  def put(conn, binding, key, value, opts \\ []) when is_binary(key) do
    Bindings.check_binding(conn, binding, "kv")

    {value, encoding} =
      cond do
        is_binary(value) ->
          if ElixirWorkers.String.valid?(value),
            do: {value, nil},
            else: {:base64.encode(value), "base64"}

        is_map(value) or is_list(value) ->
          {JSON.encode_to_binary(value), nil}

        true ->
          raise ArgumentError, "KV.put takes a binary, a map or a list as value"
      end

    effect =
      put_some(%{"type" => "kv.put", "binding" => binding, "key" => key, "value" => value}, [
        {"encoding", encoding},
        {"expiration", Options.get(opts, :expiration, nil)},
        {"expiration_ttl", Options.get(opts, :expiration_ttl, nil)},
        {"metadata", Options.get(opts, :metadata, nil)}
      ])

    Bindings.effect(conn, effect)
  end

  @doc "Deletes `key` after the response."
  @spec delete(Conn.t(), binary(), binary()) :: Conn.t()
  def delete(conn, binding, key) when is_binary(key) do
    Bindings.check_binding(conn, binding, "kv")
    Bindings.effect(conn, %{"type" => "kv.delete", "binding" => binding, "key" => key})
  end

  defp key_need(conn, type, binding, key, opts) when is_binary(key) do
    Bindings.check_binding(conn, binding, "kv")

    as =
      case Options.get(opts, :as, :text) do
        :text -> "text"
        :json -> "json"
        other -> raise ArgumentError, "as: must be :text or :json, got " <> inspect_atom(other)
      end

    id =
      Options.get(opts, :id, nil) ||
        :erlang.iolist_to_binary([type, " ", binding, " ", as, " ", key])

    %{"id" => id, "type" => type, "binding" => binding, "key" => key, "as" => as}
  end

  defp inspect_atom(value) when is_atom(value), do: ":" <> :erlang.atom_to_binary(value, :utf8)
  defp inspect_atom(_value), do: "a non-atom"

  defp put_some(map, []), do: map
  defp put_some(map, [{_key, nil} | rest]), do: put_some(map, rest)
  defp put_some(map, [{key, value} | rest]), do: put_some(:maps.put(key, value, map), rest)
end
