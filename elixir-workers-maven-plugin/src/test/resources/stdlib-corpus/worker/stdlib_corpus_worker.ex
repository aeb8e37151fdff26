# SPDX-License-Identifier: Apache-2.0

# The corpus worker: runs the generated StdlibCorpus.Cases inside AtomVM. GET /count says how
# many cases there are; GET /cases/:from/:to runs cases from..to (inclusive) and answers the
# external term format of [{index, encoded result}] (StdlibCorpus.Capture.encoded/2), which the
# host decodes and inspects, so the comparison never depends on the VM's own inspect.

defmodule StdlibCorpusWorker do
  use ElixirWorkers.App, router: StdlibCorpusWorker.Router
end

defmodule StdlibCorpusWorker.Router do
  use ElixirWorkers.Router

  get "/count", StdlibCorpusWorker.Handlers, :count
  get "/cases/:from/:to", StdlibCorpusWorker.Handlers, :cases
end

defmodule StdlibCorpusWorker.Handlers do
  import ElixirWorkers.Conn

  def count(conn), do: text(conn, 200, :erlang.integer_to_binary(StdlibCorpus.Cases.count()))

  def cases(%{path_params: %{"from" => from, "to" => to}} = conn) do
    results =
      run(:erlang.binary_to_integer(from), :erlang.binary_to_integer(to), [])

    conn
    |> put_resp_header("content-type", "application/octet-stream")
    |> send_resp(200, :erlang.term_to_binary(results))
  end

  # Plain recursion, not Enum: the harness must work while most of Enum is still missing
  defp run(index, to, acc) when index > to, do: :lists.reverse(acc)

  defp run(index, to, acc),
    do: run(index + 1, to, [StdlibCorpus.Capture.encoded(index, StdlibCorpus.Cases.run(index)) | acc])
end
