package dev.elixirworkers.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerSettingsTest {
  static ServerSettings with(int maxConcurrentRequests, Duration requestTimeout) {
    ServerSettings d = ServerSettings.defaults(Path.of("project"));
    return new ServerSettings(
        d.bindAddress(),
        d.port(),
        d.stateDirectory(),
        d.resetState(),
        d.timeLimit(),
        d.maxRounds(),
        d.maxBodyBytes(),
        d.memoryLimitBytes(),
        d.pollInterval(),
        maxConcurrentRequests,
        requestTimeout);
  }

  @Test
  void defaultsServeSixteenAtOnceWithAThirtySecondRequestTimeout() {
    ServerSettings d = ServerSettings.defaults(Path.of("project"));

    assertEquals(16, d.maxConcurrentRequests());
    assertEquals(Duration.ofSeconds(30), d.requestTimeout());
  }

  @Test
  void aPoolOfNoneOrATimeoutOfZeroNamesTheSettingAndTheValue() {
    IllegalArgumentException pool =
        assertThrows(IllegalArgumentException.class, () -> with(0, Duration.ofSeconds(1)));
    IllegalArgumentException timeout =
        assertThrows(IllegalArgumentException.class, () -> with(1, Duration.ZERO));

    assertEquals(
        "<maxConcurrentRequests> (-Delixir-workers.maxConcurrentRequests) must be at least 1, not 0",
        pool.getMessage());
    assertEquals(
        "<requestTimeoutMs> (-Delixir-workers.requestTimeoutMs) must be more than 0, not 0",
        timeout.getMessage());
  }
}
