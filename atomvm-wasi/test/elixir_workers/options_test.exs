# SPDX-License-Identifier: Apache-2.0

defmodule ElixirWorkers.OptionsTest do
  use ExUnit.Case, async: true

  alias ElixirWorkers.Options

  test "get/3 is the value of the key's first pair" do
    assert Options.get([max_bytes: 10, max_bytes: 20], :max_bytes, 1) == 10
  end

  test "get/3 is the default when the key is absent" do
    assert Options.get([other: 1], :max_bytes, 1_000_000) == 1_000_000
    assert Options.get([], :max_bytes, nil) == nil
  end

  test "get/3 keeps a nil or false given for the key instead of the default" do
    assert Options.get([http_only: false], :http_only, true) == false
    assert Options.get([id: nil], :id, "fallback") == nil
  end
end
