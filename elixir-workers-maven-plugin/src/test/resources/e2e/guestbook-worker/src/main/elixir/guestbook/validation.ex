# SPDX-License-Identifier: Apache-2.0

defmodule Guestbook.Validation do
  @moduledoc "What a new entry must be: a name, a message and a rating from 1 to 5."

  @max_name 40
  @max_message 280

  @doc """
  `{:ok, %{name: .., message: .., rating: ..}}` or `{:error, errors}`, with
  `errors` a list of `{field, message}` in the order of the form.
  """
  def validate(params) when is_map(params) do
    name = params |> Map.get("name") |> text()
    message = params |> Map.get("message") |> text()
    rating = rating(Map.get(params, "rating"))

    errors =
      [
        {"name", length_error(name, @max_name)},
        {"message", length_error(message, @max_message)},
        {"rating", if(rating == :error, do: "must be a whole number from 1 to 5")}
      ]
      |> Enum.filter(fn {_field, error} -> error end)

    case errors do
      [] -> {:ok, %{name: name, message: message, rating: rating}}
      errors -> {:error, errors}
    end
  end

  def validate(_params), do: {:error, [{"entry", "must be an object"}]}

  defp text(value) when is_binary(value), do: String.trim(value)
  defp text(_value), do: ""

  defp length_error("", _max), do: "can't be blank"

  defp length_error(text, max) do
    length = String.length(text)
    if length > max, do: "is too long (#{length} characters, at most #{max})"
  end

  defp rating(value) when is_integer(value) and value in 1..5, do: value

  defp rating(value) when is_binary(value) do
    case Integer.parse(String.trim(value)) do
      {n, ""} when n in 1..5 -> n
      _ -> :error
    end
  end

  defp rating(_value), do: :error
end
