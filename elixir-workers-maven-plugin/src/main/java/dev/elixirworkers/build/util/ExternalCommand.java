package dev.elixirworkers.build.util;

import dev.elixirworkers.build.BuildException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs an external tool, streaming its merged output line by line and keeping the tail so a failure
 * can quote it.
 */
public final class ExternalCommand {
  private static final int TAIL_LINES = 40;

  private final List<String> command;
  private Path directory;
  private final Map<String, String> environment = new java.util.LinkedHashMap<>();

  private ExternalCommand(List<String> command) {
    this.command = List.copyOf(command);
  }

  public static ExternalCommand of(List<String> command) {
    return new ExternalCommand(command);
  }

  public static ExternalCommand of(String... command) {
    return new ExternalCommand(List.of(command));
  }

  public ExternalCommand in(Path directory) {
    this.directory = directory;
    return this;
  }

  public ExternalCommand env(String name, String value) {
    environment.put(name, value);
    return this;
  }

  /** Runs to completion; throws {@link BuildException} quoting command, exit code and output. */
  public List<String> run(Consumer<String> onLine) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    builder.environment().putAll(environment);
    Deque<String> tail = new ArrayDeque<>();
    List<String> all = new ArrayList<>();
    int exit;
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          onLine.accept(line);
          all.add(line);
          tail.addLast(line);
          if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
          }
        }
      }
      exit = process.waitFor();
    } catch (IOException e) {
      throw new BuildException(
          "Could not run `" + String.join(" ", command) + "`: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BuildException("Interrupted while running `" + String.join(" ", command) + "`", e);
    }
    if (exit != 0) {
      throw new BuildException(
          "`"
              + String.join(" ", command)
              + "` failed with exit code "
              + exit
              + (tail.isEmpty() ? "" : ":\n" + String.join("\n", tail)));
    }
    return all;
  }
}
