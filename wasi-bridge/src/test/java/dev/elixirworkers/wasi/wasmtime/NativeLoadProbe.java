package dev.elixirworkers.wasi.wasmtime;

import io.github.kawamuray.wasmtime.Engine;

/**
 * Run in a child JVM by {@link WasmtimeNativesTest}: loads the natives, uses them, prints where
 * from.
 */
public final class NativeLoadProbe {
  private NativeLoadProbe() {}

  public static void main(String[] args) {
    String path = WasmtimeNatives.load().map(Object::toString).orElse("(wasmtime-java's own)");
    new Engine().dispose();
    System.out.println(path);
  }
}
