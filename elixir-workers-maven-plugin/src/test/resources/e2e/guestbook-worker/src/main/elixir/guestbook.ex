# SPDX-License-Identifier: Apache-2.0

# A guestbook written as an Elixir developer writes one from the README alone:
# Elixir's own String, Enum, Map, Integer, Float, Stream, URI, DateTime and
# Calendar (packed from the Elixir that compiled it, <elixirStdlib>), a struct
# with its own String.Chars implementation, and the entries in the KV
# namespace GUESTBOOK. For GuestbookEndToEndTest.

defmodule Guestbook do
  use ElixirWorkers.App, router: Guestbook.Router
end
