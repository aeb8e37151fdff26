package dev.elixirworkers.core.bundle;

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

  @Test
  void theCloudflareWorkerAddsItsJavaScriptAndWranglerConfigAndListsTheJavaScriptSizes()
      throws IOException {
    Path wasm = Files.write(temp.resolve("vm.wasm"), new byte[1024]);
    Path avm = Files.write(temp.resolve("app.avm"), new byte[512]);
    Path worker = temp.resolve("target/worker");
    Files.createDirectories(worker);
    Files.writeString(worker.resolve("host.js"), "// from an unbundled plugin version");

    SizeReport report =
        WorkerAssembler.assemble(
            wasm, avm, worker, WranglerConfig.forProject(temp, "my-worker", worker));

    for (String js : WorkerScripts.MODULES) {
      assertTrue(Files.isRegularFile(worker.resolve(js)), js);
    }
    assertTrue(!Files.exists(worker.resolve("host.js")), "a module of an earlier version is gone");
    String main = Files.readString(worker.resolve("worker.js"));
    assertTrue(main.contains("from\"./atomvm.wasm\"") && main.contains("from\"./app.avm\""), main);
    assertTrue(main.contains("WorkerHost"), "the host is bundled in, its name kept");
    assertTrue(
        Files.readString(worker.resolve("wrangler.jsonc")).contains("\"name\" : \"my-worker\""));
    assertEquals(
        java.util.List.of("atomvm.wasm", "app.avm", "worker.js"),
        report.rows().stream().map(SizeReport.Row::name).toList());
    assertTrue(report.rows().get(2).raw() > 0);
  }

  @Test
  void aSnapshotWorkerShipsNoAppArchiveAndItsEntryDoesNotImportOne() throws IOException {
    Path wasm = Files.write(temp.resolve("vm.wasm"), new byte[1024]);
    Path avm = Files.write(temp.resolve("app.avm"), new byte[512]);
    Path worker = temp.resolve("target/worker");
    WranglerConfig config = WranglerConfig.forProject(temp, "my-worker", worker);
    WorkerAssembler.assemble(wasm, avm, worker, config); // an earlier build without a snapshot

    SizeReport report = WorkerAssembler.assemble(wasm, java.util.Optional.empty(), worker, config);

    assertTrue(!Files.exists(worker.resolve("app.avm")), "the stale app.avm is gone");
    String main = Files.readString(worker.resolve("worker.js"));
    assertTrue(main.contains("from\"./atomvm.wasm\""), main);
    assertTrue(!main.contains("from\"./app.avm\""), main);
    assertEquals(
        java.util.List.of("atomvm.wasm", "worker.js"),
        report.rows().stream().map(SizeReport.Row::name).toList());

    WorkerAssembler.assemble(wasm, avm, worker, config); // and back
    assertTrue(Files.readString(worker.resolve("worker.js")).contains("from\"./app.avm\""));
    assertTrue(Files.isRegularFile(worker.resolve("app.avm")));
  }
}
