package dev.elixirworkers.wasi.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class SkipTest {
  @Test
  void becausePrintsTheReasonAndAbortsWithItAsTheAssumptionMessage() {
    PrintStream stdout = System.out;
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    TestAbortedException e;
    try {
      System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
      e =
          assertThrows(
              TestAbortedException.class,
              () -> Skip.because("SomeTest", "no widget on the PATH: install widget"));
    } finally {
      System.setOut(stdout);
    }

    assertEquals("no widget on the PATH: install widget", e.getMessage());
    assertEquals(
        "SKIPPED SomeTest: no widget on the PATH: install widget\n",
        printed.toString(StandardCharsets.UTF_8));
  }

  @Test
  void unlessOnPathIsTheExecutableWhenThePathHasIt() {
    assertTrue(Files.isExecutable(Skip.unlessOnPath("SkipTest", "sh", "a POSIX shell")));
  }

  @Test
  void unlessOnPathSkipsNamingTheMissingToolAndWhatNeedsIt() {
    TestAbortedException e =
        assertThrows(
            TestAbortedException.class,
            () -> Skip.unlessOnPath("SkipTest", "no-such-tool-1f3a", "the widget tests"));

    assertEquals("no-such-tool-1f3a is not on the PATH: the widget tests", e.getMessage());
  }
}
