package dev.elixirworkers.core.wrangler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.bundle.WorkerScripts;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WranglerTest {
  @TempDir Path temp;

  @Test
  void theWorkerModulePinsWrangler4860() {
    assertEquals("4.86.0", WorkerScripts.wranglerVersion());
  }

  @Test
  void withoutNodeOnThePathTheErrorSaysWhatToInstall() {
    BuildException e =
        assertThrows(
            BuildException.class,
            () ->
                Wrangler.install(
                    temp.resolve("cache"),
                    temp.resolve("work"),
                    temp.toString(),
                    new RecordingLog()));

    assertTrue(e.getMessage().startsWith("node is not on the PATH"), e.getMessage());
    assertTrue(e.getMessage().contains("Node.js 20+"), e.getMessage());
    assertTrue(e.getMessage().contains("scripts/setup.sh"), e.getMessage());
  }

  @Test
  void aRealDeployWithoutATokenNamesTheVariableAndTheDryRun() {
    BuildException e =
        assertThrows(BuildException.class, () -> Wrangler.checkCredentials(Map.of()));

    assertTrue(e.getMessage().contains("CLOUDFLARE_API_TOKEN is not set"), e.getMessage());
    assertTrue(e.getMessage().contains("-Delixir-workers.dryRun=true"), e.getMessage());
    Wrangler.checkCredentials(Map.of("CLOUDFLARE_API_TOKEN", "t")); // does not throw
  }

  @Test
  void everyRunIsOfflineSafeWithStateUnderTheBuildDirectory() {
    Map<String, String> env = Wrangler.environment(temp.resolve("wrangler"), "/usr/bin");

    assertEquals("false", env.get("WRANGLER_SEND_METRICS"));
    assertEquals("false", env.get("CLOUDFLARE_CF_FETCH_ENABLED"));
    assertEquals("true", env.get("WRANGLER_HIDE_BANNER"));
    assertTrue(env.get("XDG_CONFIG_HOME").startsWith(temp.toString()));
    assertTrue(env.get("TMPDIR").startsWith(temp.toString()));
  }
}
