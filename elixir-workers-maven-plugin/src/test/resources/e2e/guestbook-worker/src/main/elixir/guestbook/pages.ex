# SPDX-License-Identifier: Apache-2.0

defmodule Guestbook.Pages do
  @moduledoc "The guestbook's HTML pages and its plain-text feed."

  import ElixirWorkers.Conn
  alias ElixirWorkers.HTML
  alias Guestbook.{Entry, Stats, Store, Validation}

  @per_page 5

  def index(conn) do
    with {:ok, page} <- Store.positive_integer(conn.query_params["page"], 1),
         {:ok, entries, pages} <- Store.page(Store.newest_first(conn), page, @per_page) do
      html(
        conn,
        layout("Guestbook", [
          "<h1>Guestbook</h1>\n",
          nav(),
          form(%{}, []),
          entry_list(entries, "Nobody has signed yet. Be the first!"),
          pagination(page, pages)
        ])
      )
    else
      :error -> not_found(conn, "There is no such page of the guestbook.")
    end
  end

  def create(conn) do
    case Validation.validate(conn.body_params) do
      {:ok, attrs} ->
        {conn, entry} = Store.add(conn, attrs)
        redirect(conn, 303, "/entries/#{entry.id}")

      {:error, errors} ->
        html(
          conn,
          422,
          layout("Please check your entry", [
            "<h1>Please check your entry</h1>\n",
            form(conn.body_params, errors),
            nav()
          ])
        )
    end
  end

  def show(%{path_params: %{"id" => id}} = conn) do
    case Store.fetch(conn, id) do
      {:ok, entry} ->
        html(conn, layout("Entry ##{entry.id}", [entry_html(entry), nav()]))

      :error ->
        not_found(conn, "There is no entry #{id}.")
    end
  end

  def show_text(%{path_params: %{"id" => id}} = conn) do
    case Store.fetch(conn, id) do
      {:ok, entry} -> text(conn, "#{entry}\n")
      :error -> text(conn, 404, "There is no entry #{id}.\n")
    end
  end

  def search(conn) do
    query = String.trim(conn.query_params["q"] || "")
    terms = Store.terms(query)
    matches = if terms == [], do: [], else: Store.search(Store.newest_first(conn), query)

    summary =
      case {terms, Enum.count(matches)} do
        {[], _} -> "Type a word or two to search the guestbook."
        {_, 0} -> "No entry matches “#{query}”."
        {_, 1} -> "1 entry matches “#{query}”."
        {_, n} -> "#{n} entries match “#{query}”."
      end

    html(
      conn,
      layout("Search", [
        "<h1>Search</h1>\n",
        "<form method=\"get\" action=\"/search\"><input name=\"q\" value=\"",
        HTML.escape(query),
        "\"><button>Search</button></form>\n",
        "<p class=\"summary\">",
        HTML.escape(summary),
        "</p>\n",
        entry_list(matches, ""),
        if(terms != [],
          do: [
            "<p><a href=\"/api/entries?",
            HTML.escape(URI.encode_query(%{"q" => query})),
            "\">these entries as JSON</a></p>\n"
          ],
          else: []
        ),
        nav()
      ])
    )
  end

  def stats(conn) do
    stats = Stats.of(Store.all(conn))

    html(
      conn,
      layout("Statistics", [
        "<h1>Statistics</h1>\n<dl>\n",
        term("Entries", stats.total),
        term("Average rating", stats.average || "none yet"),
        term("Rated 4 or 5", stats.positive),
        term("Words written", stats.words),
        case stats.longest do
          nil -> []
          {id, length} -> term("Longest message", "##{id}, #{length} characters")
        end,
        "</dl>\n<h2>Ratings</h2>\n<table>\n",
        for({rating, count} <- stats.ratings, do: row("#{rating} ★", count)),
        "</table>\n<h2>Entries per day</h2>\n<table>\n",
        for({day, count} <- stats.days, do: row(day, count)),
        "</table>\n<h2>Most frequent guests</h2>\n<ol>\n",
        for({name, count} <- stats.guests, do: ["<li>", HTML.escape(name), " (#{count})</li>\n"]),
        "</ol>\n",
        nav()
      ])
    )
  end

  def feed(conn) do
    lines = conn |> Store.all() |> Stream.map(&to_string/1) |> Enum.map(&[&1, "\n"])
    text(conn, ["Guestbook\n\n" | lines])
  end

  def not_found(conn), do: not_found(conn, "There is no page at #{conn.path}.")

  defp not_found(conn, message) do
    html(
      conn,
      404,
      layout("Not found", ["<h1>Not found</h1>\n<p>", HTML.escape(message), "</p>\n", nav()])
    )
  end

  defp layout(title, body) do
    [
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>",
      HTML.escape(title),
      "</title></head>\n<body>\n",
      body,
      "</body>\n</html>\n"
    ]
  end

  defp nav do
    ~s(<nav><a href="/">Entries</a> · <a href="/search">Search</a> · <a href="/stats">Statistics</a> · <a href="/feed.txt">Feed</a></nav>\n)
  end

  defp form(values, errors) do
    [
      "<form method=\"post\" action=\"/entries\">\n",
      Enum.map(errors, fn {field, error} ->
        ["<p class=\"error\">", String.capitalize(field), " ", HTML.escape(error), "</p>\n"]
      end),
      "<label>Name <input name=\"name\" value=\"",
      HTML.escape(Map.get(values, "name", "")),
      "\"></label>\n",
      "<label>Message <textarea name=\"message\">",
      HTML.escape(Map.get(values, "message", "")),
      "</textarea></label>\n",
      "<label>Rating <input name=\"rating\" value=\"",
      HTML.escape(Map.get(values, "rating", "5")),
      "\"></label>\n",
      "<button>Sign</button>\n</form>\n"
    ]
  end

  defp entry_list([], empty), do: ["<p class=\"empty\">", empty, "</p>\n"]
  defp entry_list(entries, _empty), do: Enum.map(entries, &entry_html/1)

  defp entry_html(%Entry{} = entry) do
    [
      "<article id=\"entry-#{entry.id}\">\n<h2><a href=\"/entries/#{entry.id}\">",
      HTML.escape(entry.name),
      "</a> <span class=\"rating\">",
      Entry.stars(entry),
      "</span></h2>\n<p>",
      HTML.escape(entry.message),
      "</p>\n<footer>",
      Entry.written_at(entry),
      "</footer>\n</article>\n"
    ]
  end

  defp pagination(_page, 1), do: []

  defp pagination(page, pages) do
    [
      "<p class=\"pages\">Page #{page} of #{pages}",
      if(page > 1, do: [" ", page_link("newer", page - 1)], else: []),
      if(page < pages, do: [" ", page_link("older", page + 1)], else: []),
      "</p>\n"
    ]
  end

  defp page_link(label, page),
    do: ["<a href=\"/?", URI.encode_query(%{"page" => page}), "\">", label, "</a>"]

  defp term(name, value), do: ["<dt>", name, "</dt><dd>", HTML.escape("#{value}"), "</dd>\n"]

  defp row(name, value), do: ["<tr><th>", name, "</th><td>#{value}</td></tr>\n"]
end
