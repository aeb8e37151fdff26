package dev.elixirworkers.core.wrangler;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WorkerDeployTest {
  @Test
  void aRealDeployWithoutATokenFailsBeforeAnyBuildWork() {
    BuildException e =
        assertThrows(
            BuildException.class,
            () -> WorkerDeploy.prepare(Optional.empty(), Optional.empty(), Map.of()));

    assertTrue(e.getMessage().contains("CLOUDFLARE_API_TOKEN is not set"), e.getMessage());
  }

  @Test
  void aDryRunNeedsNoToken() {
    WorkerDeploy.prepare(Optional.of(Path.of("target/dry-run")), Optional.empty(), Map.of());
  }
}
