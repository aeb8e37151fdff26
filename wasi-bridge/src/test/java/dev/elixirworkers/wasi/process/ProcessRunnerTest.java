package dev.elixirworkers.wasi.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessRunnerTest {
  static final Duration TIMEOUT = Duration.ofSeconds(1);

  /** Prints "line 0" to "line <n-1>" (more than a pipe holds when n is large). */
  static String printLines(int n) {
    return "i=0; while [ $i -lt " + n + " ]; do echo \"line $i\"; i=$((i+1)); done; ";
  }

  static ProcessRunner.Result sh(String script, Duration timeout) throws Exception {
    return ProcessRunner.run(List.of("sh", "-c", script), timeout);
  }

  @Test
  void aProcessThatNeverExitsIsStoppedAtTheTimeout() throws Exception {
    long start = System.nanoTime();
    ProcessRunner.Result result = sh("echo started; sleep 600", TIMEOUT);
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertTrue(result.timedOut(), "exit code " + result.exitCode());
    // under 4 s: the shell's child `sleep` was killed too, or it would hold the output open
    assertTrue(millis >= 950 && millis < 4_000, "took " + millis + " ms");
    assertEquals(List.of("started"), result.lines());
    assertEquals(
        "`sh -c 'echo started; sleep 600'` did not finish within 1 s and was stopped:\nstarted",
        result.failure(10));
  }

  @Test
  void aProcessThatPrintsMoreThanThePipeHoldsWithoutExitingIsStoppedAtTheTimeout()
      throws Exception {
    long start = System.nanoTime();
    ProcessRunner.Result result =
        sh(printLines(20_000) + "while :; do echo tick; sleep 0.05; done", TIMEOUT);
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertTrue(result.timedOut(), "exit code " + result.exitCode());
    assertTrue(millis < 10_000, "took " + millis + " ms");
    assertEquals("line 19999", result.lines().get(19_999), "all it printed before the timeout");
    assertTrue(result.failure(2).contains("did not finish within 1 s and was stopped:\ntick\n"));
  }

  @Test
  void theOutputOfAProcessThatExitsIsCompleteAndInOrder() throws Exception {
    List<String> streamed = Collections.synchronizedList(new ArrayList<>());
    ProcessRunner.Result result =
        ProcessRunner.run(
            List.of("sh", "-c", printLines(50_000) + "echo \"$GREETING\" >&2; exit 3"),
            Map.of("GREETING", "to stderr"),
            null,
            Duration.ofMinutes(2),
            streamed::add);

    assertEquals(3, result.exitCode());
    assertFalse(result.timedOut());
    assertEquals(50_001, result.lines().size());
    for (int i = 0; i < 50_000; i++) {
      assertEquals("line " + i, result.lines().get(i));
    }
    assertEquals("to stderr", result.lines().get(50_000), "stderr is merged into the output");
    assertEquals(result.lines(), streamed, "the listener got every line, in order");
    assertEquals(List.of("line 49999", "to stderr"), result.tail(2));
    assertTrue(
        result.failure(1).endsWith("` failed with exit code 3:\nto stderr"), result.failure(1));
  }

  @Test
  void stdinIsClosedSoAToolReadingItEndsAtOnce() throws Exception {
    ProcessRunner.Result result = ProcessRunner.run(List.of("cat"), Duration.ofSeconds(30));

    assertEquals(0, result.exitCode());
    assertEquals(List.of(), result.lines());
  }

  @Test
  void aCommandThatCannotStartIsAnIOException() {
    IOException e =
        assertThrows(
            IOException.class,
            () -> ProcessRunner.run(List.of("/no/such/tool-7c1e"), Duration.ofSeconds(5)));

    assertTrue(e.getMessage().contains("/no/such/tool-7c1e"), e.getMessage());
  }

  @Test
  void theCommandLineQuotesArgumentsThatAShellWouldSplit() {
    assertEquals(
        "clang -O2 'a b.c' ''", ProcessRunner.commandLine(List.of("clang", "-O2", "a b.c", "")));
  }
}
