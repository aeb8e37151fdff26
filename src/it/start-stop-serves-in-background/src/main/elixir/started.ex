defmodule Started do
  use ElixirWorkers.App
  import ElixirWorkers.Conn

  def handle(conn), do: text(conn, 200, "served in the background\n")
end
