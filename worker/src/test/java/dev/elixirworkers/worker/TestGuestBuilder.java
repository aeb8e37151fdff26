package dev.elixirworkers.worker;

import dev.elixirworkers.wasi.clang.WasiClang;
import dev.elixirworkers.wasi.clang.WasiClangException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Compiles the C test guest (wasi-bridge/src/test/c/test_guest.c) with the project's own {@link
 * WasiClang} into a worker bundle for the JavaScript tests: {@code atomvm.wasm} (the guest) and
 * {@code app.avm} (70 000 bytes of the pattern the Java tests use). Run by the build before {@code
 * node --test}; without a toolchain it fails with the discovery message.
 *
 * <p>Arguments: the C source, the output directory.
 */
public final class TestGuestBuilder {
  private TestGuestBuilder() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      throw new IllegalArgumentException(
          "usage: TestGuestBuilder <test_guest.c> <output directory>");
    }
    Path source = Path.of(args[0]).toAbsolutePath().normalize();
    Path out = Path.of(args[1]).toAbsolutePath().normalize();
    Files.createDirectories(out);
    Path wasm = out.resolve("atomvm.wasm");
    Path app = out.resolve("app.avm");
    byte[] appBytes = appBytes();
    if (Files.isRegularFile(wasm)
        && Files.getLastModifiedTime(wasm).compareTo(Files.getLastModifiedTime(source)) > 0
        && Files.isRegularFile(app)
        && java.util.Arrays.equals(Files.readAllBytes(app), appBytes)) {
      System.out.println("[test-guest] " + wasm + " is up to date — not recompiled");
      return;
    }
    try {
      WasiClang toolchain = WasiClang.discover(out.getParent());
      toolchain.compile(List.of(source), wasm, List.of("-O2", "-Wall", "-Wextra"));
      System.out.println("[test-guest] compiled " + source.getFileName() + " with " + toolchain);
    } catch (WasiClangException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    Files.write(app, appBytes);
  }

  /** The app.avm stand-in: 70 000 bytes cycling through every byte value. */
  static byte[] appBytes() {
    byte[] bytes = new byte[70_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 7 + i / 256);
    }
    return bytes;
  }
}
