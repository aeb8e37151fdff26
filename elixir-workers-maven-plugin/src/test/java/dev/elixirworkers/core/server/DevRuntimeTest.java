package dev.elixirworkers.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import org.junit.jupiter.api.Test;

class DevRuntimeTest {
  @Test
  void theSettingNamesARuntimeInAnyCase() {
    assertEquals(DevRuntime.JVM, DevRuntime.parse("jvm", "<runtime>"));
    assertEquals(DevRuntime.WORKERD, DevRuntime.parse("workerd", "<runtime>"));
    assertEquals(DevRuntime.WORKERD, DevRuntime.parse(" Workerd ", "<runtime>"));
  }

  @Test
  void blankIsTheJvm() {
    assertEquals(DevRuntime.JVM, DevRuntime.parse("", "<runtime>"));
    assertEquals(DevRuntime.JVM, DevRuntime.parse(null, "<runtime>"));
  }

  @Test
  void anUnknownRuntimeNamesTheSettingTheValueAndTheChoices() {
    BuildException e =
        assertThrows(BuildException.class, () -> DevRuntime.parse("node", "<runtime>"));

    assertTrue(e.getMessage().startsWith("<runtime> is 'node' — use jvm"), e.getMessage());
    assertTrue(e.getMessage().contains("or workerd"), e.getMessage());
  }
}
