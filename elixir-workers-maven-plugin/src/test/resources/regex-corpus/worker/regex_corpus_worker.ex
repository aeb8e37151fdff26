# SPDX-License-Identifier: Apache-2.0

# The regex corpus worker: the corpus cases as the stdlib corpus worker runs them (GET /count,
# GET /cases/:from/:to), and what has no counterpart on the host BEAM: patterns outside the VM
# engine's syntax, a catastrophic backtracking, and the time of a match.

defmodule RegexCorpusWorker do
  use ElixirWorkers.App, router: RegexCorpusWorker.Router
end

defmodule RegexCorpusWorker.Router do
  use ElixirWorkers.Router

  get "/count", RegexCorpusWorker.Handlers, :count
  get "/cases/:from/:to", RegexCorpusWorker.Handlers, :cases
  get "/unsupported", RegexCorpusWorker.Handlers, :unsupported
  get "/unsupported-literal", RegexCorpusWorker.Handlers, :unsupported_literal
  get "/catastrophic", RegexCorpusWorker.Handlers, :catastrophic
  get "/bench/:n", RegexCorpusWorker.Handlers, :bench
end

defmodule RegexCorpusWorker.Handlers do
  import ElixirWorkers.Conn

  def count(conn), do: text(conn, 200, :erlang.integer_to_binary(StdlibCorpus.Cases.count()))

  def cases(%{path_params: %{"from" => from, "to" => to}} = conn) do
    results = run(:erlang.binary_to_integer(from), :erlang.binary_to_integer(to), [])

    conn
    |> put_resp_header("content-type", "application/octet-stream")
    |> send_resp(200, :erlang.term_to_binary(results))
  end

  defp run(index, to, acc) when index > to, do: :lists.reverse(acc)

  defp run(index, to, acc),
    do: run(index + 1, to, [StdlibCorpus.Capture.encoded(index, StdlibCorpus.Cases.run(index)) | acc])

  # one line per pattern: the pattern, then the message and position of Regex.compile/1's error
  def unsupported(conn) do
    patterns = ["a(?<=b)c", "(?<!x)y", "ab[\\p{L}]", "\\PL", "(?|a|b)", "(?(1)a|b)", "(?R)", "(a)(?-1)", "a\\Kb", "\\R", "(*SKIP)a"]

    lines =
      for pattern <- patterns do
        case Regex.compile(pattern) do
          {:error, {message, position}} ->
            [pattern, "\t", :erlang.list_to_binary(message), "\t", :erlang.integer_to_binary(position), "\n"]

          other ->
            [pattern, "\t", inspect(other), "\n"]
        end
      end

    text(conn, 200, IO.iodata_to_binary(lines))
  end

  # a ~r literal the host's PCRE compiled, which the VM's engine cannot
  def unsupported_literal(conn) do
    answer =
      try do
        inspect(Regex.match?(~r/(?<=a)b/, "ab"))
      rescue
        e -> "raised " <> Exception.message(e)
      end

    text(conn, 200, answer)
  end

  def catastrophic(conn) do
    subject = String.duplicate("a", 40)
    started = :erlang.monotonic_time(:microsecond)

    answer =
      try do
        inspect(Regex.match?(~r/(a+)+[bc]/, subject))
      rescue
        e -> "raised " <> Exception.message(e)
      end

    elapsed = :erlang.monotonic_time(:microsecond) - started
    text(conn, 200, answer <> "\n" <> :erlang.integer_to_binary(elapsed))
  end

  # microseconds for n matches of the e-mail pattern on a 40-byte address, and the last result
  def bench(%{path_params: %{"n" => n}} = conn) do
    n = :erlang.binary_to_integer(n)
    subject = "firstname.lastname+tag@example-mail.com"
    regex = ~r/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i
    started = :erlang.monotonic_time(:microsecond)
    result = bench_loop(regex, subject <> "x", n, nil)
    elapsed = :erlang.monotonic_time(:microsecond) - started
    text(conn, 200, inspect(result) <> " " <> :erlang.integer_to_binary(elapsed))
  end

  defp bench_loop(_regex, _subject, 0, result), do: result
  defp bench_loop(regex, subject, n, _), do: bench_loop(regex, subject, n - 1, Regex.match?(regex, subject))
end
