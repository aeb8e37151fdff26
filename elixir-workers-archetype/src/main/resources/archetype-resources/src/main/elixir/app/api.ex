defmodule ${appModule}.Api do
  @moduledoc "JSON endpoints."

  import ElixirWorkers.Conn
  alias ElixirWorkers.D1

  def health(conn), do: json(conn, %{"status" => "ok"})

  # One round trip to the host for the query; the rows come back as maps.
  def items(conn) do
    rows =
      D1.query(conn, "DB", "SELECT id, name FROM items WHERE id > ? ORDER BY id LIMIT 20", [0])

    json(conn, %{"items" => rows})
  end
end
