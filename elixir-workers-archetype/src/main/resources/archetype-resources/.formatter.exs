# `mix format` in this directory formats the worker's Elixir; no mix.exs is
# needed. The router is written without parentheses (`get "/", Pages, :home`,
# `plug RequestId`): locals_without_parens is the list the elixir-workers
# runtime library exports from its own .formatter.exs.
[
  inputs: ["src/**/*.{ex,exs}", ".formatter.exs"],
  locals_without_parens: [
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
]
