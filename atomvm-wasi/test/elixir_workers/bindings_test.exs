# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.BindingsTest.Worker do
  use ElixirWorkers.App, debug_errors: true

  import ElixirWorkers.Conn
  alias ElixirWorkers.{Bindings, D1, KV}

  @impl true
  def handle(%{path: "/profile"} = conn) do
    # round 0: the session; round 1: the user (needs the session);
    # round 2: posts and preferences together (need the user)
    user_id = KV.get(conn, "CACHE", "session:abc")
    user = D1.query_one(conn, "DB", "SELECT * FROM users WHERE id = ?", [user_id])

    [posts, prefs] =
      Bindings.all([
        fn -> D1.query(conn, "DB", "SELECT title FROM posts WHERE user_id = ?", [user["id"]]) end,
        fn -> KV.get(conn, "CACHE", "prefs:" <> user_id, as: :json) end
      ])

    conn
    |> KV.put("CACHE", "seen:" <> user_id, "yes", expiration_ttl: 3600)
    |> D1.exec("DB", "UPDATE users SET visits = visits + 1 WHERE id = ?", [user["id"]])
    |> json(%{
      "user" => user["name"],
      "posts" => Enum.map(posts, & &1["title"]),
      "theme" => prefs["theme"]
    })
  end

  def handle(%{path: "/same-read-twice"} = conn) do
    a = KV.get(conn, "CACHE", "k")
    b = KV.get(conn, "CACHE", "k")
    text(conn, a <> b)
  end

  def handle(%{path: "/metadata"} = conn) do
    {value, meta} = KV.get_with_metadata(conn, "CACHE", "m")
    missing = KV.get_with_metadata(conn, "CACHE", "absent")
    list = KV.list(conn, "CACHE", prefix: "user:", limit: 2)
    {rows, meta_info} = D1.query(conn, "DB", "SELECT 1", [], meta: true)

    json(conn, %{
      "value" => value,
      "meta" => meta,
      "missing" => missing,
      "names" => Enum.map(list["keys"], & &1["name"]),
      "rows" => rows,
      "changes" => meta_info["changes"]
    })
  end

  def handle(%{path: "/writes"} = conn) do
    conn
    |> KV.put("CACHE", "bin", <<0, 255>>)
    |> KV.put("CACHE", "map", %{"a" => [1]}, metadata: %{"v" => 1}, expiration: 2_000_000_000)
    |> KV.delete("CACHE", "gone")
    |> D1.batch("DB", [{"INSERT INTO t VALUES (?)", [1]}, "DELETE FROM u"])
    |> text("ok")
  end

  def handle(%{path: "/error"} = conn) do
    KV.get(conn, "CACHE", "broken")
    text(conn, "unreachable")
  end

  def handle(%{path: "/undeclared"} = conn) do
    KV.get(conn, "NOPE", "k")
    text(conn, "unreachable")
  end

  def handle(%{path: "/rescue"} = conn) do
    # rescue does not catch the suspension
    value =
      try do
        KV.get(conn, "CACHE", "k")
      rescue
        _ -> "rescued"
      end

    text(conn, value)
  end

  def handle(%{path: "/custom-id"} = conn) do
    text(conn, KV.get(conn, "CACHE", "k", id: "mine"))
  end

  def handle(conn), do: text(conn, 404, "no")
end

defmodule ElixirWorkers.BindingsTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.{App, Bindings, Conn, D1, JSON, KV}
  alias ElixirWorkers.BindingsTest.Worker

  @bindings %{"CACHE" => "kv", "DB" => "d1"}

  # A host in miniature: runs the worker round after round, answering needs
  # from `data`, until it gets a final response. Returns {rounds, final head,
  # body, needs asked per round}.
  defp serve(path, data, opts \\ []) do
    loop(path, data, 0, nil, %{}, [], Keyword.get(opts, :max_rounds, 8))
  end

  defp loop(path, data, round, state, results, asked, max_rounds) do
    if round >= max_rounds, do: flunk("more than #{max_rounds} rounds")

    head =
      JSON.encode_to_binary(%{
        "v" => 1,
        "method" => "GET",
        "url" => "http://localhost" <> path,
        "headers" => [],
        "body_size" => 0,
        "env" => %{},
        "bindings" => @bindings,
        "cf" => %{},
        "round" => round,
        "state" => state,
        "results" => results
      })

    out = IO.iodata_to_binary(App.respond(Worker, head <> "\n", fn _ -> :ok end))
    [head, body] = :binary.split(out, "\n")
    head = JSON.decode!(head)

    case head do
      %{"needs" => needs, "state" => state} ->
        assert body == ""
        ids = Enum.map(needs, & &1["id"])
        assert ids == Enum.uniq(ids), "need ids are unique within a round"
        new = Map.new(needs, fn need -> {need["id"], answer(need, data)} end)
        assert Enum.all?(ids, &(not Map.has_key?(results, &1))), "a need is asked once"
        loop(path, data, round + 1, state, Map.merge(results, new), asked ++ [needs], max_rounds)

      %{"status" => _} ->
        {round + 1, head, body, asked}
    end
  end

  defp answer(%{"type" => "kv.get", "key" => key} = need, data) do
    case Map.fetch(data, {:kv, key}) do
      {:ok, {:error, code}} -> %{"error" => %{"code" => code, "message" => "it broke"}}
      {:ok, value} -> %{"ok" => if(need["as"] == "json", do: JSON.decode!(value), else: value)}
      :error -> %{"ok" => nil}
    end
  end

  defp answer(%{"type" => "kv.get_with_metadata", "key" => key}, data) do
    case Map.fetch(data, {:kv, key}) do
      {:ok, value} -> %{"ok" => %{"value" => value, "metadata" => Map.get(data, {:meta, key})}}
      :error -> %{"ok" => nil}
    end
  end

  defp answer(%{"type" => "kv.list", "prefix" => prefix, "limit" => limit}, data) do
    names = for {{:kv, k}, _} <- data, String.starts_with?(k, prefix), do: k

    %{
      "ok" => %{
        "keys" => names |> Enum.sort() |> Enum.take(limit) |> Enum.map(&%{"name" => &1}),
        "list_complete" => true
      }
    }
  end

  defp answer(%{"type" => "d1.query", "sql" => sql, "params" => params}, data) do
    rows = Map.fetch!(data, {:sql, sql, params})
    %{"ok" => %{"results" => rows, "meta" => %{"rows_read" => length(rows), "changes" => 0}}}
  end

  @data %{
    {:kv, "session:abc"} => "u1",
    {:kv, "prefs:u1"} => ~s({"theme":"dark"}),
    {:sql, "SELECT * FROM users WHERE id = ?", ["u1"]} => [%{"id" => 7, "name" => "Ada"}],
    {:sql, "SELECT title FROM posts WHERE user_id = ?", [7]} => [
      %{"title" => "one"},
      %{"title" => "two"}
    ]
  }

  test "reads that depend on earlier reads take one round each; independent ones share a round" do
    {rounds, head, body, asked} = serve("/profile", @data)

    assert rounds == 4

    assert Enum.map(asked, fn needs -> Enum.map(needs, & &1["type"]) end) ==
             [["kv.get"], ["d1.query"], ["d1.query", "kv.get"]]

    assert head["status"] == 200
    assert JSON.decode!(body) == %{"user" => "Ada", "posts" => ["one", "two"], "theme" => "dark"}

    assert head["effects"] == [
             %{
               "type" => "kv.put",
               "binding" => "CACHE",
               "key" => "seen:u1",
               "value" => "yes",
               "expiration_ttl" => 3600
             },
             %{
               "type" => "d1.exec",
               "binding" => "DB",
               "sql" => "UPDATE users SET visits = visits + 1 WHERE id = ?",
               "params" => [7]
             }
           ]
  end

  test "the needs frame names every field the protocol asks for" do
    {_, _, _, [[kv], [d1] | _]} = serve("/profile", @data)

    assert kv == %{
             "id" => "kv.get CACHE text session:abc",
             "type" => "kv.get",
             "binding" => "CACHE",
             "key" => "session:abc",
             "as" => "text"
           }

    assert %{
             "type" => "d1.query",
             "binding" => "DB",
             "sql" => "SELECT * FROM users WHERE id = ?",
             "params" => ["u1"]
           } = d1
  end

  test "the same read twice is one need" do
    {rounds, _head, body, asked} = serve("/same-read-twice", %{{:kv, "k"} => "v"})
    assert {rounds, body, length(List.flatten(asked))} == {2, "vv", 1}
  end

  test "get_with_metadata, list, query with meta" do
    data = %{
      {:kv, "m"} => "val",
      {:meta, "m"} => %{"n" => 1},
      {:kv, "user:1"} => "a",
      {:kv, "user:2"} => "b",
      {:kv, "user:3"} => "c",
      {:sql, "SELECT 1", []} => [%{"1" => 1}]
    }

    {_rounds, head, body, _} = serve("/metadata", data)
    assert head["status"] == 200

    assert JSON.decode!(body) == %{
             "value" => "val",
             "meta" => %{"n" => 1},
             "missing" => nil,
             "names" => ["user:1", "user:2"],
             "rows" => [%{"1" => 1}],
             "changes" => 0
           }
  end

  test "writes: binary values are base64, maps JSON, options kept" do
    {1, head, "ok", []} = serve("/writes", %{})

    assert head["effects"] == [
             %{
               "type" => "kv.put",
               "binding" => "CACHE",
               "key" => "bin",
               "value" => "AP8=",
               "encoding" => "base64"
             },
             %{
               "type" => "kv.put",
               "binding" => "CACHE",
               "key" => "map",
               "value" => ~s({"a":[1]}),
               "metadata" => %{"v" => 1},
               "expiration" => 2_000_000_000
             },
             %{"type" => "kv.delete", "binding" => "CACHE", "key" => "gone"},
             %{
               "type" => "d1.batch",
               "binding" => "DB",
               "statements" => [
                 %{"sql" => "INSERT INTO t VALUES (?)", "params" => [1]},
                 %{"sql" => "DELETE FROM u", "params" => []}
               ]
             }
           ]
  end

  test "an error result raises Bindings.Error: a 500 that names it" do
    {2, head, body, _} = serve("/error", %{{:kv, "broken"} => {:error, "internal"}})
    assert head["status"] == 500

    assert body =~
             "(ElixirWorkers.Bindings.Error) internal: it broke (need kv.get CACHE text broken)"

    refute Map.has_key?(head, "effects")
  end

  test "an undeclared binding raises at once, without a round trip" do
    {1, head, body, []} = serve("/undeclared", %{})
    assert head["status"] == 500
    assert body =~ "binding NOPE is not declared for this worker (declared: CACHE, DB)"
  end

  test "rescue does not swallow the suspension" do
    {2, _head, "v", _} = serve("/rescue", %{{:kv, "k"} => "v"})
  end

  test "id: names the need" do
    {2, _head, "v", [[need]]} = serve("/custom-id", %{{:kv, "k"} => "v"})
    assert need["id"] == "mine"
  end

  test "a host that leaves out a result gets a 500, not a wrong answer" do
    head =
      JSON.encode_to_binary(%{
        "v" => 1,
        "method" => "GET",
        "url" => "http://h/custom-id",
        "body_size" => 0,
        "bindings" => @bindings,
        "round" => 1,
        "state" => %{"pending" => ["mine"]},
        "results" => %{}
      })

    out = IO.iodata_to_binary(App.respond(Worker, head <> "\n", fn _ -> :ok end))
    assert out =~ ~s("status":500)
    assert out =~ "missing_results"
  end

  describe "the API on a conn" do
    test "read/2 returns results and errors, suspends otherwise" do
      conn = %Conn{
        results: %{
          "a" => %{"ok" => 1},
          "b" => %{"error" => %{"code" => "limit", "message" => "m"}},
          "c" => 3
        }
      }

      assert Bindings.read(conn, %{"id" => "a"}) == {:ok, 1}

      assert Bindings.read(conn, %{"id" => "b"}) ==
               {:error, %{"code" => "limit", "message" => "m"}}

      assert {:error, %{"code" => "internal"}} = Bindings.read(conn, %{"id" => "c"})

      assert catch_throw(Bindings.read(conn, %{"id" => "d"})) ==
               {:elixir_workers_suspend, [%{"id" => "d"}]}
    end

    test "all/1 collects the needs of every function, without duplicates" do
      conn = %Conn{results: %{"kv.get CACHE text a" => %{"ok" => "A"}}}

      thrown =
        catch_throw(
          Bindings.all([
            fn -> KV.get(conn, "CACHE", "a") end,
            fn -> KV.get(conn, "CACHE", "b") end,
            fn -> :plain end,
            fn -> KV.get(conn, "CACHE", "b") end,
            fn -> D1.query(conn, "DB", "SELECT 1") end
          ])
        )

      assert {:elixir_workers_suspend, needs} = thrown
      assert Enum.map(needs, & &1["id"]) == ["kv.get CACHE text b", "d1.query DB SELECT 1 []"]

      assert Bindings.all([fn -> KV.get(conn, "CACHE", "a") end, fn -> 2 end]) == ["A", 2]
    end

    test "argument checks" do
      conn = %Conn{bindings: @bindings}

      assert_raise ArgumentError, ~r/is a kv binding, not d1/, fn ->
        D1.query(conn, "CACHE", "SELECT 1")
      end

      assert_raise ArgumentError, ~r/JSON scalars|binaries, numbers/, fn ->
        D1.exec(conn, "DB", "x", [%{}])
      end

      assert_raise ArgumentError, ~r/as: must be/, fn -> KV.get(conn, "CACHE", "k", as: :xml) end
      assert_raise ArgumentError, fn -> KV.put(conn, "CACHE", "k", 12) end
      assert_raise ArgumentError, fn -> D1.batch(conn, "DB", [12]) end
      # no declared bindings: nothing to check against
      assert %Conn{effects: [_]} = KV.delete(%Conn{}, "ANY", "k")
    end

    test "effects/1 lists writes in order" do
      conn = %Conn{} |> KV.delete("A", "1") |> KV.delete("A", "2")
      assert Enum.map(Bindings.effects(conn), & &1["key"]) == ["1", "2"]
    end
  end
end
