package dev.elixirworkers.core.corpus;

import dev.elixirworkers.wasi.process.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The standard-library corpus of issue 14 ({@code src/test/resources/stdlib-corpus}): its Elixir
 * scripts run through {@code elixir} on this machine — generate the cases module, compile it,
 * evaluate it, compare two runs — so the host BEAM is always the one that gives the expected
 * results.
 */
public final class StdlibCorpus {
  /** The corpus and its scripts, relative to the plugin module. */
  public static final Path ROOT = Path.of("src", "test", "resources", "stdlib-corpus");

  /** What the VM needs besides the generated module: the structs, protocols and the capture. */
  public static final Path SUPPORT = ROOT.resolve("support/corpus_support.ex");

  /** The worker that runs the cases inside AtomVM. */
  public static final Path WORKER = ROOT.resolve("worker/stdlib_corpus_worker.ex");

  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private StdlibCorpus() {}

  /** Writes {@code StdlibCorpus.Cases} for every expression of the corpus to {@code output}. */
  public static void generate(Path output) {
    generate(ROOT.resolve("expressions"), output);
  }

  /** Writes {@code StdlibCorpus.Cases} for the corpus files (*.txt) of {@code expressions}. */
  public static void generate(Path expressions, Path output) {
    elixir(List.of("elixir", script("generate.exs"), expressions.toString(), output.toString()));
  }

  /** Compiles the support module and the generated cases with the host's elixirc. */
  public static void compileOnHost(Path cases, Path ebin) {
    try {
      Files.createDirectories(ebin);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    elixir(
        List.of(
            "elixirc",
            "--ignore-module-conflict",
            "-o",
            ebin.toString(),
            SUPPORT.toString(),
            cases.toString()));
  }

  /** Runs every case on the host BEAM, with the corpus's modules from {@code ebin}. */
  public static Path evaluateOnHost(Path ebin, Path output) {
    elixir(List.of("elixir", "-pa", ebin.toString(), script("evaluate.exs"), output.toString()));
    return output;
  }

  /**
   * Compares {@code actual} (a file from {@link #evaluateOnHost} or a directory of the worker's
   * answers) with {@code expected}; writes {@code results.tsv} and {@code table.md} to {@code out}.
   *
   * @param findings the calls the compatibility check reported, one {@code Module.fun/arity} a line
   */
  public static Comparison compare(
      Path ebin, Path expected, Path actual, Optional<Path> findings, Path out, String title) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "elixir",
                "-pa",
                ebin.toString(),
                script("compare.exs"),
                "--expected",
                expected.toString(),
                "--actual",
                actual.toString(),
                "--out",
                out.toString(),
                "--title",
                title));
    findings.ifPresent(
        f -> {
          command.add("--findings");
          command.add(f.toString());
        });
    elixir(command);
    try {
      List<String> lines = Files.readAllLines(out.resolve("results.tsv"), StandardCharsets.UTF_8);
      List<Row> rows = lines.stream().skip(1).map(Row::parse).toList();
      return new Comparison(rows, Files.readString(out.resolve("table.md")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String script(String name) {
    return ROOT.resolve("harness").resolve(name).toString();
  }

  private static void elixir(List<String> command) {
    ProcessRunner.Result result;
    try {
      result = ProcessRunner.run(command, Map.of(), null, TIMEOUT, line -> {});
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (result.exitCode() != 0) {
      throw new IllegalStateException(result.failure(40));
    }
  }

  /** One case of a comparison, a row of {@code results.tsv}. */
  public record Row(
      String module,
      String id,
      String status,
      String missingCall,
      boolean reportedAtBuild,
      String expression,
      String expected,
      String actual) {
    static Row parse(String line) {
      String[] cells = line.split("\t", -1);
      if (cells.length != 8) {
        throw new IllegalStateException("results.tsv row with " + cells.length + " cells: " + line);
      }
      return new Row(
          unescape(cells[0]),
          unescape(cells[1]),
          cells[2],
          unescape(cells[3]),
          Boolean.parseBoolean(cells[4]),
          unescape(cells[5]),
          unescape(cells[6]),
          unescape(cells[7]));
    }

    /** {@code Module.id}, as the corpus names it. */
    public String name() {
      return module + "." + id;
    }

    @Override
    public String toString() {
      return name()
          + " ["
          + status
          + (missingCall.isEmpty() ? "" : " " + missingCall)
          + "] "
          + expression
          + "\n  host: "
          + expected
          + "\n  other: "
          + actual;
    }

    private static String unescape(String cell) {
      StringBuilder out = new StringBuilder(cell.length());
      for (int i = 0; i < cell.length(); i++) {
        char c = cell.charAt(i);
        if (c == '\\' && i + 1 < cell.length()) {
          char next = cell.charAt(++i);
          out.append(next == 'n' ? '\n' : next == 't' ? '\t' : next);
        } else {
          out.append(c);
        }
      }
      return out.toString();
    }
  }

  /** Every case of one comparison and the per-module table compare.exs printed. */
  public record Comparison(List<Row> rows, String table) {
    public List<Row> withStatus(String status) {
      return rows.stream().filter(r -> r.status().equals(status)).toList();
    }

    public Row row(String module, String id) {
      return rows.stream()
          .filter(r -> r.module().equals(module) && r.id().equals(id))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no case " + module + "." + id + " in the corpus"));
    }

    public Map<String, Long> expressionsPerModule() {
      return rows.stream().collect(Collectors.groupingBy(Row::module, Collectors.counting()));
    }
  }
}
