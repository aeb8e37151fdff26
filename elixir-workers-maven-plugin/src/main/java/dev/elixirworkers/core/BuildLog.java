package dev.elixirworkers.core;

/** Where the core reports progress; the Mojos adapt Maven's log, tests collect lines. */
public interface BuildLog {
  void info(String message);

  void warn(String message);

  void debug(String message);

  /** A log that drops everything, for callers that only want the result. */
  static BuildLog silent() {
    return new BuildLog() {
      @Override
      public void info(String message) {}

      @Override
      public void warn(String message) {}

      @Override
      public void debug(String message) {}
    };
  }
}
