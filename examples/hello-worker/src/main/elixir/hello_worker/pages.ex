# SPDX-License-Identifier: Apache-2.0

defmodule HelloWorker.Pages do
  @moduledoc """
  The example's HTML pages. They run on AtomVM, whose Elixir library has no
  `String` module and only part of `Enum`: pages are iolists, the page's own
  text is trusted HTML written as is, and values taken from the request go
  through `ElixirWorkers.HTML`, which escapes them.
  """

  import ElixirWorkers.Conn
  alias ElixirWorkers.HTML

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
    {"Routes like Plug",
     "A router module lists routes with :param and *glob captures and middleware pipelines; 404, 405 and HEAD come for free."},
    {"KV and D1 that read like plain calls",
     "KV.get and D1.query return values: the worker is run again with the results, so handler code stays synchronous-looking."},
    {"Local first",
     "The same atomvm.wasm and app.avm run inside the JVM for the dev server and for JUnit tests, so nothing needs a Cloudflare account until deploy."},
    {"Small and cacheable",
     "The virtual machine is built once per AtomVM version and cached; only your modules and the library modules they reach go into app.avm."},
    {"Errors stay readable",
     "An exception in a handler becomes a 500 response; in development it shows the error and the stack trace, in production only a short message."},
    {"Checked for AtomVM",
     "At build time every call your code makes is checked against what AtomVM provides, so String.upcase/1 is a warning at build time, not a crash in production."},
    {"Open source all the way down",
     "The Maven plugin and the adapter are Apache-2.0; AtomVM is Apache-2.0 or LGPL-2.1, downloaded at a pinned version and checked against its digest."}
  ]

  @steps [
    "The Worker receives an HTTP request and writes its method, URL and headers as one line of JSON, followed by the body bytes, to the VM's stdin.",
    "A fresh AtomVM instance loads app.avm and runs the start function that use ElixirWorkers.App defined in HelloWorker.",
    "The request frame is decoded into an ElixirWorkers.Conn struct and handed to HelloWorker.Router.",
    "The router's middleware adds a request id and security headers, then the route for GET / calls HelloWorker.Pages.home/1.",
    "The page is rendered as an iolist, without building one big string; the response head and the body go to stdout in a single write."
  ]

  # AtomVM copies a literal onto the process heap each time code uses it, so
  # the page's static parts are rendered at compile time into a few binaries.
  @head IO.iodata_to_binary([
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
          for(
            {title, text} <- @features,
            do: ["<li><strong>", title, "</strong><br>", text, "</li>\n"]
          ),
          "</ul>\n",
          "<h2>How a request flows</h2>\n<ol>\n",
          for(step <- @steps, do: ["<li>", step, "</li>\n"]),
          "</ol>\n",
          "<h2>This request</h2>\n<table>\n"
        ])

  @routes [
    {"GET", "/", "this page"},
    {"GET", "/hello/:name", "a greeting; the name is HTML-escaped"},
    {"GET", "/api/health", "JSON: the runtime and a status"},
    {"POST", "/api/echo", "the JSON or form body, parsed by the BodyParser middleware"},
    {"GET", "/api/visits", "a counter in the KV namespace CACHE (declare the binding to use it)"},
    {"GET", "/api/kv/:key", "one key of the KV namespace CACHE, read without writing"}
  ]

  @foot IO.iodata_to_binary([
          "</table>\n",
          "<h2>Routes of this worker</h2>\n<table>\n<tr><th>method</th><th>path</th><th>answers</th></tr>\n",
          for(
            {method, path, what} <- @routes,
            do: [
              "<tr><td>",
              method,
              "</td><td><code>",
              path,
              "</code></td><td>",
              what,
              "</td></tr>\n"
            ]
          ),
          "</table>\n<p>Every response also carries a request id and security headers from the router's middleware.</p>\n",
          "<h2>Try</h2>\n<ul>\n",
          "<li><a href=\"/hello/world\"><code>/hello/world</code></a> - a route with a <code>:name</code> parameter</li>\n",
          "<li><a href=\"/api/health\"><code>/api/health</code></a> - a JSON response</li>\n",
          "<li><code>curl -d '{\"a\":1}' -H 'content-type: application/json' localhost:8797/api/echo</code> - the body parser</li>\n",
          "</ul>\n",
          "<footer><p>Served by <code>HelloWorker.Pages.home/1</code>. Edit <code>src/main/elixir/hello_worker/pages.ex</code>, ",
          "run <code>mvn package</code> again, and the next request runs your new code.</p></footer>\n",
          "</body>\n</html>\n"
        ])

  def home(conn) do
    conn
    |> put_resp_header("cache-control", "no-store")
    |> html([@head, request_rows(conn), @foot])
  end

  def hello(%{path_params: %{"name" => name}} = conn) do
    html(conn, [
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Hello</title></head><body>\n",
      HTML.to_iodata([
        HTML.tag("h1", ["Hello, ", name, "!"]),
        HTML.tag("p", HTML.link("Back to the start page", "/"))
      ]),
      "\n</body></html>\n"
    ])
  end

  defp request_rows(conn) do
    [
      row("method", conn.method),
      row("path", conn.path),
      row("query", conn.query_string),
      row("request id", :maps.get(:request_id, conn.assigns, "")),
      row("runtime", :erlang.atom_to_binary(:atomvm.platform(), :utf8)),
      header_rows(conn.headers)
    ]
  end

  defp header_rows([]), do: []
  defp header_rows([{name, value} | rest]), do: [row(name, value) | header_rows(rest)]

  defp row(name, value),
    do: ["<tr><th>", HTML.escape(name), "</th><td>", HTML.escape(value), "</td></tr>\n"]
end
