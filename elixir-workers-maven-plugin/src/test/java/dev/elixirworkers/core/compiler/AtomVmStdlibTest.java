package dev.elixirworkers.core.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.GatedAtomVm;
import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.atomvm.AtomVmSource;
import dev.elixirworkers.core.avm.AvmArchive;
import dev.elixirworkers.core.avm.AvmPacker;
import dev.elixirworkers.core.avm.PackRequest;
import dev.elixirworkers.core.avm.PackResult;
import dev.elixirworkers.wasi.testing.Skip;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomVmStdlibTest {
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
          "AtomVmStdlibTest",
          "erlc/elixir not on the PATH, standard library tests need them: " + e.getMessage());
    }
  }

  /**
   * A miniature AtomVM tree. It is stored with {@code _src}/{@code _lib} in place of AtomVM's
   * {@code src}/{@code lib} directories so no committed path looks like upstream AtomVM; the copy
   * restores the real layout.
   */
  private static Path fakeTree() throws URISyntaxException, IOException {
    Path stored = Path.of(AtomVmStdlibTest.class.getResource("/compile/fake-atomvm").toURI());
    Path tree = Files.createTempDirectory("fake-atomvm");
    try (Stream<Path> walk = Files.walk(stored)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        String relative =
            stored
                .relativize(file)
                .toString()
                .replace("/_src/", "/src/")
                .replace("/_lib/", "/lib/");
        Path target = tree.resolve(relative);
        Files.createDirectories(target.getParent());
        Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return tree;
  }

  @Test
  void compilesTheModulesCMakeListsAndLeavesOutTheExcludedOnes() throws Exception {
    Path out = work.resolve("stdlib");
    StdlibResult result = new AtomVmStdlib(toolchain, BuildLog.silent()).compile(fakeTree(), out);

    assertEquals(List.of("Elixir.Tuple", "alpha", "beta"), result.modules());
    assertEquals(List.of("Elixir.GPIO", "gen_tcp"), result.excludedModules());
    assertEquals("9.9.9-test", result.atomvmVersion());
    assertFalse(Files.exists(out.resolve("unlisted.beam")), "not in estdlib's CMake list");
    assertFalse(
        Files.exists(out.resolveSibling("stdlib.compile-state")), "scratch files cleaned up");
  }

  @Test
  void theSecondBuildComesFromTheCache() throws Exception {
    AtomVmSource source = new AtomVmSource(fakeTree(), "fake-1", "a fake AtomVM tree");
    Path cache = work.resolve("cache");
    RecordingLog log = new RecordingLog();
    AtomVmStdlib stdlib = new AtomVmStdlib(toolchain, log);

    StdlibResult first = stdlib.build(source, cache);
    StdlibResult second = stdlib.build(source, cache);

    assertFalse(first.cached());
    assertTrue(second.cached());
    assertEquals(first.directory(), second.directory());
    assertEquals(first.modules(), second.modules());
    assertTrue(log.contains("already compiled"), log.lines.toString());
    try (var entries = Files.list(cache.resolve("stdlib"))) {
      assertEquals(
          1,
          entries.filter(e -> !e.getFileName().toString().endsWith(".lock")).count(),
          "no staging directories left behind");
    }
  }

  @Test
  void aDifferentSourceIdentityIsADifferentCacheEntry() throws Exception {
    AtomVmStdlib stdlib = new AtomVmStdlib(toolchain, BuildLog.silent());
    String one = stdlib.digest(new AtomVmSource(fakeTree(), "a", "a"));
    String two = stdlib.digest(new AtomVmSource(fakeTree(), "b", "b"));
    assertFalse(one.equals(two));
  }

  @Test
  void aDirectoryThatIsNotAnAtomVmTreeIsRejected() {
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            dev.elixirworkers.core.BuildException.class,
            () -> new AtomVmStdlib(toolchain, BuildLog.silent()).compile(work, work.resolve("o")));
    assertTrue(e.getMessage().contains("not an AtomVM source tree"), e.getMessage());
  }

  /** Runs against a real AtomVM tree: -Datomvm.source, or the pinned release (see GatedAtomVm). */
  @Test
  void compilesTheRealStandardLibraryAndPacksAHelloModuleWithIt() throws Exception {
    Path source =
        GatedAtomVm.sourceOrSkip(
            "compilesTheRealStandardLibraryAndPacksAHelloModuleWithIt",
            "to compile the real standard library");
    RecordingLog log = new RecordingLog();
    Path stdlibDir = work.resolve("stdlib");
    StdlibResult stdlib = new AtomVmStdlib(toolchain, log).compile(source, stdlibDir);
    log.lines.forEach(System.out::println);

    assertTrue(stdlib.modules().containsAll(List.of("lists", "gen_server", "io_lib", "maps")));
    assertTrue(stdlib.modules().containsAll(List.of("Elixir.Enum", "Elixir.Kernel", "console")));
    assertFalse(stdlib.modules().contains("Elixir.GPIO"));
    assertFalse(stdlib.modules().contains("socket"));
    assertTrue(stdlib.modules().contains("init"), "compiled; the packer keeps it out");
    System.out.printf(
        "stdlib: %d modules in %d ms; excluded %s%n",
        stdlib.modules().size(), stdlib.elapsed().toMillis(), stdlib.excludedModules());

    Path app = work.resolve("app");
    Files.createDirectories(app);
    Files.writeString(
        app.resolve("hello.ex"),
        "defmodule HelloWorker do\n"
            + "  def start do\n"
            + "    IO.puts(\"Hello from \" <> Integer.to_string(Enum.count([1, 2, 3])))\n"
            + "  end\n"
            + "end\n");
    new BeamCompiler(toolchain, BuildLog.silent())
        .compile(CompileRequest.builder(work.resolve("ebin")).sourceRoot(app).build(), w -> {});

    Path avm = work.resolve("app.avm");
    PackResult packed =
        AvmPacker.pack(
            PackRequest.builder("Elixir.HelloWorker")
                .input(work.resolve("ebin"), stdlibDir)
                .output(avm)
                .build());
    packed.describe().forEach(System.out::println);

    assertEquals("Elixir.HelloWorker.beam", AvmArchive.read(avm).sections().get(0).name());
    assertTrue(packed.moduleNames().contains("Elixir.IO"));
    assertTrue(packed.moduleNames().contains("Elixir.Enum"));
    assertFalse(packed.moduleNames().contains("init"));
    assertTrue(packed.moduleNames().size() < stdlib.modules().size(), "tree-shaken");
  }
}
