defmodule ${appModule}.Router do
  @moduledoc """
  Routes:

    * `GET /` - the home page, with a form that saves a note in KV
    * `GET /hello/:name` - a greeting with a path parameter
    * `POST /notes` - saves the form's note in the `NOTES` KV namespace
    * `GET /api/health` - JSON
    * `GET /api/items` - rows from the `DB` D1 database
  """

  use ElixirWorkers.Router

  alias ElixirWorkers.Middleware.{BodyParser, RequestId, SecurityHeaders}

  plug RequestId
  plug SecurityHeaders

  get "/", ${appModule}.Pages, :home
  get "/hello/:name", ${appModule}.Pages, :hello
  post "/notes", ${appModule}.Pages, :save_note, plugs: [{BodyParser, max_bytes: 16_384}]
  get "/api/health", ${appModule}.Api, :health
  get "/api/items", ${appModule}.Api, :items
end
