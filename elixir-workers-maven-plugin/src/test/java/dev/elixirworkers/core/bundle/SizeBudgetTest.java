package dev.elixirworkers.core.bundle;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SizeBudgetTest {
  static final SizeReport EXAMPLE =
      new SizeReport(
          List.of(
              new SizeReport.Row("atomvm.wasm", 700_000, 180_000),
              new SizeReport.Row("app.avm", 270_000, 100_000),
              new SizeReport.Row("worker.js", 700, 400),
              new SizeReport.Row("host.js", 11_000, 4_000)));

  @Test
  void theDefaultsLeaveRoomAboveTheExampleWorker() {
    assertEquals(List.of(), SizeBudget.DEFAULT.check(EXAMPLE));
    assertDoesNotThrow(() -> SizeBudget.DEFAULT.enforce(EXAMPLE));
  }

  @Test
  void theDefaultsLeaveRoomAboveTheExampleWorkersSnapshot() {
    SizeReport snapshot =
        new SizeReport(
            List.of(
                new SizeReport.Row("atomvm.wasm", 1_015_000, 320_000),
                new SizeReport.Row("host.js", 11_000, 4_000)));
    assertEquals(List.of(), SizeBudget.DEFAULT.check(snapshot));
  }

  @Test
  void aFileOverItsBudgetFailsWithItsSizeTheBudgetTheSettingAndAdvice() {
    SizeBudget budget =
        new SizeBudget(0, 0, 0, 90 * 1024, 0, 0, 0, SizeBudget.NONE); // app.avm gzip: 90 KiB

    BuildException e = assertThrows(BuildException.class, () -> budget.enforce(EXAMPLE));

    assertTrue(e.getMessage().contains("app.avm is 97.7 KiB gzip"), e.getMessage());
    assertTrue(e.getMessage().contains("over its budget of 90.0 KiB"), e.getMessage());
    assertTrue(e.getMessage().contains("<sizeBudgetAvmGzip>"), e.getMessage());
    assertTrue(e.getMessage().contains("-Delixir-workers.budget.avm.gzip="), e.getMessage());
    assertTrue(e.getMessage().contains("run with -X to see each packed module"), e.getMessage());
  }

  @Test
  void aSnapshotBundleHasNoAppArchiveTheWasmBudgetCoversTheSnapshotAndTheAvmBudgetNothing() {
    SizeReport snapshot =
        new SizeReport(
            List.of(
                new SizeReport.Row("atomvm.wasm", 900_000, 250_000),
                new SizeReport.Row("worker.js", 700, 400)));
    SizeBudget budget = new SizeBudget(0, 200 * 1024, 1, 1, 0, 0, 0, 0);

    List<SizeBudget.Violation> violations = budget.check(snapshot);

    assertEquals(1, violations.size(), violations.toString());
    assertEquals(SizeBudget.Kind.WASM, violations.get(0).kind());
    String message = violations.get(0).message();
    assertTrue(message.startsWith("atomvm.wasm is 244.1 KiB gzip"), message);
    assertTrue(message.contains("A snapshot (the default) also holds the application"), message);
    assertTrue(message.contains("<snapshot>false</snapshot>"), message);
    assertTrue(snapshot.lines(budget).stream().noneMatch(l -> l.contains("app.avm")));
  }

  @Test
  void theJavaScriptModulesShareOneBudgetAndEveryViolationIsReported() {
    SizeBudget budget = new SizeBudget(600_000, 0, 0, 0, 10_000, 0, 0, 200_000);

    List<SizeBudget.Violation> violations = budget.check(EXAMPLE);

    assertEquals(3, violations.size(), violations.toString());
    assertEquals(SizeBudget.Kind.WASM, violations.get(0).kind());
    assertEquals("worker.js, host.js", violations.get(1).files());
    assertEquals(11_700, violations.get(1).size());
    assertEquals(SizeBudget.Kind.TOTAL, violations.get(2).kind());
    assertEquals(284_400, violations.get(2).size());
    assertTrue(violations.get(2).message().contains("elixir-workers.budget.total.gzip"));
  }

  @Test
  void theTableShowsEachFileTheJavaScriptTogetherAndTheBudgets() {
    SizeBudget budget = new SizeBudget(600_000, 0, 0, 0, 0, 0, 0, 0);

    List<String> lines = EXAMPLE.lines(budget);

    assertTrue(lines.get(0).contains("budget raw") && lines.get(0).contains("budget gzip"));
    assertTrue(lines.get(1).startsWith("atomvm.wasm"), lines.get(1));
    assertTrue(lines.get(1).contains("OVER 585.9 KiB"), lines.get(1));
    assertTrue(lines.get(3).startsWith("  worker.js"), lines.get(3));
    assertTrue(lines.get(5).startsWith("js (2 files)"), lines.get(5));
    assertTrue(lines.get(6).startsWith("total"), lines.get(6));
    assertTrue(lines.get(6).endsWith("-"), lines.get(6));
  }

  @Test
  void settingsTakeBytesBinaryAndDecimalUnitsAndOff() {
    assertEquals(300_000, SizeBudget.parse("300000", 1, "x"));
    assertEquals(256 * 1024, SizeBudget.parse("256KiB", 1, "x"));
    assertEquals(256 * 1024, SizeBudget.parse("256 kib", 1, "x"));
    assertEquals(1536 * 1024, SizeBudget.parse("1.5MiB", 1, "x"));
    assertEquals(900_000, SizeBudget.parse("900KB", 1, "x"));
    assertEquals(SizeBudget.NONE, SizeBudget.parse("off", 1, "x"));
    assertEquals(SizeBudget.NONE, SizeBudget.parse("0", 1, "x"));
    assertEquals(7, SizeBudget.parse(" ", 7, "x"));
    assertEquals(7, SizeBudget.parse(null, 7, "x"));
  }

  @Test
  void aSettingThatIsNotASizeNamesTheSettingAndTheForms() {
    BuildException e =
        assertThrows(BuildException.class, () -> SizeBudget.parse("lots", 1, "sizeBudgetWasmGzip"));
    assertTrue(e.getMessage().startsWith("<sizeBudgetWasmGzip> is not a size: 'lots'"));
    assertTrue(e.getMessage().contains("256KiB"));
  }
}
