# SPDX-License-Identifier: Apache-2.0

# What CryptoVmTest runs on the host BEAM and inside AtomVM: the published test vectors of
# every :crypto function the VM has, a differential run over pseudo-random inputs (the same
# inputs on both sides, from one seed) and the errors of bad arguments. Each answers text, one
# case a line, so the two sides compare as strings. Plain recursion and :lists, so the cases do
# not depend on more of the standard library than they test.

defmodule CryptoCases do
  import Bitwise

  @algorithms [:md5, :sha, :sha224, :sha256, :sha384, :sha512]
  # lengths around the 64- and 128-byte blocks, where padding spills into an extra block
  @boundaries [0, 1, 55, 56, 57, 63, 64, 65, 111, 112, 113, 127, 128, 129, 4999, 5000]

  def hex(binary), do: Base.encode16(binary, case: :lower)

  defp million_a, do: :binary.copy("a", 1_000_000)

  # {name, computed, expected hex}
  defp vector_cases do
    abc = "abc"
    two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

    long =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

    [
      # RFC 1321, appendix A.5
      {"md5 empty", :crypto.hash(:md5, ""), "d41d8cd98f00b204e9800998ecf8427e"},
      {"md5 a", :crypto.hash(:md5, "a"), "0cc175b9c0f1b6a831c399e269772661"},
      {"md5 abc", :crypto.hash(:md5, abc), "900150983cd24fb0d6963f7d28e17f72"},
      {"md5 message digest", :crypto.hash(:md5, "message digest"),
       "f96b697d7cb7938d525a2f31aaf161d0"},
      {"md5 alphabet", :crypto.hash(:md5, "abcdefghijklmnopqrstuvwxyz"),
       "c3fcd3d76192e4007dfb496cca67e13b"},
      {"md5 alphanumeric",
       :crypto.hash(:md5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"md5 digits", :crypto.hash(:md5, :binary.copy("1234567890", 8)),
       "57edf4a22be3c955ac49da2e2107b67a"},
      # FIPS 180-4 examples (NIST CSRC "Examples with Intermediate Values")
      {"sha1 abc", :crypto.hash(:sha, abc), "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {"sha1 two blocks", :crypto.hash(:sha, two_blocks),
       "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
      {"sha1 million a", :crypto.hash(:sha, million_a()),
       "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
      {"sha224 abc", :crypto.hash(:sha224, abc),
       "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
      {"sha224 two blocks", :crypto.hash(:sha224, two_blocks),
       "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525"},
      {"sha256 abc", :crypto.hash(:sha256, abc),
       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"sha256 two blocks", :crypto.hash(:sha256, two_blocks),
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"sha256 million a", :crypto.hash(:sha256, million_a()),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
      {"sha256 empty", :crypto.hash(:sha256, ""),
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"sha384 abc", :crypto.hash(:sha384, abc),
       "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
      {"sha384 long", :crypto.hash(:sha384, long),
       "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039"},
      {"sha512 abc", :crypto.hash(:sha512, abc),
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
      {"sha512 long", :crypto.hash(:sha512, long),
       "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
      {"sha512 million a", :crypto.hash(:sha512, million_a()),
       "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"},
      # the same through hash_init/update/final, fed in pieces
      {"sha256 two blocks in pieces",
       incremental(:sha256, ["abcdbcdecdefdefgefgh", "fghighijhijkijkljklmklmnlmnomnopnopq"]),
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"sha512 long in pieces",
       incremental(:sha512, [binary_part(long, 0, 100), [binary_part(long, 100, 12)]]),
       "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
      # RFC 2202 (HMAC-MD5, HMAC-SHA-1)
      {"rfc2202 md5 1", :crypto.mac(:hmac, :md5, :binary.copy(<<0x0B>>, 16), "Hi There"),
       "9294727a3638bb1c13f48ef8158bfc9d"},
      {"rfc2202 md5 2", :crypto.mac(:hmac, :md5, "Jefe", "what do ya want for nothing?"),
       "750c783e6ab0b503eaa86e310a5db738"},
      {"rfc2202 md5 3",
       :crypto.mac(:hmac, :md5, :binary.copy(<<0xAA>>, 16), :binary.copy(<<0xDD>>, 50)),
       "56be34521d144c88dbb8c733f0e8b3f6"},
      {"rfc2202 md5 6",
       :crypto.mac(
         :hmac,
         :md5,
         :binary.copy(<<0xAA>>, 80),
         "Test Using Larger Than Block-Size Key - Hash Key First"
       ), "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
      {"rfc2202 sha1 1", :crypto.mac(:hmac, :sha, :binary.copy(<<0x0B>>, 20), "Hi There"),
       "b617318655057264e28bc0b6fb378c8ef146be00"},
      {"rfc2202 sha1 2", :crypto.mac(:hmac, :sha, "Jefe", "what do ya want for nothing?"),
       "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
      {"rfc2202 sha1 5 truncated",
       :crypto.macN(:hmac, :sha, :binary.copy(<<0x0C>>, 20), "Test With Truncation", 12),
       "4c1a03424b55e07fe7f27be1"},
      {"rfc2202 sha1 7",
       :crypto.mac(
         :hmac,
         :sha,
         :binary.copy(<<0xAA>>, 80),
         "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"
       ), "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
      # RFC 4231 (HMAC-SHA-224/256/384/512), test cases 1, 2, 5 (truncated to 128 bits), 6, 7
      {"rfc4231 1 sha224", :crypto.mac(:hmac, :sha224, :binary.copy(<<0x0B>>, 20), "Hi There"),
       "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22"},
      {"rfc4231 1 sha256", :crypto.mac(:hmac, :sha256, :binary.copy(<<0x0B>>, 20), "Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"rfc4231 1 sha384", :crypto.mac(:hmac, :sha384, :binary.copy(<<0x0B>>, 20), "Hi There"),
       "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"},
      {"rfc4231 1 sha512", :crypto.mac(:hmac, :sha512, :binary.copy(<<0x0B>>, 20), "Hi There"),
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
      {"rfc4231 2 sha256", :crypto.mac(:hmac, :sha256, "Jefe", "what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"rfc4231 2 sha512", :crypto.mac(:hmac, :sha512, "Jefe", "what do ya want for nothing?"),
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
      {"rfc4231 5 sha256 truncated",
       :crypto.macN(:hmac, :sha256, :binary.copy(<<0x0C>>, 20), "Test With Truncation", 16),
       "a3b6167473100ee06e0c796c2955552b"},
      {"rfc4231 6 sha256",
       :crypto.mac(
         :hmac,
         :sha256,
         :binary.copy(<<0xAA>>, 131),
         "Test Using Larger Than Block-Size Key - Hash Key First"
       ), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"rfc4231 6 sha384",
       :crypto.mac(
         :hmac,
         :sha384,
         :binary.copy(<<0xAA>>, 131),
         "Test Using Larger Than Block-Size Key - Hash Key First"
       ),
       "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952"},
      {"rfc4231 7 sha512",
       :crypto.mac(
         :hmac,
         :sha512,
         :binary.copy(<<0xAA>>, 131),
         "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
       ),
       "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
      # RFC 6070 (PBKDF2-HMAC-SHA1)
      {"rfc6070 1", :crypto.pbkdf2_hmac(:sha, "password", "salt", 1, 20),
       "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
      {"rfc6070 2", :crypto.pbkdf2_hmac(:sha, "password", "salt", 2, 20),
       "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
      {"rfc6070 3", :crypto.pbkdf2_hmac(:sha, "password", "salt", 4096, 20),
       "4b007901b765489abead49d926f721d065a429c1"},
      {"rfc6070 5",
       :crypto.pbkdf2_hmac(
         :sha,
         "passwordPASSWORDpassword",
         "saltSALTsaltSALTsaltSALTsaltSALTsalt",
         4096,
         25
       ), "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
      {"rfc6070 6", :crypto.pbkdf2_hmac(:sha, "pass\0word", "sa\0lt", 4096, 16),
       "56fa6aa75548099dcc37d7f03425e0c3"},
      # PBKDF2-HMAC-SHA256 (RFC 7914, section 11)
      {"pbkdf2 sha256 1", :crypto.pbkdf2_hmac(:sha256, "passwd", "salt", 1, 64),
       "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"},
      # the webhook of the issue: a Stripe-style signature checked with hash_equals
      {"hash_equals same",
       bool(:crypto.hash_equals(:crypto.hash(:sha256, "a"), :crypto.hash(:sha256, "a"))),
       "74727565"},
      {"hash_equals different",
       bool(:crypto.hash_equals(:crypto.hash(:sha256, "a"), :crypto.hash(:sha256, "b"))),
       "66616c7365"}
    ]
  end

  defp bool(value), do: :erlang.atom_to_binary(value)

  defp incremental(algorithm, pieces),
    do: :crypto.hash_final(feed(:crypto.hash_init(algorithm), pieces))

  defp feed(state, []), do: state
  defp feed(state, [piece | rest]), do: feed(:crypto.hash_update(state, piece), rest)

  @doc "One line per vector: `ok <name>` or `FAIL <name>: <got> != <expected>`."
  def vectors, do: :lists.map(&vector_line/1, vector_cases())

  defp vector_line({name, got, expected}) do
    case hex(got) do
      ^expected -> ["ok ", name, "\n"]
      other -> ["FAIL ", name, ": ", other, " != ", expected, "\n"]
    end
  end

  # a 31-bit linear congruential generator: the same bytes on the host and in the VM
  defp next(state), do: rem(state * 1_103_515_245 + 12_345, 2_147_483_648)

  defp below(state, limit) do
    state = next(state)
    {rem(state >>> 8, limit), state}
  end

  defp bytes(n, state), do: bytes(n, state, [])
  defp bytes(0, state, acc), do: {:erlang.list_to_binary(acc), state}

  defp bytes(n, state, acc) do
    state = next(state)
    bytes(n - 1, state, [band(state >>> 16, 255) | acc])
  end

  defp lengths(0, state, acc), do: {acc, state}

  defp lengths(count, state, acc) do
    {length, state} = below(state, 5001)
    lengths(count - 1, state, [length | acc])
  end

  @doc "The differential run: every :crypto function over inputs drawn from `seed`, one result a line."
  def differential(seed) do
    {random_lengths, state} = lengths(20, seed, [])
    {lines, _} = lengths_cases(@boundaries ++ :lists.reverse(random_lengths), state, [])
    lines
  end

  defp lengths_cases([], state, acc), do: {:lists.reverse(acc), state}

  defp lengths_cases([n | rest], state, acc) do
    {data, state} = bytes(n, state)
    {lines, state} = algorithm_cases(@algorithms, n, data, state, [])
    lengths_cases(rest, state, [lines | acc])
  end

  defp algorithm_cases([], _n, _data, state, acc), do: {acc, state}

  defp algorithm_cases([algorithm | rest], n, data, state, acc) do
    prefix = [:erlang.integer_to_binary(n), " ", :erlang.atom_to_binary(algorithm), " "]
    {split, state} = below(state, n + 1)
    first = binary_part(data, 0, split)
    second = binary_part(data, split, n - split)
    s0 = :crypto.hash_init(algorithm)
    s1 = :crypto.hash_update(s0, first)
    s2 = :crypto.hash_update(s1, [second])
    # s1 again after s2 was made from it: a state is a value
    s2_again = :crypto.hash_update(s1, second)
    {key_size, state} = below(state, 300)
    {key, state} = bytes(key_size, state)
    digest = :crypto.hash(algorithm, data)
    mac = :crypto.mac(:hmac, algorithm, key, data)
    {mac_size, state} = below(state, byte_size(mac) + 1)
    {password_size, state} = below(state, 100)
    {salt_size, state} = below(state, 40)
    {iterations, state} = below(state, 4)
    {key_length, state} = below(state, 150)
    password = binary_part(data, 0, min(password_size, n))
    salt = binary_part(key, 0, min(salt_size, key_size))

    lines = [
      [prefix, "hash ", hex(digest), "\n"],
      [prefix, "iolist ", hex(:crypto.hash(algorithm, [first, [second]])), "\n"],
      [
        prefix,
        "final ",
        hex(:crypto.hash_final(s2)),
        " ",
        hex(:crypto.hash_final(s2_again)),
        "\n"
      ],
      [prefix, "first ", hex(:crypto.hash_final(s1)), " ", hex(:crypto.hash_final(s0)), "\n"],
      [prefix, "mac ", hex(mac), "\n"],
      [prefix, "macN ", hex(:crypto.macN(:hmac, algorithm, [key], data, mac_size)), "\n"],
      [
        prefix,
        "pbkdf2 ",
        pbkdf2(algorithm, password, salt, iterations + 1, key_length + 1),
        "\n"
      ],
      [
        prefix,
        "equals ",
        bool(:crypto.hash_equals(digest, :crypto.hash(algorithm, data))),
        " ",
        bool(:crypto.hash_equals(mac, :crypto.mac(:hmac, algorithm, [key, "x"], data))),
        "\n"
      ]
    ]

    algorithm_cases(rest, n, data, state, [lines | acc])
  end

  # OTP's PBKDF2 takes the SHA family only
  defp pbkdf2(:md5, _password, _salt, _iterations, _length), do: "-"

  defp pbkdf2(algorithm, password, salt, iterations, length),
    do: hex(:crypto.pbkdf2_hmac(algorithm, password, salt, iterations, length))

  @doc "What bad arguments raise, the {File, Line} of OTP's errors left out (they name C files)."
  def errors do
    cases = [
      {"hash bad type", fn -> :crypto.hash(:foo, "a") end},
      {"hash not iodata", fn -> :crypto.hash(:sha256, :atom) end},
      {"hash bad iolist", fn -> :crypto.hash(:sha256, ["a", :b]) end},
      {"hash_init bad type", fn -> :crypto.hash_init(:foo) end},
      {"hash_update bad state", fn -> :crypto.hash_update(:foo, "a") end},
      {"hash_update state of the wrong size", fn -> :crypto.hash_update("not a state", "a") end},
      {"hash_final bad state", fn -> :crypto.hash_final(:foo) end},
      {"mac bad digest", fn -> :crypto.mac(:hmac, :foo, "k", "a") end},
      {"mac key not iodata", fn -> :crypto.mac(:hmac, :sha256, :k, "a") end},
      {"macN too long", fn -> :crypto.macN(:hmac, :sha256, "k", "a", 33) end},
      {"macN zero", fn -> :crypto.macN(:hmac, :sha256, "k", "a", 0) end},
      {"hash_equals sizes", fn -> :crypto.hash_equals("ab", "abc") end},
      {"hash_equals not binary", fn -> :crypto.hash_equals(["ab"], "ab") end},
      {"pbkdf2 zero iterations", fn -> :crypto.pbkdf2_hmac(:sha, "p", "s", 0, 20) end},
      {"pbkdf2 zero length", fn -> :crypto.pbkdf2_hmac(:sha, "p", "s", 1, 0) end},
      {"pbkdf2 iolist password", fn -> :crypto.pbkdf2_hmac(:sha, ["p"], "s", 1, 20) end},
      {"pbkdf2 bad digest", fn -> :crypto.pbkdf2_hmac(:foo, "p", "s", 1, 20) end},
      {"pbkdf2 md5", fn -> :crypto.pbkdf2_hmac(:md5, "p", "s", 1, 20) end},
      {"strong_rand_bytes negative", fn -> :crypto.strong_rand_bytes(-1) end},
      {"strong_rand_bytes zero", fn -> :crypto.strong_rand_bytes(0) end}
    ]

    :lists.map(
      fn {name, fun} ->
        outcome =
          try do
            {:ok, fun.()}
          catch
            kind, {:badarg, {_file, _line}, description} -> {kind, :badarg, description}
            kind, reason -> {kind, reason}
          end

        [name, " ", inspect(outcome), "\n"]
      end,
      cases
    )
  end
end
