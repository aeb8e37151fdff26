# SPDX-License-Identifier: Apache-2.0

defmodule HelloWorker.Router do
  @moduledoc """
  The example's routes:

    * `GET /` - an HTML page rendered from iolists
    * `GET /hello/:name` - a greeting (HTML, the name escaped)
    * `GET /api/health` - `{"runtime":"atomvm","status":"ok"}`
    * `POST /api/echo` - the parsed JSON or form body, as JSON
    * `GET /api/visits` - a counter in the KV namespace `CACHE`, when declared
    * `GET /api/kv/:key` - one key of the KV namespace `CACHE` as JSON (404 when absent)
    * anything else - 404 (405 for another method on a known path)
  """

  use ElixirWorkers.Router

  alias ElixirWorkers.Middleware.{BodyParser, RequestId, SecurityHeaders}

  plug RequestId
  plug SecurityHeaders

  get "/", HelloWorker.Pages, :home
  get "/hello/:name", HelloWorker.Pages, :hello
  get "/api/health", HelloWorker.Api, :health
  post "/api/echo", HelloWorker.Api, :echo, plugs: [{BodyParser, max_bytes: 65_536}]
  get "/api/visits", HelloWorker.Api, :visits
  get "/api/kv/:key", HelloWorker.Api, :read
end
