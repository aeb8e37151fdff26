defprotocol Greeter do
  def greet(value)
end

defmodule Person do
  defstruct [:name]
end

defimpl Greeter, for: Person do
  def greet(%Person{name: name}), do: "Hello, " <> name
end
