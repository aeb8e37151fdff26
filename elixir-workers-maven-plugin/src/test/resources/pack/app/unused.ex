defmodule Unused do
  def nothing, do: :ok
end
