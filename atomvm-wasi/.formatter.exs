[
  inputs: ["lib/**/*.{ex,exs}", "test/**/*.{ex,exs}", "bench/**/*.exs"]
]
