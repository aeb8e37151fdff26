# SPDX-License-Identifier: Apache-2.0

defmodule HelloWorker do
  @moduledoc """
  The example worker: `use ElixirWorkers.App` makes this the module AtomVM
  starts, and every request goes through `HelloWorker.Router`.
  """

  use ElixirWorkers.App, router: HelloWorker.Router
end
