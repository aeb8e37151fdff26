defmodule Broken do
  def handle(conn) do
    undefined_helper(conn)
  end
end
