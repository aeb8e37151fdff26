# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.App.Errors do
  @moduledoc false
  # The 500 path of ElixirWorkers.App, in a module of its own: AtomVM loads a
  # module when it is first called, so requests that succeed never load it.

  alias ElixirWorkers.{Conn, Frame, HTML}

  @env_var "ELIXIR_WORKERS_ENV"

  @doc "Logs the error and answers 500: details in development, none in production."
  def response(module, conn, log, debug, kind, reason, stack) do
    message = describe(kind, reason)

    log.([
      "elixir-workers: ",
      name(module),
      " answered 500 to ",
      conn.method,
      " ",
      conn.path,
      ": ",
      message
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
  @doc "`** (Module) message` for an exception, `** (kind) term` otherwise (iodata)."
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

  defp stack_lines(stack) when is_list(stack), do: :lists.map(&format_entry/1, stack)
  defp stack_lines(_), do: []

  defp format_entry({module, function, arity_or_args, location})
       when is_atom(module) and is_atom(function) do
    arity = if is_list(arity_or_args), do: length(arity_or_args), else: arity_or_args

    [
      name(module),
      ?.,
      :erlang.atom_to_binary(function, :utf8),
      ?/,
      format_term(arity),
      format_location(location)
    ]
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
end
