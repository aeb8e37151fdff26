# A stand-in for the framework's ElixirWorkers.String (CompatibilityCheckerTest).
defmodule ElixirWorkers.String do
  def upcase(text), do: text
end
