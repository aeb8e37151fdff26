package dev.elixirworkers.build;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.elixirworkers.build.bundle.SizeBudget;
import org.junit.jupiter.api.Test;

class SnapshotBudgetTest {
  @Test
  void aSnapshotsVmGetsTheVmAndTheApplicationBudgetsTogether() {
    SizeBudget b = new SizeBudget(100, 10, 50, 5, 7, 3, 1000, 300);

    assertEquals(new SizeBudget(150, 15, 50, 5, 7, 3, 1000, 300), WorkerBuild.snapshotBudget(b));
  }

  @Test
  void noBudgetOnEitherSideMeansNone() {
    SizeBudget b = new SizeBudget(100, SizeBudget.NONE, SizeBudget.NONE, 5, 7, 3, 1000, 300);

    SizeBudget snapshot = WorkerBuild.snapshotBudget(b);
    assertEquals(SizeBudget.NONE, snapshot.wasmRaw());
    assertEquals(SizeBudget.NONE, snapshot.wasmGzip());
  }
}
