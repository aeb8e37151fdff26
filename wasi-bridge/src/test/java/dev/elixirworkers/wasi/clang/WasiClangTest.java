package dev.elixirworkers.wasi.clang;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.testing.Skip;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery over fake trees: shell scripts stand in for clang, wasm-ld and wasm-opt. */
class WasiClangTest {
  @TempDir Path root;
  @TempDir Path work;

  static Path script(Path file, String body) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }

  static Path clangScript(Path file, String version) throws IOException {
    return script(file, "echo 'Fake clang version " + version + "'\necho 'Target: x86_64'");
  }

  static Path touch(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    return Files.write(file, new byte[] {1});
  }

  static Path link(Path link, String target) throws IOException {
    Files.createDirectories(link.getParent());
    return Files.createSymbolicLink(link, Path.of(target));
  }

  /** clang-N as Debian lays it out: /usr/lib/llvm-N, /usr/bin symlinks, optional parts. */
  void debianLlvm(int n, boolean lld, boolean builtins) throws IOException {
    Path llvm = root.resolve("usr/lib/llvm-" + n);
    clangScript(llvm.resolve("bin/clang"), n + ".1.0");
    link(root.resolve("usr/bin/clang-" + n), "../lib/llvm-" + n + "/bin/clang");
    if (lld) {
      script(llvm.resolve("bin/wasm-ld"), "exit 0");
      link(root.resolve("usr/bin/wasm-ld-" + n), "../lib/llvm-" + n + "/bin/wasm-ld");
    }
    if (builtins) {
      touch(llvm.resolve("lib/clang/" + n + "/lib/wasi/libclang_rt.builtins-wasm32.a"));
    }
  }

  void debianWasiLibc() throws IOException {
    touch(root.resolve("usr/include/wasm32-wasi/stdio.h"));
    touch(root.resolve("usr/lib/wasm32-wasi/libc.a"));
  }

  WasiClang discover(Map<String, String> env) throws WasiClangException {
    return WasiClang.discover(env, List.of(root), work);
  }

  WasiClang discover() throws WasiClangException {
    return discover(Map.of("PATH", ""));
  }

  @Test
  void findsDebianClangWithLldBuiltinsAndWasiLibc() throws Exception {
    debianLlvm(19, true, true);
    debianWasiLibc();

    WasiClang toolchain = discover();

    assertEquals(WasiClang.Kind.SYSTEM_CLANG, toolchain.kind());
    assertEquals(root.resolve("usr/bin/clang-19"), toolchain.clang());
    assertEquals("Fake clang version 19.1.0", toolchain.version());
    assertEquals("wasm32-wasi", toolchain.target());
    assertEquals(Optional.empty(), toolchain.wasmOpt());
    assertEquals(
        List.of("--target=wasm32-wasi", "--sysroot=" + toolchain.sysroot()),
        toolchain.baseFlags(),
        "clang finds the wasm-ld beside it by itself");
  }

  @Test
  void debianWasiLibcBecomesASysrootOfTwoSymlinksInTheWorkDirectory() throws Exception {
    debianLlvm(19, true, true);
    debianWasiLibc();

    Path sysroot = discover().sysroot();

    assertEquals(work.toAbsolutePath().resolve("wasi-sysroot"), sysroot);
    assertEquals(
        root.resolve("usr/include/wasm32-wasi"),
        Files.readSymbolicLink(sysroot.resolve("include/wasm32-wasi")));
    assertEquals(
        root.resolve("usr/lib/wasm32-wasi"),
        Files.readSymbolicLink(sysroot.resolve("lib/wasm32-wasi")));
    assertTrue(Files.isRegularFile(sysroot.resolve("include/wasm32-wasi/stdio.h")));
  }

  @Test
  void sysrootLinksAreLeftAloneWhenAlreadyRightAndRepairedWhenWrong() throws Exception {
    debianLlvm(19, true, true);
    debianWasiLibc();
    Path include = discover().sysroot().resolve("include/wasm32-wasi");
    FileTime before = Files.getLastModifiedTime(include, LinkOption.NOFOLLOW_LINKS);
    Thread.sleep(20);

    discover();

    assertEquals(before, Files.getLastModifiedTime(include, LinkOption.NOFOLLOW_LINKS));

    Files.delete(include);
    Files.createSymbolicLink(include, Path.of("/nowhere"));
    discover();
    assertEquals(root.resolve("usr/include/wasm32-wasi"), Files.readSymbolicLink(include));
  }

  @Test
  void threadsDiscoveringAtOnceAllGetTheSysroot() throws Exception {
    debianLlvm(19, true, true);
    debianWasiLibc();
    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 20; round++) {
        Path fresh = work.resolve("round-" + round);
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(8);
        List<java.util.concurrent.Future<Path>> sysroots = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
          sysroots.add(
              threads.submit(
                  () -> {
                    start.await();
                    return WasiClang.discover(Map.of("PATH", ""), List.of(root), fresh).sysroot();
                  }));
        }
        for (java.util.concurrent.Future<Path> sysroot : sysroots) {
          Path found = sysroot.get(60, java.util.concurrent.TimeUnit.SECONDS);
          assertTrue(Files.isRegularFile(found.resolve("include/wasm32-wasi/stdio.h")));
        }
        try (java.util.stream.Stream<Path> left =
            Files.list(fresh.resolve("wasi-sysroot/include"))) {
          assertEquals(List.of("wasm32-wasi"), left.map(p -> p.getFileName().toString()).toList());
        }
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void prefersTheNewestCompleteClang() throws Exception {
    debianLlvm(17, true, true);
    debianLlvm(19, true, true);
    debianLlvm(18, true, true);
    debianWasiLibc();

    assertEquals(root.resolve("usr/bin/clang-19"), discover().clang());
  }

  @Test
  void skipsAClangWithoutWasmLdForAnOlderCompleteOne() throws Exception {
    debianLlvm(19, false, true);
    debianLlvm(18, true, true);
    debianWasiLibc();

    assertEquals(root.resolve("usr/bin/clang-18"), discover().clang());
  }

  @Test
  void failureNamesWhatEachClangLacksAndWhatToInstall() throws Exception {
    debianLlvm(19, false, false);

    WasiClangException e = assertThrows(WasiClangException.class, this::discover);

    String message = e.getMessage();
    assertTrue(message.contains("clang-19: no wasm-ld or wasm-ld-19 (install lld-19)"), message);
    assertTrue(message.contains("(install libclang-rt-19-dev-wasm32)"), message);
    assertTrue(
        message.contains("apt-get install clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc"),
        message);
    assertTrue(message.contains("WASI_SDK_PATH"), message);
  }

  @Test
  void missingWasiLibcIsNamed() throws Exception {
    debianLlvm(19, true, true);

    WasiClangException e = assertThrows(WasiClangException.class, this::discover);

    assertTrue(e.getMessage().contains("(install wasi-libc)"), e.getMessage());
  }

  @Test
  void emptyMachineGetsTheInstallHint() {
    WasiClangException e = assertThrows(WasiClangException.class, this::discover);

    assertTrue(e.getMessage().startsWith("No WASI C toolchain found."), e.getMessage());
    assertTrue(e.getMessage().contains("sudo apt-get install " + WasiClang.DEBIAN_PACKAGES));
    assertTrue(e.getMessage().contains("set WASI_SDK_PATH to its directory"));
  }

  @Test
  void aSearchRootIsSearchedAsIfItWereTheFileSystemRoot() throws Exception {
    skipWhenWasiSdkPathIsSet();
    debianLlvm(19, true, true);
    debianWasiLibc();

    WasiClang toolchain = WasiClang.discover(work, Optional.of(root));

    assertTrue(toolchain.clang().startsWith(root), toolchain.toString());
  }

  @Test
  void anEmptySearchRootFindsNothingAndSaysWhatWasSearched(@TempDir Path empty) {
    skipWhenWasiSdkPathIsSet();

    WasiClangException e =
        assertThrows(WasiClangException.class, () -> WasiClang.discover(work, Optional.of(empty)));

    assertTrue(e.getMessage().startsWith("No WASI C toolchain found."), e.getMessage());
    assertTrue(e.getMessage().contains("Only " + empty + " was searched, not PATH"));
  }

  Path wasiSdk(Path dir, String version) throws IOException {
    clangScript(dir.resolve("bin/clang"), version + " (wasi-sdk)");
    script(dir.resolve("bin/wasm-ld"), "exit 0");
    touch(dir.resolve("share/wasi-sysroot/include/wasm32-wasi/stdio.h"));
    return dir;
  }

  @Test
  void wasiSdkPathWinsOverSystemClang() throws Exception {
    debianLlvm(19, true, true);
    debianWasiLibc();
    Path sdk = wasiSdk(root.resolve("somewhere/wasi-sdk"), "18.1.2");

    WasiClang toolchain = discover(Map.of("PATH", "", "WASI_SDK_PATH", sdk.toString()));

    assertEquals(WasiClang.Kind.WASI_SDK, toolchain.kind());
    assertEquals(sdk.resolve("bin/clang"), toolchain.clang());
    assertEquals(sdk.resolve("share/wasi-sysroot"), toolchain.sysroot());
    assertEquals(Optional.of(sdk.resolve("bin/wasm-ld")), toolchain.wasmLd());
    assertFalse(Files.exists(work.resolve("wasi-sysroot")), "no symlink sysroot for wasi-sdk");
  }

  @Test
  void newestWasiSdkInOptIsFoundWithoutEnvironment() throws Exception {
    wasiSdk(root.resolve("opt/wasi-sdk-9.0"), "9");
    wasiSdk(root.resolve("opt/wasi-sdk-25.0-x86_64-linux"), "19.1.5");
    wasiSdk(root.resolve("opt/wasi-sdk-20.0"), "16");

    WasiClang toolchain = discover();

    assertEquals(root.resolve("opt/wasi-sdk-25.0-x86_64-linux/bin/clang"), toolchain.clang());
  }

  @Test
  void wasiSdkPathWithoutClangIsAnErrorNamingTheVariable() {
    WasiClangException e =
        assertThrows(
            WasiClangException.class,
            () -> discover(Map.of("WASI_SDK_PATH", root.resolve("nope").toString())));

    assertTrue(
        e.getMessage().startsWith("WASI_SDK_PATH is " + root.resolve("nope")), e.getMessage());
    assertTrue(e.getMessage().contains("bin/clang is missing"), e.getMessage());
  }

  @Test
  void clangOnPathUsesAVersionedWasmLdOnPathExplicitly() throws Exception {
    Path tools = root.resolve("tools");
    clangScript(tools.resolve("bin/clang-18"), "18.1.8");
    script(root.resolve("lld/bin/wasm-ld-18"), "exit 0");
    touch(tools.resolve("lib/clang/18/lib/wasi/libclang_rt.builtins-wasm32.a"));
    debianWasiLibc();

    WasiClang toolchain =
        discover(
            Map.of(
                "PATH",
                tools.resolve("bin") + java.io.File.pathSeparator + root.resolve("lld/bin")));

    assertEquals(tools.resolve("bin/clang-18"), toolchain.clang());
    assertTrue(
        toolchain.baseFlags().contains("-fuse-ld=" + root.resolve("lld/bin/wasm-ld-18")),
        toolchain.baseFlags().toString());
  }

  @Test
  void wasmOptIsFoundWhenInstalled() throws Exception {
    debianLlvm(19, true, true);
    debianWasiLibc();
    script(root.resolve("usr/bin/wasm-opt"), "exit 0");

    assertEquals(Optional.of(root.resolve("usr/bin/wasm-opt")), discover().wasmOpt());
  }

  @Test
  void failedCompileQuotesCommandExitCodeAndOutputTail() throws Exception {
    debianLlvm(19, true, true);
    debianWasiLibc();
    // replace clang: --version works, compiling prints 60 lines and fails
    Path clang = root.resolve("usr/lib/llvm-19/bin/clang");
    script(
        clang,
        "if [ \"$1\" = --version ]; then echo 'Fake clang version 19.1.0'; exit 0; fi\n"
            + "i=1; while [ $i -le 60 ]; do echo \"error line $i\"; i=$((i+1)); done\nexit 3");
    WasiClang toolchain = discover();

    WasiClangException e =
        assertThrows(
            WasiClangException.class,
            () ->
                toolchain.compile(
                    List.of(work.resolve("a.c")), work.resolve("out/a.wasm"), List.of("-O2")));

    String message = e.getMessage();
    assertTrue(
        message.startsWith(
            "`"
                + root.resolve("usr/bin/clang-19")
                + " --target=wasm32-wasi --sysroot="
                + toolchain.sysroot()
                + " -O2 "
                + work.resolve("a.c")
                + " -o "
                + work.resolve("out/a.wasm")
                + "` failed with exit code 3:\n"),
        message);
    assertTrue(message.endsWith("error line 60"), message);
    assertTrue(message.contains("error line 21\n"), message);
    assertFalse(message.contains("error line 20\n"), "only the tail: " + message);
  }

  /** WASI_SDK_PATH wins over a search root, so these tests cannot run under it; they say so. */
  private static void skipWhenWasiSdkPathIsSet() {
    if (System.getenv("WASI_SDK_PATH") != null) {
      Skip.because(
          "WasiClangTest",
          "WASI_SDK_PATH is set and wins over the search root; unset it to run this");
    }
  }
}
