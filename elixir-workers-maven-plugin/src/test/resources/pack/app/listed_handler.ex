defmodule Listed.Handler do
  def handle(request), do: request
end
