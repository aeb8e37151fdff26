# `mix format` in this directory formats the webhook worker; locals_without_parens
# keeps the router without parentheses (a copy of the list that
# atomvm-wasi/.formatter.exs exports).
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
