# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Middleware.SecurityHeaders do
  @moduledoc """
  Adds security headers to every response:

  | header | default |
  | --- | --- |
  | `x-content-type-options` | `nosniff` |
  | `x-frame-options` | `SAMEORIGIN` |
  | `referrer-policy` | `strict-origin-when-cross-origin` |
  | `content-security-policy` | `base-uri 'self'; frame-ancestors 'self'` |
  | `cross-origin-opener-policy` | `same-origin` |
  | `x-permitted-cross-domain-policies` | `none` |
  | `strict-transport-security` | `max-age=31536000; includeSubDomains`, on `https` requests only |

      plug ElixirWorkers.Middleware.SecurityHeaders,
        headers: %{"x-frame-options" => "DENY", "content-security-policy" => nil},
        hsts: false

  `headers:` overrides defaults or adds headers (`nil` drops one); `hsts:`
  is `true` (default), `false`, or the header's value. The headers are set
  before the handler runs, so a handler's `put_resp_header/3` replaces them.
  """

  alias ElixirWorkers.Conn

  @defaults [
    {"x-content-type-options", "nosniff"},
    {"x-frame-options", "SAMEORIGIN"},
    {"referrer-policy", "strict-origin-when-cross-origin"},
    {"content-security-policy", "base-uri 'self'; frame-ancestors 'self'"},
    {"cross-origin-opener-policy", "same-origin"},
    {"x-permitted-cross-domain-policies", "none"}
  ]

  @hsts "max-age=31536000; includeSubDomains"

  @doc false
  def init(opts) do
    overrides =
      case :lists.keyfind(:headers, 1, opts) do
        {:headers, map} when is_map(map) -> :maps.to_list(map)
        {:headers, list} when is_list(list) -> list
        false -> []
      end

    headers = merge(@defaults, overrides)

    hsts =
      case :lists.keyfind(:hsts, 1, opts) do
        {:hsts, false} -> nil
        {:hsts, value} when is_binary(value) -> value
        _ -> @hsts
      end

    {headers, hsts}
  end

  defp merge(headers, []), do: headers

  defp merge(headers, [{name, value} | rest]) do
    name = ElixirWorkers.String.downcase(name, :ascii)
    headers = :lists.keydelete(name, 1, headers)
    merge(if(value == nil, do: headers, else: headers ++ [{name, value}]), rest)
  end

  @doc false
  def call(%Conn{scheme: scheme} = conn, {headers, hsts}) do
    headers =
      if scheme == "https" and hsts != nil,
        do: headers ++ [{"strict-transport-security", hsts}],
        else: headers

    %Conn{conn | resp_headers: add_missing(conn.resp_headers, headers)}
  end

  def call(conn, opts) when is_list(opts), do: call(conn, init(opts))

  defp add_missing(existing, []), do: existing

  defp add_missing(existing, [{name, _} = header | rest]) do
    if :lists.keymember(name, 1, existing) do
      add_missing(existing, rest)
    else
      add_missing(existing ++ [header], rest)
    end
  end
end
