# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.MiddlewareTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.{Conn, JSON}
  alias ElixirWorkers.Middleware.{BodyParser, CORS, RequestId, SecurityHeaders}

  defp conn(method \\ "GET", url \\ "http://h/p", opts \\ []), do: Conn.new(method, url, opts)
  defp run(module, conn, opts \\ []), do: module.call(conn, module.init(opts))
  defp header(conn, name), do: Conn.get_resp_header(conn, name)

  describe "SecurityHeaders" do
    test "sets the defaults, HSTS on https only" do
      c = run(SecurityHeaders, conn())
      assert header(c, "x-content-type-options") == ["nosniff"]
      assert header(c, "x-frame-options") == ["SAMEORIGIN"]
      assert header(c, "referrer-policy") == ["strict-origin-when-cross-origin"]
      assert header(c, "content-security-policy") == ["base-uri 'self'; frame-ancestors 'self'"]
      assert header(c, "cross-origin-opener-policy") == ["same-origin"]
      assert header(c, "x-permitted-cross-domain-policies") == ["none"]
      assert header(c, "strict-transport-security") == []

      c = run(SecurityHeaders, conn("GET", "https://h/"))
      assert header(c, "strict-transport-security") == ["max-age=31536000; includeSubDomains"]
    end

    test "options override, drop and add headers" do
      c =
        run(SecurityHeaders, conn("GET", "https://h/"),
          headers: %{
            "X-Frame-Options" => "DENY",
            "content-security-policy" => nil,
            "x-extra" => "1"
          },
          hsts: "max-age=60"
        )

      assert header(c, "x-frame-options") == ["DENY"]
      assert header(c, "content-security-policy") == []
      assert header(c, "x-extra") == ["1"]
      assert header(c, "strict-transport-security") == ["max-age=60"]

      assert header(
               run(SecurityHeaders, conn("GET", "https://h/"), hsts: false),
               "strict-transport-security"
             ) == []
    end

    test "headers already set are kept, a handler's put_resp_header replaces" do
      c = conn() |> Conn.put_resp_header("x-frame-options", "DENY") |> run_sh()
      assert header(c, "x-frame-options") == ["DENY"]
      c = conn() |> run_sh() |> Conn.put_resp_header("x-frame-options", "DENY")
      assert header(c, "x-frame-options") == ["DENY"]
    end

    defp run_sh(conn), do: run(SecurityHeaders, conn)
  end

  describe "CORS" do
    test "requests without origin pass through" do
      assert run(CORS, conn()) == conn()
    end

    test "simple requests get allow-origin *" do
      c = run(CORS, conn("GET", "http://h/", headers: [{"origin", "https://a.example"}]))
      assert header(c, "access-control-allow-origin") == ["*"]
      refute c.halted
    end

    test "preflight is answered 204 and halts" do
      c =
        run(
          CORS,
          conn("OPTIONS", "http://h/api",
            headers: [
              {"origin", "https://a.example"},
              {"access-control-request-method", "PUT"},
              {"access-control-request-headers", "content-type, x-token"}
            ]
          ),
          max_age: 600
        )

      assert c.status == 204
      assert c.halted
      assert header(c, "access-control-allow-origin") == ["*"]

      assert header(c, "access-control-allow-methods") == [
               "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
             ]

      assert header(c, "access-control-allow-headers") == ["content-type, x-token"]
      assert header(c, "access-control-max-age") == ["600"]
    end

    test "an origin list with credentials echoes the origin and varies on it" do
      opts = [
        origins: ["https://a.example"],
        credentials: true,
        expose: ["x-request-id"],
        headers: ["x-token"]
      ]

      c = run(CORS, conn("GET", "http://h/", headers: [{"origin", "https://a.example"}]), opts)
      assert header(c, "access-control-allow-origin") == ["https://a.example"]
      assert header(c, "access-control-allow-credentials") == ["true"]
      assert header(c, "access-control-expose-headers") == ["x-request-id"]
      assert header(c, "vary") == ["origin"]

      preflight =
        conn("OPTIONS", "http://h/",
          headers: [{"origin", "https://a.example"}, {"access-control-request-method", "GET"}]
        )

      assert header(run(CORS, preflight, opts), "access-control-allow-headers") == ["x-token"]
    end

    test "other origins get no CORS headers" do
      c =
        run(CORS, conn("GET", "http://h/", headers: [{"origin", "https://evil.example"}]),
          origins: ["https://a.example"]
        )

      assert header(c, "access-control-allow-origin") == []
      refute c.halted
    end
  end

  describe "BodyParser" do
    defp post(body, type, opts \\ []) do
      run(
        BodyParser,
        conn("POST", "http://h/p?q=1", headers: [{"content-type", type}], body: body),
        opts
      )
    end

    test "JSON objects become params" do
      c = post(~s({"a": 1, "q": "body"}), "application/json; charset=utf-8")
      assert c.body_params == %{"a" => 1, "q" => "body"}
      assert c.params == %{"a" => 1, "q" => "body"}
      refute c.halted
    end

    test "other JSON values land under _json; +json types are JSON" do
      assert post("[1,2]", "application/vnd.api+json").body_params == %{"_json" => [1, 2]}
    end

    test "forms are decoded" do
      c = post("a=1&b=x+y&t[]=1&t[]=2", "application/x-www-form-urlencoded")
      assert c.body_params == %{"a" => "1", "b" => "x y", "t" => ["1", "2"]}
    end

    test "other types and empty bodies are left alone" do
      c = post("raw", "text/plain")
      assert c.body_params == %{}
      assert c.body == "raw"
      assert post("", "application/json").body_params == %{}
    end

    test "invalid JSON is a 400 with the position" do
      c = post(~s({"a": }), "application/json")
      assert c.status == 400
      assert c.halted

      assert IO.iodata_to_binary(c.resp_body) ==
               "Bad Request: invalid JSON at byte 6 (unexpected_character)\n"
    end

    test "JSON nested deeper than max_depth is a 400" do
      c = post(String.duplicate("[", 100) <> String.duplicate("]", 100), "application/json")
      assert c.status == 400
      assert IO.iodata_to_binary(c.resp_body) =~ "too_deep"
    end

    test "a body over max_bytes is a 413" do
      c = post(String.duplicate("x", 11), "application/json", max_bytes: 10)
      assert c.status == 413
      assert c.halted
    end

    test "path params win over body params" do
      headers = [{"content-type", "application/json"}]
      # matched so that the type checker knows the struct updated below
      %Conn{} = c = conn("POST", "http://h/", headers: headers, body: ~s({"id":"body"}))
      c = %Conn{c | path_params: %{"id" => "path"}}

      assert run(BodyParser, c).params["id"] == "path"
    end
  end

  describe "RequestId" do
    test "generates 32 hex digits into assigns and the response" do
      c = run(RequestId, conn())
      assert [id] = header(c, "x-request-id")
      assert id =~ ~r/^[0-9a-f]{32}$/
      assert c.assigns.request_id == id
      refute run(RequestId, conn()).assigns.request_id == id
    end

    test "keeps a plausible incoming id, replaces a bad one" do
      good = "abcdefghij0123456789-_"

      assert run(RequestId, conn("GET", "http://h/", headers: [{"x-request-id", good}])).assigns.request_id ==
               good

      bad =
        run(RequestId, conn("GET", "http://h/", headers: [{"x-request-id", "short"}])).assigns.request_id

      assert bad =~ ~r/^[0-9a-f]{32}$/

      untrusted =
        run(RequestId, conn("GET", "http://h/", headers: [{"x-request-id", good}]),
          trust_incoming: false
        )

      refute untrusted.assigns.request_id == good
    end

    test "another header name" do
      c = run(RequestId, conn(), header: "CF-Request-Id")
      assert [_] = header(c, "cf-request-id")
    end
  end

  test "JSON of a conn's params is encodable" do
    assert JSON.encode_to_binary(run(BodyParser, conn()).params) == "{}"
  end
end
