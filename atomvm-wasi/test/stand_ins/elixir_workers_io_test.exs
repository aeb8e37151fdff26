# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ElixirWorkersIoTest do
  # stand-ins/elixir_workers_io.erl: what it replaces and the line it writes
  # (the write itself is a platform NIF, elixir_workers_host:log/1, run by the
  # end-to-end tests)
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/elixir_workers_io.erl", __DIR__)

  setup_all do
    {:ok, module, binary} = :compile.file(String.to_charlist(@source), [:binary, :return_errors])

    {:module, ^module} = :code.load_binary(module, String.to_charlist(@source), binary)
    %{stand_in: module}
  end

  test "declares that it replaces IO.warn/1 and IO.warn/2", %{stand_in: stand_in} do
    assert [[{IO, :warn, 1}, {IO, :warn, 2}]] ==
             for(
               {:elixir_workers_replaces, value} <- stand_in.module_info(:attributes),
               do: value
             )

    assert function_exported?(stand_in, :warn, 1) and function_exported?(stand_in, :warn, 2)
  end

  test "writes the message as one UTF-8 line after warning:", %{stand_in: stand_in} do
    assert IO.iodata_to_binary(stand_in.line(["unknown ", ~c"fields: ", "é"])) ==
             "warning: unknown fields: é\n"

    assert IO.iodata_to_binary(stand_in.line(~c"ü")) == "warning: ü\n"
  end

  test "refuses what is not chardata, as IO.warn does", %{stand_in: stand_in} do
    assert_raise ArgumentError, fn -> stand_in.line(:not_chardata) end
  end
end
