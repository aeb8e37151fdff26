package dev.elixirworkers.core;

/**
 * A build step failed for a reason the user can act on. The message names the setting, the bad
 * value and the fix; Mojos turn it into a {@code MojoFailureException}.
 */
public class BuildException extends RuntimeException {
  public BuildException(String message) {
    super(message);
  }

  public BuildException(String message, Throwable cause) {
    super(message, cause);
  }
}
