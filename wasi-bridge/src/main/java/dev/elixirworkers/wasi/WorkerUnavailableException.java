package dev.elixirworkers.wasi;

/**
 * There is no worker to run right now, e.g. because the last rebuild failed. The {@link DevServer}
 * shows the message as an error page (it should say what is wrong, with {@code file:line}, and how
 * to fix it) and keeps serving; once a supplier returns a runtime again, requests reach it.
 */
public class WorkerUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String title;
  private final String details;

  /**
   * @param title one line, e.g. "the worker does not compile"
   * @param details the diagnostics, one per line
   */
  public WorkerUnavailableException(String title, String details) {
    super(details == null || details.isBlank() ? title : title + "\n\n" + details);
    this.title = title;
    this.details = details == null ? "" : details;
  }

  public String title() {
    return title;
  }

  public String details() {
    return details;
  }
}
