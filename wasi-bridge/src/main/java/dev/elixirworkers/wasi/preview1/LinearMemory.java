package dev.elixirworkers.wasi.preview1;

/**
 * A guest's linear memory as the WASI host sees it: little-endian reads and writes at 32-bit
 * addresses (Java {@code int}s read as unsigned) and bulk copies. Accesses outside the memory throw
 * {@link MemoryFault}, which host functions turn into {@link Errno#FAULT}.
 */
public interface LinearMemory {
  /** The memory's current size in bytes. */
  long size();

  byte readByte(int address);

  void writeByte(int address, byte value);

  short readShort(int address);

  void writeShort(int address, short value);

  int readInt(int address);

  void writeInt(int address, int value);

  long readLong(int address);

  void writeLong(int address, long value);

  /** Copies {@code length} bytes at {@code address} into {@code target[offset..]}. */
  void read(int address, byte[] target, int offset, int length);

  /** Copies {@code source[offset..offset+length)} to {@code address}. */
  void write(int address, byte[] source, int offset, int length);

  default byte[] readBytes(int address, int length) {
    checkRange(address, length);
    byte[] bytes = new byte[length];
    read(address, bytes, 0, length);
    return bytes;
  }

  default void write(int address, byte[] source) {
    write(address, source, 0, source.length);
  }

  /** True when {@code [address, address + length)} lies inside the memory (both unsigned). */
  default boolean inBounds(int address, long length) {
    return length >= 0 && Integer.toUnsignedLong(address) + length <= size();
  }

  /** Throws {@link MemoryFault} unless {@code [address, address + length)} is inside the memory. */
  default void checkRange(int address, long length) {
    if (!inBounds(address, length)) {
      throw new MemoryFault(address, length, size());
    }
  }
}
