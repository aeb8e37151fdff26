# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Options do
  @moduledoc false

  # The framework's one lookup in a keyword list of options. Written with
  # :lists.keyfind/3 like the rest of the framework (see "The Elixir framework"
  # in atomvm-wasi/README.md), and lenient like it: any list of pairs, the
  # first pair of a key wins.

  @doc false
  @spec get(keyword(), atom(), term()) :: term()
  def get(opts, key, default) do
    case :lists.keyfind(key, 1, opts) do
      {^key, value} -> value
      false -> default
    end
  end
end
