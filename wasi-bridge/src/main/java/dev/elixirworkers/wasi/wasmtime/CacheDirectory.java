package dev.elixirworkers.wasi.wasmtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The per-user cache for things worth keeping across JVMs: the extracted wasmtime JNI library and
 * wasmtime's compiled-module cache.
 *
 * <p>The first of: system property {@value #PROPERTY}, environment variable {@value #ENV}, {@code
 * $XDG_CACHE_HOME/elixir-workers}, {@code %LOCALAPPDATA%\elixir-workers} (Windows), {@code
 * ~/.cache/elixir-workers}. When it cannot be created, {@code java.io.tmpdir/elixir-workers-<user>}
 * is used instead (still stable across runs).
 */
public final class CacheDirectory {
  public static final String PROPERTY = "elixirworkers.cacheDir";
  public static final String ENV = "ELIXIR_WORKERS_CACHE";

  private CacheDirectory() {}

  /** The cache root (not created). */
  public static Path root() {
    String configured = System.getProperty(PROPERTY);
    if (configured == null || configured.isBlank()) {
      configured = System.getenv(ENV);
    }
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "elixir-workers");
    }
    String localAppData = System.getenv("LOCALAPPDATA");
    if (System.getProperty("os.name", "").toLowerCase().contains("windows")
        && localAppData != null) {
      return Path.of(localAppData, "elixir-workers");
    }
    return Path.of(System.getProperty("user.home"), ".cache", "elixir-workers");
  }

  /** {@code root()/relative}, created; falls back under the temp directory when that fails. */
  public static Path resolveCreated(String relative) throws IOException {
    Path preferred = root().resolve(relative);
    try {
      return Files.createDirectories(preferred);
    } catch (IOException e) {
      Path fallback =
          Path.of(
                  System.getProperty("java.io.tmpdir"),
                  "elixir-workers-" + System.getProperty("user.name", "user"))
              .resolve(relative);
      try {
        return Files.createDirectories(fallback);
      } catch (IOException again) {
        e.addSuppressed(again);
        throw e;
      }
    }
  }
}
