# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.App do
  @moduledoc """
  Turns a module into a worker.

      defmodule MyWorker do
        use ElixirWorkers.App

        @impl true
        def handle(conn), do: ElixirWorkers.Conn.resp(conn, 200, "hello")
      end

  `use ElixirWorkers.App` defines `start/0`, the function AtomVM runs (the
  packer flags the worker's module as the start module): it reads the request
  frame from stdin, calls `handle/1`, and writes the response frame to stdout.

  When decoding the request, `handle/1` or encoding the response fails (raise,
  throw, exit, or a `handle/1` that does not return a `Conn`), the worker
  answers `500` with a short text body and logs the error to stderr.
  """

  alias ElixirWorkers.{Conn, Frame, Host}

  @callback handle(Conn.t()) :: Conn.t()

  defmacro __using__(_opts) do
    quote do
      @behaviour ElixirWorkers.App

      @doc false
      def start, do: ElixirWorkers.App.run(__MODULE__)
    end
  end

  @doc "Serves the one request of this instance with `module.handle/1`."
  @spec run(module()) :: :ok
  def run(module) do
    Host.write_response(respond(module, Host.read_request(), &Host.log/1))
  end

  @doc """
  The response frame (iodata) for a request frame. Pure apart from `log`,
  which receives one line of iodata per error.
  """
  @spec respond(module(), binary(), (iodata() -> term())) :: iodata()
  def respond(module, frame, log) do
    try do
      conn =
        case Frame.decode_request(frame) do
          {:ok, conn} -> conn
          {:error, reason} -> :erlang.error({:invalid_request_frame, reason})
        end

      case module.handle(conn) do
        %Conn{} = conn -> Frame.encode_response(conn)
        other -> :erlang.error({:bad_return_value, other})
      end
    catch
      kind, reason ->
        log.(["elixir-workers: ", name(module), " answered 500: ", describe(kind, reason)])
        log_stacktrace(log, __STACKTRACE__)
        Frame.encode_response(internal_error())
    end
  end

  @doc "The response sent when the handler fails."
  @spec internal_error() :: Conn.t()
  def internal_error do
    %Conn{
      status: 500,
      resp_headers: [{"content-type", "text/plain; charset=utf-8"}],
      resp_body: "Internal Server Error\n"
    }
  end

  # Exceptions are described without Exception/Inspect, which AtomVM's Elixir
  # library lacks or has only in part.
  defp describe(:error, %{__struct__: struct, __exception__: true} = exception) do
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

  defp describe(:error, reason), do: ["** (error) ", format_term(reason)]

  defp describe(kind, reason),
    do: ["** (", :erlang.atom_to_binary(kind, :utf8), ") ", format_term(reason)]

  defp log_stacktrace(_log, []), do: :ok

  defp log_stacktrace(log, [entry | rest]) do
    log.(["    ", format_entry(entry)])
    log_stacktrace(log, rest)
  end

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

  defp format_term(term), do: :unicode.characters_to_binary(:io_lib.format(~c"~p", [term]))

  defp name(module) do
    case :erlang.atom_to_binary(module, :utf8) do
      "Elixir." <> name -> name
      name -> name
    end
  end
end
