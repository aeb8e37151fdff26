# SPDX-License-Identifier: Apache-2.0

defmodule StandIns.IoLibFormatTest do
  # stand-ins/io_lib_format.erl against OTP's own io_lib_format on this BEAM,
  # compiled under another name so that OTP's stays loaded.
  use ExUnit.Case, async: true

  @source Path.expand("../../stand-ins/io_lib_format.erl", __DIR__)

  setup_all do
    dir =
      Path.join(System.tmp_dir!(), "io_lib_format_stand_in_#{System.unique_integer([:positive])}")

    File.mkdir_p!(dir)
    file = Path.join(dir, "io_lib_format_stand_in.erl")

    File.write!(
      file,
      String.replace(
        File.read!(@source),
        "-module(io_lib_format).",
        "-module(io_lib_format_stand_in)."
      )
    )

    {:ok, module, binary} = :compile.file(String.to_charlist(file), [:binary, :return_errors])
    {:module, ^module} = :code.load_binary(module, String.to_charlist(file), binary)
    on_exit(fn -> File.rm_rf!(dir) end)
    %{stand_in: module}
  end

  test "fwrite_g/1 writes what OTP writes for edge cases and 40,000 random floats", %{
    stand_in: stand_in
  } do
    edges = [
      0.0,
      -0.0,
      1.0,
      2.5,
      -2.5,
      0.1,
      0.001,
      0.0001,
      1.0e-5,
      100.0,
      1.0e15,
      1.0e16,
      1.0e20,
      123_456.789,
      5.0e-324,
      1.7976931348623157e308,
      0.30000000000000004,
      1 / 3,
      9_007_199_254_740_991.0,
      9_007_199_254_740_993.0
    ]

    :rand.seed(:exsss, {1, 2, 3})

    bits =
      for _ <- 1..20_000 do
        <<f::float-64>> = <<:rand.uniform(0x7FEFFFFFFFFFFFFF)::64>>
        f
      end

    scaled = for _ <- 1..20_000, do: :rand.uniform() * :math.pow(10, :rand.uniform(40) - 20)

    mismatches =
      for f <- edges ++ bits ++ scaled,
          :io_lib_format.fwrite_g(f) != stand_in.fwrite_g(f),
          do: {f, :io_lib_format.fwrite_g(f), stand_in.fwrite_g(f)}

    assert mismatches == []
  end
end
