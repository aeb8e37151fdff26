package dev.elixirworkers.wasi.preview1;

/** A guest pointer or length that falls outside its linear memory: a guest mistake. */
public final class MemoryFault extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MemoryFault(int address, long length, long memorySize) {
    super(
        "guest memory access ["
            + Integer.toUnsignedString(address)
            + ", +"
            + length
            + ") outside a memory of "
            + memorySize
            + " bytes",
        null,
        false,
        false);
  }
}
