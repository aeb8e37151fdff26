package dev.elixirworkers.wasi.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Skips a test that needs something this machine lacks (a tool on the PATH, an AtomVM checkout) and
 * says why twice: on stdout as {@code SKIPPED <test>: <reason>}, which the build log shows, and as
 * JUnit's assumption message, which the test reports show. Called from a {@code @BeforeAll}, it
 * skips the whole class. Shared by the modules' tests through wasi-bridge's test-jar.
 */
public final class Skip {
  private Skip() {}

  /**
   * Skips the running test. Never returns; its type lets a caller write {@code return
   * Skip.because(...)} where a value is expected.
   *
   * @param test the test or class named in the printed line
   * @param reason what is missing and how to provide it
   */
  public static <T> T because(String test, String reason) {
    System.out.println("SKIPPED " + test + ": " + reason);
    return Assumptions.abort(reason);
  }

  /**
   * The executable {@code tool} found on the PATH, or skips the running test saying it is not there
   * and what needs it.
   *
   * @param neededFor e.g. "these tests compile real BEAM files"
   */
  public static Path unlessOnPath(String test, String tool, String neededFor) {
    return onPath(tool).orElseGet(() -> because(test, tool + " is not on the PATH: " + neededFor));
  }

  /** The executable {@code tool} in the first directory of the PATH that has it. */
  public static Optional<Path> onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isBlank() && Files.isExecutable(Path.of(dir, tool))) {
        return Optional.of(Path.of(dir, tool));
      }
    }
    return Optional.empty();
  }
}
