package dev.elixirworkers.core.beam;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.elixirworkers.wasi.process.ProcessRunner;
import dev.elixirworkers.wasi.testing.Skip;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Compiles the test sources with the real erlc and elixirc, so the tests see real BEAMs. */
public final class Fixtures {
  private Fixtures() {}

  public static Path resource(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Compiles every .erl (erlc) and .ex (elixirc) file of {@code sources} into {@code out}. */
  public static Path compile(Path sources, Path out) throws IOException, InterruptedException {
    Files.createDirectories(out);
    List<String> erl = new ArrayList<>();
    List<String> ex = new ArrayList<>();
    try (Stream<Path> files = Files.list(sources)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(".erl")) {
          erl.add(file.toString());
        } else if (name.endsWith(".ex")) {
          ex.add(file.toString());
        }
      }
    }
    if (!erl.isEmpty()) {
      List<String> command = new ArrayList<>(List.of(tool("erlc"), "-o", out.toString()));
      command.addAll(erl);
      run(command);
    }
    if (!ex.isEmpty()) {
      List<String> command =
          new ArrayList<>(
              List.of(tool("elixirc"), "--ignore-module-conflict", "-o", out.toString()));
      command.addAll(ex);
      run(command);
    }
    return out;
  }

  private static String tool(String name) {
    return Skip.unlessOnPath(
            "the BEAM packer tests", name, "they compile real BEAM files and need Erlang/Elixir")
        .toString();
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    ProcessRunner.Result result = ProcessRunner.run(command, Duration.ofMinutes(5));
    assertEquals(0, result.exitCode(), result.failure(Integer.MAX_VALUE));
  }

  /** Runs an Erlang expression (ending with halt()) and returns its output. */
  public static String erl(String expression) throws IOException, InterruptedException {
    ProcessRunner.Result result =
        ProcessRunner.run(
            List.of(tool("erl"), "-noshell", "-eval", expression), Duration.ofMinutes(2));
    assertEquals(0, result.exitCode(), result.failure(Integer.MAX_VALUE));
    return String.join("\n", result.lines());
  }
}
