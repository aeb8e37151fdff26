package dev.elixirworkers.core.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.compiler.CompileResult.Status;
import dev.elixirworkers.wasi.testing.Skip;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BeamCompilerTest {
  static ElixirInstallation toolchain;

  @TempDir Path work;

  @BeforeAll
  static void needsErlangAndElixir() {
    toolchain = ElixirInstallation.fromEnvironment();
    try {
      toolchain.erlc();
      toolchain.elixir();
    } catch (ToolNotFoundException e) {
      Skip.because(
          "BeamCompilerTest",
          "erlc/elixir not on the PATH, compiler tests need them: " + e.getMessage());
    }
  }

  private Path write(Path root, String relative, String text) throws IOException {
    Path file = root.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    return file;
  }

  private Path out() {
    return work.resolve("ebin");
  }

  private CompileResult compile(Path root, List<Diagnostic> warnings) {
    return new BeamCompiler(toolchain, BuildLog.silent())
        .compile(CompileRequest.builder(out()).sourceRoot(root).build(), warnings::add);
  }

  @Test
  void compilesErlangAndElixirSourcesIntoOneDirectory() throws Exception {
    Path src = work.resolve("src");
    write(src, "greeting.erl", "-module(greeting).\n-export([text/0]).\ntext() -> <<\"hi\">>.\n");
    write(src, "lib/hello.ex", "defmodule Hello do\n  def start, do: :greeting.text()\nend\n");

    CompileResult result = compile(src, new ArrayList<>());

    assertEquals(Status.COMPILED, result.roots().get(0).status());
    assertEquals(List.of("Elixir.Hello", "greeting"), result.modules());
    assertTrue(Files.isRegularFile(out().resolve("greeting.beam")));
    assertTrue(Files.isRegularFile(out().resolve("Elixir.Hello.beam")));
  }

  @Test
  void elixirSyntaxErrorIsReportedWithTheFileAsGivenAndItsLine() throws Exception {
    Path src = Path.of("").toAbsolutePath().relativize(work.resolve("src"));
    assertFalse(src.isAbsolute());
    Path file =
        write(src, "lib/broken.ex", "defmodule Broken do\n  def f(x) do\n    [x,\n  end\nend\n");

    CompilationFailedException e =
        assertThrows(CompilationFailedException.class, () -> compile(src, new ArrayList<>()));

    Diagnostic error = e.errors().get(0);
    assertEquals(file.toString(), error.file(), "relative, as given");
    assertEquals(4, error.line(), "the line of the end that does not close the list");
    // Elixir 1.14 calls it a SyntaxError, 1.15+ a MismatchedDelimiterError
    assertTrue(
        error.message().matches("\\((SyntaxError|MismatchedDelimiterError)\\) .*end.*"),
        error.message());
    assertTrue(
        e.getMessage().contains(file + ":4"), "Maven shows path:line: message — " + e.getMessage());
  }

  @Test
  void undefinedFunctionIsReportedWithItsFileAndLine() throws Exception {
    Path src = work.resolve("src");
    Path file =
        write(
            src,
            "lib/caller.ex",
            "defmodule Caller do\n  def f do\n    :ok\n    nope(1)\n  end\nend\n");

    CompilationFailedException e =
        assertThrows(CompilationFailedException.class, () -> compile(src, new ArrayList<>()));

    Diagnostic error = e.errors().get(0);
    assertEquals(file.toString(), error.file());
    assertEquals(4, error.line());
    assertTrue(error.message().startsWith("undefined function nope/1"), error.message());
    // Elixir 1.15+ gives the column too; 1.14 does not
    assertTrue(error.column() == 0 || error.column() == 5, "column " + error.column());
    String at = error.column() == 0 ? ":4: " : ":4:5: ";
    assertEquals(file + at + error.message(), error.toString());
    assertEquals(1, e.errors().size(), "one error, no summary line after it: " + e.errors());
  }

  @Test
  void erlangErrorIsReportedWithFileLineAndColumn() throws Exception {
    Path src = work.resolve("src");
    Path file = write(src, "bad.erl", "-module(bad).\n-export([f/0]).\nf() -> g(.\n");

    CompilationFailedException e =
        assertThrows(CompilationFailedException.class, () -> compile(src, new ArrayList<>()));

    Diagnostic error = e.errors().get(0);
    assertEquals(file.toString(), error.file());
    assertEquals(3, error.line());
    assertEquals(10, error.column());
    assertTrue(error.message().contains("syntax error"), error.message());
    assertFalse(Files.exists(out().resolve("bad.beam")));
  }

  @Test
  void warningsReachTheCallbackAndDoNotFailTheBuild() throws Exception {
    Path src = work.resolve("src");
    Path ex = write(src, "lib/w.ex", "defmodule W do\n  def f(unused), do: :ok\nend\n");
    Path erl = write(src, "w.erl", "-module(w).\n-export([f/1]).\nf(X) -> ok.\n");
    List<Diagnostic> warnings = new ArrayList<>();

    CompileResult result = compile(src, warnings);

    assertEquals(List.of("Elixir.W", "w"), result.modules());
    assertTrue(
        warnings.stream()
            .anyMatch(
                w ->
                    w.file().equals(ex.toString())
                        && w.line() == 2
                        && w.message().contains("\"unused\" is unused")),
        warnings.toString());
    assertTrue(
        warnings.stream().anyMatch(w -> w.file().equals(erl.toString()) && w.line() == 3),
        warnings.toString());
    assertEquals(warnings, result.warnings());
  }

  @Test
  void warningsAsErrorsFailsTheCompile() throws Exception {
    Path src = work.resolve("src");
    write(src, "lib/w.ex", "defmodule W do\n  def f(unused), do: :ok\nend\n");
    BeamCompiler compiler = new BeamCompiler(toolchain, BuildLog.silent());
    CompileRequest request =
        CompileRequest.builder(out()).sourceRoot(src).warningsAsErrors(true).build();

    CompilationFailedException e =
        assertThrows(CompilationFailedException.class, () -> compiler.compile(request, w -> {}));
    assertTrue(e.getMessage().contains("warnings are treated as errors"), e.getMessage());
    assertFalse(Files.exists(out().resolve("Elixir.W.beam")));
  }

  @Test
  void unchangedSourcesAreNotCompiledAgain() throws Exception {
    Path src = work.resolve("src");
    write(src, "lib/a.ex", "defmodule A do\n  def f, do: 1\nend\n");
    write(src, "b.erl", "-module(b).\n-export([f/0]).\nf() -> 1.\n");
    compile(src, new ArrayList<>());
    Path beam = out().resolve("Elixir.A.beam");
    FileTime old = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(beam, old);
    RecordingLog log = new RecordingLog();

    CompileResult again =
        new BeamCompiler(toolchain, log)
            .compile(CompileRequest.builder(out()).sourceRoot(src).build(), w -> {});

    assertTrue(again.upToDate());
    assertEquals(Status.UP_TO_DATE, again.roots().get(0).status());
    assertEquals(List.of("Elixir.A", "b"), again.modules());
    assertEquals(old, Files.getLastModifiedTime(beam), "the compiler did not run");
    assertTrue(log.contains("unchanged"), log.lines.toString());
  }

  @Test
  void changingOneFileRecompilesAndRemovesModulesThatNoLongerExist() throws Exception {
    Path src = work.resolve("src");
    write(src, "lib/a.ex", "defmodule A do\n  def f, do: 1\nend\n");
    Path old = write(src, "lib/old.ex", "defmodule Old do\n  def f, do: 1\nend\n");
    compile(src, new ArrayList<>());
    assertTrue(Files.exists(out().resolve("Elixir.Old.beam")));

    Files.delete(old);
    write(src, "lib/a.ex", "defmodule A do\n  def f, do: 2\nend\n");
    CompileResult result = compile(src, new ArrayList<>());

    assertEquals(Status.COMPILED, result.roots().get(0).status());
    assertEquals(List.of("Elixir.A"), result.modules());
    assertFalse(Files.exists(out().resolve("Elixir.Old.beam")), "stale beam removed");
  }

  @Test
  void aLaterRootSeesTheModulesOfAnEarlierOne() throws Exception {
    Path framework = work.resolve("framework");
    Path app = work.resolve("app");
    write(
        framework,
        "lib/dsl.ex",
        "defmodule Dsl do\n  defmacro hello, do: quote(do: :hello_from_macro)\nend\n");
    write(app, "lib/user.ex", "defmodule User do\n  require Dsl\n  def f, do: Dsl.hello()\nend\n");

    CompileResult result =
        new BeamCompiler(toolchain, BuildLog.silent())
            .compile(CompileRequest.builder(out()).sourceRoot(framework, app).build(), w -> {});

    assertEquals(List.of("Elixir.Dsl", "Elixir.User"), result.modules());
  }

  @Test
  void aMissingSourceRootHasNoSources() {
    CompileResult result = compile(work.resolve("nope"), new ArrayList<>());
    assertEquals(Status.NO_SOURCES, result.roots().get(0).status());
    assertTrue(result.upToDate());
  }

  @Test
  void missingCompilerNamesTheToolThePathSearchedAndHowToInstall() throws Exception {
    Path src = work.resolve("src");
    write(src, "a.erl", "-module(a).\n");
    Path emptyBin = Files.createDirectories(work.resolve("empty-bin"));
    ElixirInstallation none = ElixirInstallation.fromPath(emptyBin.toString());

    ToolNotFoundException e =
        assertThrows(
            ToolNotFoundException.class,
            () ->
                new BeamCompiler(none, BuildLog.silent())
                    .compile(CompileRequest.builder(out()).sourceRoot(src).build(), w -> {}));

    assertEquals("erlc", e.tool());
    assertTrue(e.getMessage().startsWith("erlc was not found on the PATH"), e.getMessage());
    assertTrue(e.getMessage().contains(emptyBin.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("apt-get install erlang elixir"), e.getMessage());
    assertTrue(e.getMessage().contains("asdf"), e.getMessage());
  }

  @Test
  void elixirOnlySourcesNeedElixirNotErlc() throws Exception {
    Path src = work.resolve("src");
    write(src, "lib/a.ex", "defmodule A do\nend\n");
    ToolNotFoundException e =
        assertThrows(
            ToolNotFoundException.class,
            () ->
                new BeamCompiler(ElixirInstallation.fromPath(""), BuildLog.silent())
                    .compile(CompileRequest.builder(out()).sourceRoot(src).build(), w -> {}));
    assertEquals("elixir", e.tool());
    assertTrue(e.getMessage().contains("PATH is empty"), e.getMessage());
  }
}
