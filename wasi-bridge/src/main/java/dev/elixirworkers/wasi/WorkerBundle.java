package dev.elixirworkers.wasi;

import dev.elixirworkers.wasm.WasmFormatException;
import dev.elixirworkers.wasm.WasmModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What a worker is made of: the VM ({@value #WASM}, a WASI preview1 command) and, unless the VM is
 * a snapshot that holds the application already, the application archive ({@value #APP}, offered to
 * the VM as {@code /app/app.avm}; without it {@code /app} is an empty directory). The byte arrays
 * are shared, not copied: do not change them.
 */
public final class WorkerBundle {
  public static final String WASM = "atomvm.wasm";
  public static final String APP = "app.avm";

  /**
   * The pre-initialisation export of a plain atomvm.wasm; a snapshot no longer has it. A VM that
   * has it reads {@value #APP} on every run.
   */
  public static final String PREINIT_EXPORT = "atomvm_wasi_preinit";

  private final byte[] wasm;
  private final byte[] app;
  private final Path directory;

  private WorkerBundle(byte[] wasm, byte[] app, Path directory) {
    this.wasm = Objects.requireNonNull(wasm, "wasm");
    this.app = app;
    this.directory = directory;
  }

  /**
   * Reads {@value #WASM} and, when the directory has it, {@value #APP} from a bundle directory
   * (e.g. {@code target/worker}). A bundle whose VM is a snapshot has no {@value #APP}.
   *
   * @throws NoSuchFileException naming the missing file and how the bundle is made: {@value #WASM}
   *     is missing, or {@value #APP} is and the VM is not a snapshot
   */
  public static WorkerBundle load(Path directory) throws IOException {
    byte[] wasm = read(directory, WASM);
    Path app = directory.resolve(APP);
    if (Files.isRegularFile(app)) {
      return new WorkerBundle(wasm, Files.readAllBytes(app), directory);
    }
    if (readsApp(wasm)) {
      throw missing(
          directory,
          APP,
          "its " + WASM + " is not a snapshot and reads " + APP + " on every request");
    }
    return new WorkerBundle(wasm, null, directory);
  }

  public static WorkerBundle of(byte[] wasm, byte[] app) {
    return new WorkerBundle(wasm, Objects.requireNonNull(app, "app"), null);
  }

  /** A bundle without {@value #APP}: its VM is a snapshot that holds the application. */
  public static WorkerBundle of(byte[] wasm) {
    return new WorkerBundle(wasm, null, null);
  }

  /**
   * Whether {@code wasm} is a plain atomvm.wasm (it exports {@value #PREINIT_EXPORT}), which reads
   * {@value #APP} on every run; a snapshot does not, nor do modules this cannot read.
   */
  public static boolean readsApp(byte[] wasm) {
    try {
      return WasmModule.parse(wasm).export(PREINIT_EXPORT).isPresent();
    } catch (WasmFormatException e) {
      return false; // the engine says what is wrong with it when it compiles the module
    }
  }

  private static byte[] read(Path directory, String name) throws IOException {
    Path file = directory.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw missing(directory, name, "");
    }
    return Files.readAllBytes(file);
  }

  private static NoSuchFileException missing(Path directory, String name, String why) {
    return new NoSuchFileException(
        directory.resolve(name).toString(),
        null,
        "the worker bundle "
            + directory
            + " has no "
            + name
            + (why.isEmpty() ? "" : ", and " + why)
            + " (a bundle holds "
            + WASM
            + ", and "
            + APP
            + " unless "
            + WASM
            + " is a snapshot; `mvn package` builds it)");
  }

  public byte[] wasm() {
    return wasm;
  }

  /** The application archive, or empty when the VM is a snapshot that holds it. */
  public Optional<byte[]> app() {
    return Optional.ofNullable(app);
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
        + (app == null ? " bytes, no " + APP : " + " + app.length + " bytes")
        + "]";
  }
}
