# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.App.Errors do
  @moduledoc false
  # The 500 path of ElixirWorkers.App, in a module of its own: AtomVM loads a
  # module when it is first called, so requests that succeed never load it.

  alias ElixirWorkers.{Conn, Frame, HTML}

  @env_var "ELIXIR_WORKERS_ENV"

  @doc "Logs the error and answers 500: details in development, none in production."
  def response(module, conn, log, debug, kind, reason, stack) do
    undefined = undefined_function(kind, reason, stack)
    message = if undefined, do: describe_undefined(undefined), else: describe(kind, reason)

    log.([
      "elixir-workers: ",
      name(module),
      " answered 500 to ",
      conn.method,
      " ",
      conn.path,
      ": ",
      message,
      called_at(undefined, stack)
    ])

    lines = stack_lines(stack)
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

  @doc "A term as `~p` prints it (binary)."
  def format_term(term), do: :unicode.characters_to_binary(:io_lib.format(~c"~p", [term]))

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
