# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ElixirWorkersRandTest do
  # stand-ins/elixir_workers_rand.erl on the host BEAM: what rand's seed gets in place of
  # erlang:phash2/1, and that the packer is told to send only rand's call there.
  use ExUnit.Case, async: true
  import Bitwise

  @source Path.expand("../../stand-ins/elixir_workers_rand.erl", __DIR__)

  setup_all do
    {:ok, module, binary} = :compile.file(String.to_charlist(@source), [:binary, :return_errors])
    {:module, ^module} = :code.load_binary(module, String.to_charlist(@source), binary)
    %{stand_in: module}
  end

  test "every call answers 64 fresh random bits", %{stand_in: stand_in} do
    draws = for _ <- 1..64, do: stand_in.phash2([{node(), self()}])
    assert Enum.all?(draws, &(is_integer(&1) and &1 >= 0 and &1 < 1 <<< 64))
    assert length(Enum.uniq(draws)) == 64
    # some draw uses the bits above phash2's 27
    assert Enum.any?(draws, &(&1 >= 1 <<< 27))
  end

  test "rand seeds from it as it does from phash2/1", %{stand_in: stand_in} do
    seed = {stand_in.phash2([]), System.system_time(), System.unique_integer()}
    {value, _} = :rand.uniform_s(:rand.seed_s(:exsss, seed))
    assert is_float(value) and value >= 0.0 and value < 1.0
  end

  test "the replacement is confined to rand's calls", %{stand_in: stand_in} do
    assert {:elixir_workers_replaces_in, [{:rand, [{:erlang, :phash2, 1}]}]} in stand_in.module_info(
             :attributes
           )
  end
end
