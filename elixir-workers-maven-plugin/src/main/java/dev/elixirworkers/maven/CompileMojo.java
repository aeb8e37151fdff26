package dev.elixirworkers.maven;

import dev.elixirworkers.core.WorkerBuild;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Compiles the runtime library and the project's {@code src/main/erlang} and {@code
 * src/main/elixir}; errors appear as {@code file:line: message}. Unchanged sources are not
 * recompiled.
 */
@Mojo(name = "compile", defaultPhase = LifecyclePhase.COMPILE, threadSafe = true)
public class CompileMojo extends AbstractProjectMojo {
  @Override
  protected String goal() {
    return "compile";
  }

  @Override
  protected void run() {
    new WorkerBuild(baseProject(), buildLog()).compile();
  }
}
