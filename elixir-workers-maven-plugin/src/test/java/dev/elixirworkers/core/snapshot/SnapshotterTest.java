package dev.elixirworkers.core.snapshot;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRequest;
import dev.elixirworkers.wasi.WorkerResponse;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.clang.WasiClang;
import dev.elixirworkers.wasi.preview1.InMemoryDirectory;
import dev.elixirworkers.wasi.preview1.OutputBuffer;
import dev.elixirworkers.wasi.preview1.WasiPreview1;
import dev.elixirworkers.wasi.wasmtime.GuestLinkException;
import dev.elixirworkers.wasi.wasmtime.GuestOutcome;
import dev.elixirworkers.wasi.wasmtime.WasiModule;
import dev.elixirworkers.wasi.wasmtime.WasiSession;
import dev.elixirworkers.wasi.wasmtime.WasmtimeEngine;
import dev.elixirworkers.wasm.WasmModule;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The snapshotter on a small C guest (src/test/c/snapshot_guest.c, compiled here by the project's
 * own {@link WasiClang}) and on hand-assembled modules.
 */
class SnapshotterTest {
  static final String INIT = "guest_preinit";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static byte[] guest;
  private static byte[] app;
  private static Snapshotter.Result snapshot;

  @BeforeAll
  static void compileAndSnapshot() throws Exception {
    Path target = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target");
    Path out = target.resolve("snapshot-guest/guest.wasm");
    WasiClang.discover(target)
        .compile(
            List.of(target.resolveSibling("src/test/c/snapshot_guest.c")),
            out,
            List.of("-O2", "-Wall", "-Wextra", "-Wl,--export=__wasm_call_ctors"));
    guest = Files.readAllBytes(out);
    app = new byte[50_000];
    for (int i = 0; i < app.length; i++) {
      app[i] = (byte) (i * 13 + i / 700);
    }
    snapshot = Snapshotter.snapshot(guest, INIT, environment(WorkerRuntime.ARGS));
  }

  static Snapshotter.Environment environment(List<String> args) {
    return new Snapshotter.Environment(
        args, Map.of("/app", InMemoryDirectory.of(WorkerBundle.APP, app)), 10_000);
  }

  private static JsonNode answer(byte[] wasm) throws Exception {
    try (WorkerRuntime runtime = WorkerRuntime.create(WorkerBundle.of(wasm, app))) {
      return answer(runtime);
    }
  }

  private static JsonNode answer(WorkerRuntime runtime) throws Exception {
    WorkerResponse response = runtime.handle(WorkerRequest.of("GET", "http://localhost/"));
    assertEquals(200, response.status(), response.bodyText());
    return JSON.readTree(response.body());
  }

  @Test
  void snapshotAnswersLikeThePlainModuleWithoutInitialisingAgain() throws Exception {
    JsonNode plain = answer(guest);
    JsonNode snap = answer(snapshot.wasm());

    assertFalse(plain.get("preinitialised").asBoolean());
    assertTrue(snap.get("preinitialised").asBoolean(), snap.toString());
    assertEquals(plain.get("checksum"), snap.get("checksum"), "state built at init is intact");
    assertEquals(plain.get("request"), snap.get("request"));
  }

  @Test
  void aZeroedExportReturnsZeroInTheSnapshotAndWhatOnlyItCalledIsEmptied() throws Exception {
    String loader = Snapshotter.ZEROED_EXPORT_PREFIX + "loader";
    JsonNode plain = answer(guest);
    JsonNode snap = answer(snapshot.wasm());

    assertNotEquals(0, plain.get("loader").asLong(), "the plain module runs the loader");
    assertEquals(0, snap.get("loader").asLong(), snap.toString());
    assertEquals(List.of(loader), snapshot.zeroedExports());
    assertTrue(WasmModule.parse(guest).export(loader).isPresent());
    WasmModule snapped = WasmModule.parse(snapshot.wasm());
    assertTrue(snapped.export(loader).isEmpty(), "no longer exported");
    // Code that _start no longer reaches: the constructors' (wasi-libc before 2024 registers the
    // preopens in one), what only guest_preinit runs; clang inlines parse_table into the loader.
    assertTrue(snapshot.emptiedFunctions() >= 1, "emptied " + snapshot.emptiedFunctions());
    long codeBefore = WasmModule.parse(guest).code().stream().mapToLong(b -> b.length).sum();
    long codeAfter = snapped.code().stream().mapToLong(b -> b.length).sum();
    assertEquals(codeBefore - codeAfter, snapshot.removedCodeBytes());
    assertTrue(snapshot.removedCodeBytes() > 0);
    long emptiedBodies =
        snapped.code().stream()
            .filter(b -> java.util.Arrays.equals(b, WasmFunctionEmptying.EMPTIED_BODY))
            .count();
    assertTrue(emptiedBodies >= snapshot.emptiedFunctions(), emptiedBodies + " emptied bodies");
  }

  @Test
  void aZeroBodyReturnsAZeroOfEachResultTypeAndNamesAnExportItCannotServe() throws Exception {
    byte[] body =
        Snapshotter.zeroBody(
            "f", new WasmModule.FuncType(new byte[] {0x7f}, new byte[] {0x7f, 0x7c}));
    assertTrue(
        java.util.Arrays.equals(new byte[] {0, 0x41, 0, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b}, body),
        java.util.Arrays.toString(body));

    SnapshotException e =
        assertThrows(
            SnapshotException.class,
            () ->
                Snapshotter.zeroBody(
                    Snapshotter.ZEROED_EXPORT_PREFIX + "table",
                    new WasmModule.FuncType(new byte[0], new byte[] {0x70})));
    assertTrue(
        e.getMessage()
            .startsWith(Snapshotter.ZEROED_EXPORT_PREFIX + "table returns a value of type 0x70"),
        e.getMessage());
  }

  @Test
  void twoRequestsThroughTheSnapshotSeeDifferentRandomBytes() throws Exception {
    try (WorkerRuntime runtime = WorkerRuntime.create(WorkerBundle.of(snapshot.wasm(), app))) {
      String first = answer(runtime).get("random").asText();
      String second = answer(runtime).get("random").asText();
      assertEquals(16, first.length());
      assertNotEquals(first, second);
    }
  }

  @Test
  void everyRunGetsTheLentMemoryBackZeroed() throws Exception {
    try (WasiModule module = WasiModule.load(WasmtimeEngine.shared(), snapshot.wasm());
        WasiSession session = module.newSession()) {
      JsonNode first = run(session);
      assertTrue(first.get("preinitialised").asBoolean());
      assertEquals(1, first.get("runs").asInt());
      for (int i = 0; i < 3; i++) {
        JsonNode answer = run(session);
        assertEquals(1, answer.get("runs").asInt(), "a static from the last run: " + answer);
        // malloc'd memory holds what the snapshot left there, the same in every run (a byte of
        // allocator bookkeeping); the last run's 0xa5 fill would make it 65536
        assertEquals(first.get("dirty"), answer.get("dirty"), "heap bytes from the last run");
      }
      assertEquals(1, session.memoriesMade(), "one memory, lent to every run");
    }
  }

  @Test
  void thePlainModuleGetsAFreshMemoryEveryRun() throws Exception {
    try (WasiModule module = WasiModule.load(WasmtimeEngine.shared(), guest);
        WasiSession session = module.newSession()) {
      assertEquals(1, run(session).get("runs").asInt());
      assertEquals(1, run(session).get("runs").asInt());
      assertEquals(0, session.memoriesMade());
    }
  }

  private static JsonNode run(WasiSession session) throws Exception {
    OutputBuffer stdout = new OutputBuffer(1 << 20, OutputBuffer.Overflow.REJECT);
    WasiPreview1 wasi =
        WasiPreview1.builder()
            .args(WorkerRuntime.ARGS)
            .stdin("{}".getBytes(UTF_8))
            .stdout(stdout)
            .stderr(new OutputBuffer(1 << 16, OutputBuffer.Overflow.KEEP_TAIL))
            .preopen("/app", InMemoryDirectory.of(WorkerBundle.APP, app))
            .deadlineNanos(System.nanoTime() + 10_000_000_000L)
            .build();
    assertEquals(new GuestOutcome.Exited(0), session.run(wasi, 10_000));
    String out = new String(stdout.toByteArray(), UTF_8);
    return JSON.readTree(out.substring(out.indexOf('\n') + 1));
  }

  @Test
  void constructorsRunOnceInTheSnapshot() throws Exception {
    assertTrue(snapshot.constructorsDisabled());
    assertEquals(1, answer(snapshot.wasm()).get("constructors").asInt());
    assertEquals(1, answer(guest).get("constructors").asInt());
  }

  @Test
  void snapshotKeepsImportsAndStartButDropsTheInitialisationExports() throws Exception {
    WasmModule original = WasmModule.parse(guest);
    WasmModule snap = WasmModule.parse(snapshot.wasm());

    WasmModule.Limits defined = original.memories().get(0);
    List<WasmModule.Import> imports = new java.util.ArrayList<>(original.imports());
    imports.add(
        new WasmModule.Import(
            WasiModule.MEMORY_IMPORT_MODULE,
            WasiModule.MEMORY_IMPORT_NAME,
            WasmModule.KIND_MEMORY,
            false,
            new WasmModule.Limits(
                defined.flags(), snapshot.memoryBytes() / WasmModule.PAGE, defined.max())));
    assertEquals(imports, snap.imports(), "the WASI imports, then the memory");
    assertTrue(snap.memories().isEmpty(), "the memory is imported, not defined");
    List<String> exports = snap.exports().stream().map(WasmModule.Export::name).toList();
    assertEquals(List.of("memory", "_start"), exports);
    assertTrue(snap.section(WasmModule.START).isEmpty());
  }

  @Test
  void memoryStartsAtTheSnapshotSizeAndSegmentsSkipZeroRuns() throws Exception {
    WasmModule original = WasmModule.parse(guest);
    WasmModule snap = WasmModule.parse(snapshot.wasm());
    long pages = snap.importedMemories().get(0).min();

    assertEquals(snapshot.memoryBytes(), pages * WasmModule.PAGE);
    assertEquals(original.memories().get(0).hasMax(), snap.importedMemories().get(0).hasMax());
    assertEquals(
        "{\"initial\":" + pages + "}",
        new String(snap.custom(Snapshotter.MEMORY_SECTION).orElseThrow(), UTF_8),
        "hosts read the size from the custom section");
    assertTrue(pages > original.memories().get(0).min(), "the guest allocated over a MiB at init");
    assertEquals(snapshot.segments(), snap.data().size());
    long covered = 0;
    for (WasmModule.DataSegment d : snap.data()) {
      assertFalse(d.passive());
      byte[] bytes = d.bytes();
      assertTrue(bytes[0] != 0 && bytes[bytes.length - 1] != 0, "segments start and end non-zero");
      int zeros = 0;
      for (byte b : bytes) {
        zeros = b == 0 ? zeros + 1 : 0;
        assertTrue(zeros < Snapshotter.MERGE_GAP, "a long zero run stays outside the segments");
      }
      assertTrue(d.constantAddress() + bytes.length <= pages * WasmModule.PAGE);
      covered += bytes.length;
    }
    assertEquals(snapshot.dataBytes(), covered);
    assertTrue(
        covered < snapshot.memoryBytes() / 2, "the 256 KiB mostly-zero buffer is not stored");
  }

  @Test
  void memoryCapStillAppliesToTheSnapshot() throws Exception {
    try (WorkerRuntime runtime =
        WorkerRuntime.create(
            WorkerBundle.of(snapshot.wasm(), app),
            WorkerRuntime.Options.builder()
                .memoryLimit(snapshot.memoryBytes() + (1 << 20))
                .build())) {
      assertTrue(answer(runtime).get("preinitialised").asBoolean());
    }
    GuestLinkException tooSmall =
        assertThrows(
            GuestLinkException.class,
            () ->
                WorkerRuntime.create(
                    WorkerBundle.of(snapshot.wasm(), app),
                    WorkerRuntime.Options.builder().memoryLimit(1 << 20).build()));
    assertTrue(tooSmall.getMessage().contains("more than the limit"), tooSmall.getMessage());
  }

  @Test
  void snapshottingIsDeterministic() throws Exception {
    Snapshotter.Result again = Snapshotter.snapshot(guest, INIT, environment(WorkerRuntime.ARGS));
    assertTrue(java.util.Arrays.equals(snapshot.wasm(), again.wasm()));
  }

  @Test
  void aTrapDuringInitialisationIsReported() {
    SnapshotException e =
        assertThrows(
            SnapshotException.class,
            () ->
                Snapshotter.snapshot(
                    guest, INIT, environment(List.of("g", "/app/app.avm", "trap"))));
    assertTrue(e.getMessage().startsWith(INIT + " trapped: "), e.getMessage());
  }

  @Test
  void anExitDuringInitialisationIsReportedWithStderr() {
    SnapshotException e =
        assertThrows(
            SnapshotException.class,
            () ->
                Snapshotter.snapshot(
                    guest, INIT, environment(List.of("g", "/app/app.avm", "exit"))));
    assertTrue(e.getMessage().contains("exited with status 3"), e.getMessage());
    assertTrue(e.getMessage().contains("guest: asked to exit"), e.getMessage());
  }

  @Test
  void outputOnStdoutDuringInitialisationFails() {
    SnapshotException e =
        assertThrows(
            SnapshotException.class,
            () ->
                Snapshotter.snapshot(
                    guest, INIT, environment(List.of("g", "/app/app.avm", "stdout"))));
    assertTrue(e.getMessage().contains("wrote 5 bytes to stdout"), e.getMessage());
  }

  @Test
  void aModuleWithoutTheInitialisationExportIsNamed() {
    SnapshotException e =
        assertThrows(
            SnapshotException.class,
            () ->
                Snapshotter.snapshot(
                    guest, "atomvm_wasi_preinit", environment(WorkerRuntime.ARGS)));
    assertTrue(e.getMessage().contains("exports no function atomvm_wasi_preinit"), e.getMessage());
  }

  @Test
  void zeroRunsShorterThanTheGapStayInsideOneSegment() {
    byte[] memory = new byte[200];
    memory[10] = 1;
    memory[10 + Snapshotter.MERGE_GAP] = 2; // MERGE_GAP - 1 zeros between: one segment
    memory[150] = 3; // far away: a second segment
    List<int[]> runs = Snapshotter.runs(memory, Snapshotter.MERGE_GAP);

    assertEquals(2, runs.size());
    assertArrayEquals(new int[] {10, 11 + Snapshotter.MERGE_GAP}, runs.get(0));
    assertArrayEquals(new int[] {150, 151}, runs.get(1));
    memory[11 + Snapshotter.MERGE_GAP] = 0;
    memory[10 + Snapshotter.MERGE_GAP] = 0;
    memory[11 + Snapshotter.MERGE_GAP] = 4; // exactly MERGE_GAP zeros: split
    assertEquals(3, Snapshotter.runs(memory, Snapshotter.MERGE_GAP).size());
    assertTrue(Snapshotter.runs(new byte[64], Snapshotter.MERGE_GAP).isEmpty());
  }

  @Test
  void segmentsHoldExactlyTheNonZeroBytes() {
    byte[] memory = new byte[1000];
    for (int i = 0; i < memory.length; i += 97) {
      memory[i] = (byte) (i | 1);
    }
    byte[] rebuilt = new byte[memory.length];
    for (WasmModule.DataSegment d : Snapshotter.segments(memory)) {
      System.arraycopy(d.bytes(), 0, rebuilt, (int) d.constantAddress(), d.bytes().length);
    }
    assertArrayEquals(memory, rebuilt);
  }

  // ---- a hand-assembled module: a mutable global and memory written by the init export

  @Test
  void mutableGlobalsAndMemoryAreCaptured() throws Exception {
    byte[] wasm = WasmModuleBuilder.globalAndMemoryProbe();
    Snapshotter.Result result =
        Snapshotter.snapshot(
            wasm, "init", new Snapshotter.Environment(List.of("x"), Map.of(), 1000));

    assertEquals(1, result.mutableGlobals());
    assertFalse(result.constructorsDisabled());
    assertInstanceOf(GuestOutcome.Trapped.class, start(wasm), "the original does not pass");
    assertEquals(new GuestOutcome.Exited(0), start(result.wasm()));
    WasmModule snap = WasmModule.parse(result.wasm());
    assertEquals(
        List.of(
            new WasmModule.Export("memory", WasmModule.KIND_MEMORY, 0),
            new WasmModule.Export("_start", WasmModule.KIND_FUNC, 1)),
        snap.exports());
    assertEquals(
        WasmModule.DataSegment.at(100, new byte[] {0x34, 0x12}).constantAddress(),
        snap.data().get(0).constantAddress());
    assertTrue(java.util.Arrays.equals(new byte[] {0x34, 0x12}, snap.data().get(0).bytes()));
  }

  @Test
  void aModuleWith64BitMemoryIsRefusedBeforeItRuns() throws Exception {
    WasmModule m = WasmModule.parse(WasmModuleBuilder.globalAndMemoryProbe());
    m.put(WasmModule.MEMORY, new byte[] {1, 0x04, 1}); // one i64 memory of one page

    SnapshotException e =
        assertThrows(
            SnapshotException.class,
            () ->
                Snapshotter.snapshot(
                    m.toBytes(),
                    "init",
                    new Snapshotter.Environment(List.of("x"), Map.of(), 1000)));
    assertTrue(e.getMessage().contains("memory limits with flags 0x04"), e.getMessage());
  }

  private static GuestOutcome start(byte[] wasm) {
    try (WasiModule module = WasiModule.load(WasmtimeEngine.shared(), wasm);
        WasiSession session = module.newSession()) {
      WasiPreview1 wasi =
          WasiPreview1.builder()
              .args("x")
              .stdin(new byte[0])
              .stdout(new OutputBuffer(1024, OutputBuffer.Overflow.REJECT))
              .stderr(new OutputBuffer(1024, OutputBuffer.Overflow.KEEP_TAIL))
              .deadlineNanos(System.nanoTime() + 1_000_000_000L)
              .build();
      return session.run(wasi, 1000);
    }
  }

  /** Hand-assembled modules (the binary format, section by section). */
  static final class WasmModuleBuilder {
    /**
     * (global $g (mut i32) (i32.const 7)) (memory 1); init: g = 42, mem[100] = 0x1234 (16 bits);
     * _start traps unless g == 42 and mem[100] == 0x1234.
     */
    static byte[] globalAndMemoryProbe() {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
      section(out, WasmModule.TYPE, new byte[] {1, 0x60, 0, 0}); // () -> ()
      section(out, WasmModule.FUNCTION, new byte[] {2, 0, 0});
      section(out, WasmModule.MEMORY, new byte[] {1, 0, 1});
      section(out, WasmModule.GLOBAL, new byte[] {1, 0x7f, 1, 0x41, 7, 0x0b});
      ByteArrayOutputStream exports = new ByteArrayOutputStream();
      exports.write(3);
      exports.writeBytes(WasmModule.name("memory"));
      exports.writeBytes(new byte[] {WasmModule.KIND_MEMORY, 0});
      exports.writeBytes(WasmModule.name("_start"));
      exports.writeBytes(new byte[] {WasmModule.KIND_FUNC, 1});
      exports.writeBytes(WasmModule.name("init"));
      exports.writeBytes(new byte[] {WasmModule.KIND_FUNC, 0});
      section(out, WasmModule.EXPORT, exports.toByteArray());
      // init: global.set 0 (i32.const 42); i32.store16 offset=0 (i32.const 100) (i32.const 0x1234)
      byte[] init = {
        0, 0x41, 42, 0x24, 0, 0x41, (byte) 0xe4, 0, 0x41, (byte) 0xb4, 0x24, 0x3b, 1, 0, 0x0b
      };
      // _start: if (global.get 0 != 42) unreachable; if (i32.load16_u 100 != 0x1234) unreachable
      byte[] start = {
        0,
        0x23,
        0,
        0x41,
        42,
        0x47,
        0x04,
        0x40,
        0x00,
        0x0b,
        0x41,
        (byte) 0xe4,
        0,
        0x2f,
        1,
        0,
        0x41,
        (byte) 0xb4,
        0x24,
        0x47,
        0x04,
        0x40,
        0x00,
        0x0b,
        0x0b
      };
      List<byte[]> bodies = new ArrayList<>(List.of(init, start));
      section(out, WasmModule.CODE, WasmModule.encodeCode(bodies));
      return out.toByteArray();
    }

    private static void section(ByteArrayOutputStream out, int id, byte[] content) {
      out.write(id);
      WasmModule.u32(out, content.length);
      out.writeBytes(content);
    }
  }
}
