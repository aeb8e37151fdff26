# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.String do
  @moduledoc """
  String functions for AtomVM, whose Elixir library has no `String` module.

      alias ElixirWorkers.String

  makes `String.split/2`, `String.trim/1`, ... in a worker resolve here; a
  function this module lacks is then a compile-time warning rather than a
  crash on the VM.

  Strings are UTF-8 binaries. Positions and lengths (`length/1`, `slice/3`,
  `at/2`, `pad_leading/3`, `reverse/1`) count **codepoints**, not graphemes
  as Elixir's `String` does: AtomVM has no Unicode segmentation data, so
  `"e\\u0301"` (e + combining accent) has length 2 here and 1 in Elixir.
  Bytes that are not valid UTF-8 count as one codepoint each.

  Case mapping (`upcase/1`, `downcase/1`, `capitalize/1`) covers ASCII,
  Latin-1, Latin Extended-A, Greek and Cyrillic letters one-to-one; other
  characters are left as they are (so `"ß"` does not become `"SS"`). With
  the `:ascii` mode only `a-z`/`A-Z` change.

  Whitespace (`split/1`, `trim/1`) is Unicode's, without the non-breaking
  spaces, as in Elixir.
  """

  import Kernel, except: [length: 1]

  alias ElixirWorkers.Options

  # Elixir's String.split/1 and trim/1 whitespace: \t \n \v \f \r, space,
  # U+0085, U+1680, U+2000..U+2006, U+2008..U+200A, U+2028, U+2029, U+205F,
  # U+3000 (not the non-breaking U+00A0, U+2007, U+202F).
  defguardp is_space(c)
            when (c >= 9 and c <= 13) or c == 32 or c == 0x85 or c == 0x1680 or
                   (c >= 0x2000 and c <= 0x2006) or (c >= 0x2008 and c <= 0x200A) or
                   c == 0x2028 or c == 0x2029 or c == 0x205F or c == 0x3000

  ## Searching

  @doc "Whether `string` contains `pattern` (a binary or a list of binaries)."
  @spec contains?(binary(), binary() | [binary()]) :: boolean()
  def contains?(_string, ""), do: true

  def contains?(string, pattern) when is_binary(pattern),
    do: :binary.match(string, pattern) != :nomatch

  def contains?(_string, []), do: false

  def contains?(string, patterns) when is_list(patterns) do
    case drop_empty(patterns) do
      ^patterns -> :binary.match(string, patterns) != :nomatch
      _ -> true
    end
  end

  @doc "Whether `string` starts with `prefix` (or with one of a list of prefixes)."
  @spec starts_with?(binary(), binary() | [binary()]) :: boolean()
  def starts_with?(string, prefix) when is_binary(prefix) do
    n = byte_size(prefix)
    byte_size(string) >= n and :binary.part(string, 0, n) == prefix
  end

  def starts_with?(string, prefixes) when is_list(prefixes),
    do: :lists.any(fn prefix -> starts_with?(string, prefix) end, prefixes)

  @doc "Whether `string` ends with `suffix` (or with one of a list of suffixes)."
  @spec ends_with?(binary(), binary() | [binary()]) :: boolean()
  def ends_with?(string, suffix) when is_binary(suffix) do
    n = byte_size(suffix)
    size = byte_size(string)
    size >= n and :binary.part(string, size - n, n) == suffix
  end

  def ends_with?(string, suffixes) when is_list(suffixes),
    do: :lists.any(fn suffix -> ends_with?(string, suffix) end, suffixes)

  ## Splitting and replacing

  @doc "Splits on runs of whitespace, without empty parts (`String.split/1`)."
  @spec split(binary()) :: [binary()]
  def split(string) when is_binary(string), do: split_ws(string, 0, string, 0, [])

  defp split_ws(<<c::utf8, rest::binary>>, start, orig, pos, acc) when is_space(c) do
    size = utf8_size(c)
    acc = if pos > start, do: [:binary.part(orig, start, pos - start) | acc], else: acc
    split_ws(rest, pos + size, orig, pos + size, acc)
  end

  defp split_ws(<<_, rest::binary>>, start, orig, pos, acc) do
    # any other byte: a character of a word, or part of one
    split_ws(rest, start, orig, pos + 1, acc)
  end

  defp split_ws(<<>>, start, orig, pos, acc) do
    acc = if pos > start, do: [:binary.part(orig, start, pos - start) | acc], else: acc
    :lists.reverse(acc)
  end

  @doc """
  Splits on `pattern` (a binary or a list of binaries), like
  `String.split/3`. Options: `parts: n` (at most n parts, default
  `:infinity`), `trim: true` (drop empty parts). An empty pattern splits
  into codepoints.
  """
  @spec split(binary(), binary() | [binary()], keyword()) :: [binary()]
  def split(string, pattern, opts \\ [])

  def split(string, "", opts) do
    # the empty pattern matches before every codepoint and at the end
    pieces =
      case Options.get(opts, :parts, :infinity) do
        1 -> [string]
        parts -> ["" | split_codepoints(string, decrement(parts))]
      end

    if Options.get(opts, :trim, false), do: drop_empty(pieces), else: pieces
  end

  def split(string, pattern, opts) when is_binary(string) do
    patterns = if is_list(pattern), do: drop_empty(pattern), else: pattern
    parts = Options.get(opts, :parts, :infinity)
    trim = Options.get(opts, :trim, false)

    if patterns == [] do
      [string]
    else
      split_parts(string, patterns, parts, trim)
    end
  end

  defp split_codepoints(string, 1), do: [string]

  defp split_codepoints(string, n) do
    case next_codepoint(string) do
      nil -> [""]
      {cp, rest} -> [cp | split_codepoints(rest, decrement(n))]
    end
  end

  defp split_parts(string, _patterns, 1, trim) do
    if trim and string == "", do: [], else: [string]
  end

  defp split_parts(string, patterns, parts, trim) do
    case :binary.match(string, patterns) do
      :nomatch ->
        if trim and string == "", do: [], else: [string]

      {at, len} ->
        part = :binary.part(string, 0, at)
        rest = :binary.part(string, at + len, byte_size(string) - at - len)

        if trim and part == "" do
          split_parts(rest, patterns, parts, trim)
        else
          [part | split_parts(rest, patterns, decrement(parts), trim)]
        end
    end
  end

  defp decrement(:infinity), do: :infinity
  defp decrement(n), do: n - 1

  @doc """
  Replaces `pattern` (a binary or a list of binaries) with `replacement`.
  Option `global: false` replaces only the first occurrence.
  """
  @spec replace(binary(), binary() | [binary()], binary(), keyword()) :: binary()
  def replace(string, pattern, replacement, opts \\ []) when is_binary(replacement) do
    global = Options.get(opts, :global, true)
    patterns = if is_list(pattern), do: drop_empty(pattern), else: pattern

    cond do
      patterns == "" or patterns == [] ->
        # Elixir inserts the replacement between codepoints
        if global do
          :erlang.iolist_to_binary([replacement | join_codepoints(string, replacement)])
        else
          replacement <> string
        end

      is_binary(patterns) and global ->
        :binary.replace(string, patterns, replacement, [:global])

      true ->
        :erlang.iolist_to_binary(replace_parts(string, patterns, replacement, global))
    end
  end

  defp join_codepoints(string, replacement) do
    case next_codepoint(string) do
      nil -> []
      {cp, rest} -> [cp, replacement | join_codepoints(rest, replacement)]
    end
  end

  defp replace_parts(string, patterns, replacement, global) do
    case :binary.match(string, patterns) do
      :nomatch ->
        [string]

      {at, len} ->
        part = :binary.part(string, 0, at)
        rest = :binary.part(string, at + len, byte_size(string) - at - len)

        if global do
          [part, replacement | replace_parts(rest, patterns, replacement, true)]
        else
          [part, replacement, rest]
        end
    end
  end

  ## Trimming and padding

  @doc "Removes leading and trailing whitespace."
  @spec trim(binary()) :: binary()
  def trim(string) when is_binary(string), do: trim_trailing(trim_leading(string))

  @doc "Removes every leading and trailing occurrence of `to_trim` (a binary)."
  @spec trim(binary(), binary()) :: binary()
  def trim(string, ""), do: string
  def trim(string, to_trim), do: trim_trailing(trim_leading(string, to_trim), to_trim)

  @doc "Removes leading whitespace."
  @spec trim_leading(binary()) :: binary()
  def trim_leading(<<c::utf8, rest::binary>>) when is_space(c), do: trim_leading(rest)
  def trim_leading(string) when is_binary(string), do: string

  @doc "Removes every leading occurrence of `to_trim`."
  @spec trim_leading(binary(), binary()) :: binary()
  def trim_leading(string, ""), do: string

  def trim_leading(string, to_trim), do: trim_prefix(string, to_trim, byte_size(to_trim))

  # the prefix is compared in a guard: a binary pattern sized by `n` would need
  # `^n` on Elixir 1.20, which Elixir 1.14 rejects
  defp trim_prefix(string, prefix, n)
       when byte_size(string) >= n and binary_part(string, 0, n) == prefix,
       do: trim_prefix(binary_part(string, n, byte_size(string) - n), prefix, n)

  defp trim_prefix(string, _prefix, _n), do: string

  @doc "Removes trailing whitespace."
  @spec trim_trailing(binary()) :: binary()
  def trim_trailing(string) when is_binary(string),
    do: :binary.part(string, 0, content_end(string, 0, 0))

  # the byte offset after the last non-whitespace character
  defp content_end(<<c::utf8, rest::binary>>, pos, last) when is_space(c),
    do: content_end(rest, pos + utf8_size(c), last)

  defp content_end(<<c::utf8, rest::binary>>, pos, _last) do
    size = utf8_size(c)
    content_end(rest, pos + size, pos + size)
  end

  defp content_end(<<_, rest::binary>>, pos, _last), do: content_end(rest, pos + 1, pos + 1)
  defp content_end(<<>>, _pos, last), do: last

  @doc "Removes every trailing occurrence of `to_trim`."
  @spec trim_trailing(binary(), binary()) :: binary()
  def trim_trailing(string, ""), do: string

  def trim_trailing(string, to_trim) do
    if ends_with?(string, to_trim) do
      trim_trailing(:binary.part(string, 0, byte_size(string) - byte_size(to_trim)), to_trim)
    else
      string
    end
  end

  @doc "Pads on the left with `padding` (default a space) to `count` codepoints."
  @spec pad_leading(binary(), non_neg_integer(), binary()) :: binary()
  def pad_leading(string, count, padding \\ " ") when padding != "" do
    case count - length(string) do
      n when n > 0 -> :erlang.iolist_to_binary([padding_of(n, padding), string])
      _ -> string
    end
  end

  @doc "Pads on the right with `padding` (default a space) to `count` codepoints."
  @spec pad_trailing(binary(), non_neg_integer(), binary()) :: binary()
  def pad_trailing(string, count, padding \\ " ") when padding != "" do
    case count - length(string) do
      n when n > 0 -> :erlang.iolist_to_binary([string, padding_of(n, padding)])
      _ -> string
    end
  end

  defp padding_of(n, padding) do
    size = length(padding)
    whole = :binary.copy(padding, div(n, size))
    [whole, slice(padding, 0, rem(n, size))]
  end

  @doc "`string` repeated `n` times."
  @spec duplicate(binary(), non_neg_integer()) :: binary()
  def duplicate(string, n) when is_binary(string) and is_integer(n) and n >= 0,
    do: :binary.copy(string, n)

  ## Case

  @doc "Upper case (see the module documentation for what changes); mode `:default` or `:ascii`."
  @spec upcase(binary(), :default | :ascii) :: binary()
  def upcase(string, mode \\ :default) when is_binary(string),
    do: map_case(string, string, 0, mode, :up)

  @doc "Lower case (see the module documentation for what changes); mode `:default` or `:ascii`."
  @spec downcase(binary(), :default | :ascii) :: binary()
  def downcase(string, mode \\ :default) when is_binary(string),
    do: map_case(string, string, 0, mode, :down)

  @doc "The first codepoint upper case, the rest lower case."
  @spec capitalize(binary(), :default | :ascii) :: binary()
  def capitalize(string, mode \\ :default) when is_binary(string) do
    case next_codepoint(string) do
      nil -> ""
      {first, rest} -> upcase(first, mode) <> downcase(rest, mode)
    end
  end

  # Scans while nothing changes, so an unchanged string is returned as is.
  defp map_case(<<c, rest::binary>>, orig, pos, mode, dir) when c < 0x80 do
    if convert_ascii(c, dir) == c do
      map_case(rest, orig, pos + 1, mode, dir)
    else
      rebuild(orig, pos, mode, dir)
    end
  end

  defp map_case(<<c::utf8, rest::binary>>, orig, pos, :default = mode, dir) do
    if convert(c, dir) == c do
      map_case(rest, orig, pos + utf8_size(c), mode, dir)
    else
      rebuild(orig, pos, mode, dir)
    end
  end

  defp map_case(<<c::utf8, rest::binary>>, orig, pos, mode, dir),
    do: map_case(rest, orig, pos + utf8_size(c), mode, dir)

  defp map_case(<<_, rest::binary>>, orig, pos, mode, dir),
    do: map_case(rest, orig, pos + 1, mode, dir)

  defp map_case(<<>>, orig, _pos, _mode, _dir), do: orig

  defp rebuild(orig, pos, mode, dir) do
    {done, rest} = :erlang.split_binary(orig, pos)
    :erlang.iolist_to_binary([done | convert_all(rest, mode, dir)])
  end

  defp convert_all(<<c, rest::binary>>, mode, dir) when c < 0x80,
    do: [convert_ascii(c, dir) | convert_all(rest, mode, dir)]

  defp convert_all(<<c::utf8, rest::binary>>, :default, dir),
    do: [<<convert(c, dir)::utf8>> | convert_all(rest, :default, dir)]

  defp convert_all(<<c::utf8, rest::binary>>, mode, dir),
    do: [<<c::utf8>> | convert_all(rest, mode, dir)]

  defp convert_all(<<c, rest::binary>>, mode, dir), do: [c | convert_all(rest, mode, dir)]
  defp convert_all(<<>>, _mode, _dir), do: []

  defp convert_ascii(c, :up) when c >= ?a and c <= ?z, do: c - 32
  defp convert_ascii(c, :down) when c >= ?A and c <= ?Z, do: c + 32
  defp convert_ascii(c, _dir), do: c

  # Latin-1
  defp convert(c, :up) when c >= 0xE0 and c <= 0xFE and c != 0xF7, do: c - 32
  defp convert(0xFF, :up), do: 0x178
  defp convert(0xB5, :up), do: 0x39C
  defp convert(c, :down) when c >= 0xC0 and c <= 0xDE and c != 0xD7, do: c + 32
  defp convert(0x178, :down), do: 0xFF
  # Latin Extended-A: pairs, upper case even, except U+0130..U+0131,
  # U+0138 and the odd-upper runs U+0139..U+0148 and U+0179..U+017E
  defp convert(c, dir) when c >= 0x100 and c <= 0x17F, do: latin_ext_a(c, dir)
  # Greek
  defp convert(c, :up) when c >= 0x3B1 and c <= 0x3C9 and c != 0x3C2, do: c - 32
  defp convert(0x3C2, :up), do: 0x3A3
  defp convert(c, :down) when c >= 0x391 and c <= 0x3A9 and c != 0x3A2, do: c + 32
  defp convert(0x3AC, :up), do: 0x386
  defp convert(0x386, :down), do: 0x3AC
  defp convert(c, :up) when c >= 0x3AD and c <= 0x3AF, do: c - 37
  defp convert(c, :down) when c >= 0x388 and c <= 0x38A, do: c + 37
  defp convert(0x3CC, :up), do: 0x38C
  defp convert(0x38C, :down), do: 0x3CC
  defp convert(c, :up) when c == 0x3CD or c == 0x3CE, do: c - 63
  defp convert(c, :down) when c == 0x38E or c == 0x38F, do: c + 63
  # Cyrillic
  defp convert(c, :up) when c >= 0x430 and c <= 0x44F, do: c - 32
  defp convert(c, :down) when c >= 0x410 and c <= 0x42F, do: c + 32
  defp convert(c, :up) when c >= 0x450 and c <= 0x45F, do: c - 80
  defp convert(c, :down) when c >= 0x400 and c <= 0x40F, do: c + 80
  defp convert(c, _dir), do: c

  defp latin_ext_a(c, _dir)
       when c == 0x130 or c == 0x131 or c == 0x138 or c == 0x149 or c == 0x17F,
       do: c

  defp latin_ext_a(c, dir) when (c >= 0x139 and c <= 0x148) or (c >= 0x179 and c <= 0x17E) do
    # upper case odd
    odd = rem(c, 2) == 1

    case dir do
      :up when not odd -> c - 1
      :down when odd -> c + 1
      _ -> c
    end
  end

  defp latin_ext_a(c, dir) do
    even = rem(c, 2) == 0

    case dir do
      :up when not even -> c - 1
      :down when even -> c + 1
      _ -> c
    end
  end

  ## Codepoints

  @doc "The number of codepoints (not graphemes: see the module documentation)."
  @spec length(binary()) :: non_neg_integer()
  def length(string) when is_binary(string) do
    case :unicode.characters_to_list(string) do
      list when is_list(list) -> :erlang.length(list)
      _ -> count_lenient(string, 0)
    end
  end

  defp count_lenient(<<_::utf8, rest::binary>>, n), do: count_lenient(rest, n + 1)
  defp count_lenient(<<_, rest::binary>>, n), do: count_lenient(rest, n + 1)
  defp count_lenient(<<>>, n), do: n

  @doc "The codepoints of `string`, each as a binary."
  @spec codepoints(binary()) :: [binary()]
  def codepoints(string) when is_binary(string) do
    case next_codepoint(string) do
      nil -> []
      {cp, rest} -> [cp | codepoints(rest)]
    end
  end

  @doc "The first codepoint and the rest, or `nil` for `\"\"`."
  @spec next_codepoint(binary()) :: {binary(), binary()} | nil
  def next_codepoint(<<c::utf8, rest::binary>>), do: {<<c::utf8>>, rest}
  def next_codepoint(<<c, rest::binary>>), do: {<<c>>, rest}
  def next_codepoint(<<>>), do: nil

  @doc "Whether `string` is valid UTF-8."
  @spec valid?(binary()) :: boolean()
  def valid?(string) when is_binary(string), do: is_binary(:unicode.characters_to_binary(string))

  @doc "The codepoints in reverse order."
  @spec reverse(binary()) :: binary()
  def reverse(string) when is_binary(string),
    do: :erlang.iolist_to_binary(:lists.reverse(codepoints(string)))

  @doc """
  `len` codepoints from codepoint `start` (negative: from the end), like
  `String.slice/3`; `slice/2` takes a range (`first..last`, negative
  positions from the end, step 1).
  """
  @spec slice(binary(), integer(), non_neg_integer()) :: binary()
  def slice(_string, _start, 0), do: ""

  def slice(string, start, len) when is_integer(start) and start < 0 and is_integer(len) do
    # a start before the beginning is the beginning (as in Elixir)
    slice(string, max(length(string) + start, 0), len)
  end

  def slice(string, start, len) when is_integer(start) and is_integer(len) and len > 0 do
    from = byte_offset(string, start, 0)
    rest = :binary.part(string, from, byte_size(string) - from)
    :binary.part(rest, 0, byte_offset(rest, len, 0))
  end

  def slice(_string, _start, _len), do: ""

  @spec slice(binary(), Range.t()) :: binary()
  def slice(string, %{first: first, last: last} = range) when is_binary(string) do
    step = :maps.get(:step, range, 1)

    # a decreasing first..last has step -1: read as positions, like String.slice/2
    if step != 1 and not (step == -1 and first > last) do
      raise ArgumentError, "slice/2 takes a range with step 1"
    end

    count =
      if first < 0 or last < 0 do
        length(string)
      else
        0
      end

    first = if first < 0, do: max(count + first, 0), else: first
    last = if last < 0, do: count + last, else: last

    if last < first, do: "", else: slice(string, first, last - first + 1)
  end

  # byte offset after `n` codepoints (or the end)
  defp byte_offset(_string, 0, pos), do: pos

  defp byte_offset(<<c::utf8, rest::binary>>, n, pos),
    do: byte_offset(rest, n - 1, pos + utf8_size(c))

  defp byte_offset(<<_, rest::binary>>, n, pos), do: byte_offset(rest, n - 1, pos + 1)
  defp byte_offset(<<>>, _n, pos), do: pos

  @doc "The codepoint at `position` (negative: from the end), or `nil`."
  @spec at(binary(), integer()) :: binary() | nil
  def at(string, position) when is_integer(position) do
    case slice(string, position, 1) do
      "" -> nil
      cp -> cp
    end
  end

  @doc "The first codepoint, or `nil`."
  @spec first(binary()) :: binary() | nil
  def first(string), do: at(string, 0)

  @doc "The last codepoint, or `nil`."
  @spec last(binary()) :: binary() | nil
  def last(string), do: at(string, -1)

  ## Conversion

  @doc "Parses a decimal integer; raises `ArgumentError` if `string` is not one."
  @spec to_integer(binary()) :: integer()
  def to_integer(string) when is_binary(string), do: :erlang.binary_to_integer(string)

  @doc "`{integer, rest}` for a leading decimal integer, or `:error` (like `Integer.parse/1`)."
  @spec parse_integer(binary()) :: {integer(), binary()} | :error
  def parse_integer(<<?-, rest::binary>>) do
    case parse_integer(rest) do
      {n, rest} when n >= 0 -> {-n, rest}
      _ -> :error
    end
  end

  def parse_integer(<<?+, rest::binary>>), do: parse_integer(rest)

  def parse_integer(<<c, _::binary>> = string) when c >= ?0 and c <= ?9 do
    n = digit_count(string, 0)
    {digits, rest} = :erlang.split_binary(string, n)
    {:erlang.binary_to_integer(digits), rest}
  end

  def parse_integer(_string), do: :error

  defp digit_count(<<c, rest::binary>>, n) when c >= ?0 and c <= ?9, do: digit_count(rest, n + 1)
  defp digit_count(_, n), do: n

  ## Helpers

  defp utf8_size(c) when c < 0x80, do: 1
  defp utf8_size(c) when c < 0x800, do: 2
  defp utf8_size(c) when c < 0x10000, do: 3
  defp utf8_size(_c), do: 4

  defp drop_empty(patterns), do: :lists.filter(fn p -> p != "" end, patterns)
end
