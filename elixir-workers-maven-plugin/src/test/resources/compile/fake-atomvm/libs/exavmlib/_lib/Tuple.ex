defmodule Tuple do
  # Redefines the host's Tuple, as AtomVM's exavmlib does with Enum, Kernel, List...
  def to_list(tuple), do: :erlang.tuple_to_list(tuple)
end
