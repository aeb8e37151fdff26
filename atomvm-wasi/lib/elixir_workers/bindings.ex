# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Bindings do
  @moduledoc """
  How handler code reads and writes KV namespaces and D1 databases while
  staying synchronous-looking. `ElixirWorkers.KV` and `ElixirWorkers.D1` are
  built on it.

  ## Reads: the handler runs again each round

  A worker cannot wait for I/O: the host runs it, takes its answer, and runs
  it again (docs/protocol.md). So a read such as `KV.get(conn, "CACHE",
  "user:1")` works like this:

    1. Round 0: the result is not in `conn.results` yet, so the read
       **throws** a suspension carrying a *need* (`kv.get`, binding, key).
       `ElixirWorkers.App` catches it and answers with the need instead of a
       response.
    2. The host performs the read and runs the worker again, from the start,
       with `results` holding the answer under the need's id.
    3. Round 1: the handler runs again; this time `KV.get` finds its result
       and returns the value, and the handler goes on - perhaps to a read
       that depends on it (another round), perhaps to the response.

  Need ids are derived from what is read (type, binding, key or SQL and
  parameters, options), so the same read finds the same result in every
  round; pass `id: "..."` to choose one. A handler must therefore be
  deterministic up to its reads: given the same request and results, it
  asks for the same things in the same way.

  Reads that do not depend on each other should go in one round:
  `all/1` runs several and suspends with all their needs at once.

      [user, posts] =
        Bindings.all([
          fn -> KV.get(conn, "CACHE", "user:1", as: :json) end,
          fn -> D1.query(conn, "DB", "SELECT * FROM posts WHERE user_id = ?", [1]) end
        ])

  The suspension is a `throw`: code that catches every throw (`catch
  :throw, _` or `catch _, _`) around a read must re-throw
  `{:elixir_workers_suspend, _}`. `rescue` is not affected.

  ## Writes: effects on the final response

  `KV.put`, `KV.delete`, `D1.exec` and `D1.batch` return the conn with an
  *effect* added; the host performs the effects, in order, after the
  response has been sent. A write is therefore not visible to reads of the
  same request, and nothing is written when the request ends with a needs
  answer or an error.

  ## Errors

  A read whose result is an error (`undeclared_binding`, `bad_request`,
  `limit`, `sql_error`, `internal`) raises `ElixirWorkers.Bindings.Error`;
  `read/2` returns `{:error, map}` instead. When the request lists its
  bindings (`conn.bindings`), using an undeclared one raises
  `ArgumentError` at once.
  """

  alias ElixirWorkers.Conn

  @suspend :elixir_workers_suspend

  defmodule Error do
    @moduledoc """
    A binding read failed: `code` and `detail` as the host reported them
    (`undeclared_binding`, `bad_request`, `limit`, `sql_error`, `internal`),
    `id` the need's id.
    """
    defstruct __exception__: true, message: nil, code: nil, detail: nil, id: nil

    @type t :: %__MODULE__{message: binary(), code: binary(), detail: binary(), id: binary()}

    @doc false
    def exception(fields) do
      # matched so that the type checker knows the struct updated below
      %__MODULE__{} = error = :maps.merge(%__MODULE__{}, :maps.from_list(fields))

      %__MODULE__{
        error
        | message:
            text(error.code) <> ": " <> text(error.detail) <> " (need " <> text(error.id) <> ")"
      }
    end

    @doc false
    def message(%__MODULE__{message: message}), do: message

    defp text(value) when is_binary(value), do: value
    defp text(nil), do: "?"
    defp text(value), do: :erlang.iolist_to_binary(ElixirWorkers.JSON.encode(value))
  end

  @doc """
  The result of a need: `{:ok, value}` or `{:error, %{"code" => ..,
  "message" => ..}}` when `conn.results` has it; otherwise throws the
  suspension that makes the worker answer with this need.
  """
  @spec read(Conn.t(), map()) :: {:ok, term()} | {:error, map()}
  def read(%Conn{results: results}, %{"id" => id} = need) do
    case results do
      %{^id => %{"ok" => value}} ->
        {:ok, value}

      %{^id => %{"error" => error}} when is_map(error) ->
        {:error, error}

      %{^id => other} ->
        {:error, %{"code" => "internal", "message" => "malformed result", "result" => other}}

      _ ->
        throw({@suspend, [need]})
    end
  end

  @doc "Like `read/2`, but returns the value and raises `ElixirWorkers.Bindings.Error` on an error result."
  @spec read!(Conn.t(), map()) :: term()
  def read!(conn, %{"id" => id} = need) do
    case read(conn, need) do
      {:ok, value} ->
        value

      {:error, error} ->
        :erlang.error(
          Error.exception(
            code: :maps.get("code", error, "internal"),
            detail: :maps.get("message", error, ""),
            id: id
          )
        )
    end
  end

  @doc """
  Runs each function and returns their values in order. When some of them
  need results that are not there yet, suspends with the needs of all of
  them, so independent reads take one round together.
  """
  @spec all([(... -> term())]) :: [term()]
  def all(funs) when is_list(funs) do
    case run_all(funs, [], []) do
      {values, []} -> values
      {_values, needs} -> throw({@suspend, dedupe(needs, [], [])})
    end
  end

  defp run_all([], values, needs), do: {:lists.reverse(values), needs}

  defp run_all([fun | rest], values, needs) do
    try do
      fun.()
    catch
      :throw, {@suspend, more} -> run_all(rest, [nil | values], needs ++ more)
    else
      value -> run_all(rest, [value | values], needs)
    end
  end

  defp dedupe([], _seen, acc), do: :lists.reverse(acc)

  defp dedupe([%{"id" => id} = need | rest], seen, acc) do
    if :lists.member(id, seen) do
      dedupe(rest, seen, acc)
    else
      dedupe(rest, [id | seen], [need | acc])
    end
  end

  @doc "Adds an effect (a write the host performs after the response)."
  @spec effect(Conn.t(), map()) :: Conn.t()
  def effect(%Conn{effects: effects} = conn, effect) when is_map(effect),
    do: %Conn{conn | effects: [effect | effects]}

  @doc "The effects added so far, in order."
  @spec effects(Conn.t()) :: [map()]
  def effects(%Conn{effects: effects}), do: :lists.reverse(effects)

  @doc false
  # Checks a binding against the request's declared bindings (when listed).
  def check_binding(%Conn{bindings: bindings}, name, type) when is_binary(name) do
    case bindings do
      %{^name => ^type} ->
        :ok

      %{^name => other} ->
        raise ArgumentError,
              "binding " <> name <> " is a " <> text(other) <> " binding, not " <> type

      empty when map_size(empty) == 0 ->
        :ok

      _ ->
        raise ArgumentError,
              "binding " <>
                name <>
                " is not declared for this worker (declared: " <>
                :erlang.iolist_to_binary(join(:maps.keys(bindings))) <> ")"
    end
  end

  def check_binding(_conn, name, _type) do
    raise ArgumentError, "a binding name must be a binary, got " <> text(name)
  end

  defp join([]), do: []
  defp join([one]), do: [one]
  defp join([one | rest]), do: [one, ", " | join(rest)]

  defp text(value) when is_binary(value), do: value
  defp text(value) when is_atom(value), do: :erlang.atom_to_binary(value, :utf8)
  defp text(value), do: :erlang.iolist_to_binary(ElixirWorkers.JSON.encode(value))

  @doc false
  # Whether a term thrown is a suspension (for the app).
  def suspension?({@suspend, needs}) when is_list(needs), do: true
  def suspension?(_), do: false
end
