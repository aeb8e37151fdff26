package dev.elixirworkers.wasi.wasmtime;

import dev.elixirworkers.wasi.preview1.WasiFunctions;
import io.github.kawamuray.wasmtime.FuncType;
import io.github.kawamuray.wasmtime.ImportType;
import io.github.kawamuray.wasmtime.MemoryType;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Val;
import io.github.kawamuray.wasmtime.WasmtimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A compiled WASI command module and how its imports link to {@link WasiFunctions}: worked out
 * once, so a module the host cannot run fails here, not on the first request. Hands out {@link
 * WasiSession}s that run it.
 */
public final class WasiModule implements AutoCloseable {
  /** One import: its name and type, and the host function that serves it. */
  record Binding(String name, FuncType type, WasiFunctions.Function function) {}

  /**
   * A memory the module imports instead of defining it ({@value #MEMORY_IMPORT_MODULE}.{@value
   * #MEMORY_IMPORT_NAME}, as a snapshot does): each session makes one and lends it to every run,
   * zeroed in between, so a run starts on memory that is already mapped.
   *
   * @param position its place among the imports
   * @param minimumPages what the module asks for
   * @param maximumPages the module's maximum, capped by the memory limit
   */
  record ImportedMemory(int position, long minimumPages, long maximumPages) {}

  /** Where a module that imports its memory (a snapshot) finds it. */
  public static final String MEMORY_IMPORT_MODULE = "env";

  public static final String MEMORY_IMPORT_NAME = "memory";

  /** No memory limit beyond wasm's own 4 GiB. */
  public static final long NO_MEMORY_LIMIT = 1L << 32;

  private final WasmtimeEngine engine;
  private final Module module;
  private final List<Binding> bindings;
  private final Optional<ImportedMemory> importedMemory;
  private final long memoryLimit;
  private final boolean probed;
  private boolean closed;

  private WasiModule(
      WasmtimeEngine engine, Module module, Plan plan, long memoryLimit, boolean probed) {
    this.engine = engine;
    this.module = module;
    this.bindings = List.copyOf(plan.bindings());
    this.importedMemory = plan.memory();
    this.memoryLimit = memoryLimit;
    this.probed = probed;
  }

  /**
   * Compiles (or takes from the process cache) and links a module, without a memory limit.
   *
   * @throws GuestLinkException when an import cannot be served
   */
  public static WasiModule load(WasmtimeEngine engine, byte[] wasm) {
    return load(engine, wasm, NO_MEMORY_LIMIT);
  }

  /**
   * Compiles (or takes from the process cache) and links a module whose linear memory may not grow
   * past {@code memoryLimitBytes} (rounded down to whole 64 KiB pages): growing past it fails in
   * the guest, and a run that then traps or exits with an error ends as {@link
   * GuestOutcome.OutOfMemory}.
   *
   * @throws GuestLinkException when an import cannot be served, or the module starts with more
   *     memory than the limit
   */
  public static WasiModule load(WasmtimeEngine engine, byte[] wasm, long memoryLimitBytes) {
    if (memoryLimitBytes < MemoryCap.PAGE) {
      throw new IllegalArgumentException("memory limit below one page: " + memoryLimitBytes);
    }
    MemoryCap.Capped capped =
        memoryLimitBytes >= NO_MEMORY_LIMIT
            ? new MemoryCap.Capped(wasm, false, 0)
            : MemoryCap.apply(wasm, memoryLimitBytes);
    Module module;
    try {
      module = engine.acquire(capped.wasm());
    } catch (WasmtimeException e) {
      throw new GuestLinkException("The module does not compile: " + e.getMessage());
    }
    try {
      return new WasiModule(
          engine,
          module,
          plan(module.imports(), memoryLimitBytes),
          memoryLimitBytes,
          capped.probed());
    } catch (RuntimeException e) {
      engine.release(module);
      throw e;
    }
  }

  /** The memory limit in bytes ({@link #NO_MEMORY_LIMIT} for none). */
  public long memoryLimit() {
    return memoryLimit;
  }

  /** Whether refused memory growth can be observed (see {@link MemoryCap}). */
  public boolean detectsOutOfMemory() {
    return probed;
  }

  /** How each import is served. */
  private record Plan(List<Binding> bindings, Optional<ImportedMemory> memory) {}

  private static Plan plan(ImportType[] imports, long memoryLimitBytes) {
    List<Binding> bindings = new ArrayList<>();
    Optional<ImportedMemory> memory = Optional.empty();
    for (int position = 0; position < imports.length; position++) {
      ImportType imp = imports[position];
      String where = imp.module() + "." + imp.name();
      if (imp.type() == ImportType.Type.MEMORY
          && imp.module().equals(MEMORY_IMPORT_MODULE)
          && imp.name().equals(MEMORY_IMPORT_NAME)) {
        memory = Optional.of(importedMemory(position, imp.memory(), memoryLimitBytes));
        continue;
      }
      if (imp.type() != ImportType.Type.FUNC) {
        throw new GuestLinkException(
            "The module imports "
                + imp.type().name().toLowerCase()
                + " "
                + where
                + "; the host provides only "
                + WasiFunctions.MODULE
                + " functions and a memory named "
                + MEMORY_IMPORT_MODULE
                + "."
                + MEMORY_IMPORT_NAME);
      }
      if (!imp.module().equals(WasiFunctions.MODULE)) {
        throw new GuestLinkException(
            "The module imports "
                + where
                + ", which the host does not provide: only "
                + WasiFunctions.MODULE
                + " functions are (was it linked with --allow-undefined?)");
      }
      FuncType type = imp.func();
      WasiFunctions.Signature signature = signatureOf(type, where);
      WasiFunctions.Function function =
          WasiFunctions.lookup(imp.name())
              .map(
                  known -> {
                    if (!known.signature().equals(signature)) {
                      throw new GuestLinkException(
                          "The module imports "
                              + where
                              + " as "
                              + signature
                              + " but WASI preview1 defines it as "
                              + known.signature());
                    }
                    return known;
                  })
              .or(() -> WasiFunctions.stub(imp.name(), signature))
              .orElseThrow(
                  () ->
                      new GuestLinkException(
                          "The module imports "
                              + where
                              + " "
                              + signature
                              + ", which is not a WASI preview1 function; the host stubs unknown"
                              + " imports only when they return one i32 errno"));
      bindings.add(new Binding(imp.name(), type, function));
    }
    return new Plan(bindings, memory);
  }

  private static ImportedMemory importedMemory(
      int position, MemoryType type, long memoryLimitBytes) {
    if (type.is64()) {
      throw new GuestLinkException("The module uses 64-bit memory, which the host does not run");
    }
    long limitPages = Math.max(1, Math.min(65536, memoryLimitBytes / MemoryCap.PAGE));
    if (type.minimum() > limitPages) {
      throw new GuestLinkException(
          "The module starts with "
              + (type.minimum() * MemoryCap.PAGE >> 20)
              + " MiB of memory, more than the limit of "
              + (memoryLimitBytes >> 20)
              + " MiB");
    }
    long maximum = type.maximum() < 0 ? limitPages : Math.min(type.maximum(), limitPages);
    return new ImportedMemory(position, type.minimum(), maximum);
  }

  private static WasiFunctions.Signature signatureOf(FuncType type, String where) {
    return new WasiFunctions.Signature(
        types(type.getParams(), where), types(type.getResults(), where));
  }

  private static List<WasiFunctions.ValType> types(Val.Type[] types, String where) {
    List<WasiFunctions.ValType> out = new ArrayList<>();
    for (Val.Type t : types) {
      switch (t) {
        case I32 -> out.add(WasiFunctions.ValType.I32);
        case I64 -> out.add(WasiFunctions.ValType.I64);
        default ->
            throw new GuestLinkException(
                "The module imports " + where + " with a " + t + " value, which WASI never uses");
      }
    }
    return out;
  }

  /** Import names in order, for diagnostics. */
  public List<String> imports() {
    return bindings.stream().map(Binding::name).toList();
  }

  /** Imports linked to a host function that does something (not a NOSYS stub). */
  public List<String> implementedImports() {
    return bindings.stream().filter(b -> b.function().implemented()).map(Binding::name).toList();
  }

  Module module() {
    return module;
  }

  List<Binding> bindings() {
    return bindings;
  }

  Optional<ImportedMemory> importedMemory() {
    return importedMemory;
  }

  /** Whether the module imports its memory (a snapshot): sessions lend it one. */
  public boolean importsMemory() {
    return importedMemory.isPresent();
  }

  WasmtimeEngine engine() {
    return engine;
  }

  /** A fresh store with the host functions defined; it can run the module several times. */
  public WasiSession newSession() {
    if (closed) {
      throw new IllegalStateException("module closed");
    }
    return new WasiSession(this);
  }

  /** Gives the compiled module back to the engine's cache. Sessions must be closed first. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      engine.release(module);
    }
  }
}
