package dev.elixirworkers.core;

import dev.elixirworkers.core.atomvm.AtomVmAvailability;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.wasi.testing.Skip;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.IOException;
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

  /** Found once per JVM: the download is tried at most once. */
  private static AtomVmAvailability availability;

  private GatedAtomVm() {}

  /** The AtomVM source tree, if one was given, is cached or could be downloaded. */
  public static Optional<Path> source() {
    return availability().source();
  }

  private static synchronized AtomVmAvailability availability() {
    if (availability == null) {
      Optional<Path> configured = AtomVmAvailability.configured();
      availability =
          find(configured, AtomVmRelease.DEFAULT, CacheDirectory.root(), CONNECT_TIMEOUT);
      if (configured.isEmpty() && availability.source().isPresent()) {
        markPinnedAvailable(availability.source().get());
      }
    }
    return availability;
  }

  /**
   * Where the invoker ITs (src/it, run after these tests) look to select themselves without {@code
   * -Datomvm.source}: their builds then take the same pinned release from the cache.
   */
  static final Path PINNED_MARKER = Path.of("target", "atomvm-available");

  private static void markPinnedAvailable(Path source) {
    try {
      if (Files.isDirectory(PINNED_MARKER.getParent())) {
        Files.writeString(PINNED_MARKER, source + "\n");
      }
    } catch (IOException e) {
      System.out.println("GatedAtomVm: could not write " + PINNED_MARKER + ": " + e);
    }
  }

  /**
   * The configured tree; else {@code release} as a build would get it: from {@code cacheRoot}, or
   * downloaded and checked. What the resolver logs is printed, so a test run shows a download.
   */
  static AtomVmAvailability find(
      Optional<Path> configured, AtomVmRelease release, Path cacheRoot, Duration connectTimeout) {
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
    return AtomVmAvailability.find(configured, release, cacheRoot, connectTimeout, printed);
  }

  /**
   * The AtomVM source tree, or skips the calling test class saying what was tried.
   *
   * @param test the test's name in the message
   * @param purpose what the source is needed for, e.g. "to build the example worker"
   */
  public static Path sourceOrSkip(String test, String purpose) {
    AtomVmAvailability found = availability();
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

  /**
   * A new temporary project made of an end-to-end worker's resources ({@code
   * src/test/resources/e2e/<name>}): a copy of its {@code src} and its {@code wrangler.jsonc}.
   */
  public static Path projectFromResources(String name) throws IOException {
    Path resources = Path.of("src/test/resources/e2e", name);
    Path project = projectWith(resources.resolve("src"), name);
    Files.copy(resources.resolve("wrangler.jsonc"), project.resolve("wrangler.jsonc"));
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
