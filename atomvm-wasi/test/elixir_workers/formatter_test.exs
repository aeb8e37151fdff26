# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.FormatterTest do
  # The router DSL's formatter settings: exported by this library's
  # .formatter.exs and copied into the .formatter.exs of generated projects and
  # of the example, which have no deps/ to import them from.
  use ExUnit.Case, async: true

  @library Path.expand("../..", __DIR__)
  @repository Path.expand("..", @library)
  @copies [
    "elixir-workers-archetype/src/main/resources/archetype-resources/.formatter.exs",
    "examples/hello-worker/.formatter.exs",
    "elixir-workers-maven-plugin/src/test/resources/e2e/guestbook-worker/.formatter.exs",
    "benchmarks/src/main/fault-worker/.formatter.exs"
  ]

  defp exported do
    {config, _binding} = Code.eval_file(Path.join(@library, ".formatter.exs"))
    Keyword.fetch!(Keyword.fetch!(config, :export), :locals_without_parens)
  end

  test "the exported locals_without_parens are exactly the macros of ElixirWorkers.Router" do
    dsl = ElixirWorkers.Router.__info__(:macros) -- [__using__: 1, __before_compile__: 1]
    assert Enum.sort(exported()) == Enum.sort(dsl)
  end

  test "with the exported list, the formatter keeps routes and plugs without parentheses" do
    routes = """
    plug RequestId
    get "/", Pages, :home
    post "/notes", Pages, :save, plugs: [{BodyParser, max_bytes: 16_384}]
    """

    formatted = &IO.iodata_to_binary([Code.format_string!(routes, &1), "\n"])
    assert formatted.(locals_without_parens: exported()) == routes
    assert formatted.([]) =~ ~s{get("/", Pages, :home)}
  end

  for copy <- @copies do
    test "#{copy} has the exported locals_without_parens" do
      {config, _binding} = Code.eval_file(Path.join(@repository, unquote(copy)))
      assert Keyword.fetch!(config, :locals_without_parens) == exported()
    end
  end

  for project <- [
        "examples/hello-worker",
        "elixir-workers-maven-plugin/src/test/resources/e2e/guestbook-worker",
        "benchmarks/src/main/fault-worker"
      ] do
    test "#{project} passes `mix format --check-formatted`" do
      {output, status} =
        System.cmd("mix", ["format", "--check-formatted"],
          cd: Path.join(@repository, unquote(project)),
          stderr_to_stdout: true
        )

      assert status == 0, output
    end
  end
end
