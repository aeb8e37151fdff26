# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.JSON do
  @moduledoc """
  Minimal JSON, enough for frame heads (docs/protocol.md).

  Decoding: objects become maps with binary keys (a repeated key keeps its
  last value), arrays lists, strings binaries (every escape, `\\uXXXX`
  included, surrogate pairs joined into one UTF-8 character), numbers integers
  (or floats when they have a fraction or an exponent), `true`/`false`, and
  `null` becomes `nil`.

  Encoding: maps become objects (atom, binary or integer keys), lists and
  tuples arrays (so `[{"content-type", "text/html"}]` is
  `[["content-type","text/html"]]`), binaries and other atoms strings, `nil`
  `null`. Binaries must be UTF-8; only `"`, `\\` and control characters are
  escaped. The result is iodata.

  Written for AtomVM: binary matching and `:binary`/`:erlang` functions only.
  """

  @doc "Decodes one JSON value (surrounding whitespace allowed)."
  @spec decode(binary()) :: {:ok, term()} | {:error, term()}
  def decode(json) when is_binary(json) do
    try do
      {value, rest} = value(skip_ws(json))

      case skip_ws(rest) do
        "" -> {:ok, value}
        _ -> {:error, :trailing_data}
      end
    catch
      :throw, {__MODULE__, reason} -> {:error, reason}
    end
  end

  @doc "Encodes a term as JSON iodata."
  @spec encode(term()) :: iodata()
  def encode(nil), do: "null"
  def encode(true), do: "true"
  def encode(false), do: "false"
  def encode(value) when is_binary(value), do: encode_string(value)
  def encode(value) when is_integer(value), do: :erlang.integer_to_binary(value)
  def encode(value) when is_float(value), do: :erlang.float_to_binary(value, [{:scientific, 16}])
  def encode(value) when is_atom(value), do: encode_string(:erlang.atom_to_binary(value, :utf8))
  def encode([]), do: "[]"
  def encode([first | rest]), do: [?[, encode(first), encode_elements(rest, [])]
  def encode(value) when is_tuple(value), do: encode(:erlang.tuple_to_list(value))

  def encode(value) when is_map(value) do
    case :maps.to_list(value) do
      [] -> "{}"
      [{key, val} | rest] -> [?{, encode_key(key), ?:, encode(val), encode_members(rest, [])]
    end
  end

  @doc "Encodes a binary as a JSON string."
  @spec encode_string(binary()) :: iodata()
  def encode_string(string) when is_binary(string), do: [?", escape(string, string, 0, 0, []), ?"]

  ## Encoding

  defp encode_elements([], acc), do: :lists.reverse([?] | acc])
  defp encode_elements([value | rest], acc), do: encode_elements(rest, [encode(value), ?, | acc])

  defp encode_members([], acc), do: :lists.reverse([?} | acc])

  defp encode_members([{key, value} | rest], acc) do
    encode_members(rest, [encode(value), ?:, encode_key(key), ?, | acc])
  end

  defp encode_key(key) when is_binary(key), do: encode_string(key)
  defp encode_key(key) when is_atom(key), do: encode_string(:erlang.atom_to_binary(key, :utf8))
  defp encode_key(key) when is_integer(key), do: [?", :erlang.integer_to_binary(key), ?"]

  # Scans `rest` (a suffix of `orig`) byte by byte; `start`/`len` delimit the
  # current run of bytes that need no escape. A string without escapes is
  # returned as it is, without copying.
  defp escape(<<c, rest::binary>>, orig, start, len, acc)
       when c >= 0x20 and c != ?" and c != ?\\ do
    escape(rest, orig, start, len + 1, acc)
  end

  defp escape(<<c, rest::binary>>, orig, start, len, acc) do
    escape(rest, orig, start + len + 1, 0, [escape_char(c), :binary.part(orig, start, len) | acc])
  end

  defp escape(<<>>, orig, 0, _len, []), do: orig

  defp escape(<<>>, orig, start, len, acc),
    do: :lists.reverse([:binary.part(orig, start, len) | acc])

  defp escape_char(?"), do: "\\\""
  defp escape_char(?\\), do: "\\\\"
  defp escape_char(?\n), do: "\\n"
  defp escape_char(?\r), do: "\\r"
  defp escape_char(?\t), do: "\\t"
  defp escape_char(8), do: "\\b"
  defp escape_char(12), do: "\\f"
  defp escape_char(c), do: ["\\u00", hex_digit(div(c, 16)), hex_digit(rem(c, 16))]

  defp hex_digit(d) when d < 10, do: ?0 + d
  defp hex_digit(d), do: ?a + d - 10

  ## Decoding

  defp fail(reason), do: throw({__MODULE__, reason})

  defp skip_ws(<<c, rest::binary>>) when c == ?\s or c == ?\t or c == ?\n or c == ?\r,
    do: skip_ws(rest)

  defp skip_ws(bin), do: bin

  defp value(<<?{, rest::binary>>), do: object(skip_ws(rest))
  defp value(<<?[, rest::binary>>), do: array(skip_ws(rest))
  defp value(<<?", rest::binary>>), do: string(rest, [])
  defp value(<<"true", rest::binary>>), do: {true, rest}
  defp value(<<"false", rest::binary>>), do: {false, rest}
  defp value(<<"null", rest::binary>>), do: {nil, rest}
  defp value(<<c, _::binary>> = bin) when c == ?- or (c >= ?0 and c <= ?9), do: number(bin)
  defp value(<<>>), do: fail(:unexpected_end)
  defp value(_), do: fail(:unexpected_character)

  defp object(<<?}, rest::binary>>), do: {%{}, rest}
  defp object(bin), do: members(bin, %{})

  defp members(<<?", rest::binary>>, acc) do
    {key, rest} = string(rest, [])

    case skip_ws(rest) do
      <<?:, rest::binary>> ->
        {value, rest} = value(skip_ws(rest))
        acc = :maps.put(key, value, acc)

        case skip_ws(rest) do
          <<?,, rest::binary>> -> members(skip_ws(rest), acc)
          <<?}, rest::binary>> -> {acc, rest}
          _ -> fail(:expected_comma_or_brace)
        end

      _ ->
        fail(:expected_colon)
    end
  end

  defp members(_, _acc), do: fail(:expected_key)

  defp array(<<?], rest::binary>>), do: {[], rest}
  defp array(bin), do: elements(bin, [])

  defp elements(bin, acc) do
    {value, rest} = value(bin)

    case skip_ws(rest) do
      <<?,, rest::binary>> -> elements(skip_ws(rest), [value | acc])
      <<?], rest::binary>> -> {:lists.reverse([value | acc]), rest}
      _ -> fail(:expected_comma_or_bracket)
    end
  end

  # `acc` holds the decoded pieces in reverse order; a string without escapes
  # is returned as a sub-binary of the input.
  defp string(bin, acc) do
    len = plain_length(bin, 0)
    <<chunk::binary-size(len), rest::binary>> = bin

    case rest do
      <<?", rest::binary>> when acc == [] -> {chunk, rest}
      <<?", rest::binary>> -> {:erlang.iolist_to_binary(:lists.reverse([chunk | acc])), rest}
      <<?\\, rest::binary>> -> unescape(rest, [chunk | acc])
      <<>> -> fail(:unterminated_string)
      _ -> fail(:control_character_in_string)
    end
  end

  defp plain_length(<<c, rest::binary>>, n) when c >= 0x20 and c != ?" and c != ?\\,
    do: plain_length(rest, n + 1)

  defp plain_length(_, n), do: n

  defp unescape(<<?", rest::binary>>, acc), do: string(rest, [?" | acc])
  defp unescape(<<?\\, rest::binary>>, acc), do: string(rest, [?\\ | acc])
  defp unescape(<<?/, rest::binary>>, acc), do: string(rest, [?/ | acc])
  defp unescape(<<?b, rest::binary>>, acc), do: string(rest, [8 | acc])
  defp unescape(<<?f, rest::binary>>, acc), do: string(rest, [12 | acc])
  defp unescape(<<?n, rest::binary>>, acc), do: string(rest, [?\n | acc])
  defp unescape(<<?r, rest::binary>>, acc), do: string(rest, [?\r | acc])
  defp unescape(<<?t, rest::binary>>, acc), do: string(rest, [?\t | acc])

  defp unescape(<<?u, a, b, c, d, rest::binary>>, acc) do
    case hex4(a, b, c, d) do
      high when high >= 0xD800 and high <= 0xDBFF ->
        case rest do
          <<?\\, ?u, e, f, g, h, rest::binary>> ->
            case hex4(e, f, g, h) do
              low when low >= 0xDC00 and low <= 0xDFFF ->
                code = 0x10000 + (high - 0xD800) * 0x400 + (low - 0xDC00)
                string(rest, [<<code::utf8>> | acc])

              _ ->
                fail(:lone_surrogate)
            end

          _ ->
            fail(:lone_surrogate)
        end

      low when low >= 0xDC00 and low <= 0xDFFF ->
        fail(:lone_surrogate)

      code ->
        string(rest, [<<code::utf8>> | acc])
    end
  end

  defp unescape(_, _acc), do: fail(:invalid_escape)

  defp hex4(a, b, c, d), do: ((hex(a) * 16 + hex(b)) * 16 + hex(c)) * 16 + hex(d)

  defp hex(c) when c >= ?0 and c <= ?9, do: c - ?0
  defp hex(c) when c >= ?a and c <= ?f, do: c - ?a + 10
  defp hex(c) when c >= ?A and c <= ?F, do: c - ?A + 10
  defp hex(_), do: fail(:invalid_escape)

  # -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  defp number(bin) do
    int_len = int_length(bin)
    frac_len = frac_length(skip(bin, int_len))
    exp_len = exp_length(skip(bin, int_len + frac_len))
    <<text::binary-size(int_len + frac_len + exp_len), rest::binary>> = bin

    cond do
      frac_len == 0 and exp_len == 0 ->
        {:erlang.binary_to_integer(text), rest}

      frac_len == 0 ->
        # Erlang floats need a fraction: 1e5 -> 1.0e5
        <<int::binary-size(int_len), exp::binary>> = text
        {:erlang.binary_to_float(<<int::binary, ".0", exp::binary>>), rest}

      true ->
        {:erlang.binary_to_float(text), rest}
    end
  end

  defp skip(bin, n) do
    <<_::binary-size(n), rest::binary>> = bin
    rest
  end

  defp int_length(<<?-, rest::binary>>), do: 1 + unsigned_length(rest)
  defp int_length(bin), do: unsigned_length(bin)

  defp unsigned_length(<<?0, _::binary>>), do: 1
  defp unsigned_length(<<c, rest::binary>>) when c >= ?1 and c <= ?9, do: digits(rest, 1)
  defp unsigned_length(_), do: fail(:invalid_number)

  defp frac_length(<<?., rest::binary>>) do
    case digits(rest, 0) do
      0 -> fail(:invalid_number)
      n -> 1 + n
    end
  end

  defp frac_length(_), do: 0

  defp exp_length(<<e, rest::binary>>) when e == ?e or e == ?E do
    {sign_len, rest} =
      case rest do
        <<s, after_sign::binary>> when s == ?+ or s == ?- -> {1, after_sign}
        _ -> {0, rest}
      end

    case digits(rest, 0) do
      0 -> fail(:invalid_number)
      n -> 1 + sign_len + n
    end
  end

  defp exp_length(_), do: 0

  defp digits(<<c, rest::binary>>, n) when c >= ?0 and c <= ?9, do: digits(rest, n + 1)
  defp digits(_, n), do: n
end
