defmodule Validator do
  def email?(text), do: Regex.match?(~r/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i, text)

  def after_dollar(text), do: Regex.run(~r/(?<=\$)\d+/, text)

  def escaped(text), do: Regex.match?(~r/\\p[(?<=x)](?#(?<=y)/, text)

  def property(text), do: String.split(text, ~r/\p{Zs}+/u)
end
