# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.ApplicationTest do
  # stand-ins/application.erl, compiled under another name so that OTP's
  # application stays loaded, against the environment this BEAM loaded from
  # Elixir's elixir.app.
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/application.erl", __DIR__)

  setup_all do
    dir =
      Path.join(System.tmp_dir!(), "application_stand_in_#{System.unique_integer([:positive])}")

    File.mkdir_p!(dir)
    file = Path.join(dir, "application_stand_in.erl")

    File.write!(
      file,
      String.replace(
        File.read!(@source),
        "-module(application).",
        "-module(application_stand_in)."
      )
    )

    {:ok, module, beam} = :compile.file(String.to_charlist(file), [:binary, :return_errors])
    {:module, ^module} = :code.load_binary(module, String.to_charlist(file), beam)
    on_exit(fn -> File.rm_rf!(dir) end)
    %{stand_in: module}
  end

  test "the elixir application's keys it answers are elixir.app's", %{stand_in: stand_in} do
    # the file, not the running environment: Elixir sets ansi_enabled at boot
    app_file = Path.join([to_string(:code.lib_dir(:elixir)), "ebin", "elixir.app"])
    {:ok, [{:application, :elixir, spec}]} = :file.consult(String.to_charlist(app_file))
    declared = Keyword.fetch!(spec, :env)

    {:ok, env} = stand_in.get_key(:elixir, :env)
    assert env != []

    for {key, value} <- env do
      case Keyword.fetch(declared, key) do
        {:ok, declared_value} ->
          assert declared_value == value, inspect(key)

        # Elixir 1.18's elixir.app no longer declares it (Elixir sets it at boot); a worker has
        # no terminal
        :error ->
          assert {key, value} == {:ansi_enabled, false}
      end

      assert stand_in.get_env(:elixir, key) == {:ok, value}
      assert stand_in.get_env(:elixir, key, :default) == value
    end

    assert stand_in.get_all_env(:elixir) == env

    assert stand_in.get_env(:elixir, :time_zone_database) ==
             {:ok, Calendar.UTCOnlyTimeZoneDatabase}
  end

  test "any other key or application is unset", %{stand_in: stand_in} do
    assert stand_in.get_env(:elixir, :no_such_key) == :undefined
    assert stand_in.get_env(:elixir, :no_such_key, :default) == :default
    assert stand_in.get_env(:no_such_app, :key) == :undefined
    assert stand_in.get_env(:no_such_app, :key, 7) == 7
    assert stand_in.get_all_env(:no_such_app) == []
    assert stand_in.get_key(:no_such_app, :env) == :undefined
    assert stand_in.get_key(:elixir, :vsn) == :undefined
  end
end
