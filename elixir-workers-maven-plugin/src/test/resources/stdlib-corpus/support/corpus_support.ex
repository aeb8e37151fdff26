# SPDX-License-Identifier: Apache-2.0

# What the corpus's expressions need besides the standard library (user structs, a protocol,
# a behaviour, an exception), and StdlibCorpus.Capture, which runs one expression and encodes
# what happened. Compiled on the host and into the corpus worker alike, so both sides run the
# same .beam files.

defmodule StdlibCorpus.Capture do
  @moduledoc false

  # How deep a stacktrace travels back to the host: the top frames are what
  # Exception.normalize/3 reads (the missing MFA of an undef, the error_info of a badarg).
  @frames 3

  @doc """
  Runs `fun` and says what happened, without interpreting it: `{:ok, value}` or
  `{:caught, kind, reason, top_frames}`. The host turns a caught error into an exception and
  its message; doing that here would make the comparison depend on the VM's own Exception
  module, which the corpus is measuring.
  """
  def capture(fun) do
    {:ok, fun.()}
  catch
    kind, reason -> {:caught, kind, reason, top(__STACKTRACE__)}
  end

  # :lists, not Enum: the harness must work while most of Enum is still missing in the VM
  defp top(frames) when is_list(frames), do: :lists.sublist(frames, @frames)
  defp top(_), do: []

  @doc """
  `{index, binary}`: the case's result in the external term format. A result the VM cannot
  encode (a closure, say) is retried without the frames' arguments, then reported as
  `{:unencodable, kind, reason}`, so one case never loses the others of its chunk.
  """
  def encoded(index, result) do
    {index, encode(result)}
  end

  defp encode(result) do
    :erlang.term_to_binary(result)
  catch
    _, _ ->
      try do
        :erlang.term_to_binary(without_arguments(result))
      catch
        kind, reason -> :erlang.term_to_binary({:unencodable, kind, reason})
      end
  end

  defp without_arguments({:caught, kind, reason, frames}) do
    {:caught, kind, reason,
     :lists.map(
       fn
         {m, f, args, location} when is_list(args) -> {m, f, length(args), location}
         frame -> frame
       end,
       frames
     )}
  end

  defp without_arguments(result), do: {:unencodable, :value, :not_encodable, result_kind(result)}

  defp result_kind({:ok, _}), do: :ok
  defp result_kind(_), do: :other
end

# Before the structs: @derive needs the protocol and its Any implementation compiled
defprotocol StdlibCorpus.Describe do
  def describe(value)
end

defimpl StdlibCorpus.Describe, for: Any do
  def describe(%module{}), do: "derived for #{inspect(module)}"
end

defmodule StdlibCorpus.Point do
  defstruct x: 0, y: 0
end

defmodule StdlibCorpus.Plain do
  @derive StdlibCorpus.Describe
  defstruct [:tag]
end

defmodule StdlibCorpus.Countdown do
  defstruct from: 0
end

defmodule StdlibCorpus.Bag do
  defstruct items: []
end

defmodule StdlibCorpus.Secret do
  defstruct [:value]
end

defmodule StdlibCorpus.CorpusError do
  defexception [:reason]

  @impl true
  def message(%{reason: reason}), do: "corpus failure: #{inspect(reason)}"
end

defimpl StdlibCorpus.Describe, for: StdlibCorpus.Point do
  def describe(%{x: x, y: y}), do: "point at #{x},#{y}"
end

defimpl StdlibCorpus.Describe, for: List do
  def describe(list), do: "list of #{length(list)}"
end

defimpl StdlibCorpus.Describe, for: Integer do
  def describe(n), do: "integer #{n}"
end

defimpl String.Chars, for: StdlibCorpus.Point do
  def to_string(%{x: x, y: y}), do: "(#{x}, #{y})"
end

defimpl Inspect, for: StdlibCorpus.Secret do
  def inspect(_secret, _opts), do: "#Secret<redacted>"
end

defimpl Enumerable, for: StdlibCorpus.Countdown do
  def count(%{from: n}), do: {:ok, n}
  def member?(%{from: n}, x), do: {:ok, is_integer(x) and x >= 1 and x <= n}
  def slice(_), do: {:error, __MODULE__}

  def reduce(_, {:halt, acc}, _fun), do: {:halted, acc}
  def reduce(c, {:suspend, acc}, fun), do: {:suspended, acc, &reduce(c, &1, fun)}
  def reduce(%{from: 0}, {:cont, acc}, _fun), do: {:done, acc}
  def reduce(%{from: n}, {:cont, acc}, fun), do: reduce(%{from: n - 1}, fun.(n, acc), fun)
end

defimpl Collectable, for: StdlibCorpus.Bag do
  def into(bag) do
    {bag,
     fn
       acc, {:cont, x} -> %{acc | items: [x | acc.items]}
       acc, :done -> acc
       _, :halt -> :ok
     end}
  end
end

defmodule StdlibCorpus.Greeter do
  @callback hello(String.t()) :: String.t()
  def greet(module, name), do: module.hello(name)
end

defmodule StdlibCorpus.EnglishGreeter do
  @behaviour StdlibCorpus.Greeter
  @impl true
  def hello(name), do: "Hello, #{name}!"
end
