package dev.elixirworkers.wasi;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.testing.ConformanceRunner;
import dev.elixirworkers.wasi.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case in conformance/ (the top of the repository) against the C test guest through this
 * host. The JavaScript host runs the same files; see conformance/README.md.
 */
class ConformanceTest {
  static final Path CASES = TestGuest.basedir().resolve("../conformance").normalize();

  @TestFactory
  Stream<DynamicTest> everyConformanceCasePasses() throws Exception {
    assertTrue(Files.isDirectory(CASES), "no conformance directory at " + CASES);
    List<Path> files;
    try (Stream<Path> list = Files.list(CASES)) {
      files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertTrue(
        files.size() >= 40, "expected the conformance cases in " + CASES + ", found " + files);
    WorkerBundle bundle = TestGuest.bundle();
    Path state = TestGuest.target().resolve("conformance-state");
    return files.stream()
        .map(
            file -> {
              String name = file.getFileName().toString().replaceFirst("\\.json$", "");
              return DynamicTest.dynamicTest(
                  name,
                  file.toUri(),
                  () -> ConformanceRunner.run(file, bundle, state.resolve(name)));
            });
  }
}
