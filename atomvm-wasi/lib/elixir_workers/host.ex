# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Host do
  @moduledoc """
  The guest side of the host contract (docs/protocol.md), implemented as NIFs
  of the WASI platform in the module `:elixir_workers_host`.

  Only `write_response/1` writes to stdout; everything meant for humans goes
  through `log/1` (stderr).
  """

  # The modules exist only inside atomvm.wasm.
  @compile {:no_warn_undefined, [:elixir_workers_host, :atomvm]}

  @doc "All of stdin: the request frame."
  @spec read_request() :: binary()
  def read_request, do: :elixir_workers_host.read_request()

  @doc """
  All of stdin, split into the request head, decoded from JSON in C, and the
  body: `{:ok, head, body}`, `{:error, :missing_newline}` or
  `{:error, {:invalid_json, {reason, position}}}`.
  """
  @spec read_frame() :: {:ok, term(), binary()} | {:error, term()}
  def read_frame, do: :elixir_workers_host.read_frame()

  @doc """
  Response headers (`{name, value}` binaries) as the JSON array of a response
  head, encoded in C; `:error` when they are not such pairs of UTF-8 strings.
  Outside AtomVM (tests on the host BEAM) `:undefined`.
  """
  @spec json_headers([{binary(), binary()}]) :: binary() | :error | :undefined
  def json_headers(headers) do
    try do
      :elixir_workers_host.json_headers(headers)
    catch
      :error, :undef -> :undefined
    end
  end

  @doc "Writes iodata to stdout, unescaped. Call it once, with the whole response frame."
  @spec write_response(iodata()) :: :ok
  def write_response(iodata), do: :elixir_workers_host.write_response(iodata)

  @doc "Writes one line (iodata, a newline is added) to stderr."
  @spec log(iodata()) :: :ok
  def log(iodata), do: :elixir_workers_host.log([iodata, ?\n])

  @doc "`n` cryptographically random bytes (WASI `random_get` inside the VM)."
  @spec random_bytes(non_neg_integer()) :: binary()
  def random_bytes(n) when is_integer(n) and n >= 0 do
    # no system_info(:machine) check: its charlist and the literal it is
    # compared with cost more than the call
    try do
      :atomvm.rand_bytes(n)
    catch
      :error, :undef -> host_random_bytes(n)
    end
  end

  # The host BEAM (tests). The module is looked up at run time so that no call
  # to :crypto, which AtomVM lacks, is compiled in (the compiler folds constants).
  defp host_random_bytes(n) do
    module =
      case :erlang.get(:elixir_workers_random_module) do
        :undefined -> :crypto
        other -> other
      end

    module.strong_rand_bytes(n)
  end
end
