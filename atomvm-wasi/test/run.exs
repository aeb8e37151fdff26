# SPDX-License-Identifier: Apache-2.0
#
# Runs the ExUnit tests of the runtime library (lib/) on the host BEAM:
#
#     elixir test/run.exs [test files...]
#
# The library is compiled first, and any warning fails the run (an undefined
# function is a warning in Elixir), then every test/**/*_test.exs runs. Exits non-zero
# when compiling fails or a test fails; the Maven build runs this in the test
# phase (skip with -DskipTests).

root = Path.expand("..", __DIR__)
lib = root |> Path.join("lib/**/*.ex") |> Path.wildcard() |> Enum.sort()

# The warnings are counted here rather than with the :warnings_as_errors
# compiler option, which Elixir 1.18 deprecates and 1.14 has no replacement for.
# Elixir 1.15 and later return them as %{compile_warnings: .., runtime_warnings: ..}
# when asked with :return_diagnostics (1.20 warns when it is not given); 1.14 ignores
# the option and returns a list.
count_warnings = fn
  warnings when is_list(warnings) -> length(warnings)
  %{compile_warnings: compile, runtime_warnings: runtime} -> length(compile) + length(runtime)
end

case Kernel.ParallelCompiler.compile(lib, return_diagnostics: true) do
  {:ok, _modules, warnings} ->
    case count_warnings.(warnings) do
      0 ->
        :ok

      count ->
        IO.puts(
          :stderr,
          "the runtime library compiled with #{count} warning(s), treated as errors"
        )

        System.halt(1)
    end

  {:error, _errors, _warnings} ->
    IO.puts(:stderr, "the runtime library does not compile")
    System.halt(1)
end

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

case Kernel.ParallelCompiler.require(files, return_diagnostics: true) do
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
