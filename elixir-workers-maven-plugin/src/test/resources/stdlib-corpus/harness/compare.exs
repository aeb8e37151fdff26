# SPDX-License-Identifier: Apache-2.0

# Compares two runs of StdlibCorpus.Cases (the host BEAM's, and the VM's or a second host run):
# decodes both, turns each result into its view, inspects both views on this BEAM and compares
# the strings, as issue 14 asks.
#
#   elixir -pa <compiled corpus> harness/compare.exs --expected host.bin --actual <file|dir>
#          --out <dir> [--findings compat-findings.txt] [--title "..."]
#
# --actual is a file written by evaluate.exs, or a directory of the worker's answers (*.bin) and
# of crash-<index>.txt files for cases whose request failed. --findings lists what the
# compatibility check reported at build time, a line per call: `Module.function/arity`, the
# calling module, the file and the line, separated by tabs.
# Writes <out>/results.tsv (one row per case) and <out>/table.md (per module: expressions,
# identical, different, missing) and prints the table.

defmodule StdlibCorpus.Compare do
  # What is compared: a value (or its shape), the exception a caught error becomes and its
  # message, a throw or exit reason, or the function that was missing.
  def view({:ok, value}, :shape), do: {:ok, shape(value)}
  def view({:ok, value}, :value), do: {:ok, value}
  # Only a raw undef: an UndefinedFunctionError raised on purpose (Access on a struct) is an
  # exception like any other. The BEAM's top frame is the missing function; AtomVM's is the
  # function that called it.
  def view({:caught, :error, :undef, frames}, _), do: {:missing, top_frame(frames)}

  def view({:caught, :error, reason, frames}, _) do
    frames = if is_list(frames), do: frames, else: []
    exception = Exception.normalize(:error, reason, frames)

    message =
      try do
        Exception.message(exception)
      catch
        kind, why -> {:message_failed, kind, why}
      end

    {:raised, exception.__struct__, message}
  end

  def view({:caught, kind, reason, _frames}, _), do: {kind, reason}
  def view(other, _), do: other

  # A time-dependent result: its structure, with every number replaced by its type and every
  # binary by its size (so an ISO 8601 string of a different precision still shows).
  def shape(%module{} = struct), do: {:struct, module, struct |> Map.from_struct() |> shape()}
  def shape(map) when is_map(map), do: Map.new(map, fn {k, v} -> {k, shape(v)} end)
  def shape(list) when is_list(list), do: Enum.map(list, &shape/1)
  def shape(tuple) when is_tuple(tuple), do: tuple |> Tuple.to_list() |> shape() |> List.to_tuple()
  def shape(n) when is_integer(n), do: :integer
  def shape(f) when is_float(f), do: :float
  def shape(b) when is_binary(b), do: {:binary, byte_size(b)}
  def shape(other), do: other

  defp top_frame([{m, f, a, _} | _]) when is_atom(m) and is_atom(f) and is_list(a), do: {m, f, length(a)}
  defp top_frame([{m, f, a, _} | _]) when is_atom(m) and is_atom(f) and is_integer(a), do: {m, f, a}
  defp top_frame(_), do: :unknown

  # Which call was missing. AtomVM's stacktraces have no lines and start at the caller, so: in
  # the expression itself, the calls the compatibility check reported at the expression's line;
  # deeper, the library function the undef happened in.
  def missing_call({:missing, {StdlibCorpus.Cases, _, _}}, line, findings) do
    case for({call, _caller, file, ^line} <- findings, Path.basename(file) == "stdlib_corpus_cases.ex", do: call) do
      [] -> {"? (no call reported at this line)", false}
      calls -> {calls |> Enum.uniq() |> Enum.join(", "), true}
    end
  end

  # The check names such a call where the project's code first reaches it ("Lib.f/1 may fail: it
  # calls :m.f/2"), once per missing function, or in the module that makes it.
  def missing_call({:missing, {m, f, a}}, _line, findings) do
    caller = format_module(m)
    missing = format_mfa(m, f, a)

    {"inside #{missing}",
     Enum.any?(findings, fn {call, calling, _file, _line} -> call == missing or calling == caller end)}
  end

  def missing_call({:missing, _}, _line, _findings), do: {"?", false}

  # As the compatibility check prints it (Mfa.display): String.upcase/1, :unicode.foo/2
  def format_mfa(m, f, a) do
    "#{format_module(m)}.#{f}/#{a}"
  end

  def format_module(m) do
    case Atom.to_string(m) do
      "Elixir." <> elixir -> elixir
      erlang -> ":" <> erlang
    end
  end

  def decode_file(path) do
    path |> File.read!() |> :erlang.binary_to_term() |> Map.new(fn {i, bin} -> {i, :erlang.binary_to_term(bin)} end)
  end

  def decode_actual(path) do
    if File.dir?(path) do
      answers =
        path |> Path.join("*.bin") |> Path.wildcard() |> Enum.map(&decode_file/1) |> Enum.reduce(%{}, &Map.merge/2)

      crashes =
        for file <- Path.wildcard(Path.join(path, "crash-*.txt")), into: %{} do
          "crash-" <> index = Path.basename(file, ".txt")
          {String.to_integer(index), {:crashed, File.read!(file)}}
        end

      Map.merge(answers, crashes)
    else
      decode_file(path)
    end
  end

  def show(view), do: inspect(view, limit: :infinity, printable_limit: :infinity, width: :infinity)

  def cell(text), do: text |> String.replace("\\", "\\\\") |> String.replace("\t", "\\t") |> String.replace("\n", "\\n")
end

alias StdlibCorpus.Compare

{opts, [], []} =
  OptionParser.parse(System.argv(),
    strict: [expected: :string, actual: :string, out: :string, findings: :string, title: :string]
  )

expected = Compare.decode_file(Keyword.fetch!(opts, :expected))
actual = Compare.decode_actual(Keyword.fetch!(opts, :actual))
out = Keyword.fetch!(opts, :out)

findings =
  case opts[:findings] do
    nil ->
      []

    file ->
      for line <- file |> File.read!() |> String.split("\n", trim: true) do
        [call, caller, source, number] = String.split(line, "\t")
        {call, caller, source, String.to_integer(number)}
      end
  end

rows =
  for {index, module, id, mode, expression, line} <- StdlibCorpus.Cases.cases() do
    expected_view = Compare.view(Map.fetch!(expected, index), mode)
    actual_view = Compare.view(Map.get(actual, index, {:not_run}), mode)
    {expected_text, actual_text} = {Compare.show(expected_view), Compare.show(actual_view)}

    {status, {mfa, reported}} =
      case {expected_view, actual_view} do
        {{:missing, {m, f, a}}, _} -> {"host-missing", {Compare.format_mfa(m, f, a), false}}
        {{:missing, _}, _} -> {"host-missing", {"?", false}}
        _ when expected_text == actual_text -> {"identical", {"", false}}
        {_, {:missing, _}} -> {"missing", Compare.missing_call(actual_view, line, findings)}
        _ -> {"different", {"", false}}
      end

    %{module: module, id: id, status: status, mfa: mfa, reported: reported,
      expression: expression, expected: expected_text, actual: actual_text}
  end

File.mkdir_p!(out)

tsv =
  ["module\tid\tstatus\tmissing_call\treported_at_build\texpression\texpected\tactual\n"] ++
    for r <- rows do
      Enum.map_join([r.module, r.id, r.status, r.mfa, r.reported, r.expression, r.expected, r.actual], "\t", &Compare.cell(to_string(&1))) <> "\n"
    end

File.write!(Path.join(out, "results.tsv"), tsv)

count = fn rs, status -> Enum.count(rs, &(&1.status == status)) end
by_module = Enum.group_by(rows, & &1.module)

line = fn name, rs ->
  "| #{name} | #{length(rs)} | #{count.(rs, "identical")} | #{count.(rs, "different")} | #{count.(rs, "missing")} |"
end

missing_calls =
  rows
  |> Enum.filter(&(&1.status == "missing"))
  |> Enum.frequencies_by(&{&1.mfa, &1.reported})
  |> Enum.sort_by(fn {{mfa, _}, n} -> {-n, mfa} end)

total = length(rows)
identical = count.(rows, "identical")

table =
  Enum.join(
    [
      "#{opts[:title] || "Standard library corpus"} (Elixir #{System.version()}, OTP #{System.otp_release()}): #{identical} of #{total} identical (#{Float.round(100 * identical / max(total, 1), 1)} %)",
      "",
      "| module | expressions | identical | different | missing |",
      "| --- | ---: | ---: | ---: | ---: |"
    ] ++
      for({module, rs} <- Enum.sort(by_module), do: line.(module, rs)) ++
      [line.("**total**", rows)] ++
      if(count.(rows, "host-missing") > 0, do: ["", "#{count.(rows, "host-missing")} expression(s) call functions this host's Elixir lacks (a corpus error)"], else: []) ++
      if(missing_calls == [], do: [], else: ["", "| missing call | expressions | reported by the compatibility check at build time (at the expression's line, or in that module) |", "| --- | ---: | --- |"]) ++
      for({{mfa, rep}, n} <- missing_calls, do: "| `#{mfa}` | #{n} | #{if rep, do: "yes", else: "no"} |"),
    "\n"
  ) <> "\n"

File.write!(Path.join(out, "table.md"), table)
IO.write(table)
