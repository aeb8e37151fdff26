package dev.elixirworkers.wasi.wasmtime;

import dev.elixirworkers.wasi.preview1.ByteBufferMemory;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Store;
import java.nio.ByteBuffer;

/**
 * An instance's exported memory. The direct buffer wasmtime hands out covers the memory as it was
 * then, so it is fetched again (lazily) in every host call: the guest may have grown its memory
 * since the last one.
 */
final class WasmtimeMemory extends ByteBufferMemory {
  private final Store<?> store;
  private final Memory memory;
  private boolean stale = true;

  WasmtimeMemory(Store<?> store, Memory memory) {
    super(null);
    this.store = store;
    this.memory = memory;
  }

  /** Called at the start of each host call. */
  void invalidate() {
    stale = true;
  }

  @Override
  protected ByteBuffer buffer() {
    if (stale) {
      setBuffer(memory.buffer(store));
      stale = false;
    }
    return super.buffer();
  }

  void dispose() {
    memory.dispose();
  }
}
