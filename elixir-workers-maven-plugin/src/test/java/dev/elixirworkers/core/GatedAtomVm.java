package dev.elixirworkers.core;

import dev.elixirworkers.wasi.testing.Skip;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the end-to-end tests share: the AtomVM source they need ({@code -Datomvm.source} or {@code
 * ATOMVM_SOURCE}; without one they skip and print why) and fresh copies of the projects they build.
 */
public final class GatedAtomVm {
  /** The example worker's sources, relative to the plugin module. */
  public static final Path EXAMPLE_SOURCES = Path.of("..", "examples", "hello-worker", "src");

  private GatedAtomVm() {}

  /** The AtomVM source tree given to the build, if any. */
  public static Optional<Path> source() {
    for (String value :
        new String[] {System.getProperty("atomvm.source"), System.getenv("ATOMVM_SOURCE")}) {
      if (value != null && !value.isBlank() && !value.startsWith("${")) {
        return Optional.of(Path.of(value));
      }
    }
    return Optional.empty();
  }

  /**
   * The AtomVM source tree, or skips the calling test class saying so on stdout.
   *
   * @param test the test's name in the message
   * @param purpose what the source is needed for, e.g. "to build the example worker"
   */
  public static Path sourceOrSkip(String test, String purpose) {
    Optional<Path> source = source();
    if (source.isEmpty()) {
      Skip.because(
          test,
          "no AtomVM source: set -Datomvm.source=<AtomVM checkout> (or ATOMVM_SOURCE) " + purpose);
    }
    return source.get();
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
