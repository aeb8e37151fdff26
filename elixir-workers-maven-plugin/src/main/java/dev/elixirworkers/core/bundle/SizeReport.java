package dev.elixirworkers.core.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** Raw and gzip sizes of the files a worker ships; Cloudflare's limits are on the gzip size. */
public record SizeReport(List<Row> rows) {

  public record Row(String name, long raw, long gzip) {}

  public static SizeReport of(Path directory, List<String> names) {
    List<Row> rows = new ArrayList<>();
    for (String name : names) {
      try {
        byte[] bytes = Files.readAllBytes(directory.resolve(name));
        rows.add(new Row(name, bytes.length, gzipSize(bytes)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new SizeReport(List.copyOf(rows));
  }

  static long gzipSize(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2 + 64);
    try (GZIPOutputStream gzip =
        new GZIPOutputStream(out) {
          {
            def.setLevel(Deflater.BEST_COMPRESSION);
          }
        }) {
      gzip.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.size();
  }

  public long totalRaw() {
    return rows.stream().mapToLong(Row::raw).sum();
  }

  public long totalGzip() {
    return rows.stream().mapToLong(Row::gzip).sum();
  }

  /** The rows a budget of this kind covers ({@link SizeBudget.Kind#TOTAL}: all of them). */
  public List<Row> rowsOf(SizeBudget.Kind kind) {
    return kind == SizeBudget.Kind.TOTAL
        ? rows
        : rows.stream().filter(r -> SizeBudget.Kind.of(r.name()) == kind).toList();
  }

  /** The table printed at the end of {@code package}, one line per entry. */
  public List<String> lines() {
    List<String> lines = new ArrayList<>();
    String format = "%-14s %12s %12s";
    lines.add(String.format(format, "file", "raw", "gzip"));
    for (Row row : rows) {
      lines.add(String.format(format, row.name(), kib(row.raw()), kib(row.gzip())));
    }
    lines.add(String.format(format, "total", kib(totalRaw()), kib(totalGzip())));
    return lines;
  }

  /**
   * The table with the budgets: each file, then one line per kind of file (several JavaScript
   * modules share one budget) and the total, each with its budget ("-" for none).
   */
  public List<String> lines(SizeBudget budget) {
    List<String> lines = new ArrayList<>();
    String format = "%-16s %12s %12s %12s %12s";
    lines.add(String.format(format, "file", "raw", "gzip", "budget raw", "budget gzip"));
    for (SizeBudget.Kind kind : SizeBudget.Kind.values()) {
      List<Row> covered = rowsOf(kind);
      if (covered.isEmpty()) {
        continue;
      }
      long raw = covered.stream().mapToLong(Row::raw).sum();
      long gzip = covered.stream().mapToLong(Row::gzip).sum();
      String budgetRaw = limit(budget.limit(kind, false), raw);
      String budgetGzip = limit(budget.limit(kind, true), gzip);
      if (covered.size() == 1 && kind != SizeBudget.Kind.TOTAL) {
        lines.add(
            String.format(
                format, covered.get(0).name(), kib(raw), kib(gzip), budgetRaw, budgetGzip));
        continue;
      }
      if (kind != SizeBudget.Kind.TOTAL) {
        for (Row row : covered) {
          lines.add(
              String.format(format, "  " + row.name(), kib(row.raw()), kib(row.gzip()), "", ""));
        }
      }
      String label =
          kind == SizeBudget.Kind.TOTAL
              ? "total"
              : kind.name().toLowerCase(java.util.Locale.ROOT) + " (" + covered.size() + " files)";
      lines.add(String.format(format, label, kib(raw), kib(gzip), budgetRaw, budgetGzip));
    }
    return lines;
  }

  private static String limit(long limit, long size) {
    if (limit == SizeBudget.NONE) {
      return "-";
    }
    return (size > limit ? "OVER " : "") + kib(limit);
  }

  static String kib(long bytes) {
    return String.format("%.1f KiB", bytes / 1024.0);
  }
}
