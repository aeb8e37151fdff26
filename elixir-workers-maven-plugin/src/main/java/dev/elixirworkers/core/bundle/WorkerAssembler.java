package dev.elixirworkers.core.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Lays out the deployable worker directory ({@code target/worker}): the VM, the app archive unless
 * the VM is a snapshot that holds the application (the names every host looks for), the Worker's
 * JavaScript and a {@code wrangler.jsonc}, ready for {@code wrangler deploy}.
 */
public final class WorkerAssembler {
  public static final String WASM = "atomvm.wasm";
  public static final String AVM = "app.avm";
  public static final String MAIN = "worker.js";

  /** The modules of plugin versions that shipped the JavaScript unbundled: deleted if present. */
  static final List<String> RETIRED_MODULES =
      List.of("host.js", "wasi.js", "frames.js", "bindings.js");

  private WorkerAssembler() {}

  /** The VM and the archive only (the JVM host's needs). */
  public static SizeReport assemble(Path vmWasm, Path appAvm, Path workerDirectory) {
    return assemble(vmWasm, Optional.of(appAvm), workerDirectory);
  }

  /**
   * The VM and, if given, the archive (the JVM host's needs). Without an archive (the VM is a
   * snapshot that holds it) an {@value #AVM} left by an earlier build is deleted.
   */
  public static SizeReport assemble(Path vmWasm, Optional<Path> appAvm, Path workerDirectory) {
    try {
      Files.createDirectories(workerDirectory);
      copyIfChanged(vmWasm, workerDirectory.resolve(WASM));
      if (appAvm.isPresent()) {
        copyIfChanged(appAvm.get(), workerDirectory.resolve(AVM));
      } else {
        Files.deleteIfExists(workerDirectory.resolve(AVM));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return SizeReport.of(workerDirectory, shipped(appAvm.isPresent()));
  }

  public static SizeReport assemble(
      Path vmWasm, Path appAvm, Path workerDirectory, WranglerConfig config) {
    return assemble(vmWasm, Optional.of(appAvm), workerDirectory, config);
  }

  /**
   * The whole Cloudflare Worker: the VM, the archive if given, the JavaScript modules and {@code
   * config} rendered as {@value WranglerConfig#FILE}. Without an archive the entry {@value #MAIN}
   * does not import it (see {@link WorkerScripts#modules(boolean)}). Files are only rewritten when
   * their contents change; the modules of earlier, unbundled versions are deleted. The size table
   * lists what is uploaded: the VM, the archive and the JavaScript.
   */
  public static SizeReport assemble(
      Path vmWasm, Optional<Path> appAvm, Path workerDirectory, WranglerConfig config) {
    assemble(vmWasm, appAvm, workerDirectory);
    Map<String, byte[]> scripts = WorkerScripts.modules(appAvm.isPresent());
    try {
      for (Map.Entry<String, byte[]> script : scripts.entrySet()) {
        writeIfChanged(workerDirectory.resolve(script.getKey()), script.getValue());
      }
      for (String retired : RETIRED_MODULES) {
        Files.deleteIfExists(workerDirectory.resolve(retired));
      }
      writeIfChanged(
          workerDirectory.resolve(WranglerConfig.FILE),
          config.render().getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> names = new ArrayList<>(shipped(appAvm.isPresent()));
    names.addAll(scripts.keySet());
    return SizeReport.of(workerDirectory, names);
  }

  private static List<String> shipped(boolean withApp) {
    return withApp ? List.of(WASM, AVM) : List.of(WASM);
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

  private static void writeIfChanged(Path to, byte[] bytes) throws IOException {
    if (Files.isRegularFile(to) && java.util.Arrays.equals(Files.readAllBytes(to), bytes)) {
      return;
    }
    Files.write(to, bytes);
  }
}
