defmodule Dynamic.Target do
  def run, do: :ok
end
