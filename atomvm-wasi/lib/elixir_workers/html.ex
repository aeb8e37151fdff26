# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.HTML do
  @moduledoc """
  HTML escaping and small tag helpers that build iodata.

  Content is escaped unless it is marked safe: `raw/1` marks trusted HTML,
  and the tag helpers return safe HTML (`{:safe, iodata}`), so tags nest:

      HTML.tag("p", [class: "greeting"], ["Hello, ", name, "!", HTML.void_tag("br")])
      #=> {:safe, iodata} for <p class="greeting">Hello, &lt;b&gt;you&lt;/b&gt;!<br></p>
      #   when name is "<b>you</b>"

  A binary (or integer, float, atom) is escaped; `{:safe, iodata}` is written
  as is; a list is written element by element under the same rules; `nil` is
  nothing. Attribute values are always escaped; `true` writes a bare
  attribute, `false`/`nil` leaves it out.

  `to_iodata/1` turns content into iodata for a response body;
  `ElixirWorkers.Conn.html/2` also takes `{:safe, iodata}` directly.
  """

  @type content :: binary() | {:safe, iodata()} | [content()] | nil | atom() | number()

  @doc """
  Escapes `& < > " '` (binary in, binary out; unchanged text is returned
  without copying).
  """
  @spec escape(binary()) :: binary()
  def escape(text) when is_binary(text) do
    case :binary.match(text, ["&", "<", ">", "\"", "'"]) do
      :nomatch ->
        text

      _ ->
        text
        |> :binary.replace("&", "&amp;", [:global])
        |> :binary.replace("<", "&lt;", [:global])
        |> :binary.replace(">", "&gt;", [:global])
        |> :binary.replace("\"", "&quot;", [:global])
        |> :binary.replace("'", "&#39;", [:global])
    end
  end

  @doc "Marks iodata as safe HTML: written without escaping."
  @spec raw(iodata()) :: {:safe, iodata()}
  def raw(iodata), do: {:safe, iodata}

  @doc "Content as iodata, escaped where it is not marked safe."
  @spec to_iodata(content()) :: iodata()
  def to_iodata({:safe, iodata}), do: iodata
  def to_iodata(nil), do: []
  def to_iodata(text) when is_binary(text), do: escape(text)
  def to_iodata(list) when is_list(list), do: list_to_iodata(list)
  def to_iodata(n) when is_integer(n), do: :erlang.integer_to_binary(n)
  def to_iodata(f) when is_float(f), do: ElixirWorkers.JSON.encode(f)
  def to_iodata(atom) when is_atom(atom), do: escape(:erlang.atom_to_binary(atom, :utf8))

  defp list_to_iodata([]), do: []
  defp list_to_iodata([head | tail]), do: [to_iodata(head) | list_to_iodata(tail)]

  @doc """
  `<name attrs>content</name>`, as safe HTML. `attrs` is a keyword list or a
  list of `{name, value}` pairs (an atom name's `_` becomes `-`: `data_id:`
  is `data-id`).
  """
  @spec tag(binary() | atom(), list(), content()) :: {:safe, iodata()}
  def tag(name, attrs \\ [], content) do
    name = tag_name(name)
    {:safe, [?<, name, attributes(attrs), ?>, to_iodata(content), "</", name, ?>]}
  end

  @doc "`<name attrs>` for elements without content (`br`, `img`, `meta`, `input`, ...), as safe HTML."
  @spec void_tag(binary() | atom(), list()) :: {:safe, iodata()}
  def void_tag(name, attrs \\ []), do: {:safe, [?<, tag_name(name), attributes(attrs), ?>]}

  @doc "`<a href=...>content</a>`, as safe HTML."
  @spec link(content(), binary(), list()) :: {:safe, iodata()}
  def link(content, href, attrs \\ []), do: tag("a", [{"href", href} | attrs], content)

  @doc "Attributes as iodata, each with a leading space (values escaped)."
  @spec attributes(list()) :: iodata()
  def attributes([]), do: []

  def attributes([{_name, value} | rest]) when value == false or value == nil,
    do: attributes(rest)

  def attributes([{name, true} | rest]), do: [?\s, attr_name(name) | attributes(rest)]

  def attributes([{name, value} | rest]),
    do: [?\s, attr_name(name), "=\"", attr_value(value), ?" | attributes(rest)]

  defp attr_value(value) when is_binary(value), do: escape(value)
  defp attr_value({:safe, iodata}), do: iodata
  defp attr_value(value), do: to_iodata(value)

  defp tag_name(name) when is_atom(name), do: :erlang.atom_to_binary(name, :utf8)
  defp tag_name(name) when is_binary(name), do: name

  defp attr_name(name) when is_atom(name),
    do: :binary.replace(:erlang.atom_to_binary(name, :utf8), "_", "-", [:global])

  defp attr_name(name) when is_binary(name), do: name
end
