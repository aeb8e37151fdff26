defmodule ${appModule}.Pages do
  @moduledoc """
  HTML pages. Pages are iolists; values from the request or from KV go through
  `ElixirWorkers.HTML`, which escapes them.
  """

  import ElixirWorkers.Conn
  alias ElixirWorkers.{HTML, KV}

  def home(conn) do
    note = if declared?(conn, "NOTES"), do: KV.get(conn, "NOTES", "latest"), else: nil
    greeting = env(conn, "GREETING", "Hello")

    html(conn, [
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
      "<title>${artifactId}</title></head><body>\n<h1>",
      HTML.escape(greeting),
      " from ${appModule}</h1>\n",
      "<p>Elixir on Cloudflare Workers, built with Maven.</p>\n",
      "<form method=\"post\" action=\"/notes\">",
      "<label>Note <input name=\"note\" id=\"note\"></label> <button type=\"submit\">Save</button>",
      "</form>\n<p>Latest note: <output id=\"latest\">",
      HTML.escape(note || "(none yet)"),
      "</output></p>\n</body></html>\n"
    ])
  end

  def hello(%{path_params: %{"name" => name}} = conn) do
    html(conn, ["<!DOCTYPE html>\n<p>Hello, ", HTML.escape(name), "!</p>\n"])
  end

  # The write happens after the response; the redirect's next request reads it back.
  def save_note(%{body_params: %{"note" => note}} = conn) when byte_size(note) > 0 do
    conn
    |> KV.put("NOTES", "latest", note)
    |> redirect("/")
  end

  def save_note(conn), do: text(conn, 422, "the form needs a non-empty note\n")

  defp declared?(conn, binding), do: :maps.is_key(binding, conn.bindings)
end
