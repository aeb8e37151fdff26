package dev.elixirworkers.core;

import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.core.atomvm.AtomVmSourceResolver;
import dev.elixirworkers.wasi.testing.Skip;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the end-to-end tests share: the AtomVM source they need and fresh copies of the projects
 * they build. The source is {@code -Datomvm.source} or {@code ATOMVM_SOURCE} when set; otherwise
 * the pinned release ({@link AtomVmRelease#DEFAULT}) from the cache, or downloaded into it now
 * (SHA-256 checked, as a build does). Without any of them the tests skip and print what was tried.
 */
public final class GatedAtomVm {
  /** The example worker's sources, relative to the plugin module. */
  public static final Path EXAMPLE_SOURCES = Path.of("..", "examples", "hello-worker", "src");

  /** A probe, not a build: an unreachable host should not hold up every gated test class. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Where the AtomVM source came from, or why there is none.
   *
   * @param source the tree, when there is one
   * @param whyNot what was tried, when there is none
   */
  record Availability(Optional<Path> source, String whyNot) {}

  /** Found once per JVM: the download is tried at most once. */
  private static Availability availability;

  private GatedAtomVm() {}

  /** The AtomVM source tree, if one was given, is cached or could be downloaded. */
  public static Optional<Path> source() {
    return availability().source();
  }

  private static synchronized Availability availability() {
    if (availability == null) {
      availability =
          find(configured(), AtomVmRelease.DEFAULT, CacheDirectory.root(), CONNECT_TIMEOUT);
    }
    return availability;
  }

  /** {@code -Datomvm.source} or {@code ATOMVM_SOURCE}, when set. */
  private static Optional<Path> configured() {
    for (String value :
        new String[] {System.getProperty("atomvm.source"), System.getenv("ATOMVM_SOURCE")}) {
      if (value != null && !value.isBlank() && !value.startsWith("${")) {
        return Optional.of(Path.of(value));
      }
    }
    return Optional.empty();
  }

  /**
   * The configured tree; else {@code release} as a build would get it: from {@code cacheRoot}, or
   * downloaded and checked. What the resolver logs is printed, so a test run shows a download.
   */
  static Availability find(
      Optional<Path> configured, AtomVmRelease release, Path cacheRoot, Duration connectTimeout) {
    if (configured.isPresent()) {
      return new Availability(configured, "");
    }
    BuildLog printed =
        new BuildLog() {
          @Override
          public void info(String message) {
            System.out.println("GatedAtomVm: " + message);
          }

          @Override
          public void warn(String message) {
            System.out.println("GatedAtomVm: " + message);
          }

          @Override
          public void debug(String message) {}
        };
    try {
      return new Availability(
          Optional.of(
              new AtomVmSourceResolver(cacheRoot, printed, connectTimeout)
                  .resolve(Optional.empty(), release, false)
                  .directory()),
          "");
    } catch (BuildException | UncheckedIOException e) {
      return new Availability(
          Optional.empty(),
          "no AtomVM source: -Datomvm.source (or ATOMVM_SOURCE) is not set, and AtomVM "
              + release.version()
              + " is not in the cache "
              + cacheRoot
              + " and could not be had: "
              + e.getMessage());
    }
  }

  /**
   * The AtomVM source tree, or skips the calling test class saying what was tried.
   *
   * @param test the test's name in the message
   * @param purpose what the source is needed for, e.g. "to build the example worker"
   */
  public static Path sourceOrSkip(String test, String purpose) {
    Availability found = availability();
    if (found.source().isEmpty()) {
      Skip.because(test, "needed " + purpose + "; " + found.whyNot());
    }
    return found.source().get();
  }

  /** A new temporary project directory whose {@code src} is a copy of {@code sources}. */
  public static Path projectWith(Path sources, String prefix) throws IOException {
    Path project = Files.createTempDirectory(prefix);
    copyTree(sources, project.resolve("src"));
    return project;
  }

  public static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        Files.createDirectories(target.getParent());
        Files.copy(file, target);
      }
    }
  }
}
