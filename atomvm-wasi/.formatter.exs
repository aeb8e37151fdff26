# The router DSL is written without parentheses (`get "/", Pages, :home`,
# `plug RequestId`), as Plug.Router's is. Worker projects are Maven projects
# with no deps/ to `import_deps` this export from, so the archetype's and
# examples/hello-worker's .formatter.exs carry a copy of the list;
# test/elixir_workers/formatter_test.exs fails when a copy, or the macros of
# ElixirWorkers.Router, differ from it.
locals_without_parens = [
  plug: 1,
  plug: 2,
  get: 2,
  get: 3,
  get: 4,
  post: 2,
  post: 3,
  post: 4,
  put: 2,
  put: 3,
  put: 4,
  patch: 2,
  patch: 3,
  patch: 4,
  delete: 2,
  delete: 3,
  delete: 4,
  options: 2,
  options: 3,
  options: 4,
  head: 2,
  head: 3,
  head: 4
]

[
  inputs: ["lib/**/*.{ex,exs}", "test/**/*.{ex,exs}", ".formatter.exs"],
  locals_without_parens: locals_without_parens,
  export: [locals_without_parens: locals_without_parens]
]
