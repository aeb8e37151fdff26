package dev.elixirworkers.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExternalCommandTest {
  @Test
  void aToolThatNeverExitsIsABuildErrorAtTheTimeoutQuotingWhatItPrinted() {
    BuildException e =
        assertThrows(
            BuildException.class,
            () ->
                ExternalCommand.of("sh", "-c", "echo compiling; sleep 600")
                    .timeout(Duration.ofSeconds(1))
                    .run(line -> {}));

    assertEquals(
        "`sh -c 'echo compiling; sleep 600'` did not finish within 1 s and was stopped:\ncompiling",
        e.getMessage());
  }

  @Test
  void aFailingToolIsABuildErrorWithItsExitCodeAndTheTailOfItsOutput() {
    BuildException e =
        assertThrows(
            BuildException.class,
            () ->
                ExternalCommand.of(
                        "sh",
                        "-c",
                        "i=1; while [ $i -le 40 ]; do echo l$i; i=$((i+1)); done; exit 2")
                    .run(line -> {}));

    assertTrue(e.getMessage().contains("` failed with exit code 2:\nl11\n"), e.getMessage());
    assertTrue(e.getMessage().endsWith("\nl40"), e.getMessage());
    assertFalse(e.getMessage().contains("l10\n"), "only the last 30 lines: " + e.getMessage());
  }

  @Test
  void aToolThatCannotStartIsABuildErrorNamingIt() {
    BuildException e =
        assertThrows(BuildException.class, () -> ExternalCommand.of("/no/such/tool-7c1e").result());

    assertTrue(e.getMessage().startsWith("Could not start `/no/such/tool-7c1e`: "), e.getMessage());
  }

  @Test
  void runReturnsEveryLineAndStreamsThemFromTheGivenDirectoryAndEnvironment(@TempDir Path dir) {
    List<String> streamed = new ArrayList<>();
    List<String> lines =
        ExternalCommand.of("sh", "-c", "pwd; echo \"$A $B\"")
            .in(dir)
            .env("A", "one")
            .env(Map.of("B", "two"))
            .run(streamed::add);

    assertEquals(List.of(dir.toString(), "one two"), lines);
    assertEquals(lines, streamed);
  }

  @Test
  void resultLeavesANonZeroExitToTheCaller() {
    assertEquals(5, ExternalCommand.of("sh", "-c", "exit 5").result().exitCode());
  }
}
