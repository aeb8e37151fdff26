package dev.elixirworkers.wasi.wasmtime;

import dev.elixirworkers.wasm.InstructionWalker;
import dev.elixirworkers.wasm.WasmFormatException;
import dev.elixirworkers.wasm.WasmModule;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Caps a module's linear memory and makes refused growth observable, by rewriting the module before
 * it is compiled (wasmtime-java 0.19 exposes no store limiter).
 *
 * <ul>
 *   <li>Every memory the module defines gets the limit as its declared maximum (a memory it imports
 *       is made by the host with that maximum), so {@code memory.grow} past it returns -1 to the
 *       guest, as it does on Workers, and the guest can never take more than the limit from the
 *       host process.
 *   <li>Every {@code memory.grow} on memory 0 becomes a call to an appended function that grows the
 *       memory and counts the refusals in an appended global; an appended export, {@value #PROBE},
 *       returns the count. The host asks it after a run that failed: a guest that traps or exits
 *       after a refused growth ran out of memory.
 * </ul>
 *
 * <p>Function, global and type indices of the original module do not change (everything is
 * appended). DWARF sections are dropped when code is rewritten, as their offsets would be stale. An
 * instruction {@link InstructionWalker} does not know (e.g. the GC proposal) leaves the code as it
 * is: the memory is still capped, only the probe is missing. A module whose sections cannot be read
 * is refused ({@link GuestLinkException}), never run uncapped.
 */
final class MemoryCap {
  /** The export that returns how many {@code memory.grow} calls were refused. */
  static final String PROBE = "elixir_workers_memory_grow_failures";

  /**
   * The export that zeroes all of memory 0 ({@code memory.fill}), appended when the module imports
   * its memory: the host clears a lent memory with it, at the engine's memset speed.
   */
  static final String CLEAR = "elixir_workers_clear_memory";

  static final long PAGE = WasmModule.PAGE;

  /**
   * The rewritten module.
   *
   * @param probed whether {@link #PROBE} is exported
   * @param initialBytes the memory the module starts with
   */
  record Capped(byte[] wasm, boolean probed, long initialBytes) {}

  private MemoryCap() {}

  /**
   * @throws GuestLinkException when the module starts with more memory than the limit, or cannot be
   *     read far enough to find its memory (it would otherwise run uncapped)
   */
  static Capped apply(byte[] wasm, long limitBytes) {
    long maxPages = Math.max(1, Math.min(65536, limitBytes / PAGE));
    WasmModule m;
    Appended appended;
    try {
      m = WasmModule.parse(wasm);
      appended = Appended.after(m);
    } catch (WasmFormatException e) {
      throw unreadable(limitBytes, e);
    }
    if (appended.clear()) {
      // the host makes the memory with the limit as its maximum (WasiModule): only the probe,
      // and the export that clears it
      return withProbe(m, appended)
          .map(probed -> new Capped(probed.toBytes(), true, 0))
          .orElse(new Capped(wasm, false, 0));
    }
    if (m.section(WasmModule.MEMORY).isEmpty()) {
      return new Capped(wasm, false, 0);
    }
    List<WasmModule.Limits> memories;
    try {
      memories = m.memories();
    } catch (WasmFormatException e) {
      throw unreadable(limitBytes, e);
    }
    List<WasmModule.Limits> capped = new ArrayList<>(memories.size());
    for (WasmModule.Limits memory : memories) {
      if (memory.is64Bit()) {
        throw new GuestLinkException("The module uses 64-bit memory, which the host does not run");
      }
      if (memory.min() > maxPages) {
        throw new GuestLinkException(
            "The module starts with "
                + (memory.min() * PAGE >> 20)
                + " MiB of memory, more than the limit of "
                + (limitBytes >> 20)
                + " MiB");
      }
      long max = memory.hasMax() ? Math.min(memory.max(), maxPages) : maxPages;
      capped.add(new WasmModule.Limits(memory.flags() | 0x01, memory.min(), max));
    }
    m.put(WasmModule.MEMORY, WasmModule.encodeMemories(capped));
    long initialBytes = memories.isEmpty() ? 0 : memories.get(0).min() * PAGE;
    // code the walk cannot follow: the memory is capped without the probe
    return withProbe(m, appended)
        .map(probed -> new Capped(probed.toBytes(), true, initialBytes))
        .orElse(new Capped(m.toBytes(), false, initialBytes));
  }

  /**
   * A module whose memory cannot be found cannot be capped: refused, rather than run with as much
   * memory as it asks for.
   */
  private static GuestLinkException unreadable(long limitBytes, WasmFormatException e) {
    return new GuestLinkException(
        "The module cannot be held to the memory limit of "
            + (limitBytes >> 20)
            + " MiB: it could not be read ("
            + e.getMessage()
            + "), so its memory could not be capped — rebuild it (mvn package), or check that"
            + " the file is a complete WebAssembly 1.0 module");
  }

  /**
   * The indices of what the probe appends, after everything the module has, so that nothing of the
   * original is renumbered: three types, the grow function, the probe and (when {@code clear}: the
   * module imports its memory) the clearing function, and the counter global.
   */
  private record Appended(long growType, long growFunction, long counter, boolean clear) {
    static Appended after(WasmModule m) throws WasmFormatException {
      List<WasmModule.Import> imports = m.imports();
      long funcs = imports.stream().filter(i -> i.kind() == WasmModule.KIND_FUNC).count();
      long globals = imports.stream().filter(i -> i.kind() == WasmModule.KIND_GLOBAL).count();
      boolean memoryImported = imports.stream().anyMatch(i -> i.kind() == WasmModule.KIND_MEMORY);
      return new Appended(
          m.count(WasmModule.TYPE),
          funcs + m.count(WasmModule.FUNCTION),
          globals + m.count(WasmModule.GLOBAL),
          memoryImported);
    }

    long probeType() {
      return growType + 1;
    }

    long clearType() {
      return growType + 2;
    }

    long probeFunction() {
      return growFunction + 1;
    }

    long clearFunction() {
      return growFunction + 2;
    }
  }

  /**
   * A copy of {@code original} with the grow counter and its export (and {@link #CLEAR} when {@code
   * a.clear()}); empty when the module has no code or code the walk cannot follow.
   */
  private static Optional<WasmModule> withProbe(WasmModule original, Appended a) {
    if (original.section(WasmModule.TYPE).isEmpty()
        || original.section(WasmModule.FUNCTION).isEmpty()
        || original.section(WasmModule.CODE).isEmpty()) {
      return Optional.empty();
    }
    try {
      byte[] callGrow =
          concat(new byte[] {InstructionWalker.CALL}, WasmModule.u32(a.growFunction()));
      List<byte[]> code = new ArrayList<>();
      for (byte[] body : original.code()) {
        byte[] rewritten = growingThrough(body, callGrow);
        if (rewritten == null) {
          return Optional.empty();
        }
        code.add(rewritten);
      }
      code.addAll(appendedBodies(a));

      WasmModule m = original.copy();
      m.removeCustom(".debug");
      m.appendItems(
          WasmModule.TYPE,
          List.of(
              WasmModule.encodeType(type(new byte[] {WasmModule.I32}, WasmModule.I32)),
              WasmModule.encodeType(type(new byte[0], WasmModule.I32)),
              WasmModule.encodeType(new WasmModule.FuncType(new byte[0], new byte[0]))));
      m.appendItems(
          WasmModule.FUNCTION,
          a.clear()
              ? List.of(
                  WasmModule.u32(a.growType()),
                  WasmModule.u32(a.probeType()),
                  WasmModule.u32(a.clearType()))
              : List.of(WasmModule.u32(a.growType()), WasmModule.u32(a.probeType())));
      m.appendItems(
          WasmModule.GLOBAL,
          List.of(
              WasmModule.encodeGlobal(
                  new WasmModule.Global(
                      WasmModule.I32, true, WasmModule.constant(WasmModule.I32, 0)))));
      List<byte[]> exports = new ArrayList<>();
      exports.add(export(PROBE, a.probeFunction()));
      if (a.clear()) {
        exports.add(export(CLEAR, a.clearFunction()));
      }
      m.appendItems(WasmModule.EXPORT, exports);
      m.put(WasmModule.CODE, WasmModule.encodeCode(code));
      return Optional.of(m);
    } catch (WasmFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * {@code body} with every {@code memory.grow} on memory 0 replaced by {@code callGrow}; null when
   * it holds an instruction the walk does not know.
   */
  private static byte[] growingThrough(byte[] body, byte[] callGrow) throws WasmFormatException {
    InstructionWalker code = InstructionWalker.overBody(body);
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 8);
    int copied = 0;
    while (code.next()) {
      if (!code.known()) {
        return null;
      }
      if (code.opcode() == InstructionWalker.MEMORY_GROW && code.index() == 0) {
        out.write(body, copied, code.start() - copied);
        out.writeBytes(callGrow);
        copied = code.end();
      }
    }
    out.write(body, copied, body.length - copied);
    return out.toByteArray();
  }

  /** The grow function, the probe and, for an imported memory, the clearing function. */
  private static List<byte[]> appendedBodies(Appended a) {
    byte[] g = WasmModule.u32(a.counter());
    // (func (param i32) (result i32) (local i32)
    //   local.get 0  memory.grow 0  local.tee 1  i32.const -1  i32.eq
    //   if  global.get $n  i32.const 1  i32.add  global.set $n  end
    //   local.get 1)
    byte[] grow =
        concat(
            new byte[] {1, 1, 0x7f, 0x20, 0, 0x40, 0, 0x22, 1, 0x41, 0x7f, 0x46, 0x04, 0x40},
            new byte[] {0x23},
            g,
            new byte[] {0x41, 1, 0x6a, 0x24},
            g,
            new byte[] {0x0b, 0x20, 1, 0x0b});
    byte[] read = concat(new byte[] {0, 0x23}, g, new byte[] {0x0b});
    if (!a.clear()) {
      return List.of(grow, read);
    }
    // (func  i32.const 0  i32.const 0  memory.size  i32.const 16  i32.shl  memory.fill)
    byte[] fill = {0, 0x41, 0, 0x41, 0, 0x3f, 0, 0x41, 16, 0x74, (byte) 0xfc, 11, 0, 0x0b};
    return List.of(grow, read, fill);
  }

  private static WasmModule.FuncType type(byte[] params, int result) {
    return new WasmModule.FuncType(params, new byte[] {(byte) result});
  }

  private static byte[] export(String name, long function) {
    return WasmModule.encodeExport(new WasmModule.Export(name, WasmModule.KIND_FUNC, function));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
