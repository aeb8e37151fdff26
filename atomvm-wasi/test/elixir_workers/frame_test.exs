# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.FrameTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.{Conn, Frame, JSON}

  defp frame(head, body \\ "") do
    JSON.encode_to_binary(Map.put_new(head, "body_size", byte_size(body))) <> "\n" <> body
  end

  @head %{"v" => 1, "method" => "POST", "url" => "http://localhost:8797/a/b?x=1"}

  test "decodes every field of the request head" do
    head =
      Map.merge(@head, %{
        "headers" => [["content-type", "text/plain"], ["x-a", "1"], ["x-a", "2"]],
        "env" => %{"GREETING" => "hi"},
        "bindings" => %{"CACHE" => "kv", "DB" => "d1"},
        "cf" => %{"colo" => "AMS"},
        "round" => 2,
        "state" => %{"pending" => ["a"]},
        "results" => %{"a" => %{"ok" => 1}}
      })

    assert {:ok, %Conn{} = c} = Frame.decode_request(frame(head, "hello\nworld"))
    assert c.method == "POST"
    assert c.path == "/a/b"
    assert c.segments == ["a", "b"]
    assert c.query_params == %{"x" => "1"}
    assert c.headers == [{"content-type", "text/plain"}, {"x-a", "1"}, {"x-a", "2"}]
    assert c.body == "hello\nworld"
    assert c.env == %{"GREETING" => "hi"}
    assert c.bindings == %{"CACHE" => "kv", "DB" => "d1"}
    assert c.cf == %{"colo" => "AMS"}
    assert c.round == 2
    assert c.state == %{"pending" => ["a"]}
    assert c.results == %{"a" => %{"ok" => 1}}
  end

  test "missing optional fields take their defaults" do
    assert {:ok, c} = Frame.decode_request(frame(@head))

    assert {c.env, c.bindings, c.cf, c.round, c.state, c.results, c.headers} ==
             {%{}, %{}, %{}, 0, nil, %{}, []}
  end

  test "the body is binary-safe" do
    body = <<0, 255, ?\n, 10, 13>>
    assert {:ok, c} = Frame.decode_request(frame(@head, body))
    assert c.body == body
  end

  test "bad frames are errors" do
    assert Frame.decode_request("no newline") == {:error, :missing_newline}
    assert {:error, {:invalid_json, {_, _}}} = Frame.decode_request("{nope\n")

    assert Frame.decode_request(frame(Map.put(@head, "v", 2))) ==
             {:error, {:unsupported_version, 2}}

    assert Frame.decode_request(frame(Map.delete(@head, "url"))) ==
             {:error, {:invalid_field, "method/url"}}

    assert Frame.decode_request(frame(Map.put(@head, "headers", [["a"]]))) ==
             {:error, {:invalid_field, "headers"}}

    assert Frame.decode_request(frame(Map.put(@head, "env", []))) ==
             {:error, {:invalid_field, "env"}}

    assert Frame.decode_request(frame(Map.put(@head, "round", -1))) ==
             {:error, {:invalid_field, "round"}}

    assert Frame.decode_request(frame(Map.put(@head, "body_size", 3), "ab")) ==
             {:error, {:body_size_mismatch, 3, 2}}
  end

  test "a response frame: head, newline, raw body; repeated headers kept" do
    c = %Conn{
      status: 201,
      resp_headers: [{"set-cookie", "a=1"}, {"set-cookie", "b=\"2\""}],
      resp_body: ["<p>", "é", [?\n]]
    }

    out = IO.iodata_to_binary(Frame.encode_response(c))
    [head, body] = :binary.split(out, "\n")
    assert body == "<p>é\n"

    assert JSON.decode(head) ==
             {:ok,
              %{
                "v" => 1,
                "status" => 201,
                "headers" => [["set-cookie", "a=1"], ["set-cookie", "b=\"2\""]],
                "body_size" => 6
              }}
  end

  test "effects go on the final response, in the order added" do
    c = %Conn{
      effects: [
        %{"type" => "kv.delete", "binding" => "C", "key" => "b"},
        %{"type" => "kv.put", "binding" => "C", "key" => "a", "value" => "1"}
      ]
    }

    [head, ""] = :binary.split(IO.iodata_to_binary(Frame.encode_response(c)), "\n")

    assert {:ok, %{"effects" => [%{"type" => "kv.put"}, %{"type" => "kv.delete"}]}} =
             JSON.decode(head)
  end

  test "needs frames" do
    out =
      IO.iodata_to_binary(
        Frame.encode_needs([%{"id" => "a", "type" => "kv.get"}], %{"pending" => ["a"]})
      )

    assert String.ends_with?(out, "\n")
    [head, ""] = :binary.split(out, "\n")

    assert JSON.decode(head) ==
             {:ok,
              %{
                "v" => 1,
                "needs" => [%{"id" => "a", "type" => "kv.get"}],
                "state" => %{"pending" => ["a"]},
                "body_size" => 0
              }}
  end

  test "invalid statuses and headers raise" do
    assert_raise ArgumentError, fn -> Frame.encode_response(%Conn{status: 99}) end
    assert_raise ArgumentError, fn -> Frame.encode_response(%Conn{resp_headers: [{"a", 1}]}) end

    assert_raise ArgumentError, fn ->
      Frame.encode_response(%Conn{resp_headers: [{"a", <<0xFF>>}]})
    end
  end
end
