package dev.elixirworkers.archetype;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.atomvm.AtomVmAvailability;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.wasi.testing.Skip;
import dev.elixirworkers.wasi.wasmtime.CacheDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The project archetype:integration-test generated from the default properties
 * (src/test/resources/projects/default, built there only through {@code compile}, which needs no
 * AtomVM), now built through {@code mvn verify}: Elixir compile, VM, app.avm, target/worker and its
 * own WorkerIT (home page, KV form round trip, D1 items) on the real AtomVM. Runs when the build
 * gets {@code -Datomvm.source=<AtomVM checkout>} or the pinned AtomVM is cached or can be
 * downloaded; otherwise it is skipped and says what was tried. Needs the plugin and
 * elixir-workers-junit of this version installed ({@code ./mvnw install} does that first).
 */
class GeneratedProjectIT {
  static final Path BASEDIR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();

  /**
   * The AtomVM checkout given with {@code -Datomvm.source} (or {@code ATOMVM_SOURCE}); else the
   * pinned release from the cache, or downloaded into it now, as the plugin's own end-to-end tests
   * get it; or a skip of {@code test} saying what was tried. Passed on to the generated project as
   * {@code -Datomvm.source}, so its build takes the same tree.
   */
  static synchronized String atomvmSourceOrSkip(String test, String toDo) {
    if (atomvm == null) {
      atomvm =
          AtomVmAvailability.find(
              AtomVmAvailability.configured(),
              AtomVmRelease.DEFAULT,
              CacheDirectory.root(),
              Duration.ofSeconds(5),
              PRINTED);
    }
    if (atomvm.source().isEmpty()) {
      Skip.because(test, "needed to " + toDo + "; " + atomvm.whyNot());
    }
    return atomvm.source().get().toString();
  }

  /** Found once per JVM: the download is tried at most once. */
  private static AtomVmAvailability atomvm;

  private static final BuildLog PRINTED =
      new BuildLog() {
        @Override
        public void info(String message) {
          System.out.println("GeneratedProjectIT: " + message);
        }

        @Override
        public void warn(String message) {
          System.out.println("GeneratedProjectIT: " + message);
        }

        @Override
        public void debug(String message) {}
      };

  /** The project archetype:integration-test generated from projects/default. */
  static Path generatedProject() {
    Path project = BASEDIR.resolve("target/test-classes/projects/default/project/my-worker");
    assertTrue(
        Files.isRegularFile(project.resolve("pom.xml")),
        "archetype:integration-test should have generated " + project);
    return project;
  }

  @Test
  void defaultProjectPassesItsOwnTestsThroughVerify() throws Exception {
    String atomvm =
        atomvmSourceOrSkip(
            "GeneratedProjectIT", "build the generated project through `mvn verify`");
    Path project = generatedProject();
    Path mvnw = BASEDIR.getParent().resolve("mvnw");
    List<String> command = new ArrayList<>(List.of(mvnw.toString(), "-B", "verify"));
    command.add("-Datomvm.source=" + atomvm);
    Path log = BASEDIR.resolve("target/generated-project-verify.log");
    long started = System.nanoTime();
    Process process =
        new ProcessBuilder(command)
            .directory(project.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean finished = process.waitFor(20, TimeUnit.MINUTES);
    if (!finished) {
      process.destroyForcibly();
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    String output = read(log);
    assertTrue(finished, "`mvn verify` of the generated project did not finish in 20 minutes");
    assertEquals(
        0,
        process.exitValue(),
        "`mvn verify` of the generated project failed; see " + log + "\n" + tail(output));
    assertTrue(
        output.contains("Tests run: 6, Failures: 0, Errors: 0, Skipped: 0")
            && output.contains("in com.example.WorkerIT"),
        "the generated WorkerIT did not run its 6 tests; see " + log + "\n" + tail(output));
    System.out.println(
        "GeneratedProjectIT: generated project verified in " + ms + " ms (" + log + ")");
  }

  static String read(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file) : "";
  }

  static String tail(String text) {
    String[] lines = text.split("\n");
    return String.join(
        "\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 60), lines.length));
  }
}
