defmodule Hello do
  def handle(conn), do: conn
end
