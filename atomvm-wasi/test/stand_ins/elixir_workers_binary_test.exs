# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ElixirWorkersBinaryTest do
  # stands-ins/elixir_workers_binary.erl against OTP's binary:split/3 on this BEAM
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/elixir_workers_binary.erl", __DIR__)

  setup_all do
    {:ok, module, binary} = :compile.file(String.to_charlist(@source), [:binary, :return_errors])

    {:module, ^module} = :code.load_binary(module, String.to_charlist(@source), binary)
    %{stand_in: module}
  end

  test "declares that it replaces binary:split/3", %{stand_in: stand_in} do
    assert [[{:binary, :split, 3}]] ==
             for(
               {:elixir_workers_replaces, value} <- stand_in.module_info(:attributes),
               do: value
             )
  end

  test "answers as OTP does for every option combination", %{stand_in: stand_in} do
    subjects = ["", ",", ",,", "a", "a,b", ",a,,b,,", "a,,", ",,a", "a, b ,c", "é,,ü,"]
    patterns = [",", ",,", [",", " "], "x"]

    options =
      for global <- [[], [:global]],
          trim <- [[], [:trim], [:trim_all], [:trim, :trim_all]],
          do: global ++ trim

    for subject <- subjects, pattern <- patterns, opts <- options do
      assert :binary.split(subject, pattern, opts) == stand_in.split(subject, pattern, opts),
             "split(#{inspect(subject)}, #{inspect(pattern)}, #{inspect(opts)})"
    end
  end

  test "raises as OTP does on bad arguments", %{stand_in: stand_in} do
    assert_raise ArgumentError, fn -> stand_in.split("a,b", "", [:global, :trim]) end
    assert_raise ArgumentError, fn -> stand_in.split(:atom, ",", [:trim]) end
  end
end
