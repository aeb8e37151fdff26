defmodule GPIO do
  def read(_pin), do: :low
end
