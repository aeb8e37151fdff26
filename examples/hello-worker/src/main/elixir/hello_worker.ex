# SPDX-License-Identifier: Apache-2.0

defmodule HelloWorker do
  @moduledoc """
  The example worker.

    * `GET /` - an HTML page rendered from iolists
    * `GET /api/health` - `{"runtime":"atomvm","status":"ok"}`
    * anything else - 404 (405 for another method on a known path)

  It runs on AtomVM, whose Elixir library has no `String` module and only part
  of `Enum`: the page is built with plain recursion and `:binary` functions.
  The page's own text is trusted HTML and is written as is; only values taken
  from the request are escaped.
  """

  use ElixirWorkers.App

  alias ElixirWorkers.{Conn, JSON}

  # :atomvm is AtomVM's own module, not available when compiling.
  @compile {:no_warn_undefined, :atomvm}

  @features [
    {"Elixir on the edge",
     "Handlers are plain Elixir modules, compiled to BEAM bytecode by elixirc and run by AtomVM inside a WebAssembly module on Cloudflare Workers."},
    {"Built by Maven",
     "mvn package compiles the Elixir sources, packs them with AtomVM's standard library into app.avm and assembles a deployable Worker bundle."},
    {"AtomVM on WASI",
     "The BEAM virtual machine is compiled from a pinned upstream release to a WASI preview1 command module: no Emscripten, no JavaScript glue beyond WASI."},
    {"One request, one instance",
     "Each request runs in a fresh instance: the request frame arrives on stdin, the response frame leaves on stdout, diagnostics go to stderr."},
    {"Bodies are never escaped",
     "A frame is one line of JSON followed by the raw body bytes, so this page is written exactly as the handler's iolist renders it."},
    {"Local first",
     "The same atomvm.wasm and app.avm run inside the JVM for the dev server and for JUnit tests, so nothing needs a Cloudflare account until deploy."},
    {"Small and cacheable",
     "The virtual machine is built once per AtomVM version and cached; only your modules and the library modules they reach go into app.avm."},
    {"Errors stay readable",
     "An exception in a handler becomes a 500 response, and its message and stack trace are logged to stderr where the host collects them."},
    {"Plain data in, plain data out",
     "A handler receives a Conn struct with the method, path, query string, headers and body, and returns it with a status, headers and an iolist body."},
    {"No hidden runtime",
     "There is no Node.js framework and no Elixir release inside the Worker: a small JavaScript shim, a WebAssembly VM and your bytecode."},
    {"Tested where it runs",
     "The JUnit tests of a project call the very worker that gets deployed, with requests and responses in the same framing as production."},
    {"Open source all the way down",
     "The Maven plugin and the adapter are Apache-2.0; AtomVM is Apache-2.0 or LGPL-2.1, downloaded at a pinned version and checked against its digest."}
  ]

  @steps [
    "The Worker receives an HTTP request and writes its method, URL and headers as one line of JSON, followed by the body bytes, to the VM's stdin.",
    "A fresh AtomVM instance loads app.avm and runs the start function that use ElixirWorkers.App defined in this module.",
    "The request frame is decoded into an ElixirWorkers.Conn struct and passed to handle/1.",
    "handle/1 picks a route by pattern matching on the path and renders the response body as an iolist, without building one big string.",
    "The response head and the body bytes go to stdout in a single write; the Worker turns them back into an HTTP response."
  ]

  @impl true
  def handle(%Conn{path: "/"} = conn), do: only_get(conn, &home/1)
  def handle(%Conn{path: "/api/health"} = conn), do: only_get(conn, &health/1)

  def handle(conn) do
    conn
    |> Conn.put_resp_header("content-type", "text/plain; charset=utf-8")
    |> Conn.resp(404, "Not Found\n")
  end

  defp only_get(%Conn{method: "GET"} = conn, handler), do: handler.(conn)
  defp only_get(%Conn{method: "HEAD"} = conn, handler), do: %Conn{handler.(conn) | resp_body: ""}

  defp only_get(conn, _handler) do
    conn
    |> Conn.put_resp_header("allow", "GET, HEAD")
    |> Conn.put_resp_header("content-type", "text/plain; charset=utf-8")
    |> Conn.resp(405, "Method Not Allowed\n")
  end

  defp health(conn) do
    conn
    |> Conn.put_resp_header("content-type", "application/json")
    |> Conn.resp(200, JSON.encode(%{"status" => "ok", "runtime" => "atomvm"}))
  end

  defp home(conn) do
    conn
    |> Conn.put_resp_header("content-type", "text/html; charset=utf-8")
    |> Conn.put_resp_header("cache-control", "no-store")
    |> Conn.resp(200, page(conn))
  end

  defp page(conn) do
    [
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
      "<title>Hello from Elixir on Cloudflare Workers</title>\n",
      "<style>\n",
      "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1f2328;line-height:1.5}\n",
      "h1{color:#4e2a8e;margin-bottom:.25rem}\n",
      ".lead{color:#57606a;margin-top:0}\n",
      "ul.features{list-style:none;padding:0}\n",
      "ul.features li{border-left:4px solid #4e2a8e;padding:.25rem .75rem;margin:.75rem 0;background:#f6f8fa}\n",
      "table{border-collapse:collapse;width:100%;font-size:.9rem}\n",
      "td,th{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}\n",
      "code{background:#eff1f3;padding:0 .25rem;border-radius:3px}\n",
      "</style>\n</head>\n<body>\n",
      "<h1>Hello from Elixir</h1>\n",
      "<p class=\"lead\">This page was rendered by an Elixir handler running on AtomVM, compiled to WebAssembly.</p>\n",
      "<h2>What you get</h2>\n<ul class=\"features\">\n",
      features(@features, []),
      "</ul>\n",
      "<h2>How a request flows</h2>\n<ol>\n",
      steps(@steps, []),
      "</ol>\n",
      "<h2>This request</h2>\n",
      request_table(conn),
      "<p>Try <a href=\"/api/health\"><code>/api/health</code></a> for a JSON response.</p>\n",
      "<footer><p>Served by <code>HelloWorker.handle/1</code>. Edit <code>src/main/elixir/hello_worker.ex</code>, ",
      "run <code>mvn package</code> again, and the next request runs your new code.</p></footer>\n",
      "</body>\n</html>\n"
    ]
  end

  defp features([], acc), do: :lists.reverse(acc)

  defp features([{title, text} | rest], acc) do
    item = ["<li><strong>", title, "</strong><br>", text, "</li>\n"]
    features(rest, [item | acc])
  end

  defp steps([], acc), do: :lists.reverse(acc)
  defp steps([step | rest], acc), do: steps(rest, [["<li>", step, "</li>\n"] | acc])

  defp request_table(conn) do
    [
      "<table>\n",
      row("method", conn.method),
      row("path", conn.path),
      row("query", conn.query_string),
      row("runtime", :erlang.atom_to_binary(:atomvm.platform(), :utf8)),
      header_rows(conn.headers, []),
      "</table>\n"
    ]
  end

  defp header_rows([], acc), do: :lists.reverse(acc)

  defp header_rows([{name, value} | rest], acc),
    do: header_rows(rest, [row("header " <> name, value) | acc])

  defp row(name, value),
    do: ["<tr><th>", escape(name), "</th><td>", escape(value), "</td></tr>\n"]

  # HTML-escapes a value from the request. :binary.match runs natively; a
  # byte-by-byte scan in interpreted code costs several times more.
  defp escape(text) do
    case :binary.match(text, ["&", "<", ">", "\"", "'"]) do
      :nomatch -> text
      _ -> escape_bytes(text, [])
    end
  end

  defp escape_bytes(<<>>, acc), do: :lists.reverse(acc)
  defp escape_bytes(<<?&, rest::binary>>, acc), do: escape_bytes(rest, ["&amp;" | acc])
  defp escape_bytes(<<?<, rest::binary>>, acc), do: escape_bytes(rest, ["&lt;" | acc])
  defp escape_bytes(<<?>, rest::binary>>, acc), do: escape_bytes(rest, ["&gt;" | acc])
  defp escape_bytes(<<?", rest::binary>>, acc), do: escape_bytes(rest, ["&quot;" | acc])
  defp escape_bytes(<<?', rest::binary>>, acc), do: escape_bytes(rest, ["&#39;" | acc])
  defp escape_bytes(<<c, rest::binary>>, acc), do: escape_bytes(rest, [c | acc])
end
