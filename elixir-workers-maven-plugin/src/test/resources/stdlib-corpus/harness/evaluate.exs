# SPDX-License-Identifier: Apache-2.0

# Runs every case of StdlibCorpus.Cases on this BEAM and writes the results as the corpus worker's
# /cases route does: the external term format of [{index, encoded result}].
#
#   elixir -pa <directory with the compiled corpus> harness/evaluate.exs <output file>

[out] = System.argv()
results = for i <- 0..(StdlibCorpus.Cases.count() - 1), do: StdlibCorpus.Capture.encoded(i, StdlibCorpus.Cases.run(i))
File.write!(out, :erlang.term_to_binary(results))
