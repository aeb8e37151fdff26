# SPDX-License-Identifier: Apache-2.0

# The worker of CryptoVmTest: CryptoCases inside AtomVM, randomness, a crypto function the VM
# lacks, and the budgets of issue 15 measured inside the VM.

defmodule CryptoWorker do
  use ElixirWorkers.App, router: CryptoWorker.Router
end

defmodule CryptoWorker.Router do
  use ElixirWorkers.Router

  get "/vectors", CryptoWorker.Handlers, :vectors
  get "/differential/:seed", CryptoWorker.Handlers, :differential
  get "/errors", CryptoWorker.Handlers, :errors
  get "/random", CryptoWorker.Handlers, :random
  get "/missing", CryptoWorker.Handlers, :missing
  get "/notsup", CryptoWorker.Handlers, :notsup
  get "/bench", CryptoWorker.Handlers, :bench
  post "/webhook", CryptoWorker.Handlers, :webhook
end

defmodule CryptoWorker.Handlers do
  import ElixirWorkers.Conn

  def vectors(conn), do: text(conn, 200, IO.iodata_to_binary(CryptoCases.vectors()))

  def differential(%{path_params: %{"seed" => seed}} = conn),
    do: text(conn, 200, IO.iodata_to_binary(CryptoCases.differential(String.to_integer(seed))))

  def errors(conn), do: text(conn, 200, IO.iodata_to_binary(CryptoCases.errors()))

  # what a request draws: from the VM's random_get directly, and from :rand, which seeds
  # itself on first use in the request's process
  def random(conn) do
    lines = [
      "strong_rand_bytes " <> CryptoCases.hex(:crypto.strong_rand_bytes(16)),
      "uniform " <> Float.to_string(:rand.uniform()),
      "uniform_n " <> Integer.to_string(:rand.uniform(1_000_000_000)),
      "uniform_real " <> Float.to_string(:rand.uniform_real()),
      "bytes " <> CryptoCases.hex(:rand.bytes(8)),
      "enum_random " <> Integer.to_string(Enum.random(1..1_000_000_000)),
      "shuffle " <> Enum.map_join(Enum.shuffle(1..12), ",", &Integer.to_string/1),
      "seeded " <> seeded(),
      "reseeded " <> reseeded()
    ]

    text(conn, 200, Enum.join(lines, "\n"))
  end

  # an explicit seed gives OTP's sequence for it
  defp seeded do
    :rand.seed(:exsss, {1, 2, 3})
    Enum.map_join(1..3, ",", fn _ -> Integer.to_string(:rand.uniform(1000)) end)
  end

  # a seed for a named algorithm is drawn afresh, as OTP's is
  defp reseeded do
    :rand.seed(:exrop)
    Integer.to_string(:rand.uniform(1_000_000_000))
  end

  # a digest OTP has and the VM does not
  def notsup(conn) do
    outcome =
      try do
        :crypto.hash(:sha3_256, "a")
      catch
        kind, reason -> {kind, reason}
      end

    text(conn, 200, inspect(outcome))
  end

  def missing(conn) do
    message =
      try do
        :crypto.crypto_one_time(:aes_128_ecb, <<0::128>>, <<0::128>>, true)
        "no error"
      rescue
        e -> Exception.message(e)
      end

    text(conn, 200, message)
  end

  # a Stripe-style signature: "t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">"
  def webhook(conn) do
    secret = "whsec_test_secret"

    with ["t=" <> timestamp, "v1=" <> signature] <-
           :binary.split(req_header(conn, "stripe-signature", ""), ","),
         expected =
           Base.encode16(:crypto.mac(:hmac, :sha256, secret, [timestamp, ".", conn.body]),
             case: :lower
           ),
         true <-
           byte_size(signature) == byte_size(expected) and
             :crypto.hash_equals(signature, expected) do
      text(conn, 200, "verified")
    else
      _ -> text(conn, 400, "bad signature")
    end
  end

  def bench(conn) do
    mib = :binary.copy(<<"0123456789abcdef">>, 65_536)
    payload = :binary.copy("{\"id\":\"evt_1\"}", 147)
    sha256_us = best(5, fn -> :crypto.hash(:sha256, mib) end)

    hmac_us =
      best(5, fn ->
        repeat(1000, fn -> :crypto.mac(:hmac, :sha256, "whsec_test_secret", payload) end)
      end) / 1000

    text(
      conn,
      200,
      "sha256_1mib_us #{sha256_us}\nhmac_sha256_#{byte_size(payload)}b_us #{hmac_us}\n"
    )
  end

  defp repeat(0, _fun), do: :ok

  defp repeat(n, fun) do
    fun.()
    repeat(n - 1, fun)
  end

  defp best(runs, fun) do
    Enum.min(
      for _ <- 1..runs do
        started = :erlang.monotonic_time(:microsecond)
        fun.()
        :erlang.monotonic_time(:microsecond) - started
      end
    )
  end
end
