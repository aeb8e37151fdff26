# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.D1 do
  @moduledoc """
  D1 (SQLite) databases. Queries are reads (see `ElixirWorkers.Bindings` for
  how a read waits for the host); `exec/4` and `batch/3` are writes, done
  after the response.

      rows = D1.query(conn, "DB", "SELECT id, name FROM users WHERE team = ?", ["core"])
      user = D1.query_one(conn, "DB", "SELECT * FROM users WHERE id = ?", [id])
      conn = D1.exec(conn, "DB", "UPDATE users SET seen = ? WHERE id = ?", [now, id])

  Parameters are JSON scalars: binaries, numbers, booleans, `nil`. Rows are
  maps of column name (binary) to value.
  """

  alias ElixirWorkers.{Bindings, Conn, JSON}

  @doc """
  The rows of a query. Options: `meta: true` returns `{rows, meta}` (`meta`
  holds `rows_read`, `rows_written`, `last_row_id`, `changes`, `duration`);
  `id:` names the need.
  """
  @spec query(Conn.t(), binary(), binary(), list(), keyword()) :: [map()] | {[map()], map()}
  def query(conn, binding, sql, params \\ [], opts \\ []) do
    result = Bindings.read!(conn, query_need(conn, binding, sql, params, opts))
    rows = :maps.get("results", result, [])

    case :lists.keyfind(:meta, 1, opts) do
      {:meta, true} -> {rows, :maps.get("meta", result, %{})}
      _ -> rows
    end
  end

  @doc "The first row of a query, or `nil`."
  @spec query_one(Conn.t(), binary(), binary(), list(), keyword()) :: map() | nil
  def query_one(conn, binding, sql, params \\ [], opts \\ []) do
    case query(conn, binding, sql, params, :lists.keydelete(:meta, 1, opts)) do
      [row | _] -> row
      [] -> nil
    end
  end

  @doc "The need `query/5` reads (for `ElixirWorkers.Bindings.read/2`)."
  @spec query_need(Conn.t(), binary(), binary(), list(), keyword()) :: map()
  def query_need(conn, binding, sql, params \\ [], opts \\ []) when is_binary(sql) do
    Bindings.check_binding(conn, binding, "d1")
    check_params(params)

    id =
      case :lists.keyfind(:id, 1, opts) do
        {:id, id} ->
          id

        false ->
          :erlang.iolist_to_binary(["d1.query ", binding, " ", sql, " ", JSON.encode(params)])
      end

    %{"id" => id, "type" => "d1.query", "binding" => binding, "sql" => sql, "params" => params}
  end

  @doc "Runs a statement after the response."
  @spec exec(Conn.t(), binary(), binary(), list()) :: Conn.t()
  def exec(conn, binding, sql, params \\ []) when is_binary(sql) do
    Bindings.check_binding(conn, binding, "d1")
    check_params(params)

    Bindings.effect(conn, %{
      "type" => "d1.exec",
      "binding" => binding,
      "sql" => sql,
      "params" => params
    })
  end

  @doc """
  Runs statements in one transaction after the response. Each is `{sql,
  params}` or a bare SQL binary.
  """
  @spec batch(Conn.t(), binary(), [{binary(), list()} | binary()]) :: Conn.t()
  def batch(conn, binding, statements) when is_list(statements) do
    Bindings.check_binding(conn, binding, "d1")

    Bindings.effect(conn, %{
      "type" => "d1.batch",
      "binding" => binding,
      "statements" => statements(statements)
    })
  end

  defp statements([]), do: []

  defp statements([{sql, params} | rest]) when is_binary(sql) do
    check_params(params)
    [%{"sql" => sql, "params" => params} | statements(rest)]
  end

  defp statements([sql | rest]) when is_binary(sql),
    do: [%{"sql" => sql, "params" => []} | statements(rest)]

  defp statements(_) do
    raise ArgumentError, "D1.batch takes a list of {sql, params} tuples or SQL binaries"
  end

  defp check_params([]), do: :ok

  defp check_params([param | rest])
       when is_binary(param) or is_number(param) or is_boolean(param) or param == nil,
       do: check_params(rest)

  defp check_params(_) do
    raise ArgumentError, "D1 parameters must be a list of binaries, numbers, booleans or nil"
  end
end
