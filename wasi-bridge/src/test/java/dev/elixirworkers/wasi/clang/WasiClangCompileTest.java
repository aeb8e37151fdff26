package dev.elixirworkers.wasi.clang;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.wasi.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real toolchain of this machine; fails with the discovery message when there is none. */
class WasiClangCompileTest {
  @TempDir Path dir;

  @Test
  void compilesHelloWorldToAWasiModule() throws Exception {
    Path source =
        Files.writeString(
            dir.resolve("hello.c"),
            "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n");
    Path wasm = dir.resolve("out/hello.wasm");

    WasiClang toolchain = TestGuest.toolchain();
    toolchain.compile(List.of(source), wasm, List.of("-O2"));

    byte[] bytes = Files.readAllBytes(wasm);
    assertArrayEquals(new byte[] {0, 'a', 's', 'm'}, Arrays.copyOf(bytes, 4));
    assertTrue(toolchain.version().toLowerCase().contains("clang"), toolchain.version());
  }
}
