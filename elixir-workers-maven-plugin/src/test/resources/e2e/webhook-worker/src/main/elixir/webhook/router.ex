# SPDX-License-Identifier: Apache-2.0

defmodule Webhook.Router do
  use ElixirWorkers.Router

  alias ElixirWorkers.Middleware.BodyParser
  alias Webhook.{Events, Signups, Tokens}

  post "/webhooks/stripe", Events, :receive
  post "/signups", Signups, :create, plugs: [{BodyParser, max_bytes: 8_000}]
  get "/tokens", Tokens, :new
  get "/digest", Tokens, :digest
  get "/slug", Signups, :slug
end
