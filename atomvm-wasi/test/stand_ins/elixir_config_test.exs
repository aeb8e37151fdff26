# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ElixirConfigTest do
  # stand-ins/elixir_config.erl, compiled under another name so that Elixir's
  # elixir_config stays loaded, against what Elixir answers on this BEAM.
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/elixir_config.erl", __DIR__)

  setup_all do
    dir =
      Path.join(System.tmp_dir!(), "elixir_config_stand_in_#{System.unique_integer([:positive])}")

    File.mkdir_p!(dir)
    file = Path.join(dir, "elixir_config_stand_in.erl")

    File.write!(
      file,
      String.replace(
        File.read!(@source),
        "-module(elixir_config).",
        "-module(elixir_config_stand_in)."
      )
    )

    {:ok, module, beam} = :compile.file(String.to_charlist(file), [:binary, :return_errors])
    {:module, ^module} = :code.load_binary(module, String.to_charlist(file), beam)
    on_exit(fn -> File.rm_rf!(dir) end)
    %{stand_in: module}
  end

  test "the default port of every scheme is URI's", %{stand_in: stand_in} do
    for scheme <- ~w(ftp sftp tftp http https ldap ws wss gopher nntp) do
      assert stand_in.get({:uri, scheme}, nil) == URI.default_port(scheme), scheme
    end
  end

  test "a value put is got, and an unknown key answers the default", %{stand_in: stand_in} do
    assert stand_in.get({:uri, "stand-in-scheme"}, :none) == :none
    assert_raise ArgumentError, fn -> stand_in.get({:uri, "stand-in-scheme"}) end
    stand_in.put({:uri, "stand-in-scheme"}, 1234)
    assert stand_in.get({:uri, "stand-in-scheme"}, :none) == 1234
    assert stand_in.get({:uri, "stand-in-scheme"}) == 1234
    stand_in.put({:uri, "http"}, 8080)
    assert stand_in.get({:uri, "http"}, nil) == 8080
  end

  test "the identifier tokenizer is Elixir's default", %{stand_in: stand_in} do
    assert stand_in.identifier_tokenizer() == String.Tokenizer
  end
end
