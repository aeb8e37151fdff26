# SPDX-License-Identifier: Apache-2.0

defmodule Webhook.Events do
  @moduledoc "Receives signed events; anything unsigned is refused."

  import ElixirWorkers.Conn
  alias Webhook.Signature

  def receive(conn) do
    secret = env(conn, "WEBHOOK_SECRET")
    header = req_header(conn, "stripe-signature")
    now = DateTime.to_unix(DateTime.utc_now())

    with {:ok, timestamp} <- Signature.verify(conn.body, header, secret, now),
         {:ok, event} <- decode(conn.body) do
      json(conn, %{
        "received" => event["type"],
        "id" => event["id"],
        "signed_at" => timestamp |> DateTime.from_unix!() |> DateTime.to_iso8601()
      })
    else
      {:error, reason} -> json(conn, 400, %{"error" => reason})
    end
  end

  defp decode(body) do
    case ElixirWorkers.JSON.decode(body) do
      {:ok, %{"type" => type} = event} when is_binary(type) -> {:ok, event}
      _ -> {:error, "the payload is not an event"}
    end
  end
end
