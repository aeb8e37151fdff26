package dev.elixirworkers.build.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SizeReportTest {
  @TempDir Path temp;

  @Test
  void assembledWorkerHoldsBothFilesAndReportsRawAndGzipSizes() throws IOException {
    Path wasm = Files.write(temp.resolve("vm.wasm"), new byte[64 * 1024]);
    byte[] noise = new byte[8 * 1024];
    new Random(1).nextBytes(noise);
    Path avm = Files.write(temp.resolve("app.avm"), noise);

    SizeReport report = WorkerAssembler.assemble(wasm, avm, temp.resolve("worker"));

    assertTrue(Files.isRegularFile(temp.resolve("worker/atomvm.wasm")));
    assertTrue(Files.isRegularFile(temp.resolve("worker/app.avm")));
    assertEquals(64 * 1024, report.rows().get(0).raw());
    assertTrue(report.rows().get(0).gzip() < 1024, "zeros compress well");
    assertTrue(report.rows().get(1).gzip() > 8 * 1024, "noise does not");
    assertEquals(report.totalRaw(), 72 * 1024);
    assertTrue(report.lines().get(3).startsWith("total"));
  }
}
