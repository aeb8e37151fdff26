# SPDX-License-Identifier: Apache-2.0

defmodule Guestbook.Entry do
  @moduledoc "One signature in the guestbook."

  @enforce_keys [:id, :name, :message, :rating, :at]
  defstruct [:id, :name, :message, :rating, :at]

  @type t :: %__MODULE__{
          id: pos_integer(),
          name: String.t(),
          message: String.t(),
          rating: 1..5,
          at: DateTime.t()
        }

  @doc "An entry from the map KV holds it as."
  def from_map(%{"id" => id, "name" => name, "message" => message, "rating" => rating} = map) do
    {:ok, at, 0} = DateTime.from_iso8601(map["at"])
    %__MODULE__{id: id, name: name, message: message, rating: rating, at: at}
  end

  @doc "The entry as JSON-ready map (for KV and the API)."
  def to_map(%__MODULE__{} = entry) do
    %{
      "id" => entry.id,
      "name" => entry.name,
      "message" => entry.message,
      "rating" => entry.rating,
      "at" => DateTime.to_iso8601(entry.at)
    }
  end

  @doc "The rating as five stars, filled and empty."
  def stars(%__MODULE__{rating: rating}),
    do: String.duplicate("★", rating) <> String.duplicate("☆", 5 - rating)

  @doc "When it was written, for people."
  def written_at(%__MODULE__{at: at}), do: Calendar.strftime(at, "%d %b %Y, %H:%M UTC")
end

defimpl String.Chars, for: Guestbook.Entry do
  def to_string(entry) do
    "##{entry.id} #{entry.name} (#{entry.rating}/5, #{Guestbook.Entry.written_at(entry)}): " <>
      entry.message
  end
end
