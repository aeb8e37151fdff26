package dev.elixirworkers.wasi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What a worker is made of: the VM ({@value #WASM}, a WASI preview1 command) and the application
 * archive ({@value #APP} , offered to the VM as {@code /app/app.avm}). The byte arrays are shared,
 * not copied: do not change them.
 */
public final class WorkerBundle {
  public static final String WASM = "atomvm.wasm";
  public static final String APP = "app.avm";

  private final byte[] wasm;
  private final byte[] app;
  private final Path directory;

  private WorkerBundle(byte[] wasm, byte[] app, Path directory) {
    this.wasm = Objects.requireNonNull(wasm, "wasm");
    this.app = Objects.requireNonNull(app, "app");
    this.directory = directory;
  }

  /**
   * Reads {@value #WASM} and {@value #APP} from a bundle directory (e.g. {@code target/worker}).
   *
   * @throws NoSuchFileException naming the missing file and how the bundle is made
   */
  public static WorkerBundle load(Path directory) throws IOException {
    return new WorkerBundle(read(directory, WASM), read(directory, APP), directory);
  }

  public static WorkerBundle of(byte[] wasm, byte[] app) {
    return new WorkerBundle(wasm, app, null);
  }

  private static byte[] read(Path directory, String name) throws IOException {
    Path file = directory.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file.toString(),
          null,
          "the worker bundle "
              + directory
              + " has no "
              + name
              + " (a bundle holds "
              + WASM
              + " and "
              + APP
              + "; `mvn package` builds it)");
    }
    return Files.readAllBytes(file);
  }

  public byte[] wasm() {
    return wasm;
  }

  public byte[] app() {
    return app;
  }

  /** Where it was loaded from, if from a directory. */
  public Optional<Path> directory() {
    return Optional.ofNullable(directory);
  }

  @Override
  public String toString() {
    return "WorkerBundle["
        + (directory == null ? "in memory" : directory)
        + ", "
        + wasm.length
        + " + "
        + app.length
        + " bytes]";
  }
}
