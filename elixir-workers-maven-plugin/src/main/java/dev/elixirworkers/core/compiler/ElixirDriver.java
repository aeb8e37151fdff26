package dev.elixirworkers.core.compiler;

import dev.elixirworkers.core.compiler.Diagnostic.Severity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Elixir's own compiler ({@code Kernel.ParallelCompiler.compile_to_path/3}, what {@code
 * elixirc} calls) through a small script, because it returns diagnostics as data: file, line and
 * message, rather than text to scrape. The script reads its job from a request file and writes a
 * tab-separated report; it works with Elixir 1.14 (tuples) and 1.15+ (diagnostic maps).
 */
final class ElixirDriver {
  static final String SCRIPT =
      """
      # Written by elixir-workers: compiles .ex files, reports diagnostics as data.
      [request_file] = System.argv()

      request =
        request_file
        |> File.read!()
        |> String.split("\\n", trim: true)
        |> Enum.map(fn line ->
          [key, value] = String.split(line, "=", parts: 2)
          {key, value}
        end)

      values = fn key -> for {^key, value} <- request, do: value end
      flag = fn key -> values.(key) == ["true"] end

      [out] = values.("out")
      [report] = values.("report")
      Enum.each(values.("path"), &Code.prepend_path/1)

      Code.compiler_options(
        docs: flag.("docs"),
        debug_info: flag.("debug_info"),
        ignore_module_conflict: flag.("ignore_module_conflict")
      )

      # From here on only Erlang's modules are called: the files just compiled may have
      # replaced Elixir's own (AtomVM's exavmlib redefines Enum, Kernel, String.Chars...).
      escape = fn text ->
        binary =
          case :unicode.characters_to_binary(text) do
            b when is_binary(b) -> b
            _ -> :erlang.iolist_to_binary(:io_lib.format('~tp', [text]))
          end

        binary
        |> :binary.replace("\\\\", "\\\\\\\\", [:global])
        |> :binary.replace("\\n", "\\\\n", [:global])
        |> :binary.replace("\\r", "\\\\r", [:global])
        |> :binary.replace("\\t", "\\\\t", [:global])
      end

      position = fn
        {line, column} when is_integer(line) and is_integer(column) -> {line, column}
        line when is_integer(line) -> {line, 0}
        _ -> {0, 0}
      end

      # Where the compiler found the error. A mismatched delimiter (Elixir 1.15+) has the
      # opening delimiter as its position and the closing one, where it was found, as the
      # span's end: Elixir's own message names the latter, and so do we.
      found_at = fn diagnostic ->
        case :maps.get(:details, diagnostic, nil) do
          {:error, %{end_line: line, end_column: column}} when is_integer(line) ->
            {line, column}

          _ ->
            :maps.get(:position, diagnostic, nil)
        end
      end

      # A token or delimiter error's message (Elixir 1.15+) is a location, then a snippet;
      # its description is the part worth a line: ** (MismatchedDelimiterError) unexpected
      # reserved word: end.
      described = fn diagnostic ->
        case :maps.get(:details, diagnostic, nil) do
          {:error, %{__struct__: kind, description: text}} when is_binary(text) ->
            "Elixir." <> name = :erlang.atom_to_binary(kind, :utf8)
            ["** (", name, ") ", text]

          _ ->
            :maps.get(:message, diagnostic, "")
        end
      end

      line_for = fn severity, file, pos, message ->
        {line, column} = position.(pos)

        :erlang.iolist_to_binary(
          :lists.join("\\t", [
            severity,
            escape.(file || "nofile"),
            :erlang.integer_to_binary(line),
            :erlang.integer_to_binary(column),
            escape.(message)
          ])
        )
      end

      format = fn
        severity, {file, pos, message} ->
          line_for.(severity, file, pos, message)

        severity, %{} = diagnostic ->
          line_for.(
            severity,
            :maps.get(:file, diagnostic, nil),
            found_at.(diagnostic),
            described.(diagnostic)
          )
      end

      all_warnings = fn
        %{} = by_kind ->
          :maps.get(:compile_warnings, by_kind, []) ++ :maps.get(:runtime_warnings, by_kind, [])

        list ->
          list
      end

      File.mkdir_p!(out)

      {status, modules, errors, warnings} =
        case Kernel.ParallelCompiler.compile_to_path(values.("file"), out, return_diagnostics: true) do
          {:ok, modules, warnings} -> {"ok", modules, [], all_warnings.(warnings)}
          {:error, errors, warnings} -> {"error", [], errors, all_warnings.(warnings)}
        end

      lines =
        :lists.map(fn w -> format.("warning", w) end, warnings) ++
          :lists.map(fn e -> format.("error", e) end, errors) ++
          :lists.map(fn m -> ["module\\t", :erlang.atom_to_binary(m, :utf8)] end, modules) ++
          [["status\\t", status]]

      :ok = :file.write_file(report, :lists.map(fn l -> [l, "\\n"] end, lines))
      :erlang.halt(if status == "ok", do: 0, else: 1)
      """;

  /** What the script reported. {@code status} is null when it died before reporting. */
  record Report(
      String status, List<String> modules, List<Diagnostic> errors, List<Diagnostic> warnings) {}

  /** Elixir's error text: {@code ** (Kind) file:line:col: message}. */
  private static final Pattern ERROR_HEAD =
      Pattern.compile(
          "^(?:\\*\\* )?\\(([\\w.]+)\\) (?:(?:.+?\\.exs?|nofile):\\d+(?::\\d+)?: )?(.*)$");

  private ElixirDriver() {}

  static void writeScript(Path script) {
    write(script, SCRIPT);
  }

  static void writeRequest(
      Path request,
      Path out,
      Path report,
      List<Path> codePaths,
      List<String> files,
      boolean docs,
      boolean debugInfo,
      boolean ignoreModuleConflict) {
    StringBuilder text = new StringBuilder();
    text.append("out=").append(out).append('\n');
    text.append("report=").append(report).append('\n');
    for (Path path : codePaths) {
      text.append("path=").append(path).append('\n');
    }
    text.append("docs=").append(docs).append('\n');
    text.append("debug_info=").append(debugInfo).append('\n');
    text.append("ignore_module_conflict=").append(ignoreModuleConflict).append('\n');
    for (String file : files) {
      text.append("file=").append(file).append('\n');
    }
    write(request, text.toString());
  }

  /**
   * Reads the report, mapping the absolute paths Elixir reports back to the paths the caller gave
   * ({@code givenPaths}: absolute normalised path to the caller's spelling).
   */
  static Report readReport(Path report, Map<Path, String> givenPaths) {
    if (!Files.isRegularFile(report)) {
      return new Report(null, List.of(), List.of(), List.of());
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(report, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String status = null;
    List<String> modules = new ArrayList<>();
    List<Diagnostic> errors = new ArrayList<>();
    List<Diagnostic> warnings = new ArrayList<>();
    for (String line : lines) {
      String[] fields = line.split("\t", -1);
      switch (fields[0]) {
        case "status" -> status = fields[1];
        case "module" -> modules.add(fields[1]);
        case "warning", "error" -> {
          if (fields.length < 5) {
            continue;
          }
          boolean error = fields[0].equals("error");
          String file = displayPath(unescape(fields[1]), givenPaths);
          String message = unescape(fields[4]);
          Diagnostic diagnostic =
              new Diagnostic(
                  error ? Severity.ERROR : Severity.WARNING,
                  file,
                  Integer.parseInt(fields[2]),
                  Integer.parseInt(fields[3]),
                  error ? errorMessage(message) : message.strip());
          (error ? errors : warnings).add(diagnostic);
        }
        default -> {}
      }
    }
    // Elixir 1.15+ adds "cannot compile module M (errors have been logged)", without a line,
    // after the errors it logged: a summary, not an error of its own.
    if (errors.stream().anyMatch(e -> !isSummary(e))) {
      errors.removeIf(ElixirDriver::isSummary);
    }
    return new Report(status, modules, errors, warnings);
  }

  private static boolean isSummary(Diagnostic error) {
    return error.line() == 0 && error.message().endsWith("(errors have been logged)");
  }

  /** First line of {@code ** (CompileError) lib/a.ex:4: undefined function foo/0}, tidied. */
  static String errorMessage(String raw) {
    String first = raw.strip().lines().findFirst().orElse("").strip();
    Matcher m = ERROR_HEAD.matcher(first);
    if (!m.matches()) {
      return first;
    }
    String kind = m.group(1);
    String text = m.group(2);
    return kind.equals("CompileError") ? text : "(" + kind + ") " + text;
  }

  private static String displayPath(String reported, Map<Path, String> givenPaths) {
    try {
      String given = givenPaths.get(Path.of(reported).toAbsolutePath().normalize());
      return given != null ? given : reported;
    } catch (RuntimeException e) {
      return reported;
    }
  }

  static String unescape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\' && i + 1 < text.length()) {
        char next = text.charAt(++i);
        out.append(
            switch (next) {
              case 'n' -> '\n';
              case 'r' -> '\r';
              case 't' -> '\t';
              default -> next;
            });
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write " + file, e);
    }
  }
}
