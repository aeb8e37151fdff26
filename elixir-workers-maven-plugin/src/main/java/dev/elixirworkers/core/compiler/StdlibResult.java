package dev.elixirworkers.core.compiler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The compiled AtomVM standard library.
 *
 * @param directory one flat directory of {@code .beam} files: give it to the packer after the
 *     project's and the framework's outputs
 * @param cached true when it came from the cache without compiling
 * @param atomvmVersion from the source's {@code version.cmake}
 * @param modules the modules in {@code directory}, sorted
 * @param excludedModules modules AtomVM lists that were left out, sorted
 * @param elapsed time spent (lookup or compile)
 */
public record StdlibResult(
    Path directory,
    boolean cached,
    String atomvmVersion,
    List<String> modules,
    List<String> excludedModules,
    Duration elapsed) {
  public StdlibResult {
    modules = List.copyOf(modules);
    excludedModules = List.copyOf(excludedModules);
  }
}
