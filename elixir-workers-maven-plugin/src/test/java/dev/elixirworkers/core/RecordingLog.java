package dev.elixirworkers.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Collects what the core logs, for assertions. */
public final class RecordingLog implements BuildLog {
  public final List<String> lines = Collections.synchronizedList(new ArrayList<>());

  @Override
  public void info(String message) {
    lines.add("INFO " + message);
  }

  @Override
  public void warn(String message) {
    lines.add("WARN " + message);
  }

  @Override
  public void debug(String message) {}

  public boolean contains(String fragment) {
    return lines.stream().anyMatch(line -> line.contains(fragment));
  }
}
