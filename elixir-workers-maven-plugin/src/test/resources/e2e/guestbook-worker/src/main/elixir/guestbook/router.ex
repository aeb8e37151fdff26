# SPDX-License-Identifier: Apache-2.0

defmodule Guestbook.Router do
  use ElixirWorkers.Router

  alias ElixirWorkers.Middleware.{BodyParser, SecurityHeaders}
  alias Guestbook.{Api, Pages}

  plug SecurityHeaders

  get "/", Pages, :index
  post "/entries", Pages, :create, plugs: [{BodyParser, max_bytes: 16_000}]
  get "/entries/:id", Pages, :show
  get "/entries/:id/text", Pages, :show_text
  get "/search", Pages, :search
  get "/stats", Pages, :stats
  get "/feed.txt", Pages, :feed

  get "/api/entries", Api, :index
  post "/api/entries", Api, :create, plugs: [{BodyParser, max_bytes: 16_000}]
  get "/api/entries/:id", Api, :show
  get "/api/stats", Api, :stats

  def not_found(conn), do: Pages.not_found(conn)
end
