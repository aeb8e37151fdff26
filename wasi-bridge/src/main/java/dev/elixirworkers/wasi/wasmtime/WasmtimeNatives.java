package dev.elixirworkers.wasi.wasmtime;

import io.github.kawamuray.wasmtime.NativeLibraryLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Properties;

/**
 * Loads wasmtime-java's JNI library from a stable per-version cache directory instead of letting
 * wasmtime-java copy it (18 MB) into {@code java.io.tmpdir} on every JVM start and never delete it.
 *
 * <p>How: wasmtime-java's {@code NativeLibraryLoader.load()} first tries {@code
 * System.loadLibrary("wasmtime_jni")}, then copies the library for this platform out of its jar
 * into a new temp file and {@code System.load}s that; a private static {@code loaded} flag makes it
 * do this once. Every wasmtime class calls it from its static initializer. So before any wasmtime
 * class is touched, {@link #load()} extracts the same resource once into {@code
 * <cache>/wasmtime-jni/<version>/} (reused while its size matches the jar entry), {@code
 * System.load}s it (from a class in the same class loader, so JNI binds wasmtime's natives to it)
 * and sets that flag, so wasmtime-java's own copy never happens.
 *
 * <p>The directory is {@code CacheDirectory.root()/wasmtime-jni/<version>}, or the system property
 * {@value #DIR_PROPERTY}.
 */
public final class WasmtimeNatives {
  public static final String DIR_PROPERTY = "elixirworkers.wasmtime.nativeDir";

  private static final String META = "/wasmtime-java-meta.properties";
  private static volatile Path loadedFrom;
  private static boolean done;

  private WasmtimeNatives() {}

  /** The outcome of {@link #extract}: the library file and whether this call wrote it. */
  public record Extracted(Path file, boolean written) {}

  /**
   * Makes sure wasmtime's JNI library is loaded, from the cache directory. Idempotent and
   * thread-safe; call before using any wasmtime class.
   *
   * @return the library file loaded, or empty when wasmtime-java had already loaded its own
   */
  public static synchronized java.util.Optional<Path> load() {
    if (!done) {
      String dir = System.getProperty(DIR_PROPERTY);
      try {
        Path target =
            dir != null && !dir.isBlank()
                ? Path.of(dir)
                : CacheDirectory.resolveCreated("wasmtime-jni/" + version());
        loadFrom(target);
      } catch (IOException e) {
        throw new UncheckedIOException("Could not extract wasmtime's native library: " + e, e);
      }
    }
    return java.util.Optional.ofNullable(loadedFrom);
  }

  private static void loadFrom(Path dir) throws IOException {
    if (wasmtimeLoadedFlag()) {
      done = true; // wasmtime-java was used before us and loaded its own copy
      return;
    }
    if (NativeLibraryLoader.class.getClassLoader() != WasmtimeNatives.class.getClassLoader()) {
      // System.load binds a library to the caller's class loader; from here it would not serve
      // wasmtime's classes, so let wasmtime-java load its own copy.
      NativeLibraryLoader.load();
      done = true;
      return;
    }
    Extracted extracted = extract(dir);
    try {
      System.load(extracted.file().toAbsolutePath().toString());
    } catch (UnsatisfiedLinkError e) {
      // e.g. already loaded by another class loader in this JVM (a JVM lets one class loader
      // have a given file): wasmtime-java's own fresh temp copy is the way out
      NativeLibraryLoader.load();
      done = true;
      return;
    }
    setWasmtimeLoadedFlag();
    loadedFrom = extracted.file();
    done = true;
  }

  /**
   * Extracts this platform's library into {@code dir} unless a file of the same size is already
   * there. Concurrent JVMs are safe: each writes a temp file and renames it into place.
   */
  public static Extracted extract(Path dir) throws IOException {
    String resource = resourceName();
    URL url = NativeLibraryLoader.class.getResource("/" + resource);
    if (url == null) {
      throw new IOException(
          "wasmtime-java has no native library for this platform ("
              + resource
              + " is not in its jar)");
    }
    URLConnection connection = url.openConnection();
    long expected = connection.getContentLengthLong();
    Files.createDirectories(dir);
    Path file = dir.resolve(resource);
    if (Files.isRegularFile(file) && expected >= 0 && Files.size(file) == expected) {
      return new Extracted(file, false); // already present
    }
    Path temp = Files.createTempFile(dir, resource, ".part");
    try {
      try (InputStream in = connection.getInputStream()) {
        Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        // e.g. Windows, where a loaded library cannot be replaced: keep the one in place
        if (!(Files.isRegularFile(file) && Files.size(file) == Files.size(temp))) {
          throw e;
        }
      }
    } finally {
      Files.deleteIfExists(temp);
    }
    return new Extracted(file, true);
  }

  /** wasmtime-java's JNI library version, e.g. {@code 0.19.0}. */
  public static String version() throws IOException {
    Properties props = new Properties();
    try (InputStream in = NativeLibraryLoader.class.getResourceAsStream(META)) {
      if (in == null) {
        throw new IOException("wasmtime-java's " + META + " is missing from the class path");
      }
      props.load(in);
    }
    String version = props.getProperty("jnilib.version");
    if (version == null || version.isBlank()) {
      throw new IOException("wasmtime-java's " + META + " has no jnilib.version");
    }
    return version;
  }

  /**
   * The jar resource wasmtime-java would load here, e.g. {@code
   * libwasmtime_jni_0.19.0_linux_x86_64.so}.
   */
  public static String resourceName() throws IOException {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String archName = arch.equals("aarch64") ? "aarch64" : "x86_64";
    String prefix = "lib";
    String osName;
    String ext;
    if (os.contains("linux")) {
      osName = "linux";
      ext = ".so";
    } else if (os.contains("mac os") || os.contains("darwin")) {
      osName = "macos";
      ext = ".dylib";
    } else if (os.contains("windows")) {
      osName = "windows";
      prefix = "";
      ext = ".dll";
    } else {
      throw new IOException("wasmtime-java supports no native library for " + os + "/" + arch);
    }
    return prefix + "wasmtime_jni_" + version() + "_" + osName + "_" + archName + ext;
  }

  private static boolean wasmtimeLoadedFlag() {
    try {
      return loadedField().getBoolean(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  private static void setWasmtimeLoadedFlag() {
    try {
      loadedField().setBoolean(null, true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // A wasmtime-java without that flag: it will load a second copy of its own. Harmless but
      // wasteful; nothing else to do.
    }
  }

  private static Field loadedField() throws NoSuchFieldException {
    Field field = NativeLibraryLoader.class.getDeclaredField("loaded");
    field.setAccessible(true);
    return field;
  }
}
