package dev.elixirworkers.core.beam;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

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
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Path.of(dir, name).toString();
      }
    }
    String reason =
        name + " is not on the PATH: these tests compile real BEAM files and need Erlang/Elixir";
    System.out.println("SKIPPED: " + reason);
    Assumptions.abort(reason);
    return name;
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
    }
    assertEquals(0, process.exitValue(), String.join(" ", command) + "\n" + output);
  }

  /** Runs an Erlang expression (ending with halt()) and returns its output. */
  public static String erl(String expression) throws IOException, InterruptedException {
    String erl = tool("erl");
    Process process =
        new ProcessBuilder(erl, "-noshell", "-eval", expression).redirectErrorStream(true).start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor(2, TimeUnit.MINUTES);
    assertEquals(0, process.exitValue(), output);
    return output;
  }
}
