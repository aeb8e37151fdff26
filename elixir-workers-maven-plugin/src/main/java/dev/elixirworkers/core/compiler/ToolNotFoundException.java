package dev.elixirworkers.core.compiler;

import java.util.List;

/** erlc, erl or elixir is not installed, or not on the PATH the build runs with. */
public class ToolNotFoundException extends CompileException {
  private final String tool;
  private final List<String> searched;

  public ToolNotFoundException(String tool, List<String> searched) {
    super(
        tool
            + " was not found on the PATH (searched: "
            + (searched.isEmpty() ? "nothing — PATH is empty" : String.join(", ", searched))
            + "). Compiling Elixir for AtomVM needs Erlang/OTP and Elixir installed: on"
            + " Debian/Ubuntu `sudo apt-get install erlang elixir`; on macOS `brew install"
            + " elixir`; elsewhere asdf (`asdf install erlang`, `asdf install elixir`) or the"
            + " installers listed at https://elixir-lang.org/install.html. Then run Maven with"
            + " erlc, erl and elixir on its PATH.");
    this.tool = tool;
    this.searched = List.copyOf(searched);
  }

  public String tool() {
    return tool;
  }

  public List<String> searched() {
    return searched;
  }
}
