# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Cookies do
  @moduledoc """
  Cookies (RFC 6265): parsing the request's `cookie` header and writing
  `set-cookie` values.

  Values are taken and written as they are (no URL-encoding); a value that
  a cookie cannot hold (`;`, `,`, whitespace, `"`, `\\`, control characters,
  non-ASCII bytes)
  raises `ArgumentError` when writing - encode it first (e.g.
  `ElixirWorkers.URL.encode/1`).
  """

  alias ElixirWorkers.Options

  @doc """
  The cookies of `cookie` header values (one binary or a list of them), as a
  map. When a name repeats, the first value is kept (browsers send the most
  specific cookie first); double quotes around a value are removed.
  """
  @spec parse(binary() | [binary()]) :: %{optional(binary()) => binary()}
  def parse(headers) when is_list(headers), do: parse_all(headers, %{})
  def parse(header) when is_binary(header), do: parse_all([header], %{})

  defp parse_all([], acc), do: acc

  defp parse_all([header | rest], acc),
    do: parse_all(rest, pairs(:binary.split(header, ";", [:global]), acc))

  defp pairs([], acc), do: acc

  defp pairs([part | rest], acc) do
    case :binary.split(part, "=") do
      [name, value] ->
        name = ElixirWorkers.String.trim(name)

        if name == "" or :maps.is_key(name, acc) do
          pairs(rest, acc)
        else
          pairs(rest, :maps.put(name, unquote_value(ElixirWorkers.String.trim(value)), acc))
        end

      _ ->
        pairs(rest, acc)
    end
  end

  defp unquote_value(<<?", rest::binary>> = value) when byte_size(rest) > 0 do
    case :binary.last(rest) do
      ?" -> :binary.part(rest, 0, byte_size(rest) - 1)
      _ -> value
    end
  end

  defp unquote_value(value), do: value

  @doc """
  A `set-cookie` header value. Options:

    * `:path` - default `"/"`
    * `:domain`
    * `:max_age` - seconds (`0` deletes the cookie)
    * `:expires` - an HTTP date, as a binary (`"Wed, 21 Oct 2026 07:28:00 GMT"`)
    * `:secure` - default `false`
    * `:http_only` - default `true`
    * `:same_site` - `"Lax"` (default), `"Strict"`, `"None"`, or `nil` to leave it out
    * `:partitioned` - default `false`
  """
  @spec format(binary(), binary(), keyword()) :: binary()
  def format(name, value, opts \\ []) when is_binary(name) and is_binary(value) do
    check_name(name)
    check_value(value)

    :erlang.iolist_to_binary([
      name,
      ?=,
      value,
      attribute("Path", Options.get(opts, :path, "/")),
      attribute("Domain", Options.get(opts, :domain, nil)),
      attribute("Max-Age", Options.get(opts, :max_age, nil)),
      attribute("Expires", Options.get(opts, :expires, nil)),
      flag("Secure", Options.get(opts, :secure, false)),
      flag("HttpOnly", Options.get(opts, :http_only, true)),
      attribute("SameSite", Options.get(opts, :same_site, "Lax")),
      flag("Partitioned", Options.get(opts, :partitioned, false))
    ])
  end

  @doc "A `set-cookie` value that makes the browser delete the cookie (same `path`/`domain` options)."
  @spec format_delete(binary(), keyword()) :: binary()
  def format_delete(name, opts \\ []) do
    format(
      name,
      "",
      [{:max_age, 0}, {:expires, "Thu, 01 Jan 1970 00:00:00 GMT"} | opts]
    )
  end

  defp attribute(_name, nil), do: []

  defp attribute(name, value) when is_integer(value),
    do: ["; ", name, ?=, :erlang.integer_to_binary(value)]

  defp attribute(name, value) when is_binary(value) do
    if :binary.match(value, [";", "\r", "\n"]) != :nomatch do
      raise ArgumentError, "cookie attribute " <> name <> " cannot contain ; or a line break"
    end

    ["; ", name, ?=, value]
  end

  defp flag(name, true), do: ["; ", name]
  defp flag(_name, _), do: []

  defp check_name(name) do
    if name == "" or not token?(name) do
      raise ArgumentError, "invalid cookie name: " <> name
    end
  end

  defp token?(<<c, rest::binary>>)
       when c > 32 and c < 127 and c != ?( and c != ?) and c != ?< and c != ?> and c != ?@ and
              c != ?, and c != ?; and c != ?: and c != ?\\ and c != ?" and c != ?/ and c != ?[ and
              c != ?] and c != ?? and c != ?= and c != ?{ and c != ?},
       do: token?(rest)

  defp token?(<<>>), do: true
  defp token?(_), do: false

  defp check_value(value) do
    if not cookie_octets?(value) do
      raise ArgumentError,
            "a cookie value cannot contain ; , whitespace, quotes, backslashes, control" <>
              " characters or non-ASCII bytes - encode it first (e.g. ElixirWorkers.URL.encode/1)"
    end
  end

  defp cookie_octets?(<<c, rest::binary>>)
       when c == 0x21 or (c >= 0x23 and c <= 0x2B) or (c >= 0x2D and c <= 0x3A) or
              (c >= 0x3C and c <= 0x5B) or (c >= 0x5D and c <= 0x7E),
       do: cookie_octets?(rest)

  defp cookie_octets?(<<>>), do: true
  defp cookie_octets?(_), do: false
end
