# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.App do
  @moduledoc """
  Turns a module into a worker: the module AtomVM starts (the packer flags it
  as the start module).

      defmodule MyWorker do
        use ElixirWorkers.App, router: MyWorker.Router
      end

  `use ElixirWorkers.App` defines `start/0`, which reads the request frame
  from stdin, builds an `ElixirWorkers.Conn`, calls `handle/1`, and writes the
  response frame to stdout. With `router:`, `handle/1` is the router's
  `call/1` (it stays overridable); without, define `handle/1` yourself.

  ## What becomes of the handler's answer

    * a `Conn` - the final response: `register_before_send/2` callbacks run,
      then status, headers, body (iodata, written raw) and the conn's
      effects are written; for `HEAD` no body is written;
    * a suspension from a binding read (`ElixirWorkers.KV`,
      `ElixirWorkers.D1`) - the needs, for the host to fulfil before it runs
      the worker again (see `ElixirWorkers.Bindings`);
    * a raise, throw or exit, or anything that is not a `Conn` - a `500`.

  ## Errors: development and production

  A `500` always logs the error, its stack trace and the request line to
  stderr (the host collects them). What the client sees depends on the
  worker's environment variable `ELIXIR_WORKERS_ENV`:

    * `"dev"` or `"development"` - the error and the stack trace, as HTML
      when the request accepts `text/html`, as text otherwise;
    * anything else, or unset - `Internal Server Error` and nothing more.

  Set it for local development only (e.g. `[vars]` in the dev
  configuration, or the dev server's environment). `use ElixirWorkers.App,
  debug_errors: true` (or `false`) fixes the choice at compile time instead.
  """

  alias ElixirWorkers.{Bindings, Conn, Frame, Host, Options}
  alias ElixirWorkers.App.Errors

  @callback handle(Conn.t()) :: Conn.t()

  defmacro __using__(opts) do
    router = Options.get(opts, :router, nil)
    debug = Options.get(opts, :debug_errors, nil)

    handle =
      if router != nil do
        quote do
          @impl true
          def handle(conn), do: unquote(router).call(conn)
          defoverridable handle: 1
        end
      end

    quote do
      @behaviour ElixirWorkers.App

      @doc false
      def start, do: ElixirWorkers.App.run(__MODULE__)

      @doc false
      def __elixir_workers_app__(:debug_errors), do: unquote(debug)

      unquote(handle)
    end
  end

  @doc """
  Serves the one request of this instance with `module.handle/1`.

  It runs in the instance's first process, whose heap the VM sets up for a
  whole request (atomvm-wasi/src/main.c): no second process to spawn, copy
  to and monitor. What the handler raises becomes a `500` in `respond/4`; a
  failure of the VM or of the host interface (out of memory, stdout closed)
  ends the process, and the VM exits with status 1, which the host answers
  with a `500`.
  """
  @spec run(module(), keyword()) :: :ok
  def run(module, opts \\ []) do
    # the head is decoded in C (elixir_workers_host:read_frame/0)
    request = Frame.decode_read(Host.read_frame())
    Host.write_response(respond_decoded(module, request, &Host.log/1, opts))
  end

  @doc """
  The response frame (iodata) for a request frame. Pure apart from `log`,
  which receives one line of iodata per message; for tests on the host BEAM.
  Options: `debug_errors` (`true`/`false`; default: the module's `use`
  option, else `ELIXIR_WORKERS_ENV`).
  """
  @spec respond(module(), binary(), (iodata() -> term()), keyword()) :: iodata()
  def respond(module, frame, log, opts \\ []),
    do: respond_decoded(module, Frame.decode_request(frame), log, opts)

  defp respond_decoded(module, request, log, opts) do
    case request do
      {:ok, conn} ->
        debug =
          case :lists.keyfind(:debug_errors, 1, opts) do
            {:debug_errors, value} -> value
            false -> module_debug(module)
          end

        handle(module, conn, log, debug)

      {:error, reason} ->
        log.([
          "elixir-workers: ",
          Errors.name(module),
          " got an invalid request frame: ",
          Errors.format_term(reason)
        ])

        Frame.encode_response(Errors.plain_error())
    end
  end

  defp handle(module, %Conn{method: method} = conn, log, debug) do
    try do
      check_results(conn)

      case module.handle(conn) do
        %Conn{} = done ->
          # matched so that the type checker knows the struct updated below
          %Conn{} = done = Conn.run_before_send(done)
          Frame.encode_response(if(method == "HEAD", do: %Conn{done | resp_body: ""}, else: done))

        other ->
          :erlang.error({:bad_return_value, other})
      end
    catch
      :throw, {:elixir_workers_suspend, needs} = suspension ->
        if Bindings.suspension?(suspension) do
          Frame.encode_needs(needs, %{"pending" => ids(needs)})
        else
          Errors.response(module, conn, log, debug, :throw, suspension, __STACKTRACE__)
        end

      kind, reason ->
        Errors.response(module, conn, log, debug, kind, reason, __STACKTRACE__)
    end
  end

  # A later round must have a result for every need the previous one asked for.
  defp check_results(%Conn{round: round, state: %{"pending" => pending}, results: results})
       when round > 0 and is_list(pending) do
    case :lists.filter(fn id -> not :maps.is_key(id, results) end, pending) do
      [] -> :ok
      missing -> :erlang.error({:missing_results, missing})
    end
  end

  defp check_results(_conn), do: :ok

  defp module_debug(module) do
    try do
      module.__elixir_workers_app__(:debug_errors)
    catch
      :error, :undef -> nil
    end
  end

  defp ids([]), do: []
  defp ids([%{"id" => id} | rest]), do: [id | ids(rest)]
end
