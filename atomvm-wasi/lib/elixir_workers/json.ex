# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.JSON do
  @moduledoc """
  JSON (RFC 8259), written for AtomVM: binary matching and `:binary`,
  `:erlang`, `:lists`, `:maps` and `:unicode` functions only.

  ## Decoding

      {:ok, %{"a" => [1, 2.5, nil]}} = JSON.decode(~s({"a": [1, 2.5e0, null]}))
      {:error, {:unexpected_character, 5}} = JSON.decode("[1, }")

  Objects become maps with binary keys (a repeated key keeps its last value),
  arrays lists, strings binaries (every escape, `\\uXXXX` included, surrogate
  pairs joined into one UTF-8 character), `true`/`false`, and `null` becomes
  `nil`. Numbers without a fraction or exponent become integers and must fit
  in 64 bits; the others become floats and must be finite.

  Bad input gives `{:error, {reason, position}}`, `position` being the byte
  offset where the problem was found. Reasons: `:unexpected_end`,
  `:unexpected_character`, `:expected_key`, `:expected_colon`,
  `:expected_comma_or_brace`, `:expected_comma_or_bracket`,
  `:unterminated_string`, `:control_character` (unescaped, in a string),
  `:invalid_escape`, `:lone_surrogate`, `:invalid_utf8`, `:invalid_number`,
  `:number_out_of_range`, `:too_deep`, `:too_large`, `:trailing_data`.

  Options: `max_depth` (nesting of arrays and objects, default 512),
  `max_bytes` (input size, default 16 MiB; larger input is
  `{:error, {:too_large, max_bytes}}`).

  ## Encoding

  `encode/1` returns iodata: maps become objects (atom, binary or integer
  keys; a struct loses its `__struct__`), lists and tuples arrays (so
  `[{"content-type", "text/html"}]` is `[["content-type","text/html"]]`),
  binaries strings, `nil` `null`, other atoms strings, integers and floats
  numbers (floats in their shortest form that reads back to the same float).
  Strings must be UTF-8; `"`, `\\` and control characters are escaped, and
  nothing else. A value that has no JSON form raises `ArgumentError`.
  """

  alias ElixirWorkers.Options

  @default_max_depth 512
  @default_max_bytes 16 * 1024 * 1024

  # 19 digits: the largest magnitudes of a signed 64-bit integer
  @int64_max "9223372036854775807"
  @int64_min_abs "9223372036854775808"

  @control_patterns for(c <- 0..31, do: <<c>>)
  @escape_patterns [<<?">>, <<?\\>> | @control_patterns]

  @type decode_error ::
          {atom(), non_neg_integer()}

  @doc "Decodes one JSON value (surrounding whitespace allowed)."
  @spec decode(binary(), keyword()) :: {:ok, term()} | {:error, decode_error()}
  def decode(json, opts \\ [])

  def decode(json, opts) when is_binary(json) do
    max_bytes = Options.get(opts, :max_bytes, @default_max_bytes)
    max_depth = Options.get(opts, :max_depth, @default_max_depth)

    if byte_size(json) > max_bytes do
      {:error, {:too_large, max_bytes}}
    else
      try do
        {value, rest} = value(skip_ws(json), max_depth)

        case skip_ws(rest) do
          "" -> {:ok, value}
          rest -> fail(:trailing_data, rest)
        end
      catch
        :throw, {__MODULE__, reason, rest_size} ->
          {:error, {reason, byte_size(json) - rest_size}}
      end
    end
  end

  @doc "Like `decode/2`, but returns the value or raises `ArgumentError`."
  @spec decode!(binary(), keyword()) :: term()
  def decode!(json, opts \\ []) do
    case decode(json, opts) do
      {:ok, value} ->
        value

      {:error, {reason, position}} ->
        raise ArgumentError,
              "invalid JSON at byte " <>
                :erlang.integer_to_binary(position) <>
                ": " <> :erlang.atom_to_binary(reason, :utf8)
    end
  end

  @doc "Encodes a term as JSON iodata."
  @spec encode(term()) :: iodata()
  def encode(nil), do: "null"
  def encode(true), do: "true"
  def encode(false), do: "false"
  def encode(value) when is_binary(value), do: encode_string(value)
  def encode(value) when is_integer(value), do: :erlang.integer_to_binary(value)
  def encode(value) when is_float(value), do: encode_float(value)
  def encode(value) when is_atom(value), do: encode_string(:erlang.atom_to_binary(value, :utf8))
  def encode([]), do: "[]"
  def encode([first | rest]), do: [?[, encode(first) | encode_elements(rest)]
  def encode(value) when is_tuple(value), do: encode(:erlang.tuple_to_list(value))

  def encode(value) when is_map(value) do
    case :maps.to_list(value) do
      [] ->
        "{}"

      pairs ->
        case member_list(pairs) do
          [] -> "{}"
          [?, | members] -> [?{, members, ?}]
        end
    end
  end

  def encode(value) do
    raise ArgumentError, "cannot encode as JSON: " <> inspect_kind(value)
  end

  @doc "Encodes a term as a JSON binary."
  @spec encode_to_binary(term()) :: binary()
  def encode_to_binary(value), do: :erlang.iolist_to_binary(encode(value))

  @doc "Encodes a UTF-8 binary as a JSON string (iodata)."
  @spec encode_string(binary()) :: iodata()
  def encode_string(string) when is_binary(string) do
    case :binary.match(string, escape_patterns()) do
      :nomatch ->
        check_utf8(string)
        [?", string, ?"]

      {at, _} ->
        check_utf8(string)
        {plain, rest} = :erlang.split_binary(string, at)
        [?", plain, escape(rest, rest, 0, 0, []), ?"]
    end
  end

  ## Encoding

  # AtomVM copies a literal onto the heap each time code uses it (and collects
  # garbage soon after): the 34 patterns are kept in the process dictionary.
  defp escape_patterns do
    case :erlang.get(:elixir_workers_json_escapes) do
      :undefined ->
        :erlang.put(:elixir_workers_json_escapes, @escape_patterns)
        :erlang.get(:elixir_workers_json_escapes)

      patterns ->
        patterns
    end
  end

  defp encode_elements([]), do: [?]]
  defp encode_elements([value | rest]), do: [?,, encode(value) | encode_elements(rest)]

  defp encode_elements(_improper) do
    raise ArgumentError, "cannot encode an improper list as JSON"
  end

  defp member_list([]), do: []
  defp member_list([{:__struct__, _} | rest]), do: member_list(rest)

  defp member_list([{key, value} | rest]),
    do: [?,, encode_key(key), ?:, encode(value) | member_list(rest)]

  defp encode_key(key) when is_binary(key), do: encode_string(key)
  defp encode_key(key) when is_atom(key), do: encode_string(:erlang.atom_to_binary(key, :utf8))
  defp encode_key(key) when is_integer(key), do: [?", :erlang.integer_to_binary(key), ?"]

  defp encode_key(key) do
    raise ArgumentError, "cannot encode as a JSON object key: " <> inspect_kind(key)
  end

  defp check_utf8(string) do
    case :unicode.characters_to_binary(string) do
      bin when is_binary(bin) -> :ok
      _ -> raise ArgumentError, "cannot encode as JSON: the string is not valid UTF-8"
    end
  end

  # Scans `rest` (a suffix of `orig`) byte by byte; `start`/`len` delimit the
  # current run of bytes that need no escape.
  defp escape(<<c, rest::binary>>, orig, start, len, acc)
       when c >= 0x20 and c != ?" and c != ?\\ do
    escape(rest, orig, start, len + 1, acc)
  end

  defp escape(<<c, rest::binary>>, orig, start, len, acc) do
    escape(rest, orig, start + len + 1, 0, [escape_char(c), :binary.part(orig, start, len) | acc])
  end

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

  # The shortest of 15, 16 or 17 significant digits that reads back as the
  # same float (AtomVM's float_to_binary has no `:short`).
  defp encode_float(value) do
    {negative, mantissa, exp} = split_scientific(shortest(value, 14))
    digits = trim_zeros(mantissa)
    [if(negative, do: "-", else: ""), place_point(digits, exp)]
  end

  defp shortest(value, 16), do: :erlang.float_to_binary(value, [{:scientific, 16}])

  defp shortest(value, decimals) do
    text = :erlang.float_to_binary(value, [{:scientific, decimals}])
    if reads_back?(text, value), do: text, else: shortest(value, decimals + 1)
  end

  # rounding may overflow: 1.7976931348623157e308 to 15 digits is out of range
  defp reads_back?(text, value) do
    try do
      :erlang.binary_to_float(text) == value
    catch
      _, _ -> false
    end
  end

  # "-1.2500e+02" -> {true, "12500", 2}
  defp split_scientific(<<?-, rest::binary>>) do
    {false, mantissa, exp} = split_scientific(rest)
    {true, mantissa, exp}
  end

  defp split_scientific(text) do
    [mantissa, exp] = :binary.split(text, "e")
    [int, frac] = :binary.split(mantissa, ".")
    {false, int <> frac, :erlang.binary_to_integer(strip_plus(exp))}
  end

  defp strip_plus(<<?+, rest::binary>>), do: rest
  defp strip_plus(exp), do: exp

  defp trim_zeros(digits) do
    case :binary.last(digits) do
      ?0 when byte_size(digits) > 1 ->
        trim_zeros(:binary.part(digits, 0, byte_size(digits) - 1))

      _ ->
        digits
    end
  end

  # digits "125", exp 2 -> "125.0"; exp 0 -> "1.25"; exp -2 -> "0.0125";
  # outside 1e-7..1e21, scientific: "1.25e25".
  defp place_point(digits, exp) when exp >= 0 and exp < 21 do
    n = byte_size(digits)

    if n <= exp + 1 do
      [digits, :binary.copy("0", exp + 1 - n), ".0"]
    else
      {int, frac} = :erlang.split_binary(digits, exp + 1)
      [int, ?., frac]
    end
  end

  defp place_point(digits, exp) when exp < 0 and exp >= -7 do
    ["0.", :binary.copy("0", -exp - 1), digits]
  end

  defp place_point(<<first, rest::binary>>, exp) do
    frac = if rest == "", do: "0", else: rest
    [first, ?., frac, ?e, :erlang.integer_to_binary(exp)]
  end

  defp inspect_kind(value) when is_pid(value), do: "a pid"
  defp inspect_kind(value) when is_reference(value), do: "a reference"
  defp inspect_kind(value) when is_function(value), do: "a function"
  defp inspect_kind(value) when is_port(value), do: "a port"
  defp inspect_kind(value) when is_bitstring(value), do: "a bitstring"
  defp inspect_kind(value) when is_map(value), do: "a map"
  defp inspect_kind(value) when is_list(value), do: "a list"
  defp inspect_kind(_value), do: "a term"

  ## Decoding

  defp fail(reason, rest), do: throw({__MODULE__, reason, byte_size(rest)})

  defp skip_ws(<<c, rest::binary>>) when c == ?\s or c == ?\t or c == ?\n or c == ?\r,
    do: skip_ws(rest)

  defp skip_ws(bin), do: bin

  defp value(<<?{, rest::binary>> = bin, depth) do
    if depth == 0, do: fail(:too_deep, bin)
    object(skip_ws(rest), depth - 1)
  end

  defp value(<<?[, rest::binary>> = bin, depth) do
    if depth == 0, do: fail(:too_deep, bin)
    array(skip_ws(rest), depth - 1)
  end

  defp value(<<?", rest::binary>>, _depth), do: string(rest, [])
  defp value(<<"true", rest::binary>>, _depth), do: {true, rest}
  defp value(<<"false", rest::binary>>, _depth), do: {false, rest}
  defp value(<<"null", rest::binary>>, _depth), do: {nil, rest}

  defp value(<<c, _::binary>> = bin, _depth) when c == ?- or (c >= ?0 and c <= ?9),
    do: number(bin)

  defp value(<<>>, _depth), do: fail(:unexpected_end, <<>>)
  defp value(bin, _depth), do: fail(:unexpected_character, bin)

  defp object(<<?}, rest::binary>>, _depth), do: {%{}, rest}
  defp object(bin, depth), do: members(bin, %{}, depth)

  defp members(<<?", rest::binary>>, acc, depth) do
    {key, rest} = string(rest, [])

    case skip_ws(rest) do
      <<?:, rest::binary>> ->
        {value, rest} = value(skip_ws(rest), depth)
        acc = :maps.put(key, value, acc)

        case skip_ws(rest) do
          <<?,, rest::binary>> -> members(skip_ws(rest), acc, depth)
          <<?}, rest::binary>> -> {acc, rest}
          <<>> -> fail(:unexpected_end, <<>>)
          rest -> fail(:expected_comma_or_brace, rest)
        end

      <<>> ->
        fail(:unexpected_end, <<>>)

      rest ->
        fail(:expected_colon, rest)
    end
  end

  defp members(<<>>, _acc, _depth), do: fail(:unexpected_end, <<>>)
  defp members(bin, _acc, _depth), do: fail(:expected_key, bin)

  defp array(<<?], rest::binary>>, _depth), do: {[], rest}
  defp array(bin, depth), do: elements(bin, [], depth)

  defp elements(bin, acc, depth) do
    {value, rest} = value(bin, depth)

    case skip_ws(rest) do
      <<?,, rest::binary>> -> elements(skip_ws(rest), [value | acc], depth)
      <<?], rest::binary>> -> {:lists.reverse([value | acc]), rest}
      <<>> -> fail(:unexpected_end, <<>>)
      rest -> fail(:expected_comma_or_bracket, rest)
    end
  end

  # `acc` holds the decoded pieces in reverse order; a string without escapes
  # is returned as a sub-binary of the input. Short runs are scanned byte by
  # byte; a run longer than @long_run is searched natively (the interpreter
  # costs about 0.1 us per byte).
  @long_run 128

  defp string(bin, acc) do
    case plain_length(bin, 0, true) do
      {@long_run, _ascii} -> long_string(bin, acc)
      {len, ascii} -> string_end(bin, len, ascii, acc)
    end
  end

  defp string_end(bin, len, ascii, acc) do
    {chunk, rest} = :erlang.split_binary(bin, len)

    if not ascii do
      case :unicode.characters_to_binary(chunk) do
        valid when is_binary(valid) -> :ok
        {_, good, _} -> fail(:invalid_utf8, skip(bin, byte_size(good)))
      end
    end

    case rest do
      <<?", rest::binary>> when acc == [] -> {chunk, rest}
      <<?", rest::binary>> -> {:erlang.iolist_to_binary(:lists.reverse([chunk | acc])), rest}
      <<?\\, rest::binary>> -> unescape(rest, [chunk | acc])
      <<>> -> fail(:unterminated_string, rest)
      _ -> fail(:control_character, rest)
    end
  end

  defp long_string(bin, acc) do
    size = byte_size(bin)

    quote_at =
      case :binary.match(bin, "\"") do
        {at, _} -> at
        :nomatch -> size
      end

    stop =
      case :binary.match(bin, "\\", [{:scope, {0, quote_at}}]) do
        {at, _} -> at
        :nomatch -> quote_at
      end

    stop =
      case :binary.match(:binary.part(bin, 0, stop), control_patterns()) do
        {at, _} -> at
        :nomatch -> stop
      end

    # the run may hold non-ASCII bytes: validated in string_end/4
    string_end(bin, stop, false, acc)
  end

  defp control_patterns do
    case :erlang.get(:elixir_workers_json_controls) do
      :undefined ->
        :erlang.put(:elixir_workers_json_controls, @control_patterns)
        :erlang.get(:elixir_workers_json_controls)

      patterns ->
        patterns
    end
  end

  defp plain_length(<<c, rest::binary>>, n, ascii)
       when n < @long_run and c >= 0x20 and c < 0x80 and c != ?" and c != ?\\,
       do: plain_length(rest, n + 1, ascii)

  defp plain_length(<<c, rest::binary>>, n, _ascii) when n < @long_run and c >= 0x80,
    do: plain_length(rest, n + 1, false)

  defp plain_length(_, n, ascii), do: {n, ascii}

  defp unescape(<<?", rest::binary>>, acc), do: string(rest, [?" | acc])
  defp unescape(<<?\\, rest::binary>>, acc), do: string(rest, [?\\ | acc])
  defp unescape(<<?/, rest::binary>>, acc), do: string(rest, [?/ | acc])
  defp unescape(<<?b, rest::binary>>, acc), do: string(rest, [8 | acc])
  defp unescape(<<?f, rest::binary>>, acc), do: string(rest, [12 | acc])
  defp unescape(<<?n, rest::binary>>, acc), do: string(rest, [?\n | acc])
  defp unescape(<<?r, rest::binary>>, acc), do: string(rest, [?\r | acc])
  defp unescape(<<?t, rest::binary>>, acc), do: string(rest, [?\t | acc])

  defp unescape(<<?u, a, b, c, d, rest::binary>> = bin, acc) do
    case hex4(a, b, c, d, bin) do
      high when high >= 0xD800 and high <= 0xDBFF ->
        case rest do
          <<?\\, ?u, e, f, g, h, rest2::binary>> ->
            case hex4(e, f, g, h, rest) do
              low when low >= 0xDC00 and low <= 0xDFFF ->
                code = 0x10000 + (high - 0xD800) * 0x400 + (low - 0xDC00)
                string(rest2, [<<code::utf8>> | acc])

              _ ->
                fail(:lone_surrogate, bin)
            end

          _ ->
            fail(:lone_surrogate, bin)
        end

      low when low >= 0xDC00 and low <= 0xDFFF ->
        fail(:lone_surrogate, bin)

      code ->
        string(rest, [<<code::utf8>> | acc])
    end
  end

  defp unescape(<<>>, _acc), do: fail(:unexpected_end, <<>>)
  defp unescape(bin, _acc), do: fail(:invalid_escape, bin)

  defp hex4(a, b, c, d, bin),
    do: ((hex(a, bin) * 16 + hex(b, bin)) * 16 + hex(c, bin)) * 16 + hex(d, bin)

  defp hex(c, _bin) when c >= ?0 and c <= ?9, do: c - ?0
  defp hex(c, _bin) when c >= ?a and c <= ?f, do: c - ?a + 10
  defp hex(c, _bin) when c >= ?A and c <= ?F, do: c - ?A + 10
  defp hex(_, bin), do: fail(:invalid_escape, bin)

  # -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  defp number(bin) do
    int_len = int_length(bin)
    frac_len = frac_length(skip(bin, int_len))
    exp_len = exp_length(skip(bin, int_len + frac_len))
    {text, rest} = :erlang.split_binary(bin, int_len + frac_len + exp_len)

    cond do
      frac_len == 0 and exp_len == 0 ->
        {integer(text, bin), rest}

      frac_len == 0 ->
        # Erlang floats need a fraction: 1e5 -> 1.0e5
        {int, exp} = :erlang.split_binary(text, int_len)
        {float(<<int::binary, ".0", exp::binary>>, bin), rest}

      true ->
        {float(text, bin), rest}
    end
  end

  defp integer(text, bin) do
    digits =
      case text do
        <<?-, digits::binary>> -> digits
        digits -> digits
      end

    cond do
      byte_size(digits) < 19 -> :ok
      byte_size(digits) > 19 -> fail(:number_out_of_range, bin)
      digits == text and digits > @int64_max -> fail(:number_out_of_range, bin)
      digits != text and digits > @int64_min_abs -> fail(:number_out_of_range, bin)
      true -> :ok
    end

    :erlang.binary_to_integer(text)
  end

  defp float(text, bin) do
    value =
      try do
        value = :erlang.binary_to_float(text)
        # a VM may read an overflowing literal as infinity; arithmetic on it fails
        if value - value == 0.0, do: value, else: :error
      catch
        _, _ -> :error
      end

    if value == :error, do: fail(:number_out_of_range, bin), else: value
  end

  defp skip(bin, n), do: :binary.part(bin, n, byte_size(bin) - n)

  defp int_length(<<?-, rest::binary>>), do: 1 + unsigned_length(rest)
  defp int_length(bin), do: unsigned_length(bin)

  defp unsigned_length(<<?0, _::binary>>), do: 1
  defp unsigned_length(<<c, rest::binary>>) when c >= ?1 and c <= ?9, do: digits(rest, 1)
  defp unsigned_length(<<>>), do: fail(:unexpected_end, <<>>)
  defp unsigned_length(bin), do: fail(:invalid_number, bin)

  defp frac_length(<<?., rest::binary>>) do
    case digits(rest, 0) do
      0 -> fail(:invalid_number, rest)
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
      0 -> fail(:invalid_number, rest)
      n -> 1 + sign_len + n
    end
  end

  defp exp_length(_), do: 0

  defp digits(<<c, rest::binary>>, n) when c >= ?0 and c <= ?9, do: digits(rest, n + 1)
  defp digits(_, n), do: n
end
