# SPDX-License-Identifier: Apache-2.0

defmodule Webhook.Signature do
  @moduledoc """
  Stripe's scheme: the `stripe-signature` header is `t=<unix time>,v1=<hex>`
  (more `v1` entries may follow), where the hex is HMAC-SHA256 of
  `"<t>.<raw body>"` under the endpoint's secret.
  """

  @tolerance_seconds 300

  @doc "Checks `header` against `payload`; `now` is the current Unix time."
  def verify(payload, header, secret, now) when is_binary(header) do
    with {:ok, timestamp, signatures} <- parse(header),
         :ok <- fresh(timestamp, now) do
      expected = sign(payload, timestamp, secret)

      if Enum.any?(signatures, &same?(&1, expected)),
        do: {:ok, timestamp},
        else: {:error, "no signature matches the payload"}
    end
  end

  def verify(_payload, nil, _secret, _now), do: {:error, "the stripe-signature header is missing"}

  def sign(payload, timestamp, secret) do
    :crypto.mac(:hmac, :sha256, secret, "#{timestamp}.#{payload}")
    |> Base.encode16(case: :lower)
  end

  defp parse(header) do
    pairs =
      header
      |> String.split(~r/\s*,\s*/, trim: true)
      |> Enum.map(&String.split(&1, "=", parts: 2))

    timestamp = for ["t", t] <- pairs, do: t
    signatures = for ["v1", s] <- pairs, do: String.downcase(s)

    case {timestamp, signatures} do
      {[t], [_ | _]} ->
        case Integer.parse(t) do
          {seconds, ""} -> {:ok, seconds, signatures}
          _ -> {:error, "the timestamp #{inspect(t)} is not a number"}
        end

      _ ->
        {:error, "the header needs one t= and at least one v1="}
    end
  end

  defp fresh(timestamp, now) when abs(now - timestamp) <= @tolerance_seconds, do: :ok
  defp fresh(_timestamp, _now), do: {:error, "the timestamp is outside the tolerance"}

  defp same?(given, expected) when byte_size(given) == byte_size(expected),
    do: :crypto.hash_equals(given, expected)

  defp same?(_given, _expected), do: false
end
