# SPDX-License-Identifier: Apache-2.0

defmodule Guestbook.Store do
  @moduledoc "The entries, oldest first, as one JSON list under one KV key."

  alias ElixirWorkers.KV
  alias Guestbook.Entry

  @binding "GUESTBOOK"
  @key "entries"

  @doc "Every entry, oldest first (read from KV once per request)."
  def all(conn) do
    case Process.get(:guestbook_entries) do
      nil ->
        entries =
          conn
          |> KV.get(@binding, @key, as: :json)
          |> List.wrap()
          |> Enum.map(&Entry.from_map/1)

        Process.put(:guestbook_entries, entries)
        entries

      entries ->
        entries
    end
  end

  @doc "The newest entries first."
  def newest_first(conn), do: conn |> all() |> Enum.sort_by(&(-&1.id))

  @doc "The entry whose id is the text `id`, or `:error`."
  def fetch(conn, id) do
    with {number, ""} <- Integer.parse(id),
         %Entry{} = entry <- Enum.find(all(conn), &(&1.id == number)) do
      {:ok, entry}
    else
      _ -> :error
    end
  end

  @doc "Adds an entry written now; the KV write happens after the response."
  def add(conn, %{name: name, message: message, rating: rating}) do
    entries = all(conn)

    entry = %Entry{
      id: length(entries) + 1,
      name: name,
      message: message,
      rating: rating,
      at: DateTime.truncate(DateTime.utc_now(), :second)
    }

    all = entries ++ [entry]
    Process.put(:guestbook_entries, all)
    {KV.put(conn, @binding, @key, Enum.map(all, &Entry.to_map/1)), entry}
  end

  @doc "The words of a search, in lower case."
  def terms(query), do: query |> String.downcase() |> String.split(" ", trim: true)

  @doc "The entries whose name or message holds every word of `query` (all for none)."
  def search(entries, query) do
    terms = terms(query)

    Enum.filter(entries, fn entry ->
      haystack = String.downcase(entry.name <> " " <> entry.message)
      Enum.all?(terms, &String.contains?(haystack, &1))
    end)
  end

  @doc "Page `page` (from 1) of `entries`, and how many pages there are."
  def page(entries, page, per_page) do
    pages = Enum.chunk_every(entries, per_page)

    case {Enum.at(pages, page - 1), pages} do
      {nil, []} when page == 1 -> {:ok, [], 1}
      {nil, _} -> :error
      {chunk, pages} -> {:ok, chunk, length(pages)}
    end
  end

  @doc "The positive whole number `text` holds, or `default` when there is none."
  def positive_integer(nil, default), do: {:ok, default}

  def positive_integer(text, _default) do
    case Integer.parse(String.trim(text)) do
      {n, ""} when n > 0 -> {:ok, n}
      _ -> :error
    end
  end
end
