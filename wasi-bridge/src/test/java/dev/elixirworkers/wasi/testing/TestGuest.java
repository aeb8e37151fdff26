package dev.elixirworkers.wasi.testing;

import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.clang.WasiClang;
import dev.elixirworkers.wasi.clang.WasiClangException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The C test guest (src/test/c/test_guest.c, or the {@code test-guest.source} system property),
 * compiled once per test JVM by {@link WasiClang} into {@code target/test-guest/}, next to an
 * {@code app.avm} of known bytes: a worker bundle.
 *
 * <p>Without a toolchain this fails with the discovery message (it does not skip): the project's
 * setup installs the toolchain.
 */
public final class TestGuest {
  private static Path bundleDir;
  private static WasiClang toolchain;

  /**
   * Where the guest's C source is from this module; other modules' tests set {@code
   * test-guest.source}.
   */
  private static final Path DEFAULT_SOURCE = basedir().resolve("src/test/c/test_guest.c");

  private TestGuest() {}

  public static Path basedir() {
    return Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  }

  public static Path target() {
    return basedir().resolve("target");
  }

  /** The discovered toolchain (fails the test with the discovery message when there is none). */
  public static synchronized WasiClang toolchain() throws WasiClangException {
    if (toolchain == null) {
      toolchain = WasiClang.discover(target());
    }
    return toolchain;
  }

  /** {@code target/test-guest}, holding atomvm.wasm (the test guest) and app.avm. */
  public static synchronized Path bundleDir() throws IOException, WasiClangException {
    if (bundleDir == null) {
      Path dir = target().resolve("test-guest");
      Files.createDirectories(dir);
      Path source = Path.of(System.getProperty("test-guest.source", DEFAULT_SOURCE.toString()));
      toolchain()
          .compile(
              List.of(source), dir.resolve(WorkerBundle.WASM), List.of("-O2", "-Wall", "-Wextra"));
      Files.write(dir.resolve(WorkerBundle.APP), appBytes());
      bundleDir = dir;
    }
    return bundleDir;
  }

  public static WorkerBundle bundle() throws IOException, WasiClangException {
    return WorkerBundle.load(bundleDir());
  }

  /** The app.avm stand-in: 70 000 bytes cycling through every byte value. */
  public static byte[] appBytes() {
    byte[] bytes = new byte[70_000];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 7 + i / 256);
    }
    return bytes;
  }

  /** The pattern /big answers with. */
  public static byte[] bigBody() {
    byte[] bytes = new byte[4 * 1024 * 1024];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i * 31 + 7);
    }
    return bytes;
  }
}
