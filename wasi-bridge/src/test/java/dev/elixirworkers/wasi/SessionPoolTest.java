package dev.elixirworkers.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.preview1.OutputBuffer;
import dev.elixirworkers.wasi.preview1.WasiPreview1;
import dev.elixirworkers.wasi.testing.TestGuest;
import dev.elixirworkers.wasi.wasmtime.GuestOutcome;
import dev.elixirworkers.wasi.wasmtime.WasiModule;
import dev.elixirworkers.wasi.wasmtime.WasiSession;
import dev.elixirworkers.wasi.wasmtime.WasmtimeEngine;
import org.junit.jupiter.api.Test;

class SessionPoolTest {
  static WasiModule module() throws Exception {
    return WasiModule.load(WasmtimeEngine.shared(), TestGuest.bundle().wasm());
  }

  static GuestOutcome run(WasiSession session, String path) {
    byte[] frame = Frames.encodeRequest(WorkerRequest.of("GET", "http://localhost" + path));
    WasiPreview1 wasi =
        WasiPreview1.builder()
            .args(WorkerRuntime.ARGS)
            .stdin(frame)
            .stdout(new OutputBuffer(32L << 20, OutputBuffer.Overflow.REJECT))
            .stderr(new OutputBuffer(4096, OutputBuffer.Overflow.KEEP_TAIL))
            .build();
    return session.run(wasi, 5_000);
  }

  @Test
  void aStoreGivenBackAfterACleanExitServesTheNextRunUntilItsRunsAreUsed() throws Exception {
    try (SessionPool pool = new SessionPool(module(), 2)) {
      pool.beginRequest();
      WasiSession store = pool.take();
      assertEquals(new GuestOutcome.Exited(0), run(store, "/echo"));
      pool.giveBack(store, true);

      WasiSession again = pool.take();
      assertSame(store, again);
      assertEquals(new GuestOutcome.Exited(0), run(again, "/echo"));
      pool.giveBack(again, true);

      WasiSession third = pool.take();
      assertNotSame(store, third, "two runs were its share");
      pool.giveBack(third, true);
      pool.endRequest();
    }
  }

  @Test
  void aStoreWhoseGuestDidNotExitIsDropped() throws Exception {
    try (SessionPool pool = new SessionPool(module(), 8)) {
      pool.beginRequest();
      WasiSession store = pool.take();
      assertTrue(run(store, "/trap") instanceof GuestOutcome.Trapped);
      pool.giveBack(store, false);

      WasiSession next = pool.take();
      assertNotSame(store, next);
      pool.giveBack(next, true);
      pool.endRequest();
    }
  }

  @Test
  void aStoreWhoseGuestGrewPastTheRetainedMemoryIsDropped() throws Exception {
    long mb = (SessionPool.RETAIN_MEMORY_BYTES >> 20) + 8;
    try (SessionPool pool = new SessionPool(module(), 8)) {
      pool.beginRequest();
      WasiSession store = pool.take();
      assertEquals(new GuestOutcome.Exited(0), run(store, "/grow?mb=" + mb));
      pool.giveBack(store, true);

      WasiSession next = pool.take();
      assertNotSame(store, next);
      pool.giveBack(next, true);
      pool.endRequest();
    }
  }

  @Test
  void aClosedPoolRefusesRequestsButOneInFlightFinishesBeforeTheModuleIsGivenBack()
      throws Exception {
    WasiModule module = module();
    SessionPool pool = new SessionPool(module, 8);
    pool.beginRequest();
    WasiSession idle = pool.take();
    pool.giveBack(idle, true);

    pool.close();

    IllegalStateException refused = assertThrows(IllegalStateException.class, pool::beginRequest);
    assertEquals("The worker runtime is closed", refused.getMessage());
    assertTrue(pool.isClosed());
    WasiSession store = pool.take();
    assertNotSame(idle, store, "closing drops the idle stores");
    assertEquals(new GuestOutcome.Exited(0), run(store, "/echo"));
    pool.giveBack(store, true);
    pool.endRequest();
    awaitClosed(module);
  }

  /** The module is given back after the stores, which are closed in the background. */
  static void awaitClosed(WasiModule module) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (true) {
      WasiSession probe;
      try {
        probe = module.newSession();
      } catch (IllegalStateException e) {
        assertEquals("module closed", e.getMessage());
        return;
      }
      probe.close();
      assertTrue(System.nanoTime() < deadline, "the module is still open");
      Thread.sleep(10);
    }
  }
}
