package dev.elixirworkers.core.vm;

import dev.elixirworkers.core.util.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The WASI platform adapter (C, CMake) and the Elixir runtime library, shipped inside the {@code
 * atomvm-wasi} artifact under {@code atomvm-wasi/}, so a worker project needs only the plugin.
 */
public final class AdapterSources {
  static final String RESOURCE_ROOT = "atomvm-wasi";

  private AdapterSources() {}

  /**
   * Copies the adapter into {@code target} (replacing what was there) and returns {@code target}.
   * Files are only rewritten when their contents differ, so timestamps stay stable.
   */
  public static Path extractTo(Path target) {
    URL marker =
        AdapterSources.class.getClassLoader().getResource(RESOURCE_ROOT + "/CMakeLists.txt");
    if (marker == null) {
      throw new IllegalStateException(
          "the atomvm-wasi artifact is missing from the plugin's class path");
    }
    try {
      URI uri = marker.toURI();
      if ("jar".equals(uri.getScheme())) {
        FileSystem jar;
        try {
          jar = FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
          jar = FileSystems.getFileSystem(uri);
        }
        copyTree(jar.getPath("/" + RESOURCE_ROOT), target);
      } else {
        copyTree(Path.of(uri).getParent(), target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    return target;
  }

  private static void copyTree(Path source, Path target) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(source)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    for (Path file : files) {
      Path out = target.resolve(source.relativize(file).toString());
      byte[] bytes = Files.readAllBytes(file);
      if (Files.isRegularFile(out) && java.util.Arrays.equals(Files.readAllBytes(out), bytes)) {
        continue;
      }
      Files.createDirectories(out.getParent());
      Files.copy(file, out, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Digest of the C and CMake parts and the list of NIFs left out, the ones that affect {@code
   * atomvm.wasm}.
   */
  public static String vmDigest(Path extracted) {
    var digest = Digests.sha256();
    for (String part : new String[] {"CMakeLists.txt", "cmake", "src", "removed-nifs.txt"}) {
      Path path = extracted.resolve(part);
      Digests.updateWithString(digest, part);
      if (Files.isDirectory(path)) {
        Digests.updateWithTree(digest, path);
      } else if (Files.isRegularFile(path)) {
        Digests.updateWithString(digest, Digests.sha256(path));
      }
    }
    return Digests.hex(digest);
  }
}
