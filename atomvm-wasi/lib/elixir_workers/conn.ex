# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Conn do
  @moduledoc """
  One request and the response being built for it, in the manner of
  `Plug.Conn`. Handlers and middleware take a `Conn` and return it.

  ## Request fields

    * `method` - `"GET"`, `"POST"`, ... (upper case, as the client sent it)
    * `url` - absolute, as the client asked for it; `scheme`, `host`, `port`
      come from it
    * `path` - the path, still percent-encoded; `segments` - its non-empty
      segments (`"/a//b/"` gives `["a", "b"]`), still percent-encoded
    * `query_string` (without `?`) and `query_params` (decoded, see
      `ElixirWorkers.URL.decode_query/1`)
    * `headers` - `{name, value}` pairs, names lower case, repeated names
      kept, in arrival order; read them with `get_req_header/2`, which takes
      the name in any case
    * `body` - the raw body (binary); `body_params` - filled by
      `ElixirWorkers.Middleware.BodyParser`
    * `path_params` - the router's `:name`/`*glob` captures (decoded);
      `params` - query, body and path params merged (path wins)
    * `env` - the worker's variables and secrets (name => string);
      `bindings` - declared bindings (name => `"kv"`/`"d1"`); `cf` -
      Cloudflare's request properties
    * `assigns` - yours (`assign/3`)

  ## Response fields

    * `status` (default 200), `resp_headers` (`{name, value}` pairs in the
      order written, repeated names such as `set-cookie` kept) and
      `resp_body` (iodata, written as is, never escaped)
    * `halted` - set by `halt/1`: the router runs nothing after it

  `round`, `state`, `results` and `effects` belong to the bindings
  (`ElixirWorkers.KV`, `ElixirWorkers.D1`); `private` to the framework.
  """

  alias ElixirWorkers.{Cookies, JSON, Options, URL}

  defstruct method: "GET",
            url: "",
            scheme: "http",
            host: "",
            port: nil,
            path: "/",
            segments: [],
            query_string: "",
            query_params: %{},
            headers: [],
            body: "",
            body_params: %{},
            path_params: %{},
            params: %{},
            env: %{},
            bindings: %{},
            cf: %{},
            assigns: %{},
            round: 0,
            state: nil,
            results: %{},
            effects: [],
            status: 200,
            resp_headers: [],
            resp_body: "",
            halted: false,
            private: %{}

  @type headers :: [{binary(), binary()}]
  @type t :: %__MODULE__{
          method: binary(),
          url: binary(),
          scheme: binary(),
          host: binary(),
          port: non_neg_integer() | nil,
          path: binary(),
          segments: [binary()],
          query_string: binary(),
          query_params: map(),
          headers: headers(),
          body: binary(),
          body_params: map(),
          path_params: map(),
          params: map(),
          env: %{optional(binary()) => binary()},
          bindings: %{optional(binary()) => binary()},
          cf: map(),
          assigns: map(),
          round: non_neg_integer(),
          state: term(),
          results: map(),
          effects: [map()],
          status: 100..599,
          resp_headers: headers(),
          resp_body: iodata(),
          halted: boolean(),
          private: map()
        }

  @doc """
  A `Conn` for `method` and absolute `url`, as the framework builds it from a
  request frame; for tests. Options: `headers` (`{name, value}` pairs),
  `body`, `env`, `bindings`, `cf`, `round`, `state`, `results`.
  """
  @spec new(binary(), binary(), keyword()) :: t()
  def new(method, url, opts \\ []) when is_binary(method) and is_binary(url) do
    {scheme, host, port, path, query_string} = split_url(url)
    query_params = URL.decode_query(query_string)

    %__MODULE__{
      method: method,
      url: url,
      scheme: scheme,
      host: host,
      port: port,
      path: path,
      segments: split_path(path),
      query_string: query_string,
      query_params: query_params,
      params: query_params,
      headers: lower_names(Options.get(opts, :headers, [])),
      body: Options.get(opts, :body, ""),
      env: Options.get(opts, :env, %{}),
      bindings: Options.get(opts, :bindings, %{}),
      cf: Options.get(opts, :cf, %{}),
      round: Options.get(opts, :round, 0),
      state: Options.get(opts, :state, nil),
      results: Options.get(opts, :results, %{})
    }
  end

  defp lower_names([]), do: []

  defp lower_names([{name, value} | rest]),
    do: [{downcase(name), value} | lower_names(rest)]

  @doc """
  How logs, error pages and `inspect/1` show a conn: `#ElixirWorkers.Conn<GET /path>`.
  Nothing else of it (env, headers, cookies, body) is shown: they may hold secrets.
  """
  @spec describe(t()) :: binary()
  def describe(%__MODULE__{method: method, path: path}) do
    method = if is_binary(method), do: method, else: "?"
    path = if is_binary(path), do: path, else: "?"
    <<"#ElixirWorkers.Conn<", method::binary, " ", path::binary, ">">>
  end

  ## Request

  @doc "Values of a request header (name in any case), in arrival order."
  @spec get_req_header(t(), binary()) :: [binary()]
  def get_req_header(%__MODULE__{headers: headers}, name), do: values(headers, downcase(name))

  @doc "The first value of a request header (name in any case), or `default`."
  @spec req_header(t(), binary(), term()) :: binary() | term()
  def req_header(%__MODULE__{headers: headers}, name, default \\ nil) do
    case :lists.keyfind(downcase(name), 1, headers) do
      {_, value} -> value
      false -> default
    end
  end

  @doc "Sets a request header, replacing earlier values (for tests and middleware)."
  @spec put_req_header(t(), binary(), binary()) :: t()
  def put_req_header(%__MODULE__{headers: headers} = conn, name, value) when is_binary(value) do
    name = downcase(name)
    %__MODULE__{conn | headers: remove_all(headers, name) ++ [{name, value}]}
  end

  @doc "A variable or secret of the worker, or `default`."
  @spec env(t(), binary(), term()) :: binary() | term()
  def env(%__MODULE__{env: env}, name, default \\ nil), do: :maps.get(name, env, default)

  @doc "The request's cookies (`cookie` headers), as a map."
  @spec cookies(t()) :: %{optional(binary()) => binary()}
  def cookies(conn) do
    case get_req_header(conn, "cookie") do
      [] -> %{}
      headers -> Cookies.parse(headers)
    end
  end

  @doc "One cookie of the request, or `nil`."
  @spec get_cookie(t(), binary()) :: binary() | nil
  def get_cookie(conn, name), do: :maps.get(name, cookies(conn), nil)

  ## Response

  @doc "Sets the response status."
  @spec put_status(t(), 100..599) :: t()
  def put_status(%__MODULE__{} = conn, status)
      when is_integer(status) and status >= 100 and status <= 599,
      do: %__MODULE__{conn | status: status}

  @doc """
  Sets a response header, replacing every earlier value of that name (names
  are stored lower case). Raises `ArgumentError` for a line break in the value.
  """
  @spec put_resp_header(t(), binary(), binary()) :: t()
  def put_resp_header(%__MODULE__{resp_headers: headers} = conn, name, value) do
    name = downcase(name)
    check_value(name, value)
    %__MODULE__{conn | resp_headers: replace_header(headers, name, value)}
  end

  @doc "Adds a response header, keeping earlier values of that name (e.g. `set-cookie`)."
  @spec add_resp_header(t(), binary(), binary()) :: t()
  def add_resp_header(%__MODULE__{resp_headers: headers} = conn, name, value) do
    name = downcase(name)
    check_value(name, value)
    %__MODULE__{conn | resp_headers: headers ++ [{name, value}]}
  end

  @doc "Sets a response header only when the response has none of that name yet."
  @spec put_new_resp_header(t(), binary(), binary()) :: t()
  def put_new_resp_header(%__MODULE__{resp_headers: headers} = conn, name, value) do
    if :lists.keymember(downcase(name), 1, headers) do
      conn
    else
      add_resp_header(conn, name, value)
    end
  end

  @doc "Removes every response header of that name."
  @spec delete_resp_header(t(), binary()) :: t()
  def delete_resp_header(%__MODULE__{resp_headers: headers} = conn, name),
    do: %__MODULE__{conn | resp_headers: remove_all(headers, downcase(name))}

  @doc "Values of a response header, in order."
  @spec get_resp_header(t(), binary()) :: [binary()]
  def get_resp_header(%__MODULE__{resp_headers: headers}, name),
    do: values(headers, downcase(name))

  @doc "Sets `content-type`, with `; charset=...` unless `charset` is `nil`."
  @spec put_resp_content_type(t(), binary(), binary() | nil) :: t()
  def put_resp_content_type(conn, type, charset \\ "utf-8")
  def put_resp_content_type(conn, type, nil), do: put_resp_header(conn, "content-type", type)

  def put_resp_content_type(conn, type, charset),
    do: put_resp_header(conn, "content-type", type <> "; charset=" <> charset)

  @doc "Sets the status and the body (iodata, written as is)."
  @spec send_resp(t(), 100..599, iodata()) :: t()
  def send_resp(%__MODULE__{} = conn, status, body) do
    %__MODULE__{put_status(conn, status) | resp_body: body}
  end

  @doc "Same as `send_resp/3`."
  @spec resp(t(), 100..599, iodata()) :: t()
  def resp(conn, status, body), do: send_resp(conn, status, body)

  @doc """
  An HTML response: `text/html; charset=utf-8` (unless a content type is
  set) and the body - iodata written as is, or `{:safe, iodata}` from
  `ElixirWorkers.HTML`.
  """
  @spec html(t(), iodata() | {:safe, iodata()}) :: t()
  def html(%__MODULE__{status: status} = conn, body), do: html(conn, status, body)

  @spec html(t(), 100..599, iodata() | {:safe, iodata()}) :: t()
  def html(conn, status, {:safe, body}), do: html(conn, status, body)

  def html(conn, status, body) do
    conn
    |> put_new_resp_header("content-type", "text/html; charset=utf-8")
    |> send_resp(status, body)
  end

  @doc "A JSON response: `data` encoded with `ElixirWorkers.JSON`, `application/json`."
  @spec json(t(), term()) :: t()
  def json(%__MODULE__{status: status} = conn, data), do: json(conn, status, data)

  @spec json(t(), 100..599, term()) :: t()
  def json(conn, status, data) do
    conn
    |> put_new_resp_header("content-type", "application/json")
    |> send_resp(status, JSON.encode(data))
  end

  @doc "A plain-text response: `text/plain; charset=utf-8`."
  @spec text(t(), iodata()) :: t()
  def text(%__MODULE__{status: status} = conn, body), do: text(conn, status, body)

  @spec text(t(), 100..599, iodata()) :: t()
  def text(conn, status, body) do
    conn
    |> put_new_resp_header("content-type", "text/plain; charset=utf-8")
    |> send_resp(status, body)
  end

  @doc """
  A redirect: `redirect(conn, "/login")` or `redirect(conn, to: "/login")`
  answers 302 with a `location` header; `redirect(conn, 301, url)` picks the
  status.
  """
  @spec redirect(t(), binary() | keyword()) :: t()
  def redirect(conn, [{:to, location}]), do: redirect(conn, 302, location)
  def redirect(conn, location) when is_binary(location), do: redirect(conn, 302, location)

  @spec redirect(t(), 300..399, binary()) :: t()
  def redirect(conn, status, location) when is_binary(location) do
    body = [
      "<html><body>You are being <a href=\"",
      ElixirWorkers.HTML.escape(location),
      "\">redirected</a>.</body></html>"
    ]

    conn
    |> put_resp_header("location", location)
    |> put_new_resp_header("content-type", "text/html; charset=utf-8")
    |> send_resp(status, body)
  end

  @doc "Stops the pipeline: the router calls nothing after this conn is returned."
  @spec halt(t()) :: t()
  def halt(%__MODULE__{} = conn), do: %__MODULE__{conn | halted: true}

  @doc "Stores a value in `assigns`."
  @spec assign(t(), atom(), term()) :: t()
  def assign(%__MODULE__{assigns: assigns} = conn, key, value),
    do: %__MODULE__{conn | assigns: :maps.put(key, value, assigns)}

  @doc "Merges a map or keyword list into `assigns`."
  @spec merge_assigns(t(), map() | keyword()) :: t()
  def merge_assigns(%__MODULE__{assigns: assigns} = conn, new) when is_map(new),
    do: %__MODULE__{conn | assigns: :maps.merge(assigns, new)}

  def merge_assigns(conn, new) when is_list(new), do: merge_assigns(conn, :maps.from_list(new))

  @doc "Stores a value in `private` (for libraries)."
  @spec put_private(t(), atom(), term()) :: t()
  def put_private(%__MODULE__{private: private} = conn, key, value),
    do: %__MODULE__{conn | private: :maps.put(key, value, private)}

  @doc "Adds a `set-cookie` header; options as `ElixirWorkers.Cookies.format/3`."
  @spec put_resp_cookie(t(), binary(), binary(), keyword()) :: t()
  def put_resp_cookie(conn, name, value, opts \\ []),
    do: add_resp_header(conn, "set-cookie", Cookies.format(name, value, opts))

  @doc "Adds a `set-cookie` header that deletes the cookie (`path`/`domain` must match)."
  @spec delete_resp_cookie(t(), binary(), keyword()) :: t()
  def delete_resp_cookie(conn, name, opts \\ []),
    do: add_resp_header(conn, "set-cookie", Cookies.format_delete(name, opts))

  @doc """
  Registers a function (`Conn -> Conn`) to run on the final response just
  before it is written; the last registered runs first.
  """
  @spec register_before_send(t(), (t() -> t())) :: t()
  def register_before_send(%__MODULE__{private: private} = conn, callback)
      when is_function(callback, 1) do
    callbacks = :maps.get(:before_send, private, [])
    %__MODULE__{conn | private: :maps.put(:before_send, [callback | callbacks], private)}
  end

  @doc false
  @spec run_before_send(t()) :: t()
  def run_before_send(%__MODULE__{private: private} = conn) do
    case private do
      %{before_send: callbacks} ->
        conn = %__MODULE__{conn | private: :maps.remove(:before_send, private)}
        run_callbacks(callbacks, conn)

      _ ->
        conn
    end
  end

  defp run_callbacks([], conn), do: conn

  defp run_callbacks([callback | rest], conn) do
    case callback.(conn) do
      %__MODULE__{} = conn -> run_callbacks(rest, conn)
      other -> :erlang.error({:bad_before_send_return, other})
    end
  end

  ## URLs

  @doc """
  Splits an absolute URL into `{scheme, host, port, path, query_string}`;
  `port` is `nil` when the URL has none. A relative URL (`/a?b`) has scheme
  `"http"` and host `""`.
  """
  @spec split_url(binary()) :: {binary(), binary(), non_neg_integer() | nil, binary(), binary()}
  def split_url(url) do
    {scheme, authority, target} =
      case :binary.split(url, "://") do
        [scheme, rest] ->
          # the target starts after the authority, at the first "/" or "?"
          case :binary.match(rest, ["/", "?"]) do
            {at, _} ->
              {authority, target} = :erlang.split_binary(rest, at)
              {downcase(scheme), authority, target}

            :nomatch ->
              {downcase(scheme), rest, ""}
          end

        [relative] ->
          {"http", "", relative}
      end

    {host, port} = split_authority(authority)

    case :binary.split(target, "?") do
      [path, query] -> {scheme, host, port, non_empty_path(path), query}
      [path] -> {scheme, host, port, non_empty_path(path), ""}
    end
  end

  defp split_authority(authority) do
    # drop user info; an IPv6 host is in brackets
    hostport =
      case :binary.split(authority, "@") do
        [_user, hostport] -> hostport
        [hostport] -> hostport
      end

    case hostport do
      <<?[, _::binary>> ->
        case :binary.split(hostport, "]:") do
          [host, port] -> {host <> "]", parse_port(port)}
          [host] -> {host, nil}
        end

      _ ->
        case :binary.split(hostport, ":") do
          [host, port] -> {downcase(host), parse_port(port)}
          [host] -> {downcase(host), nil}
        end
    end
  end

  defp parse_port(""), do: nil
  defp parse_port(port), do: parse_port(port, 0)

  defp parse_port(<<c, rest::binary>>, n) when c >= ?0 and c <= ?9,
    do: parse_port(rest, n * 10 + c - ?0)

  defp parse_port(<<>>, n), do: n
  defp parse_port(_, _n), do: nil

  @doc "The non-empty segments of a path, still percent-encoded."
  @spec split_path(binary()) :: [binary()]
  def split_path(path), do: non_empty(:binary.split(path, "/", [:global]))

  defp non_empty([]), do: []
  defp non_empty(["" | rest]), do: non_empty(rest)
  defp non_empty([segment | rest]), do: [segment | non_empty(rest)]

  defp non_empty_path(""), do: "/"
  defp non_empty_path(path), do: path

  ## Helpers

  # ASCII only (header names, schemes, hosts); unchanged names are not copied
  defp downcase(name) do
    if has_upper?(name),
      do: :erlang.list_to_binary(lower(:erlang.binary_to_list(name))),
      else: name
  end

  defp has_upper?(<<c, _::binary>>) when c >= ?A and c <= ?Z, do: true
  defp has_upper?(<<_, rest::binary>>), do: has_upper?(rest)
  defp has_upper?(<<>>), do: false

  defp lower([]), do: []
  defp lower([c | rest]) when c >= ?A and c <= ?Z, do: [c + 32 | lower(rest)]
  defp lower([c | rest]), do: [c | lower(rest)]

  defp check_value(name, value) when is_binary(value) do
    if :binary.match(value, ["\r", "\n", <<0>>]) != :nomatch do
      raise ArgumentError, "the value of response header " <> name <> " contains a line break"
    end
  end

  defp check_value(name, _value) do
    raise ArgumentError, "the value of response header " <> name <> " must be a binary"
  end

  defp replace_header(headers, name, value) do
    case :lists.keymember(name, 1, headers) do
      false -> headers ++ [{name, value}]
      true -> replace_first(headers, name, value)
    end
  end

  # the first occurrence keeps its place; later ones are dropped
  defp replace_first([{name, _} | rest], name, value),
    do: [{name, value} | remove_all(rest, name)]

  defp replace_first([header | rest], name, value),
    do: [header | replace_first(rest, name, value)]

  defp remove_all([], _name), do: []
  defp remove_all([{name, _} | rest], name), do: remove_all(rest, name)
  defp remove_all([header | rest], name), do: [header | remove_all(rest, name)]

  defp values([], _name), do: []
  defp values([{name, value} | rest], name), do: [value | values(rest, name)]
  defp values([_ | rest], name), do: values(rest, name)
end

defimpl Inspect, for: ElixirWorkers.Conn do
  def inspect(conn, _opts), do: ElixirWorkers.Conn.describe(conn)
end
