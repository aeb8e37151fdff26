# SPDX-License-Identifier: Apache-2.0
#
# Runs the ExUnit tests of the runtime library (lib/) on the host BEAM:
#
#     elixir test/run.exs [test files...]
#
# The library is compiled first with warnings as errors (an undefined function
# is a warning in Elixir), then every test/**/*_test.exs runs. Exits non-zero
# when compiling fails or a test fails; the Maven build runs this in the test
# phase (skip with -DskipTests).

root = Path.expand("..", __DIR__)
lib = root |> Path.join("lib/**/*.ex") |> Path.wildcard() |> Enum.sort()

Code.put_compiler_option(:warnings_as_errors, true)

case Kernel.ParallelCompiler.compile(lib) do
  {:ok, _modules, []} ->
    :ok

  {:ok, _modules, warnings} ->
    IO.puts(
      :stderr,
      "the runtime library compiled with #{length(warnings)} warning(s), treated as errors"
    )

    System.halt(1)

  {:error, _errors, _warnings} ->
    IO.puts(:stderr, "the runtime library does not compile")
    System.halt(1)
end

Code.put_compiler_option(:warnings_as_errors, false)

files =
  case System.argv() do
    [] -> root |> Path.join("test/**/*_test.exs") |> Path.wildcard() |> Enum.sort()
    given -> given
  end

if files == [] do
  IO.puts(:stderr, "no test files found under #{Path.join(root, "test")}")
  System.halt(1)
end

ExUnit.start(autorun: false, seed: 0)

case Kernel.ParallelCompiler.require(files) do
  {:ok, _modules, _warnings} ->
    :ok

  {:error, _errors, _warnings} ->
    IO.puts(:stderr, "the tests do not compile")
    System.halt(1)
end

%{failures: failures, total: total} = ExUnit.run()

cond do
  total == 0 ->
    IO.puts(:stderr, "no tests ran")
    System.halt(1)

  failures > 0 ->
    System.halt(1)

  true ->
    System.halt(0)
end
