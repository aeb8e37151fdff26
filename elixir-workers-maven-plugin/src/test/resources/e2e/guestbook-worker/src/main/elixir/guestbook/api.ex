# SPDX-License-Identifier: Apache-2.0

defmodule Guestbook.Api do
  @moduledoc "The guestbook as JSON."

  import ElixirWorkers.Conn
  alias Guestbook.{Entry, Stats, Store, Validation}

  @per_page 5
  @max_per_page 50

  def index(conn) do
    params = conn.query_params
    query = String.trim(params["q"] || "")

    with {:ok, page} <- Store.positive_integer(params["page"], 1),
         {:ok, per_page} when per_page <= @max_per_page <-
           Store.positive_integer(params["per_page"], @per_page),
         entries = Store.search(Store.newest_first(conn), query),
         {:ok, chunk, pages} <- Store.page(entries, page, per_page) do
      json(conn, %{
        "entries" => Enum.map(chunk, &Entry.to_map/1),
        "page" => page,
        "pages" => pages,
        "total" => length(entries),
        "next" => if(page < pages, do: link(query, page + 1, per_page))
      })
    else
      _ ->
        json(conn, 400, %{
          "error" => "page and per_page must be whole numbers (per_page at most #{@max_per_page})"
        })
    end
  end

  def create(conn) do
    params = %{
      "name" => get_in(conn.body_params, ["entry", "name"]),
      "message" => get_in(conn.body_params, ["entry", "message"]),
      "rating" => get_in(conn.body_params, ["entry", "rating"])
    }

    case Validation.validate(params) do
      {:ok, attrs} ->
        {conn, entry} = Store.add(conn, attrs)

        conn
        |> put_resp_header("location", "/api/entries/#{entry.id}")
        |> json(201, %{"entry" => Entry.to_map(entry)})

      {:error, errors} ->
        json(conn, 422, %{"errors" => Map.new(errors)})
    end
  end

  def show(%{path_params: %{"id" => id}} = conn) do
    case Store.fetch(conn, id) do
      {:ok, entry} -> json(conn, %{"entry" => Entry.to_map(entry)})
      :error -> json(conn, 404, %{"error" => "no entry #{id}"})
    end
  end

  def stats(conn) do
    stats = Stats.of(Store.all(conn))

    json(conn, %{
      "total" => stats.total,
      "average" => stats.average,
      "positive" => stats.positive,
      "words" => stats.words,
      "ratings" => Map.new(stats.ratings, fn {rating, count} -> {"#{rating}", count} end),
      "days" => Map.new(stats.days),
      "guests" => Enum.map(stats.guests, fn {name, count} -> [name, count] end),
      "longest" =>
        case stats.longest do
          nil -> nil
          {id, length} -> %{"id" => id, "length" => length}
        end
    })
  end

  defp link(query, page, per_page) do
    params = [page: page, per_page: per_page] ++ if(query == "", do: [], else: [q: query])
    "/api/entries?" <> URI.encode_query(params)
  end
end
