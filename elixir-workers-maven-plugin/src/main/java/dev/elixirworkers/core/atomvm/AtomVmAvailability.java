package dev.elixirworkers.core.atomvm;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether an AtomVM source tree can be had without building anything: the one a user named, else
 * the pinned release from the cache, or downloaded into it now (SHA-256 checked, as a build gets
 * it). The end-to-end tests of the plugin and the archetype ask this before they run, so the
 * README's test command runs them wherever the pinned AtomVM can be obtained, and says what was
 * tried where it cannot.
 *
 * @param source the tree, when there is one
 * @param whyNot what was tried, when there is none
 */
public record AtomVmAvailability(Optional<Path> source, String whyNot) {

  /**
   * {@code configured} when present; else {@code release} from {@code cacheRoot} or its download,
   * with {@code connectTimeout} for the connection (a probe: an unreachable host should not hold up
   * every gated test).
   */
  public static AtomVmAvailability find(
      Optional<Path> configured,
      AtomVmRelease release,
      Path cacheRoot,
      Duration connectTimeout,
      BuildLog log) {
    if (configured.isPresent()) {
      return new AtomVmAvailability(configured, "");
    }
    try {
      return new AtomVmAvailability(
          Optional.of(
              new AtomVmSourceResolver(cacheRoot, log, connectTimeout)
                  .resolve(Optional.empty(), release, false)
                  .directory()),
          "");
    } catch (BuildException | UncheckedIOException e) {
      return new AtomVmAvailability(
          Optional.empty(),
          "no AtomVM source: -Datomvm.source (or ATOMVM_SOURCE) is not set, and AtomVM "
              + release.version()
              + " is not in the cache "
              + cacheRoot
              + " and could not be had: "
              + e.getMessage());
    }
  }

  /** {@code -Datomvm.source} or {@code ATOMVM_SOURCE}, when set to a path. */
  public static Optional<Path> configured() {
    for (String value :
        new String[] {System.getProperty("atomvm.source"), System.getenv("ATOMVM_SOURCE")}) {
      if (value != null && !value.isBlank() && !value.startsWith("${")) {
        return Optional.of(Path.of(value));
      }
    }
    return Optional.empty();
  }
}
