package dev.elixirworkers.core.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.RecordingLog;
import dev.elixirworkers.core.atomvm.AtomVmSource;
import dev.elixirworkers.core.util.CacheEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmBuilderTest {
  @TempDir Path temp;

  private final AtomVmSource source =
      new AtomVmSource(Path.of("atomvm"), "release:v1:abc", "AtomVM v1");
  private final VmCompiler toolchain =
      new VmCompiler(Path.of("clang"), Path.of("sysroot"), Optional.empty(), "clang 19.1.7");

  @Test
  void digestIsStableForTheSameInputs() {
    assertEquals(
        VmBuilder.digest(source, "adapter1", toolchain, "cmake 3.25"),
        VmBuilder.digest(source, "adapter1", toolchain, "cmake 3.25"));
  }

  @Test
  void digestChangesWithEveryInputThatAffectsTheVm() {
    String base = VmBuilder.digest(source, "adapter1", toolchain, "cmake 3.25");

    assertNotEquals(
        base,
        VmBuilder.digest(
            new AtomVmSource(Path.of("atomvm"), "release:v2:def", "AtomVM v2"),
            "adapter1",
            toolchain,
            "cmake 3.25"));
    assertNotEquals(base, VmBuilder.digest(source, "adapter2", toolchain, "cmake 3.25"));
    assertNotEquals(
        base,
        VmBuilder.digest(
            source,
            "adapter1",
            new VmCompiler(Path.of("clang"), Path.of("sysroot"), Optional.empty(), "clang 18"),
            "cmake 3.25"));
    assertNotEquals(
        base,
        VmBuilder.digest(
            source,
            "adapter1",
            new VmCompiler(
                Path.of("clang"),
                Path.of("sysroot"),
                Optional.of(Path.of("wasm-opt")),
                "clang 19.1.7"),
            "cmake 3.25"));
    assertNotEquals(base, VmBuilder.digest(source, "adapter1", toolchain, "cmake 3.28"));
  }

  @Test
  void digestIgnoresWhereTheSourceAndToolsLive() {
    assertEquals(
        VmBuilder.digest(source, "adapter1", toolchain, "cmake 3.25"),
        VmBuilder.digest(
            new AtomVmSource(Path.of("elsewhere"), "release:v1:abc", "AtomVM v1"),
            "adapter1",
            new VmCompiler(Path.of("/opt/clang"), Path.of("/s"), Optional.empty(), "clang 19.1.7"),
            "cmake 3.25"));
  }

  @Test
  void adapterDigestFollowsCSourcesButNotTheElixirLibrary() throws IOException {
    Path adapter = temp.resolve("adapter");
    Files.createDirectories(adapter.resolve("src"));
    Files.createDirectories(adapter.resolve("lib"));
    Files.writeString(adapter.resolve("CMakeLists.txt"), "project(x)");
    Files.writeString(adapter.resolve("src/main.c"), "int main(){}");
    Files.writeString(adapter.resolve("lib/app.ex"), "defmodule A do end");
    String before = AdapterSources.vmDigest(adapter);

    Files.writeString(adapter.resolve("lib/app.ex"), "defmodule B do end");
    assertEquals(before, AdapterSources.vmDigest(adapter));

    Files.writeString(adapter.resolve("src/main.c"), "int main(){return 1;}");
    assertNotEquals(before, AdapterSources.vmDigest(adapter));
  }

  @Test
  void adapterDigestFollowsTheListOfRemovedNifs() throws IOException {
    Path adapter = temp.resolve("adapter");
    Files.createDirectories(adapter.resolve("src"));
    Files.writeString(adapter.resolve("CMakeLists.txt"), "project(x)");
    String without = AdapterSources.vmDigest(adapter);

    Files.writeString(adapter.resolve("removed-nifs.txt"), "code:load_abs/1\n");
    String with = AdapterSources.vmDigest(adapter);
    assertNotEquals(without, with);

    Files.writeString(adapter.resolve("removed-nifs.txt"), "erlang:setnode/2\n");
    assertNotEquals(with, AdapterSources.vmDigest(adapter));
  }

  @Test
  void cachedVmIsReusedWithoutRunningTheBuild() throws IOException {
    Path adapter = AdapterSources.extractTo(temp.resolve("adapter"));
    RecordingLog log = new RecordingLog();
    VmBuilder builder = new VmBuilder(temp.resolve("cache"), temp.resolve("work"), log);
    String cmakeVersion =
        new String(new ProcessBuilder("cmake", "--version").start().getInputStream().readAllBytes())
            .lines()
            .findFirst()
            .orElseThrow()
            .trim();
    Path cached =
        builder.cachedWasm(
            VmBuilder.digest(source, AdapterSources.vmDigest(adapter), toolchain, cmakeVersion));
    new CacheEntry(cached.getParent(), "atomvm.wasm", log)
        .obtain(
            staging -> Files.write(staging.resolve("atomvm.wasm"), new byte[] {0, 'a', 's', 'm'}));

    Path result = builder.build(source, adapter, toolchain);

    assertEquals(cached.toRealPath(), result);
    assertTrue(log.contains("skipping the VM build"), log.lines.toString());
    assertTrue(Files.notExists(temp.resolve("work/vm-build")), "CMake must not have run");
  }

  @Test
  void aHalfWrittenVmInTheCacheIsBuiltAgainNotReused() throws IOException {
    Path adapter = AdapterSources.extractTo(temp.resolve("adapter"));
    RecordingLog log = new RecordingLog();
    VmBuilder builder = new VmBuilder(temp.resolve("cache"), temp.resolve("work"), log);
    Path cached =
        builder.cachedWasm(
            VmBuilder.digest(source, AdapterSources.vmDigest(adapter), toolchain, cmakeVersion()));
    Files.createDirectories(cached.getParent());
    Files.write(cached, new byte[] {0, 'a'}); // a build killed while writing it, or an older plugin

    // The AtomVM source does not exist, so the new build fails: the point is that it was started.
    assertThrows(RuntimeException.class, () -> builder.build(source, adapter, toolchain));

    assertTrue(log.contains("is damaged"), log.lines.toString());
    assertTrue(log.contains("[vm 1/3] configuring with CMake"), log.lines.toString());
  }

  private static String cmakeVersion() throws IOException {
    return new String(
            new ProcessBuilder("cmake", "--version").start().getInputStream().readAllBytes())
        .lines()
        .findFirst()
        .orElseThrow()
        .trim();
  }

  @Test
  void aNewBuildDoesNotInheritTheCacheVariablesOfAnEarlierOne() throws IOException {
    Path adapter = AdapterSources.extractTo(temp.resolve("adapter"));
    Path stale = temp.resolve("work/vm-build/CMakeCache.txt");
    Files.createDirectories(stale.getParent());
    Files.writeString(stale, "ATOMVM_WASI_STACK_SIZE:STRING=1048576\n");
    VmBuilder builder =
        new VmBuilder(temp.resolve("cache"), temp.resolve("work"), new RecordingLog());

    // The AtomVM source does not exist, so configuring fails; it must not have read the old cache.
    assertThrows(RuntimeException.class, () -> builder.build(source, adapter, toolchain));

    assertTrue(
        Files.notExists(stale) || !Files.readString(stale).contains("1048576"),
        "the earlier build's cache is gone");
  }

  @Test
  void adapterShippedInThePluginHasTheCMakeBuildAndTheRuntimeLibrary() {
    Path adapter = AdapterSources.extractTo(temp.resolve("adapter"));

    assertTrue(Files.isRegularFile(adapter.resolve("CMakeLists.txt")));
    assertTrue(Files.isRegularFile(adapter.resolve("cmake/wasi-toolchain.cmake")));
    assertTrue(Files.isDirectory(adapter.resolve("src")));
    assertTrue(Files.isDirectory(adapter.resolve("lib")));
  }
}
