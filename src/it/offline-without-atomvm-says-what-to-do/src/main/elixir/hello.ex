defmodule Hello do
  use ElixirWorkers.App

  def handle(conn), do: conn
end
