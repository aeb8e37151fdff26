defmodule HelloWorker do
  @moduledoc "Start module of the packer tests: each function reaches another module differently."

  def start do
    Helper.greet(:init)
    run_with(Dynamic.Target)
    Greeter.greet(%Person{name: "Ada"})
    {handlers(), fun()}
  end

  # The module arrives as an argument: only the atom table names it.
  def run_with(module), do: module.run()

  # A list literal: the atom is in the literal table, not the atom table.
  def handlers, do: [Listed.Handler, :not_a_module]

  # An external fun literal names an Erlang module without an import entry.
  def fun, do: &:erlfun.go/0
end
