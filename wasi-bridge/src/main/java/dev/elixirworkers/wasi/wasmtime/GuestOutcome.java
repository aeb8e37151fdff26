package dev.elixirworkers.wasi.wasmtime;

/** How one run of a WASI command ended. */
public sealed interface GuestOutcome {
  /** Returned from {@code _start} (status 0) or called {@code proc_exit}. */
  record Exited(int status) implements GuestOutcome {}

  /** A wasm trap: unreachable, out-of-bounds access, stack overflow, ... */
  record Trapped(String message) implements GuestOutcome {}

  /** Ran past its time limit and was interrupted. */
  record TimedOut(long limitMillis) implements GuestOutcome {}

  /**
   * Trapped or exited with an error after the memory limit refused to grow its memory.
   *
   * @param limitBytes the limit
   * @param failure what the run ended with
   */
  record OutOfMemory(long limitBytes, GuestOutcome failure) implements GuestOutcome {}
}
