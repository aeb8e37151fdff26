package dev.elixirworkers.core.snapshot;

import dev.elixirworkers.wasi.preview1.InMemoryDirectory;
import dev.elixirworkers.wasi.preview1.OutputBuffer;
import dev.elixirworkers.wasi.preview1.WasiPreview1;
import dev.elixirworkers.wasi.wasmtime.GuestLinkException;
import dev.elixirworkers.wasi.wasmtime.GuestOutcome;
import dev.elixirworkers.wasi.wasmtime.WasiModule;
import dev.elixirworkers.wasi.wasmtime.WasiSession;
import dev.elixirworkers.wasi.wasmtime.WasmtimeEngine;
import dev.elixirworkers.wasm.WasmFormatException;
import dev.elixirworkers.wasm.WasmModule;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pre-initialises a WASI command module and writes the result as a new module (the idea of Wizer,
 * written here in Java): the module runs its initialisation export once, inside the JVM (wasmtime
 * through wasi-bridge), with the arguments and preopened directories its {@code _start} will get;
 * then its linear memory and mutable globals become the new module's data segments and global
 * initialisers. Hosts run the snapshot like the original (same WASI imports, same {@code _start});
 * the work the initialisation did is not done again. One difference: the snapshot imports its
 * memory ({@code env.memory}, still exported as {@code memory}), so a host can lend every run the
 * same, already mapped memory, zeroed in between, and instantiation only copies the data segments
 * into it. A fresh memory costs a page fault for every page the image and the run touch; on this
 * machine that was most of the time it took to instantiate the snapshot.
 *
 * <p>The steps:
 *
 * <ol>
 *   <li>Instrument a copy: for every mutable global the module defines (such as {@code
 *       __stack_pointer}, which lld does not export) append a getter function and export it.
 *   <li>Instantiate the copy with the given WASI environment and call the initialisation export
 *       instead of {@code _start}. A trap, a {@code proc_exit} or output on stdout fails the
 *       snapshot.
 *   <li>Write the <em>original</em> module again with: mutable globals initialised to the captured
 *       values; memory 0 imported as {@code env.memory} with its minimum raised to the captured
 *       size (its maximum kept; custom section {@value #MEMORY_SECTION} repeats both); the active
 *       data segments replaced by one segment per non-zero run of the captured memory (runs
 *       separated by fewer than {@value #MERGE_GAP} zero bytes merged, so the file stays small);
 *       passive segments kept at their indices; no start section; the initialisation export
 *       removed.
 *   <li>Constructors: lld makes every export of a command module (the initialisation export
 *       included) call {@code __wasm_call_ctors} first, and {@code _start} calls it too. When the
 *       module exports {@value #CTORS_EXPORT}, its body becomes empty in the snapshot, since its
 *       work is already in the captured memory (wasi-libc would otherwise register the preopened
 *       directories a second time), and the export is removed.
 *   <li>Code only the initialisation needs: every export named {@value #ZEROED_EXPORT_PREFIX}...
 *       returns zeros without running and is removed; then every function that nothing reaches any
 *       more (the initialisation export's code, what only the zeroed exports called) gets the body
 *       {@code unreachable} ({@link WasmFunctionEmptying}). In atomvm.wasm that is AtomVM's module
 *       loader, nearly a quarter of the code.
 * </ol>
 *
 * <p>Not captured: tables (C code does not change them at run time) and anything outside the
 * instance. Whatever must differ per run (clocks, random numbers) must be read when used, not
 * during initialisation: that is the module's contract with this tool.
 */
public final class Snapshotter {
  /** The initialisation export of atomvm.wasm (atomvm-wasi/src/main.c). */
  public static final String ATOMVM_INIT_EXPORT = "atomvm_wasi_preinit";

  /** lld's constructor function, exported by atomvm.wasm for this tool. */
  public static final String CTORS_EXPORT = "__wasm_call_ctors";

  /**
   * Exports named with this prefix are functions that only the initialisation needs: in the
   * snapshot each returns zeros (0, or NULL in C) without running and is no longer exported, so the
   * code only it reached can go. atomvm.wasm exports AtomVM's module loader this way: every module
   * is loaded by then.
   */
  public static final String ZEROED_EXPORT_PREFIX = "elixir-workers.snapshot.zero.";

  /**
   * The custom section that tells hosts the size of the memory the snapshot imports, as JSON: a
   * JavaScript host cannot read an import's limits from a compiled module.
   */
  public static final String MEMORY_SECTION = "elixir-workers.memory";

  /** Zero runs shorter than this between non-zero bytes stay inside one data segment. */
  static final int MERGE_GAP = 32;

  /** Web engines refuse modules with more data segments (V8's limit). */
  static final int MAX_SEGMENTS = 100_000;

  static final String GETTER_PREFIX = "__elixir_workers_snapshot_global_";

  private static final long STDOUT_LIMIT = 1 << 20;
  private static final long STDERR_LIMIT = 64 << 10;

  /**
   * What the module sees while it initialises: the same as its {@code _start} later gets.
   *
   * @param args the arguments, program name first
   * @param preopens guest path → directory
   * @param timeLimitMillis how long the initialisation may run
   */
  public record Environment(
      List<String> args, Map<String, InMemoryDirectory> preopens, long timeLimitMillis) {
    public Environment {
      args = List.copyOf(args);
      preopens = new LinkedHashMap<>(preopens);
    }
  }

  /**
   * A snapshot.
   *
   * @param wasm the new module
   * @param memoryBytes the size of its linear memory when it starts
   * @param segments its number of data segments
   * @param dataBytes the bytes those segments hold
   * @param mutableGlobals how many globals were captured
   * @param constructorsDisabled whether {@value #CTORS_EXPORT} was made a no-op
   * @param zeroedExports the exports named {@value #ZEROED_EXPORT_PREFIX}..., now returning zeros
   * @param emptiedFunctions how many functions nothing reached any more (now {@code unreachable})
   * @param removedCodeBytes how much smaller the code is for the zeroed and emptied functions
   * @param stderr what the initialisation wrote to stderr (the tail)
   */
  public record Result(
      byte[] wasm,
      long memoryBytes,
      int segments,
      long dataBytes,
      int mutableGlobals,
      boolean constructorsDisabled,
      List<String> zeroedExports,
      int emptiedFunctions,
      long removedCodeBytes,
      String stderr) {}

  private Snapshotter() {}

  /**
   * Pre-initialises {@code wasm} by calling its export {@code initExport}.
   *
   * @throws SnapshotException when the module cannot be snapshotted (not parsable, no such export,
   *     imported memory or mutable globals, ...) or its initialisation failed
   */
  public static Result snapshot(byte[] wasm, String initExport, Environment environment)
      throws SnapshotException {
    WasmModule original = parse(wasm);
    Plan plan = plan(original, initExport);
    byte[] instrumented = instrument(original, plan);
    Run run = run(instrumented, initExport, plan, environment);
    return write(original, plan, initExport, run);
  }

  /** What the instrumentation added and what the snapshot changes. */
  private record Plan(
      long importedFuncs,
      long importedGlobals,
      List<Integer> mutableGlobals,
      List<String> getters,
      Optional<Long> ctorsFunction) {}

  private static WasmModule parse(byte[] wasm) throws SnapshotException {
    try {
      return WasmModule.parse(wasm);
    } catch (WasmFormatException e) {
      throw new SnapshotException("the module cannot be read: " + e.getMessage(), e);
    }
  }

  private static Plan plan(WasmModule m, String initExport) throws SnapshotException {
    try {
      Optional<WasmModule.Export> init = m.export(initExport);
      if (init.isEmpty() || init.get().kind() != WasmModule.KIND_FUNC) {
        throw new SnapshotException(
            "the module exports no function "
                + initExport
                + ", its pre-initialisation entry point (is it an atomvm.wasm built by"
                + " elixir-workers from atomvm-wasi?)");
      }
      List<WasmModule.Import> imports = m.imports();
      for (WasmModule.Import i : imports) {
        if (i.kind() == WasmModule.KIND_MEMORY) {
          throw new SnapshotException(
              "the module imports its memory (" + i.module() + "." + i.name() + ")");
        }
        if (i.kind() == WasmModule.KIND_GLOBAL && i.mutableGlobal()) {
          throw new SnapshotException(
              "the module imports the mutable global " + i.module() + "." + i.name());
        }
      }
      if (m.memories().size() != 1) {
        throw new SnapshotException(
            "the module defines " + m.memories().size() + " memories; snapshots need exactly one");
      }
      int memoryFlags = m.memories().get(0).flags();
      if ((memoryFlags & ~0x03)
          != 0) { // limits come as written; a snapshot imports a 32-bit memory
        throw new SnapshotException(
            "the module cannot be read: memory limits with flags 0x"
                + hex(memoryFlags)
                + " (64-bit or shared memory)");
      }
      long importedFuncs = m.importCount(WasmModule.KIND_FUNC);
      long importedGlobals = m.importCount(WasmModule.KIND_GLOBAL);
      List<WasmModule.Global> globals = m.globals();
      List<Integer> mutable = new ArrayList<>();
      List<String> getters = new ArrayList<>();
      for (int i = 0; i < globals.size(); i++) {
        WasmModule.Global g = globals.get(i);
        if (!g.mutable()) {
          continue;
        }
        int t = g.valType();
        if (t != WasmModule.I32
            && t != WasmModule.I64
            && t != WasmModule.F32
            && t != WasmModule.F64) {
          throw new SnapshotException(
              "global "
                  + (importedGlobals + i)
                  + " is mutable and of type 0x"
                  + hex(t)
                  + ", which a snapshot cannot capture");
        }
        mutable.add(i);
        getters.add(GETTER_PREFIX + (importedGlobals + i));
      }
      Optional<Long> ctors = Optional.empty();
      Optional<WasmModule.Export> ctorsExport = m.export(CTORS_EXPORT);
      if (ctorsExport.isPresent() && ctorsExport.get().kind() == WasmModule.KIND_FUNC) {
        long index = ctorsExport.get().index();
        if (index < importedFuncs) {
          throw new SnapshotException(CTORS_EXPORT + " is an imported function");
        }
        long type = m.functionTypes().get((int) (index - importedFuncs));
        WasmModule.FuncType ft = m.types().get((int) type);
        if (ft.params().length != 0 || ft.results().length != 0) {
          throw new SnapshotException(CTORS_EXPORT + " has type " + ft + ", not () -> ()");
        }
        ctors = Optional.of(index);
      }
      return new Plan(importedFuncs, importedGlobals, mutable, getters, ctors);
    } catch (WasmFormatException e) {
      throw new SnapshotException("the module cannot be read: " + e.getMessage(), e);
    }
  }

  /** The module plus one exported getter per mutable global. */
  static byte[] instrument(WasmModule original, Plan plan) throws SnapshotException {
    try {
      WasmModule m = original.copy();
      List<WasmModule.FuncType> types = new ArrayList<>(m.types());
      List<Long> functionTypes = new ArrayList<>(m.functionTypes());
      List<byte[]> code = new ArrayList<>(m.code());
      List<WasmModule.Export> exports = new ArrayList<>(m.exports());
      List<WasmModule.Global> globals = m.globals();
      Map<Integer, Long> getterType = new LinkedHashMap<>();
      for (int k = 0; k < plan.mutableGlobals().size(); k++) {
        int i = plan.mutableGlobals().get(k);
        int valType = globals.get(i).valType();
        Long type = getterType.get(valType);
        if (type == null) {
          type = (long) types.size();
          types.add(new WasmModule.FuncType(new byte[0], new byte[] {(byte) valType}));
          getterType.put(valType, type);
        }
        long func = plan.importedFuncs() + functionTypes.size();
        functionTypes.add(type);
        // (func (result T) global.get i)
        byte[] index = WasmModule.u32(plan.importedGlobals() + i);
        byte[] body = new byte[index.length + 3];
        body[0] = 0; // no locals
        body[1] = 0x23;
        System.arraycopy(index, 0, body, 2, index.length);
        body[body.length - 1] = 0x0b;
        code.add(body);
        exports.add(new WasmModule.Export(plan.getters().get(k), WasmModule.KIND_FUNC, func));
      }
      m.put(WasmModule.TYPE, WasmModule.encodeTypes(types));
      m.put(WasmModule.FUNCTION, WasmModule.encodeFunctionTypes(functionTypes));
      m.put(WasmModule.CODE, WasmModule.encodeCode(code));
      m.put(WasmModule.EXPORT, WasmModule.encodeExports(exports));
      return m.toBytes();
    } catch (WasmFormatException e) {
      throw new SnapshotException("the module cannot be read: " + e.getMessage(), e);
    }
  }

  /** The captured state and what the initialisation wrote to stderr. */
  private record Run(WasiSession.Capture capture, String stderr) {}

  private static Run run(byte[] instrumented, String initExport, Plan plan, Environment environment)
      throws SnapshotException {
    OutputBuffer stdout = new OutputBuffer(STDOUT_LIMIT, OutputBuffer.Overflow.REJECT);
    OutputBuffer stderr = new OutputBuffer(STDERR_LIMIT, OutputBuffer.Overflow.KEEP_TAIL);
    WasiPreview1.Builder wasi =
        WasiPreview1.builder()
            .args(environment.args())
            .stdin(new byte[0])
            .stdout(stdout)
            .stderr(stderr)
            .deadlineNanos(System.nanoTime() + environment.timeLimitMillis() * 1_000_000L);
    environment.preopens().forEach(wasi::preopen);
    WasiSession.Capture capture;
    try (WasiModule module = WasiModule.load(WasmtimeEngine.shared(), instrumented);
        WasiSession session = module.newSession()) {
      capture =
          session.capture(wasi.build(), initExport, plan.getters(), environment.timeLimitMillis());
    } catch (GuestLinkException e) {
      throw new SnapshotException("the module cannot run in the JVM host: " + e.getMessage(), e);
    }
    String err = stderr.tail((int) STDERR_LIMIT);
    String tail = err.isEmpty() ? "" : "\nstderr:\n" + err.strip();
    if (!capture.returned()) {
      String how = describe(capture.outcome());
      throw new SnapshotException(initExport + " " + how + tail);
    }
    byte[] out = stdout.toByteArray();
    if (out.length > 0) {
      throw new SnapshotException(
          initExport
              + " wrote "
              + out.length
              + " bytes to stdout, which a snapshot would lose: "
              + new String(out, 0, Math.min(out.length, 200), StandardCharsets.UTF_8)
              + tail);
    }
    return new Run(capture, err);
  }

  private static String describe(GuestOutcome outcome) {
    if (outcome instanceof GuestOutcome.Exited exited) {
      return "exited with status " + exited.status();
    }
    if (outcome instanceof GuestOutcome.Trapped trapped) {
      return "trapped: " + trapped.message();
    }
    if (outcome instanceof GuestOutcome.TimedOut t) {
      return "ran longer than " + t.limitMillis() + " ms";
    }
    return "ran out of memory";
  }

  private static Result write(WasmModule original, Plan plan, String initExport, Run run)
      throws SnapshotException {
    WasiSession.Capture capture = run.capture();
    try {
      WasmModule m = original.copy();

      List<WasmModule.Global> globals = new ArrayList<>(m.globals());
      for (int k = 0; k < plan.mutableGlobals().size(); k++) {
        int i = plan.mutableGlobals().get(k);
        WasmModule.Global g = globals.get(i);
        globals.set(
            i,
            new WasmModule.Global(
                g.valType(), true, WasmModule.constant(g.valType(), capture.values()[k])));
      }
      if (!globals.isEmpty()) {
        m.put(WasmModule.GLOBAL, WasmModule.encodeGlobals(globals));
      }

      byte[] memory = capture.memory();
      long pages = (memory.length + WasmModule.PAGE - 1) / WasmModule.PAGE;
      WasmModule.Limits limits = m.memories().get(0);
      if (limits.hasMax() && limits.max() < pages) {
        throw new SnapshotException(
            "the memory grew to " + pages + " pages, past its maximum of " + limits.max());
      }
      WasmModule.Limits snapshotLimits = new WasmModule.Limits(limits.flags(), pages, limits.max());
      m.appendItems(
          WasmModule.IMPORT,
          List.of(
              WasmModule.encodeMemoryImport(
                  WasiModule.MEMORY_IMPORT_MODULE, WasiModule.MEMORY_IMPORT_NAME, snapshotLimits)));
      m.remove(WasmModule.MEMORY);
      m.addCustom(MEMORY_SECTION, memoryDescription(snapshotLimits));

      List<WasmModule.DataSegment> data = new ArrayList<>();
      for (WasmModule.DataSegment d : m.data()) {
        // Passive segments keep their index (memory.init and data.drop name them); the active
        // ones are superseded by the captured memory and become empty passive segments only when
        // an index must be kept.
        data.add(d.passive() ? d : new WasmModule.DataSegment(true, 0, null, new byte[0]));
      }
      if (data.stream().noneMatch(d -> d.bytes().length > 0)) {
        data.clear();
      }
      List<WasmModule.DataSegment> captured = segments(memory);
      data.addAll(captured);
      m.put(WasmModule.DATA, WasmModule.encodeData(data));
      if (m.section(WasmModule.DATA_COUNT).isPresent()) {
        m.put(WasmModule.DATA_COUNT, WasmModule.u32(data.size()));
      }

      List<WasmModule.Export> exports = new ArrayList<>();
      List<byte[]> code = new ArrayList<>(m.code());
      long codeBefore = code.stream().mapToLong(b -> b.length).sum();
      List<String> zeroed = new ArrayList<>();
      List<WasmModule.FuncType> types = m.types();
      List<Long> functionTypes = m.functionTypes();
      for (WasmModule.Export e : m.exports()) {
        if (e.kind() == WasmModule.KIND_FUNC && e.name().startsWith(ZEROED_EXPORT_PREFIX)) {
          if (e.index() < plan.importedFuncs()) {
            throw new SnapshotException(e.name() + " is an imported function");
          }
          int defined = (int) (e.index() - plan.importedFuncs());
          WasmModule.FuncType type = types.get(functionTypes.get(defined).intValue());
          code.set(defined, zeroBody(e.name(), type));
          zeroed.add(e.name());
        } else if (!e.name().equals(initExport) && !e.name().equals(CTORS_EXPORT)) {
          exports.add(e);
        }
      }
      m.put(WasmModule.EXPORT, WasmModule.encodeExports(exports));

      if (plan.ctorsFunction().isPresent()) {
        code.set((int) (plan.ctorsFunction().get() - plan.importedFuncs()), new byte[] {0, 0x0b});
      }
      m.put(WasmModule.CODE, WasmModule.encodeCode(code));
      m.removeCustom(".debug");
      m.remove(WasmModule.START);
      WasmFunctionEmptying.Emptied emptied =
          WasmFunctionEmptying.empty(m).orElse(new WasmFunctionEmptying.Emptied(0, 0));

      long dataBytes = captured.stream().mapToLong(d -> d.bytes().length).sum();
      return new Result(
          m.toBytes(),
          pages * WasmModule.PAGE,
          captured.size(),
          dataBytes,
          plan.mutableGlobals().size(),
          plan.ctorsFunction().isPresent(),
          List.copyOf(zeroed),
          emptied.functions(),
          codeBefore - m.code().stream().mapToLong(b -> b.length).sum(),
          run.stderr());
    } catch (WasmFormatException e) {
      throw new SnapshotException("the module cannot be read: " + e.getMessage(), e);
    }
  }

  /** A body that returns the zero of each result type and does nothing else. */
  static byte[] zeroBody(String export, WasmModule.FuncType type) throws SnapshotException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(0); // no locals
    for (byte result : type.results()) {
      switch (result & 0xff) {
        case WasmModule.I32 -> body.writeBytes(new byte[] {0x41, 0});
        case WasmModule.I64 -> body.writeBytes(new byte[] {0x42, 0});
        case WasmModule.F32 -> body.writeBytes(new byte[] {0x43, 0, 0, 0, 0});
        case WasmModule.F64 -> body.writeBytes(new byte[] {0x44, 0, 0, 0, 0, 0, 0, 0, 0});
        default ->
            throw new SnapshotException(
                export
                    + " returns a value of type 0x"
                    + hex(result & 0xff)
                    + ", which has no zero to return in the snapshot; only functions returning"
                    + " numbers can be exported under "
                    + ZEROED_EXPORT_PREFIX);
      }
    }
    body.write(0x0b);
    return body.toByteArray();
  }

  private static String hex(int b) {
    return String.format("%02x", b);
  }

  /**
   * {@value #MEMORY_SECTION}: {@code {"initial":pages}} or {@code
   * {"initial":pages,"maximum":pages}}.
   */
  static byte[] memoryDescription(WasmModule.Limits limits) {
    String json =
        "{\"initial\":"
            + limits.min()
            + (limits.hasMax() ? ",\"maximum\":" + limits.max() : "")
            + "}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Active segments covering every non-zero byte of {@code memory}; zero runs shorter than the gap
   * stay inside a segment. The gap doubles until there are at most {@value #MAX_SEGMENTS}.
   */
  static List<WasmModule.DataSegment> segments(byte[] memory) {
    for (int gap = MERGE_GAP; ; gap *= 2) {
      List<int[]> runs = runs(memory, gap);
      if (runs.size() <= MAX_SEGMENTS) {
        List<WasmModule.DataSegment> out = new ArrayList<>(runs.size());
        for (int[] run : runs) {
          out.add(WasmModule.DataSegment.at(run[0], Arrays.copyOfRange(memory, run[0], run[1])));
        }
        return out;
      }
    }
  }

  /** [start, end) of the non-zero runs, merged across gaps of fewer than {@code gap} zeros. */
  static List<int[]> runs(byte[] memory, int gap) {
    List<int[]> runs = new ArrayList<>();
    int start = -1;
    int lastNonZero = -1;
    for (int i = 0; i < memory.length; i++) {
      if (memory[i] == 0) {
        continue;
      }
      if (start >= 0 && i - lastNonZero - 1 >= gap) {
        runs.add(new int[] {start, lastNonZero + 1});
        start = -1;
      }
      if (start < 0) {
        start = i;
      }
      lastNonZero = i;
    }
    if (start >= 0) {
      runs.add(new int[] {start, lastNonZero + 1});
    }
    return runs;
  }
}
