# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.App.ErrorsTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.App.Errors

  defp text(iodata), do: IO.iodata_to_binary(iodata)

  test "functions are written as Elixir writes them, Erlang modules with a colon" do
    assert Errors.format_mfa(String, :pad_leading, 3) == "String.pad_leading/3"
    assert Errors.format_mfa(:lists, :foo, 2) == ":lists.foo/2"
    assert Errors.format_mfa(Enum, :empty?, 1) == "Enum.empty?/1"
    assert Errors.format_mfa(:"my-mod", :"weird name", 0) == ~S(:"my-mod"."weird name"/0)
    assert Errors.format_mfa(:m, :"say \"hi\"", 1) == ~S(:m."say \"hi\""/1)
    assert Errors.format_mfa(:m, :Upper, 1) == ~S(:m."Upper"/1)
  end

  test "the messages are the BEAM's UndefinedFunctionError messages" do
    for {module, function, arity} <- [
          {Absent.Module, :f, 2},
          {:lists, :no_such, 1},
          {String, :nope, 0}
        ] do
      expected =
        try do
          apply(module, function, List.duplicate(nil, arity))
        rescue
          e in UndefinedFunctionError -> Exception.message(e)
        end

      assert text(Errors.undefined_function_message(module, function, arity)) == expected
    end
  end

  test "an undef whose stack trace names the missing function is an UndefinedFunctionError" do
    stack = [{:lists, :no_such, 2}, {Some.Caller, :run, 1}]
    stack = for {m, f, a} <- stack, do: {m, f, a, []}

    assert text(Errors.describe(:error, :undef, stack)) ==
             "** (UndefinedFunctionError) function :lists.no_such/2 is undefined or private"

    with_args = [{Absent.Module, :f, [1, 2], []}]

    assert text(Errors.describe(:error, :undef, with_args)) ==
             "** (UndefinedFunctionError) function Absent.Module.f/2 is undefined (module Absent.Module is not available)"
  end

  test "an undef whose first frame is a function that exists, or has a line, says undef" do
    exists = [{:lists, :reverse, 1, []}]
    assert text(Errors.describe(:error, :undef, exists)) == "** (error) undef"

    with_line = [{Absent.Module, :f, 1, [file: ~c"lib/a.ex", line: 3]}]
    assert text(Errors.describe(:error, :undef, with_line)) == "** (error) undef"

    assert text(Errors.describe(:error, :undef, [])) == "** (error) undef"

    assert text(Errors.describe(:error, :badarg, [{Absent.Module, :f, 1, []}])) ==
             "** (error) badarg"
  end
end
