package dev.elixirworkers.maven;

import dev.elixirworkers.core.bundle.SizeBudget;
import dev.elixirworkers.core.compat.CompatibilityMode;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * The checks of the bundle that ships, for bundle and deploy: calls AtomVM does not have, and size
 * budgets. (The dev server's live reload serves whatever the sources make.)
 */
abstract class AbstractPackageMojo extends AbstractVmMojo {

  /**
   * What to do with calls from the project's (and the framework's) modules to functions AtomVM does
   * not have: {@code error} (default: fail the build, naming each call with its file:line), {@code
   * warn} (report them and build) or {@code off}. Calls the standard library makes on paths the
   * code reaches are reported, never fatal.
   */
  @Parameter(property = "elixir-workers.compatibility", defaultValue = "error")
  private String compatibility;

  /**
   * Size budget of {@code atomvm.wasm}, raw (default 1536KiB). Every budget is bytes or a size such
   * as {@code 1MiB}, {@code 300KiB} or {@code 900KB}, or {@code off}; the build fails past any
   * budget and the size table shows them.
   */
  @Parameter(property = "elixir-workers.budget.wasm")
  private String sizeBudgetWasm;

  /** Size budget of {@code atomvm.wasm} (with a snapshot: VM and application), gzip (384KiB). */
  @Parameter(property = "elixir-workers.budget.wasm.gzip")
  private String sizeBudgetWasmGzip;

  /**
   * Size budget of {@code app.avm}, raw (default 1MiB). It ships only with {@code
   * <snapshot>false</snapshot>}: a snapshot's {@code atomvm.wasm} holds the application and falls
   * under the wasm budgets.
   */
  @Parameter(property = "elixir-workers.budget.avm")
  private String sizeBudgetAvm;

  /** Size budget of {@code app.avm} (shipped only without a snapshot), gzip (default 256KiB). */
  @Parameter(property = "elixir-workers.budget.avm.gzip")
  private String sizeBudgetAvmGzip;

  /** Size budget of the Worker's JavaScript modules together, raw (default 128KiB). */
  @Parameter(property = "elixir-workers.budget.js")
  private String sizeBudgetJs;

  /** Size budget of the Worker's JavaScript modules together, gzip (default 32KiB). */
  @Parameter(property = "elixir-workers.budget.js.gzip")
  private String sizeBudgetJsGzip;

  /** Size budget of every uploaded file together, raw (default 64MB, Cloudflare's limit). */
  @Parameter(property = "elixir-workers.budget.total")
  private String sizeBudgetTotal;

  /**
   * Size budget of every uploaded file together, gzip (default 3MB, Cloudflare's limit on the free
   * plan).
   */
  @Parameter(property = "elixir-workers.budget.total.gzip")
  private String sizeBudgetTotalGzip;

  protected CompatibilityMode compatibilityMode() {
    return CompatibilityMode.parse(compatibility, "<compatibility>");
  }

  protected SizeBudget sizeBudget() {
    SizeBudget d = SizeBudget.DEFAULT;
    return new SizeBudget(
        SizeBudget.parse(sizeBudgetWasm, d.wasmRaw(), "sizeBudgetWasm"),
        SizeBudget.parse(sizeBudgetWasmGzip, d.wasmGzip(), "sizeBudgetWasmGzip"),
        SizeBudget.parse(sizeBudgetAvm, d.avmRaw(), "sizeBudgetAvm"),
        SizeBudget.parse(sizeBudgetAvmGzip, d.avmGzip(), "sizeBudgetAvmGzip"),
        SizeBudget.parse(sizeBudgetJs, d.jsRaw(), "sizeBudgetJs"),
        SizeBudget.parse(sizeBudgetJsGzip, d.jsGzip(), "sizeBudgetJsGzip"),
        SizeBudget.parse(sizeBudgetTotal, d.totalRaw(), "sizeBudgetTotal"),
        SizeBudget.parse(sizeBudgetTotalGzip, d.totalGzip(), "sizeBudgetTotalGzip"));
  }
}
