package dev.elixirworkers.maven;

import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.File;
import java.nio.file.Path;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugins.annotations.Parameter;

/** What the goals that build something share: the cache, the scratch space, offline mode. */
abstract class AbstractBuildMojo extends AbstractWorkerMojo {

  @Parameter(defaultValue = "${session}", readonly = true, required = true)
  protected MavenSession session;

  /**
   * Shared cache for downloaded AtomVM releases, built VMs and the compiled standard library.
   * Defaults to {@code $ELIXIR_WORKERS_CACHE}, {@code $XDG_CACHE_HOME/elixir-workers} or {@code
   * ~/.cache/elixir-workers}.
   */
  @Parameter(property = "elixir-workers.cache")
  private File cacheDirectory;

  /** This project's scratch space under {@code target/}. */
  @Parameter(defaultValue = "${project.build.directory}/elixir-workers", readonly = true)
  protected File workDirectory;

  protected Path cacheRoot() {
    return cacheDirectory != null
        ? cacheDirectory.toPath().toAbsolutePath()
        : CacheDirectory.root().toAbsolutePath();
  }

  protected Path work() {
    return workDirectory.toPath();
  }
}
