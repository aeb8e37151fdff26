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
  get "/pop", StdlibWorker.Handlers, :pop
  get "/flatten", StdlibWorker.Handlers, :flatten
  get "/tuple_append", StdlibWorker.Handlers, :tuple_append
  get "/get_keys", StdlibWorker.Handlers, :get_keys
  get "/split", StdlibWorker.Handlers, :split
  get "/replace", StdlibWorker.Handlers, :replace
  get "/normalize", StdlibWorker.Handlers, :normalize
  get "/datetime_add", StdlibWorker.Handlers, :datetime_add
  get "/default_port", StdlibWorker.Handlers, :default_port
  get "/key_error", StdlibWorker.Handlers, :key_error
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

  # maps:take/2, lists:flatten/2, erlang:append_element/2, erlang:get_keys/1:
  # platform NIFs (atomvm-wasi/src/otp_bifs.c)
  def pop(conn) do
    big = Map.new(1..40, &{&1, -&1})
    {value, rest} = Map.pop(big, 17)

    text(
      conn,
      inspect([
        Map.pop(%{a: 1, b: 2}, :a),
        Map.pop(%{}, :a, :none),
        {value, map_size(rest), Map.has_key?(rest, 17), rest[18]},
        pop_in(%{a: %{b: 1, c: 2}}, [:a, :b])
      ])
    )
  end

  def flatten(conn) do
    text(conn, inspect([List.flatten([1, [2, [3, []]], [[4]]], [5, 6]), List.flatten([], [:t])]))
  end

  def tuple_append(conn) do
    text(conn, inspect([Tuple.append({}, 1), Tuple.append({1, "two"}, [3])]))
  end

  def get_keys(conn) do
    Process.put(:stdlib_worker_k1, :same)
    Process.put(:stdlib_worker_k2, :same)
    Process.put(:stdlib_worker_k3, :other)
    text(conn, inspect([Enum.sort(Process.get_keys(:same)), Process.get_keys(:none)]))
  end

  # binary:split/2,3, matches/2, compile_pattern/1: stand-ins/binary.erl
  def split(conn) do
    text(
      conn,
      inspect([
        String.split("  a b\tc\n d  "),
        String.split("a,b,,c,", ",", trim: true),
        String.split("a-b_c", ["-", "_"]),
        Enum.to_list(String.splitter("a b c", " "))
      ])
    )
  end

  def replace(conn) do
    text(conn, inspect([String.replace("a-b-c", "-", "+"), String.replace("abc", "b", &String.upcase/1)]))
  end

  # unicode:characters_to_nfd_binary/1, nfc: stand-ins/elixir_workers_unicode.erl (a call replacement)
  def normalize(conn) do
    text(
      conn,
      inspect([
        String.normalize("é", :nfd) |> String.codepoints(),
        String.normalize("e\u0301", :nfc) |> byte_size(),
        String.equivalent?("é", "e\u0301")
      ])
    )
  end

  # application:get_env/2 of the elixir application: stand-ins/application.erl
  def datetime_add(conn) do
    text(conn, inspect(DateTime.add(~U[2024-12-31 23:59:59Z], 1)))
  end

  # elixir_config:get/2, put/2: stand-ins/elixir_config.erl
  def default_port(conn) do
    before = URI.default_port("stdlib-worker")
    URI.default_port("stdlib-worker", 8443)
    text(conn, inspect([URI.default_port("https"), before, URI.default_port("stdlib-worker")]))
  end

  # maps:update/3 (atomvm-wasi/src/otp_bifs.c) raises with its call on top of
  # the stack trace, where Elixir finds the map of a KeyError: as the last call
  # of Map.replace!/3, and inside a try
  def key_error(conn) do
    raising = [
      fn -> Map.replace!(%{a: 1}, :b, 2) end,
      fn -> Map.replace!(Function.identity(:not_a_map), :a, 1) end
    ]

    messages =
      for fun <- raising do
        try do
          fun.()
        rescue
          e -> Exception.message(e)
        end
      end

    top =
      try do
        :maps.update(:k, 1, %{a: 1})
      catch
        :error, reason ->
          [{module, function, args, _} | _] = __STACKTRACE__
          {reason, module, function, args}
      end

    text(
      conn,
      inspect([messages, top, Map.replace!(%{a: 1, b: 2}, :b, 3), :maps.update(:a, [1], %{a: 1})])
    )
  end
end
