package dev.elixirworkers.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LocalServerHostTest {
  @Test
  void aHostGivenByNameIsAllowedInTheHostHeaderAndALiteralAddsNothing() throws Exception {
    assertEquals(
        Set.of("dev.test"),
        LocalServer.configuredHostName(
            InetAddress.getByAddress("dev.test", new byte[] {127, 0, 0, 1})));
    assertEquals(Set.of(), LocalServer.configuredHostName(InetAddress.getByName("127.0.0.1")));
    assertEquals(Set.of(), LocalServer.configuredHostName(InetAddress.getByName("::1")));
  }
}
