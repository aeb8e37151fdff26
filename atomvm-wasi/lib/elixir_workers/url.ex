# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.URL do
  @moduledoc """
  Percent-encoding, `application/x-www-form-urlencoded` and query strings,
  for AtomVM (no `URI` module there).

  Decoding never raises: a `%` not followed by two hex digits is kept as it
  is, and the result is bytes (not checked for UTF-8).

  Query strings decode Plug's way: a repeated key keeps its last value, a key
  ending in `[]` collects its values in a list (`a[]=1&a[]=2` gives
  `%{"a" => ["1", "2"]}`); `decode_query_pairs/1` gives every pair in order.
  """

  defguardp is_hex(c) when (c >= ?0 and c <= ?9) or (c >= ?a and c <= ?f) or (c >= ?A and c <= ?F)

  @doc "Decodes `%XX` escapes (a `+` stays a `+`)."
  @spec decode(binary()) :: binary()
  def decode(text) when is_binary(text) do
    case :binary.split(text, "%", [:global]) do
      [plain] -> plain
      [first | rest] -> :erlang.iolist_to_binary([first | decode_parts(rest)])
    end
  end

  @doc "Decodes a form value: `+` is a space, then `%XX` escapes."
  @spec decode_www_form(binary()) :: binary()
  def decode_www_form(text) when is_binary(text) do
    case :binary.match(text, "+") do
      :nomatch -> decode(text)
      _ -> decode(:binary.replace(text, "+", " ", [:global]))
    end
  end

  defp decode_parts([]), do: []

  defp decode_parts([<<a, b, tail::binary>> | rest]) when is_hex(a) and is_hex(b),
    do: [hex(a) * 16 + hex(b), tail | decode_parts(rest)]

  defp decode_parts([part | rest]), do: [?%, part | decode_parts(rest)]

  defp hex(c) when c >= ?0 and c <= ?9, do: c - ?0
  defp hex(c) when c >= ?a and c <= ?f, do: c - ?a + 10
  defp hex(c), do: c - ?A + 10

  @doc """
  Percent-encodes every byte except the unreserved characters of RFC 3986
  (`A-Z a-z 0-9 - . _ ~`). Suits a path segment or a query value.
  """
  @spec encode(binary()) :: binary()
  def encode(text) when is_binary(text), do: encode(text, false)

  @doc "Encodes a form value: like `encode/1`, but a space becomes `+`."
  @spec encode_www_form(binary()) :: binary()
  def encode_www_form(text) when is_binary(text), do: encode(text, true)

  defp encode(text, plus) do
    case plain_prefix(text, 0) do
      n when n == byte_size(text) ->
        text

      n ->
        {plain, rest} = :erlang.split_binary(text, n)
        :erlang.iolist_to_binary([plain | encode_bytes(rest, plus)])
    end
  end

  defp plain_prefix(<<c, rest::binary>>, n) when c >= ?a and c <= ?z,
    do: plain_prefix(rest, n + 1)

  defp plain_prefix(<<c, rest::binary>>, n) when c >= ?A and c <= ?Z,
    do: plain_prefix(rest, n + 1)

  defp plain_prefix(<<c, rest::binary>>, n) when c >= ?0 and c <= ?9,
    do: plain_prefix(rest, n + 1)

  defp plain_prefix(<<c, rest::binary>>, n) when c == ?- or c == ?. or c == ?_ or c == ?~,
    do: plain_prefix(rest, n + 1)

  defp plain_prefix(_, n), do: n

  defp encode_bytes(<<>>, _plus), do: []

  defp encode_bytes(<<c, rest::binary>>, plus)
       when (c >= ?a and c <= ?z) or (c >= ?A and c <= ?Z) or (c >= ?0 and c <= ?9) or c == ?- or
              c == ?. or c == ?_ or c == ?~,
       do: [c | encode_bytes(rest, plus)]

  defp encode_bytes(<<?\s, rest::binary>>, true), do: [?+ | encode_bytes(rest, true)]

  defp encode_bytes(<<c, rest::binary>>, plus),
    do: [?%, hex_digit(div(c, 16)), hex_digit(rem(c, 16)) | encode_bytes(rest, plus)]

  defp hex_digit(d) when d < 10, do: ?0 + d
  defp hex_digit(d), do: ?A + d - 10

  @doc """
  Every `{key, value}` pair of a query string (or form body), in order,
  decoded. Empty parts (`a=1&&b=2`) are skipped; a part without `=` has the
  value `""`.
  """
  @spec decode_query_pairs(binary()) :: [{binary(), binary()}]
  def decode_query_pairs(""), do: []

  def decode_query_pairs(query) when is_binary(query) do
    pairs(:binary.split(query, "&", [:global]))
  end

  defp pairs([]), do: []
  defp pairs(["" | rest]), do: pairs(rest)

  defp pairs([part | rest]) do
    pair =
      case :binary.split(part, "=") do
        [key, value] -> {decode_www_form(key), decode_www_form(value)}
        [key] -> {decode_www_form(key), ""}
      end

    [pair | pairs(rest)]
  end

  @doc """
  A query string (or form body) as a map: a repeated key keeps its last
  value; `key[]` collects values in a list under `key`.
  """
  @spec decode_query(binary()) :: %{optional(binary()) => binary() | [binary()]}
  def decode_query(""), do: %{}
  def decode_query(query) when is_binary(query), do: to_params(decode_query_pairs(query), %{})

  defp to_params([], acc), do: reverse_lists(:maps.to_list(acc), acc)

  defp to_params([{key, value} | rest], acc) do
    size = byte_size(key)

    if size > 2 and :binary.part(key, size - 2, 2) == "[]" do
      name = :binary.part(key, 0, size - 2)

      list =
        case acc do
          %{^name => {:list, values}} -> {:list, [value | values]}
          _ -> {:list, [value]}
        end

      to_params(rest, :maps.put(name, list, acc))
    else
      to_params(rest, :maps.put(key, value, acc))
    end
  end

  defp reverse_lists([], acc), do: acc

  defp reverse_lists([{key, {:list, values}} | rest], acc),
    do: reverse_lists(rest, :maps.put(key, :lists.reverse(values), acc))

  defp reverse_lists([_ | rest], acc), do: reverse_lists(rest, acc)

  @doc """
  Encodes a map or a list of `{key, value}` pairs as a query string; a list
  value repeats the key with `[]`. Keys and values may be binaries, atoms or
  numbers.
  """
  @spec encode_query(map() | [{term(), term()}]) :: binary()
  def encode_query(params) when is_map(params), do: encode_query(:maps.to_list(params))

  def encode_query(pairs) when is_list(pairs) do
    case encode_pairs(pairs) do
      [] -> ""
      [?& | parts] -> :erlang.iolist_to_binary(parts)
    end
  end

  defp encode_pairs([]), do: []

  defp encode_pairs([{key, values} | rest]) when is_list(values) do
    name = [encode_www_form(to_text(key)), "%5B%5D="]

    :lists.foldr(
      fn value, acc -> [?&, name, encode_www_form(to_text(value)) | acc] end,
      [],
      values
    ) ++
      encode_pairs(rest)
  end

  defp encode_pairs([{key, value} | rest]),
    do: [
      ?&,
      encode_www_form(to_text(key)),
      ?=,
      encode_www_form(to_text(value)) | encode_pairs(rest)
    ]

  defp to_text(value) when is_binary(value), do: value
  defp to_text(value) when is_atom(value), do: :erlang.atom_to_binary(value, :utf8)
  defp to_text(value) when is_integer(value), do: :erlang.integer_to_binary(value)

  defp to_text(value) when is_float(value),
    do: :erlang.iolist_to_binary(ElixirWorkers.JSON.encode(value))
end
