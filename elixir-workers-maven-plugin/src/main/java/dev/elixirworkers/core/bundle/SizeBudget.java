package dev.elixirworkers.core.bundle;

import dev.elixirworkers.core.BuildException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Size limits for what a worker uploads, raw and gzip, per kind of file and in total. A limit of
 * {@link #NONE} (0) is no limit. A budget covers the files of its kind that the worker ships: with
 * a snapshot there is no app.avm (atomvm.wasm holds the application, under the wasm budget). The
 * defaults leave room above the example worker and catch a build that suddenly grows; the total
 * gzip default is Cloudflare's limit on the free plan.
 */
public record SizeBudget(
    long wasmRaw,
    long wasmGzip,
    long avmRaw,
    long avmGzip,
    long jsRaw,
    long jsGzip,
    long totalRaw,
    long totalGzip) {

  /** No limit. */
  public static final long NONE = 0;

  private static final long KIB = 1024;
  private static final long MIB = 1024 * 1024;

  public static final SizeBudget DEFAULT =
      new SizeBudget(
          1536 * KIB, 384 * KIB, 1 * MIB, 256 * KIB, 128 * KIB, 32 * KIB, 64_000_000L, 3_000_000L);

  public static final SizeBudget UNLIMITED = new SizeBudget(0, 0, 0, 0, 0, 0, 0, 0);

  public SizeBudget {
    for (long limit :
        new long[] {wasmRaw, wasmGzip, avmRaw, avmGzip, jsRaw, jsGzip, totalRaw, totalGzip}) {
      if (limit < 0) {
        throw new IllegalArgumentException("size budgets are >= 0 (0 = none), got " + limit);
      }
    }
  }

  /** What a budget applies to: one kind of file (by extension), or every file. */
  public enum Kind {
    WASM(
        "Wasm",
        "wasm",
        "the AtomVM build: it changes with the AtomVM source and the plugin version; MinSizeRel"
            + " with LTO, and wasm-opt (binaryen) on the PATH, keep it small. A snapshot (the"
            + " default) also holds the application, app.avm's modules loaded in its memory: run"
            + " with -X to see each packed module and why it was packed; with"
            + " <snapshot>false</snapshot> the plain VM and app.avm ship and are budgeted"
            + " separately"),
    AVM(
        "Avm",
        "avm",
        "app.avm ships only without a snapshot; it holds the start module and every module it"
            + " reaches: run with -X to see each packed module and"
            + " why it was packed; calls into big standard-library modules (Enum, io_lib,"
            + " gen_server, Exception) pull them in whole; move rarely used code into modules the"
            + " hot path does not reference"),
    JS(
        "Js",
        "js",
        "the Worker's JavaScript ships with the plugin; it only changes with the plugin version"),
    TOTAL("Total", "total", "see the rows above: the VM and app.avm are most of it");

    private final String parameterSuffix;
    private final String propertySuffix;
    private final String advice;

    Kind(String parameterSuffix, String propertySuffix, String advice) {
      this.parameterSuffix = parameterSuffix;
      this.propertySuffix = propertySuffix;
      this.advice = advice;
    }

    /** The kind of a file by its name, or {@code null} for files no kind budget covers. */
    public static Kind of(String fileName) {
      if (fileName.endsWith(".wasm")) {
        return WASM;
      } else if (fileName.endsWith(".avm")) {
        return AVM;
      } else if (fileName.endsWith(".js") || fileName.endsWith(".mjs")) {
        return JS;
      }
      return null;
    }

    /** The plugin parameter, e.g. {@code sizeBudgetAvmGzip}. */
    public String parameter(boolean gzip) {
      return "sizeBudget" + parameterSuffix + (gzip ? "Gzip" : "");
    }

    /** The user property, e.g. {@code elixir-workers.budget.avm.gzip}. */
    public String property(boolean gzip) {
      return "elixir-workers.budget." + propertySuffix + (gzip ? ".gzip" : "");
    }

    public String advice() {
      return advice;
    }
  }

  public long limit(Kind kind, boolean gzip) {
    return switch (kind) {
      case WASM -> gzip ? wasmGzip : wasmRaw;
      case AVM -> gzip ? avmGzip : avmRaw;
      case JS -> gzip ? jsGzip : jsRaw;
      case TOTAL -> gzip ? totalGzip : totalRaw;
    };
  }

  /** One budget that a build went over. */
  public record Violation(Kind kind, String files, boolean gzip, long size, long limit) {
    public String message() {
      return String.format(
          "%s %s %s, over its budget of %s — raise <%s> (-D%s=...), or shrink it: %s",
          files,
          files.contains(",") || kind == Kind.TOTAL ? "are" : "is",
          SizeReport.kib(size) + (gzip ? " gzip" : " raw"),
          SizeReport.kib(limit),
          kind.parameter(gzip),
          kind.property(gzip),
          kind.advice());
    }
  }

  /** Every budget the report goes over, in table order. */
  public List<Violation> check(SizeReport report) {
    List<Violation> violations = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      List<SizeReport.Row> rows = report.rowsOf(kind);
      if (rows.isEmpty()) {
        continue;
      }
      String files =
          kind == Kind.TOTAL
              ? "the worker's files together"
              : String.join(", ", rows.stream().map(SizeReport.Row::name).toList());
      for (boolean gzip : new boolean[] {false, true}) {
        long size = rows.stream().mapToLong(r -> gzip ? r.gzip() : r.raw()).sum();
        long limit = limit(kind, gzip);
        if (limit != NONE && size > limit) {
          violations.add(new Violation(kind, files, gzip, size, limit));
        }
      }
    }
    return violations;
  }

  /** Fails with every violation named when the report goes over a budget. */
  public void enforce(SizeReport report) {
    List<Violation> violations = check(report);
    if (violations.isEmpty()) {
      return;
    }
    StringBuilder message = new StringBuilder("The worker is over its size budget:");
    for (Violation violation : violations) {
      message.append("\n  ").append(violation.message());
    }
    message.append(
        "\nCloudflare limits a Worker to 3 MB gzip on the free plan and 10 MB on paid plans;"
            + " 0 or off for a budget disables it.");
    throw new BuildException(message.toString());
  }

  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(b|kb|kib|k|mb|mib|m)?", Pattern.CASE_INSENSITIVE);

  /**
   * Parses a budget setting: a byte count, or a number with {@code KB}/{@code MB} (decimal) or
   * {@code KiB}/{@code MiB} (binary) such as {@code 256KiB}; {@code 0}, {@code off} or {@code none}
   * for no limit; blank or {@code null} for {@code fallback}.
   *
   * @param setting the parameter's name, for the error message
   */
  public static long parse(String value, long fallback, String setting) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    String trimmed = value.trim();
    if (trimmed.equalsIgnoreCase("off") || trimmed.equalsIgnoreCase("none")) {
      return NONE;
    }
    Matcher m = SIZE.matcher(trimmed);
    if (!m.matches()) {
      throw new BuildException(
          "<"
              + setting
              + "> is not a size: '"
              + value
              + "' — use bytes (300000), KiB/MiB (256KiB, 1MiB), KB/MB (300KB) or off");
    }
    double number = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long factor =
        switch (unit) {
          case "kb" -> 1000;
          case "mb" -> 1_000_000;
          case "k", "kib" -> KIB;
          case "m", "mib" -> MIB;
          default -> 1;
        };
    return Math.round(number * factor);
  }
}
