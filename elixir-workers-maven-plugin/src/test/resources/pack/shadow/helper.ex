defmodule Helper do
  def greet(who), do: {:shadowed, who}
  def extra, do: :only_in_the_shadow
end
