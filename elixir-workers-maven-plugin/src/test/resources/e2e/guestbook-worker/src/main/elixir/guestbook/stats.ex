# SPDX-License-Identifier: Apache-2.0

defmodule Guestbook.Stats do
  @moduledoc "Numbers about the entries, for the stats page and the API."

  alias Guestbook.Entry

  @doc "The statistics of `entries`."
  def of(entries) do
    total = Enum.count(entries)
    by_rating = Enum.group_by(entries, & &1.rating)

    %{
      total: total,
      average: average(Enum.map(entries, & &1.rating)),
      positive: Enum.count(entries, &(&1.rating >= 4)),
      ratings: for(rating <- 5..1, do: {rating, length(Map.get(by_rating, rating, []))}),
      days:
        entries
        |> Enum.group_by(&Calendar.strftime(&1.at, "%Y-%m-%d"))
        |> Enum.map(fn {day, written} -> {day, length(written)} end)
        |> Enum.sort(),
      guests: top_guests(entries),
      words: entries |> Stream.map(& &1.message) |> Stream.flat_map(&words/1) |> Enum.count(),
      longest: longest(entries)
    }
  end

  defp average([]), do: nil
  defp average(ratings), do: Float.round(Enum.sum(ratings) / length(ratings), 2)

  # Names counted regardless of case, the most frequent first.
  defp top_guests(entries) do
    entries
    |> Enum.reduce(%{}, fn entry, counts ->
      Map.update(counts, String.downcase(entry.name), 1, &(&1 + 1))
    end)
    |> Enum.sort_by(fn {name, count} -> {-count, name} end)
    |> Enum.take(3)
  end

  defp words(message), do: String.split(message, " ", trim: true)

  defp longest([]), do: nil

  defp longest(entries) do
    %Entry{id: id, message: message} = Enum.max_by(entries, &String.length(&1.message))
    {id, String.length(message)}
  end
end
