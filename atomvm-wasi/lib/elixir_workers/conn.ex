# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.Conn do
  @moduledoc """
  One request and the response being built for it.

  Request fields: `method`, `url` (absolute), `path`, `query_string` (without
  the `?`), `headers` (`{name, value}` pairs, names lower-cased, repeated
  names kept, in arrival order) and `body` (binary).

  Response fields: `status`, `resp_headers` (`{name, value}` pairs, written in
  this order, repeated names kept) and `resp_body` (iodata, written as is).
  """

  defstruct method: "GET",
            url: "",
            path: "/",
            query_string: "",
            headers: [],
            body: "",
            status: 200,
            resp_headers: [],
            resp_body: ""

  @type headers :: [{binary(), binary()}]
  @type t :: %__MODULE__{
          method: binary(),
          url: binary(),
          path: binary(),
          query_string: binary(),
          headers: headers(),
          body: binary(),
          status: 100..599,
          resp_headers: headers(),
          resp_body: iodata()
        }

  @doc "Values of a request header, in arrival order; `name` is lower-case."
  @spec get_req_header(t(), binary()) :: [binary()]
  def get_req_header(%__MODULE__{headers: headers}, name), do: values(headers, name, [])

  @doc "Adds a response header (repeated names are kept)."
  @spec put_resp_header(t(), binary(), binary()) :: t()
  def put_resp_header(%__MODULE__{resp_headers: headers} = conn, name, value) do
    %__MODULE__{conn | resp_headers: headers ++ [{name, value}]}
  end

  @doc "Sets the status and the body (iodata)."
  @spec resp(t(), 100..599, iodata()) :: t()
  def resp(%__MODULE__{} = conn, status, body) when is_integer(status) do
    %__MODULE__{conn | status: status, resp_body: body}
  end

  @doc "Splits an absolute URL into `{path, query_string}`."
  @spec split_url(binary()) :: {binary(), binary()}
  def split_url(url) do
    target =
      case :binary.split(url, "://") do
        [_scheme, rest] ->
          # the target starts after the authority, at the first "/" or "?"
          case :binary.match(rest, ["/", "?"]) do
            {at, _} -> :binary.part(rest, at, byte_size(rest) - at)
            :nomatch -> ""
          end

        [relative] ->
          relative
      end

    case :binary.split(target, "?") do
      [path, query] -> {non_empty_path(path), query}
      [path] -> {non_empty_path(path), ""}
    end
  end

  defp non_empty_path(""), do: "/"
  defp non_empty_path(path), do: path

  defp values([], _name, acc), do: :lists.reverse(acc)
  defp values([{name, value} | rest], name, acc), do: values(rest, name, [value | acc])
  defp values([_ | rest], name, acc), do: values(rest, name, acc)
end
