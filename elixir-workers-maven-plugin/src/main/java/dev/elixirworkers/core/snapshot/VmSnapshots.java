package dev.elixirworkers.core.snapshot;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.util.Digests;
import dev.elixirworkers.wasi.WorkerBundle;
import dev.elixirworkers.wasi.WorkerRuntime;
import dev.elixirworkers.wasi.preview1.InMemoryDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Snapshots of {@code atomvm.wasm} pre-initialised with one {@code app.avm} (see {@link
 * Snapshotter}), kept under a digest of their inputs so that an unchanged build reuses the last
 * one.
 *
 * <p>They live in the project's work directory, not in the shared cache: every change to the
 * application makes a new one, and only the latest is kept.
 */
public final class VmSnapshots {
  /** Bump when the snapshot recipe changes in a way the inputs do not show. */
  static final String RECIPE = "3"; // 2: imports its memory; 3: unreachable code emptied

  /** How long the initialisation may run. */
  static final long TIME_LIMIT_MILLIS = 60_000;

  /** The setting that turns snapshots off, for error messages. */
  public static final String OPT_OUT =
      "<snapshot>false</snapshot> (-Delixir-workers.snapshot=false)";

  private final Path directory;
  private final BuildLog log;

  /**
   * @param directory where snapshots are kept (e.g. {@code target/elixir-workers/snapshot})
   */
  public VmSnapshots(Path directory, BuildLog log) {
    this.directory = directory;
    this.log = log;
  }

  /** The inputs that decide a snapshot, hashed in this order. */
  static String digest(byte[] vm, byte[] app) {
    MessageDigest digest = Digests.sha256();
    Digests.updateWithString(digest, "recipe=" + RECIPE);
    Digests.updateWithString(digest, "args=" + String.join(" ", WorkerRuntime.ARGS));
    Digests.updateWithString(digest, "vm=" + Digests.hex(sha(vm)));
    Digests.updateWithString(digest, "app=" + Digests.hex(sha(app)));
    return Digests.hex(digest);
  }

  private static MessageDigest sha(byte[] bytes) {
    MessageDigest d = Digests.sha256();
    d.update(bytes);
    return d;
  }

  /**
   * The snapshot of {@code vmWasm} pre-initialised with {@code appAvm} as {@code /app/app.avm},
   * made now or reused.
   *
   * @throws BuildException when the VM cannot be snapshotted; the message names the opt-out
   */
  public Path snapshot(Path vmWasm, Path appAvm) {
    byte[] vm;
    byte[] app;
    try {
      vm = Files.readAllBytes(vmWasm);
      app = Files.readAllBytes(appAvm);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String digest = digest(vm, app);
    Path target = directory.resolve("atomvm-" + digest.substring(0, 16) + ".wasm");
    if (Files.isRegularFile(target)) {
      log.info(
          "Snapshot of atomvm.wasm already made for this VM and app.avm (digest "
              + digest.substring(0, 12)
              + ") — reusing "
              + target);
      return target;
    }
    long started = System.nanoTime();
    Snapshotter.Result result;
    try {
      result =
          Snapshotter.snapshot(
              vm,
              Snapshotter.ATOMVM_INIT_EXPORT,
              new Snapshotter.Environment(
                  WorkerRuntime.ARGS,
                  Map.of(WorkerRuntime.APP_DIR, InMemoryDirectory.of(WorkerBundle.APP, app)),
                  TIME_LIMIT_MILLIS));
    } catch (SnapshotException e) {
      throw new BuildException(
          "Could not pre-initialise atomvm.wasm ("
              + vmWasm
              + ") with app.avm: "
              + e.getMessage()
              + "\nSet "
              + OPT_OUT
              + " to ship the VM without a snapshot (every request then loads app.avm itself).",
          e);
    }
    try {
      Files.createDirectories(directory);
      try (DirectoryStream<Path> old = Files.newDirectoryStream(directory, "atomvm-*.wasm")) {
        for (Path stale : old) {
          Files.deleteIfExists(stale);
        }
      }
      Path staged = directory.resolve(target.getFileName() + ".partial");
      Files.write(staged, result.wasm());
      try {
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    log.info(
        String.format(
            "Pre-initialised atomvm.wasm with app.avm in %.1f s: %,d → %,d bytes (gzip %,d → %,d);"
                + " %,d KiB of memory in %,d data segments, %d global(s); %,d bytes of code that only"
                + " the initialisation used removed (%d export(s) zeroed, %,d functions emptied)",
            (System.nanoTime() - started) / 1e9,
            vm.length,
            result.wasm().length,
            gzipSize(vm),
            gzipSize(result.wasm()),
            result.memoryBytes() >> 10,
            result.segments(),
            result.mutableGlobals(),
            result.removedCodeBytes(),
            result.zeroedExports().size(),
            result.emptiedFunctions()));
    if (!result.stderr().isBlank()) {
      log.debug("pre-initialisation stderr:\n" + result.stderr());
    }
    return target;
  }

  static long gzipSize(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.size();
  }
}
