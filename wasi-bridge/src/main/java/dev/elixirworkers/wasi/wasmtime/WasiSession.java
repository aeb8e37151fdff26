package dev.elixirworkers.wasi.wasmtime;

import dev.elixirworkers.wasi.preview1.ByteBufferMemory;
import dev.elixirworkers.wasi.preview1.DeadlineExceeded;
import dev.elixirworkers.wasi.preview1.LinearMemory;
import dev.elixirworkers.wasi.preview1.ProcExit;
import dev.elixirworkers.wasi.preview1.WasiPreview1;
import io.github.kawamuray.wasmtime.Extern;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.MemoryType;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Trap;
import io.github.kawamuray.wasmtime.Val;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A wasmtime {@link Store} with one host function per import, able to run the module several times:
 * each {@link #run} makes a fresh {@link Instance} (fresh memory and globals) in this store. A
 * module that imports its memory (a snapshot) is lent the same memory in every run, zeroed in
 * between, so it starts from exactly what a fresh memory would hold.
 *
 * <p>Why not a store per run: wasmtime-java binds host functions to a store, and creating one costs
 * on the order of 100 µs (wasmtime compiles a trampoline for each), over a millisecond for a module
 * importing 15 functions; a further instance in an existing store costs about 50 µs. The price is
 * that a store keeps its instances' memories until it is closed, so callers retire a session after
 * a few runs. Not thread-safe: one run at a time.
 */
public final class WasiSession implements AutoCloseable {
  private static final LinearMemory NO_MEMORY = ByteBufferMemory.ofSize(0);
  private static final byte[] ZEROS = new byte[64 << 10];

  /** What the host functions see during a run; swapped per run. */
  private static final class Context {
    WasiPreview1 wasi;
    WasmtimeMemory memory;
    Integer exitStatus;
    boolean deadlineExceeded;
    Throwable hostFailure;
  }

  private final WasiModule module;
  private final Store<Void> store;
  private final List<Func> funcs = new ArrayList<>();
  private final List<Extern> externs = new ArrayList<>();
  private final Context context = new Context();

  /** The memory lent to every run when the module imports it; made again after it grew. */
  private Memory lentMemory;

  private int memoriesMade;

  private final long createdNanos;
  private int runs;
  private long lastMemoryBytes;
  private boolean closed;

  WasiSession(WasiModule module) {
    long start = System.nanoTime();
    this.module = module;
    this.store = new Store<>(null, module.engine().engine());
    try {
      for (WasiModule.Binding binding : module.bindings()) {
        Func func = new Func(store, binding.type(), handler(binding));
        funcs.add(func);
        externs.add(Extern.fromFunc(func));
      }
      module.importedMemory().ifPresent(memory -> externs.add(memory.position(), Extern.UNKNOWN));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    this.createdNanos = System.nanoTime() - start;
  }

  private Func.Handler<Void> handler(WasiModule.Binding binding) {
    return (caller, params, results) -> {
      Context c = context;
      long[] args = new long[params.length];
      for (int i = 0; i < params.length; i++) {
        args[i] = params[i].getType() == Val.Type.I64 ? params[i].i64() : params[i].i32();
      }
      try {
        if (c.wasi == null) {
          throw new IllegalStateException(binding.name() + " called outside of a run");
        }
        LinearMemory memory = NO_MEMORY;
        if (c.memory != null) {
          c.memory.invalidate();
          memory = c.memory;
        }
        int errno = binding.function().call(c.wasi, memory, args);
        if (results.length == 1) {
          results[0] = Val.fromI32(errno);
        }
      } catch (ProcExit exit) {
        c.exitStatus = exit.exitCode();
        throw new WasmFunctionError.I32ExitError(exit.exitCode());
      } catch (DeadlineExceeded e) {
        c.deadlineExceeded = true;
        throw new WasmFunctionError("deadline exceeded in " + binding.name());
      } catch (Throwable t) {
        c.hostFailure = t;
        throw new WasmFunctionError("host function " + binding.name() + " failed: " + t);
      }
    };
  }

  /** Nanoseconds it took to create the store and its host functions. */
  public long creationNanos() {
    return createdNanos;
  }

  /** Host functions created for this session (one per import). */
  public int hostFunctionCount() {
    return funcs.size();
  }

  /**
   * How many memories this session made for a module that imports its memory: one, plus one after
   * each run that grew it. None for a module that defines its memory.
   */
  public int memoriesMade() {
    return memoriesMade;
  }

  /** Runs so far. */
  public int runs() {
    return runs;
  }

  /**
   * Instantiates the module afresh and runs {@code _start} against {@code wasi}.
   *
   * @param timeLimitMillis interrupts running code after about this long; {@code wasi}'s deadline
   *     should be the same instant so host calls stop waiting too
   * @throws HostFailure when a host function failed (a host bug)
   */
  public GuestOutcome run(WasiPreview1 wasi, long timeLimitMillis) {
    begin(wasi);
    Instance instance = null;
    WasmtimeMemory memory = null;
    Func start = null;
    try {
      store.setEpochDeadline(module.engine().ticksFor(timeLimitMillis));
      instance = instantiate();
      Memory exported = exportedMemory(instance);
      memory = new WasmtimeMemory(store, exported);
      context.memory = memory;
      start =
          instance
              .getFunc(store, "_start")
              .orElseThrow(
                  () ->
                      new GuestLinkException(
                          "The module exports no _start function: it is not a WASI command"));
      GuestOutcome outcome = callStart(start, timeLimitMillis);
      lastMemoryBytes = exported.dataSize(store);
      if (module.detectsOutOfMemory()
          && (outcome instanceof GuestOutcome.Trapped
              || (outcome instanceof GuestOutcome.Exited exited && exited.status() != 0))
          && growFailures(instance) > 0) {
        return new GuestOutcome.OutOfMemory(module.memoryLimit(), outcome);
      }
      return outcome;
    } finally {
      context.wasi = null;
      context.memory = null;
      if (start != null) {
        start.dispose();
      }
      if (memory != null) {
        memory.dispose();
      }
      takeBackMemory(instance);
      if (instance != null) {
        instance.dispose();
      }
    }
  }

  /**
   * What {@link #capture} saw.
   *
   * @param returned whether the function returned (rather than trapping or calling {@code
   *     proc_exit}); {@code memory} and {@code values} are empty otherwise
   * @param outcome {@code Exited(0)} when the function returned; otherwise how it ended
   * @param memory the exported memory's contents after the function returned
   * @param values what each getter returned, as raw bits (i32 and f32 in the low 32 bits)
   */
  public record Capture(boolean returned, GuestOutcome outcome, byte[] memory, long[] values) {}

  /**
   * Instantiates the module afresh, calls the exported function {@code function} (no parameters, no
   * results) instead of {@code _start}, then reads the exported memory and calls each of {@code
   * getters} (exported functions without parameters returning one value). For snapshot tools: the
   * memory and the values are the instance's state after the function.
   *
   * @throws GuestLinkException when the module exports no memory, or not one of the functions
   * @throws HostFailure when a host function failed (a host bug)
   */
  public Capture capture(
      WasiPreview1 wasi, String function, List<String> getters, long timeLimitMillis) {
    begin(wasi);
    Instance instance = null;
    WasmtimeMemory memory = null;
    List<Func> called = new ArrayList<>();
    try {
      store.setEpochDeadline(module.engine().ticksFor(timeLimitMillis));
      instance = instantiate();
      Memory exported = exportedMemory(instance);
      memory = new WasmtimeMemory(store, exported);
      context.memory = memory;
      Func init = exportedFunc(instance, function);
      called.add(init);
      List<Func> getterFuncs = new ArrayList<>();
      for (String getter : getters) {
        Func f = exportedFunc(instance, getter);
        called.add(f);
        getterFuncs.add(f);
      }
      GuestOutcome outcome = call(init, timeLimitMillis);
      lastMemoryBytes = exported.dataSize(store);
      if (!(outcome instanceof GuestOutcome.Exited exited)
          || exited.status() != 0
          || context.exitStatus != null) {
        return new Capture(false, outcome, new byte[0], new long[0]);
      }
      long[] values = new long[getterFuncs.size()];
      for (int i = 0; i < values.length; i++) {
        Val[] result = getterFuncs.get(i).call(store);
        if (result.length != 1) {
          throw new GuestLinkException(getters.get(i) + " does not return one value");
        }
        values[i] =
            switch (result[0].getType()) {
              case I32 -> result[0].i32() & 0xffffffffL;
              case I64 -> result[0].i64();
              case F32 -> Float.floatToRawIntBits(result[0].f32()) & 0xffffffffL;
              case F64 -> Double.doubleToRawLongBits(result[0].f64());
              default ->
                  throw new GuestLinkException(
                      getters.get(i) + " returns a " + result[0].getType() + " value");
            };
      }
      java.nio.ByteBuffer buffer = exported.buffer(store);
      byte[] bytes = new byte[Math.toIntExact(exported.dataSize(store))];
      buffer.duplicate().position(0).get(bytes);
      return new Capture(true, outcome, bytes, values);
    } finally {
      context.wasi = null;
      context.memory = null;
      for (Func f : called) {
        f.dispose();
      }
      if (memory != null) {
        memory.dispose();
      }
      takeBackMemory(instance);
      if (instance != null) {
        instance.dispose();
      }
    }
  }

  /** Resets what the host functions see for a new run. */
  private void begin(WasiPreview1 wasi) {
    if (closed) {
      throw new IllegalStateException("session closed");
    }
    runs++;
    context.wasi = wasi;
    context.memory = null;
    context.exitStatus = null;
    context.deadlineExceeded = false;
    context.hostFailure = null;
    lastMemoryBytes = 0;
  }

  private Memory exportedMemory(Instance instance) {
    return instance
        .getMemory(store, "memory")
        .orElseThrow(() -> new GuestLinkException("The module exports no memory named \"memory\""));
  }

  private Instance instantiate() {
    Optional<WasiModule.ImportedMemory> imported = module.importedMemory();
    if (imported.isPresent()) {
      WasiModule.ImportedMemory spec = imported.get();
      if (lentMemory == null) {
        lentMemory =
            new Memory(store, new MemoryType(spec.minimumPages(), spec.maximumPages(), false));
        memoriesMade++;
      }
      externs.set(spec.position(), Extern.fromMemory(lentMemory));
    }
    return new Instance(store, module.module(), externs);
  }

  /**
   * Zeroes the lent memory for the next run, whose instantiation writes the module's data segments
   * into it: the next run sees exactly what a fresh memory would hold. A memory that grew is
   * dropped instead (it cannot shrink); the store frees it when it closes. Called before {@code
   * instance} (which may be null) is disposed.
   */
  private void takeBackMemory(Instance instance) {
    if (lentMemory == null) {
      return;
    }
    long initialBytes = module.importedMemory().orElseThrow().minimumPages() * MemoryCap.PAGE;
    if (lentMemory.dataSize(store) != initialBytes) {
      lentMemory.dispose();
      lentMemory = null;
      return;
    }
    if (instance != null && clearedByTheModule(instance)) {
      return;
    }
    ByteBuffer buffer = lentMemory.buffer(store);
    for (int at = 0; at < initialBytes; at += ZEROS.length) {
      buffer.put(at, ZEROS, 0, (int) Math.min(ZEROS.length, initialBytes - at));
    }
  }

  /**
   * Zeroes the memory with the export {@link MemoryCap} appends ({@code memory.fill}: a native
   * memset, about three times as fast as writing zeros through a ByteBuffer); false when the module
   * has no such export (no memory limit) or it failed.
   */
  private boolean clearedByTheModule(Instance instance) {
    Optional<Func> clear = instance.getFunc(store, MemoryCap.CLEAR);
    if (clear.isEmpty()) {
      return false;
    }
    try {
      store.setEpochDeadline(module.engine().ticksFor(1000));
      clear.get().call(store);
      return true;
    } catch (RuntimeException e) {
      return false;
    } finally {
      clear.get().dispose();
    }
  }

  private Func exportedFunc(Instance instance, String name) {
    return instance
        .getFunc(store, name)
        .orElseThrow(() -> new GuestLinkException("The module exports no function " + name));
  }

  private GuestOutcome callStart(Func start, long timeLimitMillis) {
    return call(start, timeLimitMillis);
  }

  private GuestOutcome call(Func start, long timeLimitMillis) {
    try {
      start.call(store);
      return new GuestOutcome.Exited(0);
    } catch (WasmFunctionError.I32ExitError e) {
      return new GuestOutcome.Exited(e.exitCode());
    } catch (WasmFunctionError.TrapError e) {
      if (e.trap() == Trap.INTERRUPT) {
        return new GuestOutcome.TimedOut(timeLimitMillis);
      }
      return new GuestOutcome.Trapped(describe(e.trap()));
    } catch (WasmFunctionError | WasmtimeException e) {
      if (context.hostFailure != null) {
        throw new HostFailure(context.hostFailure);
      }
      if (context.deadlineExceeded) {
        return new GuestOutcome.TimedOut(timeLimitMillis);
      }
      if (context.exitStatus != null) {
        return new GuestOutcome.Exited(context.exitStatus);
      }
      return new GuestOutcome.Trapped(String.valueOf(e.getMessage()));
    }
  }

  /** How many memory.grow calls the memory limit refused in this instance (see MemoryCap). */
  private long growFailures(Instance instance) {
    Optional<Func> probe = instance.getFunc(store, MemoryCap.PROBE);
    if (probe.isEmpty()) {
      return 0;
    }
    try {
      store.setEpochDeadline(module.engine().ticksFor(1000));
      Val[] result = probe.get().call(store);
      return result.length == 1 ? result[0].i32() : 0;
    } catch (RuntimeException e) {
      return 0;
    } finally {
      probe.get().dispose();
    }
  }

  /** The size of the guest's memory when its last run ended. */
  public long lastMemoryBytes() {
    return lastMemoryBytes;
  }

  private static String describe(Trap trap) {
    return switch (trap) {
      case UNREACHABLE_CODE_REACHED -> "wasm trap: unreachable executed";
      case MEMORY_OUT_OF_BOUNDS -> "wasm trap: out of bounds memory access";
      case STACK_OVERFLOW -> "wasm trap: call stack exhausted";
      case INTEGER_DIVISION_BY_ZERO -> "wasm trap: integer divide by zero";
      case INTEGER_OVERFLOW -> "wasm trap: integer overflow";
      case INDIRECT_CALL_TO_NULL -> "wasm trap: uninitialized element (indirect call to null)";
      case BAD_SIGNATURE -> "wasm trap: indirect call type mismatch";
      default -> "wasm trap: " + trap.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    };
  }

  /** Drops the store: its instances, their memories and the host functions. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Func func : funcs) {
      func.dispose();
    }
    if (lentMemory != null) {
      lentMemory.dispose();
    }
    store.dispose();
  }

  /** A host function threw: a bug in the host, reported with the original exception as cause. */
  public static final class HostFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HostFailure(Throwable cause) {
      super("A WASI host function failed: " + cause, cause);
    }
  }
}
