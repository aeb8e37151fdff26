# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.App.Errors do
  @moduledoc false
  # The 500 path of ElixirWorkers.App, in a module of its own: AtomVM loads a
  # module when it is first called, so requests that succeed never load it.

  alias ElixirWorkers.{Conn, Frame, HTML}

  @env_var "ELIXIR_WORKERS_ENV"

  @doc """
  Logs the error and answers 500: details in development, none in production.

  Neither the log nor the page shows a secret: a `Conn` in the reason prints
  as its method and path, and the request's env values, cookies and
  credentials are cut out of the text (`redact/2`).
  """
  def response(module, conn, log, debug, kind, reason, stack) do
    secrets = secrets(conn)
    undefined = undefined_function(kind, reason, stack)

    described =
      if undefined, do: describe_undefined(undefined), else: describe(kind, mask(reason, conn))

    log.(
      redact(
        [
          "elixir-workers: ",
          name(module),
          " answered 500 to ",
          conn.method,
          " ",
          conn.path,
          ": ",
          described,
          called_at(undefined, stack)
        ],
        secrets
      )
    )

    message = redact(described, secrets)

    lines = :lists.map(fn line -> redact(line, secrets) end, stack_lines(stack))
    :lists.foreach(fn line -> log.(["    ", line]) end, lines)

    response =
      if debug?(conn, debug) do
        debug_error(conn, message, lines)
      else
        plain_error()
      end

    try do
      Frame.encode_response(response)
    catch
      _, _ -> Frame.encode_response(plain_error())
    end
  end

  defp debug?(_conn, true), do: true
  defp debug?(_conn, false), do: false

  defp debug?(%Conn{env: env}, nil) do
    case env do
      %{@env_var => value} -> value == "dev" or value == "development"
      _ -> false
    end
  end

  @doc "The response sent for an error in production."
  def plain_error do
    %Conn{
      status: 500,
      resp_headers: [{"content-type", "text/plain; charset=utf-8"}],
      resp_body: "Internal Server Error\n"
    }
  end

  defp debug_error(conn, message, lines) do
    html? =
      case Conn.req_header(conn, "accept") do
        nil -> false
        accept -> :binary.match(accept, "text/html") != :nomatch
      end

    if html? do
      body = [
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>500 Internal Server Error</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2rem}pre{background:#f6f8fa;padding:1rem;",
        "overflow:auto}</style></head><body>\n<h1>500 Internal Server Error</h1>\n<p>",
        HTML.escape(conn.method),
        " ",
        HTML.escape(conn.path),
        "</p>\n<pre>",
        HTML.escape(:erlang.iolist_to_binary(message)),
        "</pre>\n<h2>Stack trace</h2>\n<pre>",
        :lists.map(fn line -> [HTML.escape(:erlang.iolist_to_binary(line)), ?\n] end, lines),
        "</pre>\n<p>Shown because ELIXIR_WORKERS_ENV is development; production shows no details.</p>\n",
        "</body></html>\n"
      ]

      %Conn{
        status: 500,
        resp_headers: [{"content-type", "text/html; charset=utf-8"}],
        resp_body: body
      }
    else
      body = [
        "Internal Server Error\n\n",
        message,
        ?\n,
        :lists.map(fn line -> ["    ", line, ?\n] end, lines)
      ]

      %Conn{
        status: 500,
        resp_headers: [{"content-type", "text/plain; charset=utf-8"}],
        resp_body: body
      }
    end
  end

  # Exceptions are described without Exception/Inspect, which AtomVM's Elixir
  # library lacks or has only in part.
  @doc """
  `** (Module) message` for an exception, `** (kind) term` otherwise (iodata);
  `undef` as Elixir's `UndefinedFunctionError` says it, when the stack trace
  names the function that was not found.
  """
  def describe(kind, reason, stack) do
    case undefined_function(kind, reason, stack) do
      nil -> describe(kind, reason)
      undefined -> describe_undefined(undefined)
    end
  end

  @doc "`describe/3` without a stack trace: `undef` says only `** (error) undef`."
  def describe(:error, %{__struct__: struct, __exception__: true} = exception) do
    message =
      case exception do
        %{message: message} when is_binary(message) ->
          message

        _ ->
          try do
            struct.message(exception)
          catch
            _, _ -> format_term(exception)
          end
      end

    ["** (", name(struct), ") ", message]
  end

  def describe(:error, reason), do: ["** (error) ", format_term(reason)]

  def describe(kind, reason),
    do: ["** (", :erlang.atom_to_binary(kind, :utf8), ") ", format_term(reason)]

  # On the BEAM, and on AtomVM with src/undefined_function.c, an undef's
  # stack trace starts with the function that was not found, with no location,
  # above its caller's frame. A first frame that names a function that exists
  # (or has a line) is the caller's: AtomVM found no name to put there.
  # (Asking AtomVM for a module that is not there prints a line to stderr: it is
  # asked once.)
  defp undefined_function(:error, :undef, [{module, function, arity_or_args, location} | _])
       when is_atom(module) and is_atom(function) and is_list(location) do
    arity = arity(arity_or_args)

    if is_integer(arity) and not :lists.keymember(:line, 1, location) do
      available? = available?(module)

      if not (available? and :erlang.function_exported(module, function, arity)) do
        {module, function, arity, available?}
      end
    end
  end

  defp undefined_function(_kind, _reason, _stack), do: nil

  defp describe_undefined({module, function, arity, available?}),
    do: ["** (UndefinedFunctionError) ", undefined_message(module, function, arity, available?)]

  defp available?(module), do: match?({:module, _}, :code.ensure_loaded(module))

  @doc """
  What Elixir's `UndefinedFunctionError` says for `module.function/arity`
  (iodata): `function String.pad_leading/3 is undefined (module String is not
  available)` when the module is not there, `function :lists.foo/2 is
  undefined or private` when it is.
  """
  def undefined_function_message(module, function, arity),
    do: undefined_message(module, function, arity, available?(module))

  defp undefined_message(module, function, arity, true = _available?),
    do: ["function ", format_mfa(module, function, arity), " is undefined or private"]

  defp undefined_message(module, function, arity, false = _available?) do
    [
      "function ",
      format_mfa(module, function, arity),
      " is undefined (module ",
      inspect_module(module),
      " is not available)"
    ]
  end

  # The log is read a line at a time: its first line names the caller's
  # file:line too, which the stack trace has on its second line.
  defp called_at(nil, _stack), do: []

  defp called_at(_undefined, [_missing, {_, _, _, location} | _]) when is_list(location) do
    case {:lists.keyfind(:file, 1, location), :lists.keyfind(:line, 1, location)} do
      {{:file, file}, {:line, line}} ->
        [", called at ", format_chars(file), ?:, format_term(line)]

      _ ->
        []
    end
  end

  defp called_at(_undefined, _stack), do: []

  defp arity(args) when is_list(args), do: length(args)
  defp arity(arity), do: arity

  defp stack_lines(stack) when is_list(stack), do: :lists.map(&format_entry/1, stack)
  defp stack_lines(_), do: []

  defp format_entry({module, function, arity_or_args, location})
       when is_atom(module) and is_atom(function) and
              (is_integer(arity_or_args) or is_list(arity_or_args)) do
    [format_mfa(module, function, arity(arity_or_args)), format_location(location)]
  end

  defp format_entry(entry), do: format_term(entry)

  defp format_location(location) when is_list(location) do
    case {:lists.keyfind(:file, 1, location), :lists.keyfind(:line, 1, location)} do
      {{:file, file}, {:line, line}} -> [" (", format_chars(file), ?:, format_term(line), ?)]
      {{:file, file}, false} -> [" (", format_chars(file), ?)]
      _ -> []
    end
  end

  defp format_location(_), do: []

  defp format_chars(file) when is_binary(file), do: file
  defp format_chars(file) when is_list(file), do: :unicode.characters_to_binary(file)
  defp format_chars(file), do: format_term(file)

  @doc """
  A term as `~p` prints it (binary), but a `Conn` anywhere in it as
  `#ElixirWorkers.Conn<GET /path>`: its env, headers and body stay out of
  logs and error pages (`Inspect` shows a `Conn` the same way).
  """
  def format_term(term) do
    if holds_conn?(term), do: :erlang.iolist_to_binary(print(term)), else: pretty(term)
  end

  defp pretty(term), do: :unicode.characters_to_binary(:io_lib.format(~c"~p", [term]))

  # ~p's syntax, on one line, for a term that holds a Conn; the parts without
  # one as ~p prints them.
  defp print(%Conn{} = conn), do: Conn.describe(conn)

  defp print(term) when is_tuple(term) do
    if holds_conn?(term),
      do: [?{, join(:lists.map(&print/1, :erlang.tuple_to_list(term))), ?}],
      else: pretty(term)
  end

  defp print(term) when is_map(term) do
    if holds_conn?(term) do
      pairs = :lists.map(fn {k, v} -> [print(k), " => ", print(v)] end, :maps.to_list(term))
      ["\#{", join(pairs), ?}]
    else
      pretty(term)
    end
  end

  defp print(term) when is_list(term) do
    if holds_conn?(term), do: [?[, print_list(term), ?]], else: pretty(term)
  end

  defp print(term), do: pretty(term)

  defp print_list([last]), do: [print(last)]
  defp print_list([first | rest]) when is_list(rest), do: [print(first), ?, | print_list(rest)]
  defp print_list([first | tail]), do: [print(first), ?|, print(tail)]

  defp join([]), do: []
  defp join([first | rest]), do: [first | :lists.map(fn part -> [?,, part] end, rest)]

  defp holds_conn?(%Conn{}), do: true
  defp holds_conn?(term) when is_tuple(term), do: holds_conn?(:erlang.tuple_to_list(term))
  defp holds_conn?(term) when is_map(term), do: holds_conn?(:maps.to_list(term))
  defp holds_conn?([first | rest]), do: holds_conn?(first) or holds_conn?(rest)
  defp holds_conn?(_term), do: false

  # Values shorter than this are not cut out of free text: they would match
  # line numbers and ordinary words. (In a Conn the env never prints at all.)
  @min_secret_bytes 6

  # Request headers that carry credentials.
  @credential_headers ["authorization", "cookie", "proxy-authorization"]

  @redacted "[redacted]"

  @doc """
  `term` with what may hold a secret taken out, before it is described:
  every `Conn` keeps only its method and path, the request's env map its
  names, a `{"cookie" | "authorization" | "proxy-authorization", value}`
  pair its name. (An exception's message is made from its fields, so an
  exception is masked the same way.)
  """
  def mask(term, %Conn{env: env}), do: mask_term(term, env)
  def mask(term, _conn), do: mask_term(term, %{})

  defp mask_term(%Conn{method: method, path: path}, _env), do: %Conn{method: method, path: path}

  defp mask_term(term, env) when is_map(term) do
    if term == env and map_size(env) > 0 do
      :maps.map(fn _name, _value -> @redacted end, env)
    else
      :maps.from_list(mask_list(:maps.to_list(term), env, []))
    end
  end

  defp mask_term({name, value}, env) when is_binary(name) and is_binary(value) do
    if :lists.member(name, @credential_headers),
      do: {name, @redacted},
      else: {name, mask_term(value, env)}
  end

  defp mask_term(term, env) when is_tuple(term),
    do: :erlang.list_to_tuple(mask_list(:erlang.tuple_to_list(term), env, []))

  defp mask_term(term, env) when is_list(term), do: mask_list(term, env, [])
  defp mask_term(term, _env), do: term

  defp mask_list([first | rest], env, acc),
    do: mask_list(rest, env, [mask_term(first, env) | acc])

  defp mask_list([], _env, acc), do: :lists.reverse(acc)

  defp mask_list(tail, env, acc),
    do: :lists.foldl(fn item, list -> [item | list] end, mask_term(tail, env), acc)

  @doc """
  What `redact/2` cuts out for a request: the values of its env (but
  `ELIXIR_WORKERS_ENV`), of its `cookie`, `authorization` and
  `proxy-authorization` headers and the cookies and credentials in them, of
  at least #{@min_secret_bytes} bytes, the longest first.
  """
  def secrets(%Conn{env: env, headers: headers}) do
    from_env =
      for {name, value} <- :maps.to_list(env), name != @env_var, is_binary(value), do: value

    from_headers =
      for {name, value} <- headers,
          is_binary(name) and is_binary(value),
          :lists.member(name, @credential_headers),
          part <- [value | header_parts(name, value)],
          do: part

    # each also as ~p writes it inside a binary
    candidates =
      for value <- from_env ++ from_headers,
          byte_size(value) >= @min_secret_bytes,
          form <- [value, escaped(value)],
          do: form

    :lists.sort(fn a, b -> byte_size(a) >= byte_size(b) end, :lists.usort(candidates))
  end

  def secrets(_conn), do: []

  # "a=1; session=abc" -> the cookies' values; "Bearer abc" -> "abc"
  defp header_parts("cookie", value) do
    for pair <- :binary.split(value, ";", [:global]),
        [_name, cookie] <- [:binary.split(pair, "=")],
        do: unquote_cookie(trim(cookie))
  end

  defp header_parts(_credentials, value) do
    case :binary.split(trim(value), " ") do
      [_scheme, credentials] -> [trim(credentials)]
      _ -> []
    end
  end

  defp escaped(value),
    do: :binary.replace(:binary.replace(value, "\\", "\\\\", [:global]), "\"", "\\\"", [:global])

  defp unquote_cookie(<<?", rest::binary>> = value) when byte_size(rest) > 0 do
    case :binary.last(rest) do
      ?" -> :binary.part(rest, 0, byte_size(rest) - 1)
      _ -> value
    end
  end

  defp unquote_cookie(value), do: value

  defp trim(<<?\s, rest::binary>>), do: trim(rest)
  defp trim(value), do: trim_trailing(value, byte_size(value))

  defp trim_trailing(value, 0), do: value

  defp trim_trailing(value, size) do
    case :binary.at(value, size - 1) do
      ?\s -> trim_trailing(:binary.part(value, 0, size - 1), size - 1)
      _ -> value
    end
  end

  @doc "`text` (iodata) as a binary with every one of `secrets` replaced by `#{@redacted}`."
  def redact(text, []), do: :erlang.iolist_to_binary(text)

  def redact(text, secrets) do
    :lists.foldl(
      fn secret, acc -> :binary.replace(acc, secret, @redacted, [:global]) end,
      :erlang.iolist_to_binary(text),
      secrets
    )
  end

  @doc "A module's name without `Elixir.`."
  def name(module) do
    case :erlang.atom_to_binary(module, :utf8) do
      "Elixir." <> name -> name
      name -> name
    end
  end

  @doc """
  `Module.function/arity` as Elixir writes it (binary): `String.pad_leading/3`,
  `:lists.foo/2`, `Kernel."weird name"/1`.
  """
  def format_mfa(module, function, arity) do
    function_name = :erlang.atom_to_binary(function, :utf8)

    function_name =
      if identifier?(function_name, false), do: function_name, else: quoted(function_name)

    :erlang.iolist_to_binary([inspect_module(module), ?., function_name, ?/, format_term(arity)])
  end

  @doc "A module as Elixir's `inspect/1` writes it (binary): `String`, `:lists`, `:\"my-mod\"`."
  def inspect_module(module) do
    case :erlang.atom_to_binary(module, :utf8) do
      "Elixir." <> name -> name
      name -> if identifier?(name, true), do: ":" <> name, else: ":" <> quoted(name)
    end
  end

  # A name Elixir writes without quotes: letters, digits, _ and @, starting
  # with a lower-case letter or _ (an atom may start upper-case too), perhaps
  # ending in ? or !.
  defp identifier?(<<first, rest::binary>>, upper_case_first?)
       when first in ?a..?z or first == ?_ or (upper_case_first? and first in ?A..?Z),
       do: identifier_rest?(rest)

  defp identifier?(_, _), do: false

  defp identifier_rest?(<<>>), do: true
  defp identifier_rest?(<<last>>) when last == ?? or last == ?!, do: true

  defp identifier_rest?(<<char, rest::binary>>)
       when char in ?a..?z or char in ?A..?Z or char in ?0..?9 or char == ?_ or char == ?@,
       do: identifier_rest?(rest)

  defp identifier_rest?(_), do: false

  defp quoted(name) do
    escaped =
      :binary.replace(:binary.replace(name, "\\", "\\\\", [:global]), "\"", "\\\"", [:global])

    <<?", escaped::binary, ?">>
  end
end
