package dev.elixirworkers.wasi.preview1;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@code wasi_snapshot_preview1} function with its signature and how to call {@link
 * WasiPreview1} for it. Engine bindings link imports from this table: names {@link WasiPreview1}
 * implements call it, the rest of preview1 answers {@link Errno#NOSYS}, and an import this table
 * does not know gets a NOSYS stub when its signature returns one i32 ({@link #stub}).
 */
public final class WasiFunctions {
  public static final String MODULE = "wasi_snapshot_preview1";

  /** The value types preview1 uses. */
  public enum ValType {
    I32,
    I64
  }

  /** Parameter and result types. */
  public record Signature(List<ValType> params, List<ValType> results) {
    public Signature {
      params = List.copyOf(params);
      results = List.copyOf(results);
    }

    @Override
    public String toString() {
      return params + " -> " + results;
    }
  }

  /** Calls the host with raw arguments (i32 in the low 32 bits of each long); returns an errno. */
  @FunctionalInterface
  public interface Invoker {
    int invoke(WasiPreview1 wasi, LinearMemory memory, long[] args);
  }

  /** One function: name, signature, whether the host implements it, and its invoker. */
  public record Function(String name, Signature signature, boolean implemented, Invoker invoker) {
    /**
     * Calls the function; a {@link MemoryFault} that slipped past validation becomes {@link
     * Errno#FAULT}. {@link ProcExit} and {@link DeadlineExceeded} propagate.
     */
    public int call(WasiPreview1 wasi, LinearMemory memory, long[] args) {
      try {
        return invoker.invoke(wasi, memory, args);
      } catch (MemoryFault e) {
        return Errno.FAULT;
      }
    }
  }

  private static final ValType I = ValType.I32;
  private static final ValType L = ValType.I64;
  private static final Map<String, Function> FUNCTIONS = new LinkedHashMap<>();

  static {
    fn("args_get", params(I, I), (w, m, a) -> w.args_get(m, i(a[0]), i(a[1])));
    fn("args_sizes_get", params(I, I), (w, m, a) -> w.args_sizes_get(m, i(a[0]), i(a[1])));
    fn("environ_get", params(I, I), (w, m, a) -> w.environ_get(m, i(a[0]), i(a[1])));
    fn("environ_sizes_get", params(I, I), (w, m, a) -> w.environ_sizes_get(m, i(a[0]), i(a[1])));
    fn("clock_res_get", params(I, I), (w, m, a) -> w.clock_res_get(m, i(a[0]), i(a[1])));
    fn("clock_time_get", params(I, L, I), (w, m, a) -> w.clock_time_get(m, i(a[0]), a[1], i(a[2])));
    nosys("fd_advise", I, L, L, I);
    fn("fd_allocate", params(I, L, L), (w, m, a) -> w.fd_allocate(m, i(a[0]), a[1], a[2]));
    fn("fd_close", params(I), (w, m, a) -> w.fd_close(m, i(a[0])));
    nosys("fd_datasync", I);
    fn("fd_fdstat_get", params(I, I), (w, m, a) -> w.fd_fdstat_get(m, i(a[0]), i(a[1])));
    fn(
        "fd_fdstat_set_flags",
        params(I, I),
        (w, m, a) -> w.fd_fdstat_set_flags(m, i(a[0]), i(a[1])));
    nosys("fd_fdstat_set_rights", I, L, L);
    fn("fd_filestat_get", params(I, I), (w, m, a) -> w.fd_filestat_get(m, i(a[0]), i(a[1])));
    fn("fd_filestat_set_size", params(I, L), (w, m, a) -> w.fd_filestat_set_size(m, i(a[0]), a[1]));
    nosys("fd_filestat_set_times", I, L, L, I);
    fn(
        "fd_pread",
        params(I, I, I, L, I),
        (w, m, a) -> w.fd_pread(m, i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4])));
    fn("fd_prestat_get", params(I, I), (w, m, a) -> w.fd_prestat_get(m, i(a[0]), i(a[1])));
    fn(
        "fd_prestat_dir_name",
        params(I, I, I),
        (w, m, a) -> w.fd_prestat_dir_name(m, i(a[0]), i(a[1]), i(a[2])));
    fn(
        "fd_pwrite",
        params(I, I, I, L, I),
        (w, m, a) -> w.fd_pwrite(m, i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4])));
    fn(
        "fd_read",
        params(I, I, I, I),
        (w, m, a) -> w.fd_read(m, i(a[0]), i(a[1]), i(a[2]), i(a[3])));
    fn(
        "fd_readdir",
        params(I, I, I, L, I),
        (w, m, a) -> w.fd_readdir(m, i(a[0]), i(a[1]), i(a[2]), a[3], i(a[4])));
    nosys("fd_renumber", I, I);
    fn("fd_seek", params(I, L, I, I), (w, m, a) -> w.fd_seek(m, i(a[0]), a[1], i(a[2]), i(a[3])));
    nosys("fd_sync", I);
    fn("fd_tell", params(I, I), (w, m, a) -> w.fd_tell(m, i(a[0]), i(a[1])));
    fn(
        "fd_write",
        params(I, I, I, I),
        (w, m, a) -> w.fd_write(m, i(a[0]), i(a[1]), i(a[2]), i(a[3])));
    nosys("path_create_directory", I, I, I);
    fn(
        "path_filestat_get",
        params(I, I, I, I, I),
        (w, m, a) -> w.path_filestat_get(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4])));
    nosys("path_filestat_set_times", I, I, I, I, L, L, I);
    nosys("path_link", I, I, I, I, I, I, I);
    fn(
        "path_open",
        params(I, I, I, I, I, L, L, I, I),
        (w, m, a) ->
            w.path_open(
                m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), a[5], a[6], i(a[7]), i(a[8])));
    nosys("path_readlink", I, I, I, I, I, I);
    nosys("path_remove_directory", I, I, I);
    nosys("path_rename", I, I, I, I, I, I);
    nosys("path_symlink", I, I, I, I, I);
    nosys("path_unlink_file", I, I, I);
    fn(
        "poll_oneoff",
        params(I, I, I, I),
        (w, m, a) -> w.poll_oneoff(m, i(a[0]), i(a[1]), i(a[2]), i(a[3])));
    FUNCTIONS.put(
        "proc_exit",
        new Function(
            "proc_exit",
            new Signature(List.of(I), List.of()),
            true,
            (w, m, a) -> {
              w.proc_exit(m, i(a[0]));
              return Errno.SUCCESS;
            }));
    fn("proc_raise", params(I), (w, m, a) -> w.proc_raise(m, i(a[0])));
    fn("random_get", params(I, I), (w, m, a) -> w.random_get(m, i(a[0]), i(a[1])));
    fn("sched_yield", params(), (w, m, a) -> w.sched_yield(m));
    fn("sock_accept", params(I, I, I), (w, m, a) -> w.sock_accept(m, i(a[0]), i(a[1]), i(a[2])));
    fn(
        "sock_recv",
        params(I, I, I, I, I, I),
        (w, m, a) -> w.sock_recv(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4]), i(a[5])));
    fn(
        "sock_send",
        params(I, I, I, I, I),
        (w, m, a) -> w.sock_send(m, i(a[0]), i(a[1]), i(a[2]), i(a[3]), i(a[4])));
    fn("sock_shutdown", params(I, I), (w, m, a) -> w.sock_shutdown(m, i(a[0]), i(a[1])));
  }

  private WasiFunctions() {}

  /** The preview1 function with this name, if it is one. */
  public static Optional<Function> lookup(String name) {
    return Optional.ofNullable(FUNCTIONS.get(name));
  }

  /** All preview1 functions, in the specification's order. */
  public static Collection<Function> all() {
    return FUNCTIONS.values();
  }

  /**
   * A stub for an import this table does not know: answers {@link Errno#NOSYS}, or empty when the
   * signature does not return exactly one i32 (then no sensible stub exists).
   */
  public static Optional<Function> stub(String name, Signature signature) {
    if (!signature.results().equals(List.of(ValType.I32))) {
      return Optional.empty();
    }
    return Optional.of(new Function(name, signature, false, (w, m, a) -> Errno.NOSYS));
  }

  private static ValType[] params(ValType... types) {
    return types;
  }

  private static void fn(String name, ValType[] params, Invoker invoker) {
    FUNCTIONS.put(
        name, new Function(name, new Signature(List.of(params), List.of(I)), true, invoker));
  }

  private static void nosys(String name, ValType... params) {
    FUNCTIONS.put(
        name,
        new Function(
            name, new Signature(List.of(params), List.of(I)), false, (w, m, a) -> Errno.NOSYS));
  }

  private static int i(long value) {
    return (int) value;
  }
}
