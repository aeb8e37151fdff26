# SPDX-License-Identifier: Apache-2.0

# The worker of the fault-and-load harness (benchmarks, FaultLoad): good routes
# that read and write KV and D1, and routes that misbehave on purpose.

defmodule FaultWorker do
  use ElixirWorkers.App, router: FaultWorker.Router
end

defmodule FaultWorker.Router do
  use ElixirWorkers.Router

  alias FaultWorker.{Bad, Good}

  get "/ok", Good, :ok
  get "/kv/:key", Good, :kv_get
  post "/kv/:key", Good, :kv_put
  post "/d1/rows/:n", Good, :d1_insert
  get "/d1/count", Good, :d1_count

  get "/bad/loop", Bad, :loop
  get "/bad/abort", Bad, :abort
  get "/bad/memory-list", Bad, :memory_list
  get "/bad/memory-binary", Bad, :memory_binary
  get "/bad/stack", Bad, :stack
  get "/bad/stderr", Bad, :stderr
  get "/bad/garbage", Bad, :garbage
  get "/bad/attach", Bad, :attach
  get "/bad/begin", Bad, :begin
end

defmodule FaultWorker.Good do
  import ElixirWorkers.Conn
  alias ElixirWorkers.{D1, KV}

  def ok(conn), do: text(conn, "ok")

  def kv_get(%{path_params: %{"key" => key}} = conn) do
    case KV.get(conn, "CACHE", key) do
      nil -> text(conn, 404, "no " <> key)
      value -> text(conn, value)
    end
  end

  def kv_put(%{path_params: %{"key" => key}} = conn) do
    conn |> KV.put("CACHE", key, conn.body) |> text("stored " <> key)
  end

  def d1_insert(%{path_params: %{"n" => n}} = conn) do
    conn
    |> D1.exec("DB", "INSERT INTO rows (n) VALUES (?)", [String.to_integer(n)])
    |> text("inserted " <> n)
  end

  def d1_count(conn) do
    row = D1.query_one(conn, "DB", "SELECT count(*) AS c FROM rows")
    text(conn, Integer.to_string(row["c"]))
  end
end

defmodule FaultWorker.Bad do
  import ElixirWorkers.Conn
  alias ElixirWorkers.{D1, Host}

  # a tail call: no memory grows, only time passes
  def loop(conn), do: spin(conn, 0)
  defp spin(conn, n), do: spin(conn, n + 1)

  # AtomVM aborts (a trap) when a module and function name do not fit its
  # 260-byte MFA buffer
  def abort(conn) do
    long_module = String.to_atom(String.duplicate("m", 200))
    long_function = String.to_atom(String.duplicate("f", 200))
    exported = :erlang.function_exported(long_module, long_function, 0)
    text(conn, if(exported, do: "exported", else: "not exported"))
  end

  # not a tail call: the list and the stack grow until memory runs out
  def memory_list(conn), do: text(conn, Integer.to_string(length(grow(0))))
  defp grow(n), do: [:binary.copy("x", 1024) | grow(n + 1)]

  # one allocation past the 128 MiB memory limit
  def memory_binary(conn),
    do: text(conn, Integer.to_string(byte_size(:binary.copy("x", 200_000_000))))

  # term_to_binary/1 recurses in C once per level: the C stack overflows
  def stack(conn) do
    term = Enum.reduce(1..200_000, [], fn _, acc -> [acc] end)
    text(conn, Integer.to_string(byte_size(:erlang.term_to_binary(term))))
  end

  # 64 MiB of stderr in 64 KiB lines
  def stderr(conn) do
    line = String.duplicate("e", 65_536)
    Enum.each(1..1024, fn _ -> Host.log(line) end)
    text(conn, "flooded")
  end

  # bytes on stdout before the response frame
  def garbage(conn) do
    Host.write_response("this is not a response frame\n")
    text(conn, "garbage first")
  end

  # the harness names a file in its own state directory
  def attach(%{query_params: %{"path" => path}} = conn) do
    rows = D1.query(conn, "DB", "ATTACH DATABASE '" <> path <> "' AS other")
    text(conn, "attached, " <> Integer.to_string(length(rows)) <> " rows")
  end

  # leaves the shared connection inside a transaction unless the host refuses it
  def begin(conn) do
    rows = D1.query(conn, "DB", "BEGIN")
    text(conn, "began, " <> Integer.to_string(length(rows)) <> " rows")
  end
end
