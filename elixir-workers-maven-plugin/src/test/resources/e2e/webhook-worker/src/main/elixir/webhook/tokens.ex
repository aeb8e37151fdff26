# SPDX-License-Identifier: Apache-2.0

defmodule Webhook.Tokens do
  @moduledoc "Random tokens and digests."

  import ElixirWorkers.Conn

  def token, do: :crypto.strong_rand_bytes(18) |> Base.url_encode64(padding: false)

  def new(conn) do
    json(conn, %{
      "token" => token(),
      "dice" => Enum.map(1..5, fn _ -> :rand.uniform(6) end),
      "pick" => Enum.random(~w(red green blue yellow)),
      "fraction" => :rand.uniform_real()
    })
  end

  def digest(conn) do
    text = conn.query_params["text"] || ""

    json(conn, %{
      "sha256" => :crypto.hash(:sha256, text) |> Base.encode16(case: :lower),
      "md5" => :crypto.hash(:md5, text) |> Base.encode16(case: :lower),
      "sha512" =>
        :crypto.hash_init(:sha512)
        |> :crypto.hash_update(text)
        |> :crypto.hash_final()
        |> Base.encode64()
    })
  end
end
