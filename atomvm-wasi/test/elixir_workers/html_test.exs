# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.HTMLTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.HTML

  defp render(content), do: content |> HTML.to_iodata() |> IO.iodata_to_binary()

  test "escape/1 escapes the five characters" do
    assert HTML.escape(~s(<a href="x">Tom & Jerry's</a>)) ==
             "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"

    assert HTML.escape("&amp;") == "&amp;amp;"
  end

  test "escape/1 returns unchanged text without copying" do
    text = "nothing to escape here"
    assert :erts_debug.same(HTML.escape(text), text)
  end

  test "tag/3 escapes content and attribute values" do
    assert render(HTML.tag("p", [class: "a\"b"], "<b>")) == ~s(<p class="a&quot;b">&lt;b&gt;</p>)
    assert render(HTML.tag(:span, "x")) == "<span>x</span>"
  end

  test "tags nest, raw content is written as is" do
    page =
      HTML.tag("div", [
        HTML.tag("h1", "Tom & Jerry"),
        HTML.raw("<hr>"),
        HTML.link("next", "/a?b=1&c=2")
      ])

    assert render(page) ==
             ~s(<div><h1>Tom &amp; Jerry</h1><hr><a href="/a?b=1&amp;c=2">next</a></div>)
  end

  test "attributes: true is bare, false and nil are left out, underscores become dashes" do
    assert render(
             HTML.void_tag("input",
               type: "checkbox",
               checked: true,
               disabled: false,
               data_id: 7,
               title: nil
             )
           ) ==
             ~s(<input type="checkbox" checked data-id="7">)
  end

  test "numbers, atoms and nil as content" do
    assert render(["n=", 42, " f=", 1.5, " ", :ok, nil]) == "n=42 f=1.5 ok"
  end
end
