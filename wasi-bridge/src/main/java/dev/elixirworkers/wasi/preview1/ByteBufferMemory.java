package dev.elixirworkers.wasi.preview1;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link LinearMemory} over a {@link ByteBuffer}: a heap buffer in tests, the direct buffer a wasm
 * engine exposes in production. Subclasses whose buffer can be replaced (memory growth) override
 * {@link #buffer()}.
 */
public class ByteBufferMemory implements LinearMemory {
  private ByteBuffer buffer;

  public ByteBufferMemory(ByteBuffer buffer) {
    this.buffer = buffer == null ? null : buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A zero-filled heap memory of {@code size} bytes. */
  public static ByteBufferMemory ofSize(int size) {
    return new ByteBufferMemory(ByteBuffer.allocate(size));
  }

  /** The current buffer, little-endian, covering the whole memory. */
  protected ByteBuffer buffer() {
    return buffer;
  }

  /** Replaces the buffer (e.g. after the guest grew its memory). */
  protected final void setBuffer(ByteBuffer buffer) {
    this.buffer = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public long size() {
    return buffer().capacity();
  }

  private int at(int address, int length) {
    checkRange(address, length);
    return address;
  }

  @Override
  public byte readByte(int address) {
    return buffer().get(at(address, 1));
  }

  @Override
  public void writeByte(int address, byte value) {
    buffer().put(at(address, 1), value);
  }

  @Override
  public short readShort(int address) {
    return buffer().getShort(at(address, 2));
  }

  @Override
  public void writeShort(int address, short value) {
    buffer().putShort(at(address, 2), value);
  }

  @Override
  public int readInt(int address) {
    return buffer().getInt(at(address, 4));
  }

  @Override
  public void writeInt(int address, int value) {
    buffer().putInt(at(address, 4), value);
  }

  @Override
  public long readLong(int address) {
    return buffer().getLong(at(address, 8));
  }

  @Override
  public void writeLong(int address, long value) {
    buffer().putLong(at(address, 8), value);
  }

  @Override
  public void read(int address, byte[] target, int offset, int length) {
    buffer().get(at(address, length), target, offset, length);
  }

  @Override
  public void write(int address, byte[] source, int offset, int length) {
    buffer().put(at(address, length), source, offset, length);
  }
}
