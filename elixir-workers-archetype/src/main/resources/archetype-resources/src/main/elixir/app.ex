defmodule ${appModule} do
  @moduledoc "The worker: AtomVM starts this module; every request goes through the router."

  use ElixirWorkers.App, router: ${appModule}.Router
end
