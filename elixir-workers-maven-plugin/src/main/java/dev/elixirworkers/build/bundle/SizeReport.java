package dev.elixirworkers.build.bundle;

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

  private static String kib(long bytes) {
    return String.format("%.1f KiB", bytes / 1024.0);
  }
}
