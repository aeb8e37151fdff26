package dev.elixirworkers.build.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Lays out the deployable worker directory ({@code target/worker}): the VM and the app archive, the
 * names every host looks for.
 */
public final class WorkerAssembler {
  public static final String WASM = "atomvm.wasm";
  public static final String AVM = "app.avm";

  private WorkerAssembler() {}

  public static SizeReport assemble(Path vmWasm, Path appAvm, Path workerDirectory) {
    try {
      Files.createDirectories(workerDirectory);
      copyIfChanged(vmWasm, workerDirectory.resolve(WASM));
      copyIfChanged(appAvm, workerDirectory.resolve(AVM));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return SizeReport.of(workerDirectory, List.of(WASM, AVM));
  }

  private static void copyIfChanged(Path from, Path to) throws IOException {
    if (from.toAbsolutePath().equals(to.toAbsolutePath())) {
      return;
    }
    if (Files.isRegularFile(to) && Files.mismatch(from, to) == -1) {
      return;
    }
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
  }
}
