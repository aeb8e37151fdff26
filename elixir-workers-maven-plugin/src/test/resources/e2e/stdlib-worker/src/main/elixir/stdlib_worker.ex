# SPDX-License-Identifier: Apache-2.0

# A worker that calls Elixir's own standard library (packed from the Elixir
# that compiled it, <elixirStdlib>), for ElixirStdlibEndToEndTest. Each route
# answers one call's result as text.

defmodule StdlibWorker do
  use ElixirWorkers.App, router: StdlibWorker.Router
end

defmodule StdlibWorker.Router do
  use ElixirWorkers.Router

  get "/string/:word", StdlibWorker.Handlers, :string
  get "/graphemes/:word", StdlibWorker.Handlers, :graphemes
  get "/enum", StdlibWorker.Handlers, :enum
  get "/map", StdlibWorker.Handlers, :map
  get "/integer/:n", StdlibWorker.Handlers, :integer
  get "/query", StdlibWorker.Handlers, :query
  get "/inspect", StdlibWorker.Handlers, :inspect_term
  get "/utc_now", StdlibWorker.Handlers, :utc_now
  get "/stream", StdlibWorker.Handlers, :stream
  get "/point", StdlibWorker.Handlers, :point
  get "/float/:text", StdlibWorker.Handlers, :float
  get "/jaro/:a/:b", StdlibWorker.Handlers, :jaro
  get "/capitalize/:word", StdlibWorker.Handlers, :capitalize
  get "/floats_read_back/:count", StdlibWorker.Handlers, :floats_read_back
end

defmodule StdlibWorker.Point do
  defstruct x: 0, y: 0
end

defimpl String.Chars, for: StdlibWorker.Point do
  def to_string(%{x: x, y: y}), do: "(#{x}, #{y})"
end

defmodule StdlibWorker.Handlers do
  import ElixirWorkers.Conn

  def string(%{path_params: %{"word" => word}} = conn) do
    text(
      conn,
      Enum.join(
        [
          String.upcase(word),
          String.downcase(word),
          String.trim("  #{word}  "),
          Enum.join(String.split("a,b,,c", ","), "|")
        ],
        " "
      )
    )
  end

  def graphemes(%{path_params: %{"word" => word}} = conn) do
    text(conn, "#{String.length(word)} #{Enum.join(String.graphemes(word), "|")}")
  end

  def enum(conn) do
    groups = Enum.group_by(~w(apple avocado banana cherry), &String.first/1)
    sorted = Enum.sort_by([{"b", 2}, {"a", 3}, {"c", 1}], &elem(&1, 1))

    text(
      conn,
      "#{inspect(Map.to_list(groups))} #{inspect(sorted)} #{Enum.count(1..10, &(rem(&1, 3) == 0))}"
    )
  end

  def map(conn) do
    counts = Enum.reduce(~w(a b a c a), %{}, fn k, acc -> Map.update(acc, k, 1, &(&1 + 1)) end)
    text(conn, inspect(Enum.sort(counts)))
  end

  def integer(%{path_params: %{"n" => n}} = conn) do
    {value, rest} = Integer.parse(n)
    text(conn, "#{value * 2} #{inspect(rest)}")
  end

  def query(conn) do
    text(conn, URI.encode_query(%{"q" => "a b&c", "page" => 2}))
  end

  def inspect_term(conn) do
    text(conn, inspect(%{list: [1, 2.5, -0.001, 1.0e20, :three], tuple: {"four", nil}}))
  end

  def utc_now(conn) do
    now = DateTime.utc_now()
    text(conn, "#{now.year > 2000} #{now.time_zone}")
  end

  def stream(conn) do
    text(conn, inspect(1 |> Stream.iterate(&(&1 * 2)) |> Stream.take(5) |> Enum.to_list()))
  end

  # Floats from the request, so that no compiler folds their formatting. Elixir
  # 1.18 formats them with :erlang.float_to_binary(f, [:short]); the
  # last four call the option themselves, whichever Elixir compiled this (the
  # last format option wins).
  def float(%{path_params: %{"text" => text}} = conn) do
    {f, ""} = Float.parse(text)

    text(
      conn,
      "#{f} #{f * 3} #{Float.to_string(f / 1.0e10)} #{inspect(f * 1.0e20)} " <>
        "#{to_charlist(f + 100)} #{f * 90_071_992_547_409_920} #{-f * 1.0e-300} " <>
        "#{:erlang.float_to_binary(f * 7, [:short])} " <>
        "#{:erlang.float_to_list(f / 3, [:compact, :short])} " <>
        "#{:erlang.float_to_binary(f, [:short, {:decimals, 3}])} " <>
        "#{:erlang.float_to_binary(f, [{:decimals, 3}, :short])}"
    )
  end

  # Pseudo-random bit patterns (a 64-bit LCG; NaN and infinity skipped) as
  # floats: how many of them the short text reads back as.
  def floats_read_back(%{path_params: %{"count" => count}} = conn) do
    count = String.to_integer(count)

    {read_back, _} =
      Enum.reduce(1..count, {0, 42}, fn _, {ok, x} ->
        x =
          rem(x * 6_364_136_223_846_793_005 + 1_442_695_040_888_963_407, 0x1_0000_0000_0000_0000)

        bits =
          if Bitwise.band(Bitwise.bsr(x, 52), 0x7FF) == 0x7FF,
            do: Bitwise.bxor(x, Bitwise.bsl(1, 62)),
            else: x

        <<f::float-64>> = <<bits::64>>
        text = :erlang.float_to_binary(f, [:short])
        {ok + if(:erlang.binary_to_float(text) === f, do: 1, else: 0), x}
      end)

    text(conn, "#{read_back} of #{count}")
  end

  # Elixir 1.18's String.capitalize/2 calls :string.titlecase/1, which AtomVM's
  # string lacks (atomvm-wasi's stand-in elixir_workers_string replaces it)
  def capitalize(%{path_params: %{"word" => word}} = conn) do
    text(conn, "#{String.capitalize(word)} #{:string.titlecase(word)}")
  end

  # Elixir 1.18 calls :elixir_utils.jaro_similarity/2 (atomvm-wasi's stand-in)
  def jaro(%{path_params: %{"a" => a, "b" => b}} = conn) do
    text(conn, "#{String.jaro_distance(a, b)} #{String.jaro_distance(b, a <> a)}")
  end

  def point(conn) do
    text(conn, "at #{%StdlibWorker.Point{x: 1, y: 2}}")
  end
end
