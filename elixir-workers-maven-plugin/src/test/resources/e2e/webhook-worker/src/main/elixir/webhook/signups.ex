# SPDX-License-Identifier: Apache-2.0

defmodule Webhook.Signups do
  @moduledoc "Sign-ups: an e-mail address, tags separated by commas, a token."

  import ElixirWorkers.Conn

  @email ~r/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i
  @separator ~r/\s*,\s*/
  @name ~r/^(?<local>[^@]+)@(?<domain>.+)$/

  def create(conn) do
    email = String.trim(conn.body_params["email"] || "")

    tags =
      (conn.body_params["tags"] || "") |> String.trim() |> String.split(@separator, trim: true)

    if Regex.match?(@email, email) do
      %{"local" => local, "domain" => domain} = Regex.named_captures(@name, email)

      json(conn, 201, %{
        "email" => email,
        "domain" => String.downcase(domain),
        "greeting" => "Welcome, #{Regex.replace(~r/[._+-]+/, local, " ")}!",
        "tags" => Enum.map(tags, &String.downcase/1),
        "token" => Webhook.Tokens.token()
      })
    else
      json(conn, 422, %{"error" => "#{inspect(email)} is not an e-mail address"})
    end
  end

  def slug(conn) do
    title = conn.query_params["title"] || ""

    slug =
      title
      |> String.downcase()
      |> String.replace(~r/[^a-z0-9]+/u, "-")
      |> String.trim("-")

    initial =
      case Regex.run(~r/^\s*(.)/u, title, capture: :all_but_first) do
        [initial] -> initial
        nil -> nil
      end

    json(conn, %{"slug" => slug, "initial" => initial})
  end
end
