defmodule Helper do
  def greet(who), do: {:hello, who}
end
