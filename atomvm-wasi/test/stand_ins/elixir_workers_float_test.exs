# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ElixirWorkersFloatTest do
  # stand-ins/elixir_workers_float.erl against Elixir's own Float.round/2,
  # Float.ceil/2 and Float.floor/2 on this BEAM (whichever Elixir runs the
  # tests: 1.14 and 1.18 differ in the sign of some zeros). Results are
  # compared bit for bit: before OTP 27, -0.0 === 0.0.
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/elixir_workers_float.erl", __DIR__)
  @functions [:round, :ceil, :floor]
  @precisions 0..15

  setup_all do
    dir =
      Path.join(
        System.tmp_dir!(),
        "elixir_workers_float_stand_in_#{System.unique_integer([:positive])}"
      )

    File.mkdir_p!(dir)
    on_exit(fn -> File.rm_rf!(dir) end)
    file = Path.join(dir, "elixir_workers_float.erl")
    File.write!(file, File.read!(@source))

    {:ok, module, binary} =
      :compile.file(String.to_charlist(file), [:binary, :return_errors, :warnings_as_errors])

    {:module, ^module} = :code.load_binary(module, String.to_charlist(file), binary)
    %{stand_in: module, beam: binary}
  end

  defp bits(float) do
    <<bits::64>> = <<float::float>>
    bits
  end

  defp from_bits(bits) do
    <<float::float>> = <<bits::64>>
    float
  end

  # The floats (and the first 20 of them) where the stand-in's answer is not
  # Elixir's, for every function and precision.
  defp mismatches(stand_in, floats) do
    for float <- floats,
        precision <- @precisions,
        function <- @functions,
        expected = apply(Float, function, [float, precision]),
        actual = apply(stand_in, function, [float, precision]),
        bits(expected) != bits(actual) do
      {function, float, precision, expected, actual}
    end
    |> Enum.take(20)
  end

  defp signed(float), do: if(:rand.uniform(2) == 1, do: float, else: -float)

  # The float `ulps` steps of the last bit away from a positive float.
  defp step(float, ulps), do: from_bits(bits(float) + ulps)

  test "is declared as replacing Float.round/2, ceil/2 and floor/2", %{stand_in: stand_in} do
    assert Keyword.get_values(stand_in.module_info(:attributes), :elixir_workers_replaces) == [
             [{Float, :round, 2}, {Float, :ceil, 2}, {Float, :floor, 2}]
           ]
  end

  test "takes floats apart with integer segments only", %{beam: beam} do
    # AtomVM v0.7 refuses binary segments whose unit is not 8 ("bs_get_binary2:
    # unit must be 8"), which is what Elixir's Float.round/3 matches with. The
    # stand-in matches no binary segment at all: a float is one 64-bit integer.
    {:beam_file, _, _, _, _, functions} = :beam_disasm.file(beam)

    binary_segments =
      for {:function, name, arity, _, code} <- functions,
          instruction <- code,
          binary_segment?(instruction),
          do: {name, arity, instruction}

    assert binary_segments == []
  end

  # OTP 25: bs_get_binary2, bs_get_tail and bs_skip_bits2; OTP 26 and later:
  # bs_match's binary, get_tail and skip commands.
  defp binary_segment?(instruction) when is_tuple(instruction) do
    case Tuple.to_list(instruction) do
      [op | _] when op in [:bs_get_binary2, :bs_get_tail, :bs_skip_bits2] ->
        true

      [:test, op | _] when op in [:bs_get_binary2, :bs_skip_bits2] ->
        true

      [:bs_match, _fail, _context, {:commands, commands}] ->
        Enum.any?(commands, &(elem(&1, 0) in [:binary, :get_tail, :skip]))

      _ ->
        false
    end
  end

  defp binary_segment?(_instruction), do: false

  test "answers as Elixir for edge cases and floats near powers of two", %{stand_in: stand_in} do
    edges = [
      5.5675,
      -5.5675,
      5.5674,
      0.125,
      -0.125,
      2.675,
      2.5,
      -2.5,
      0.5,
      -0.5,
      1.5,
      0.0,
      -0.0,
      1.0e-320,
      -1.0e-320,
      5.0e-324,
      -5.0e-324,
      2.2250738585072014e-308,
      2.225073858507201e-308,
      1.0e-300,
      -1.0e-300,
      1.7976931348623157e308,
      -1.7976931348623157e308,
      1.0e300,
      123_456_789.987654321,
      -123_456_789.987654321,
      0.1 + 0.2,
      0.1,
      0.001,
      -0.001,
      -0.4,
      12.341444444444441,
      -12.52,
      34.251,
      1.0e-15,
      -1.0e-15,
      5.0e-16,
      -5.0e-16,
      4.0e-16,
      4.440892098500626e-16,
      4.440892098500627e-16,
      9.999999999999999e-16,
      0.9999999999999999,
      -0.9999999999999999,
      4_503_599_627_370_495.5,
      4_503_599_627_370_496.0,
      9_007_199_254_740_991.0,
      9_007_199_254_740_993.0,
      1.0e15 + 0.3,
      999_999_999_999_999.9,
      1 / 3,
      -2 / 3
    ]

    near_powers_of_two =
      for exponent <- -70..70,
          ulps <- -3..3,
          sign <- [1, -1],
          do: sign * step(:math.pow(2, exponent), ulps)

    # -0.0 is among them (before OTP 27 the compiler could make it 0.0).
    assert 0x8000000000000000 in Enum.map(edges, &bits/1)
    assert mismatches(stand_in, edges ++ near_powers_of_two) == []
  end

  # 4 x 25,000 floats, each at every precision 0..15 with the 3 functions:
  # 4,800,000 answers compared.
  test "answers as Elixir for 25,000 random bit patterns", %{stand_in: stand_in} do
    :rand.seed(:exsss, {20, 26, 1})
    # Every finite float, either sign: mostly far beyond 15 decimals or far
    # below 10^-15, and subnormals.
    floats = for _ <- 1..25_000, do: signed(from_bits(:rand.uniform(0x7FEFFFFFFFFFFFFF + 1) - 1))
    assert mismatches(stand_in, floats) == []
  end

  test "answers as Elixir for 25,000 random floats of random magnitude", %{stand_in: stand_in} do
    :rand.seed(:exsss, {20, 26, 2})
    # 10^-20 up to 10^17, where the decimals asked for are the float's own.
    floats =
      for _ <- 1..25_000,
          do: signed(:rand.uniform() * :math.pow(10, :rand.uniform(38) - 21))

    assert mismatches(stand_in, floats) == []
  end

  test "answers as Elixir for 25,000 floats near short decimals", %{stand_in: stand_in} do
    :rand.seed(:exsss, {20, 26, 3})
    # The float nearest to a decimal of up to 17 places, and its neighbours:
    # the halfway decimals (2.675, 5.5675) that are a hair above or below.
    floats =
      for _ <- 1..25_000 do
        places = :rand.uniform(17)
        digits = :rand.uniform(Integer.pow(10, :rand.uniform(16)))
        nearest = digits / Integer.pow(10, places)
        signed(step(nearest, :rand.uniform(5) - 3))
      end

    assert mismatches(stand_in, floats) == []
  end

  test "answers as Elixir for 25,000 binary fractions", %{stand_in: stand_in} do
    :rand.seed(:exsss, {20, 26, 4})
    # Odd multiples of 2^-k (k up to 60): exact halfway cases such as 0.125 at
    # 2 places, and floats whose exact decimals run to k places.
    floats =
      for _ <- 1..25_000 do
        k = :rand.uniform(60)
        odd = 2 * :rand.uniform(Integer.pow(2, :rand.uniform(52))) - 1
        signed(odd / Integer.pow(2, k))
      end

    assert mismatches(stand_in, floats) == []
  end

  defp outcome(fun) do
    {:returned, fun.()}
  rescue
    exception -> {:raised, exception}
  end

  test "raises what Elixir raises for a bad precision or a number that is not a float", %{
    stand_in: stand_in
  } do
    arguments =
      for number <- [1.5, -0.0],
          precision <- [16, -1, 100_000_000_000_000_000_000, 2.0, :a, nil, "x", ~c"ab", {1}],
          do: [number, precision]

    not_floats =
      for number <- [1, -3, :x, nil, "1.5", [1.5], {1.5}],
          precision <- [0, 2, 16, :a],
          do: [number, precision]

    outcomes =
      for args <- arguments ++ not_floats, function <- @functions do
        expected = outcome(fn -> apply(Float, function, args) end)
        assert {:raised, _} = expected
        {function, args, expected, outcome(fn -> apply(stand_in, function, args) end)}
      end

    assert for(
             {function, args, expected, actual} <- outcomes,
             expected != actual,
             do: {function, args, expected, actual}
           ) == []
  end
end
