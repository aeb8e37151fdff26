package dev.elixirworkers.core.vm;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import dev.elixirworkers.core.bundle.BundleArchive;
import dev.elixirworkers.core.util.CacheEntry;
import dev.elixirworkers.core.util.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The prebuilt VM: {@code atomvm.wasm} and the compiled AtomVM standard library for one AtomVM pin,
 * published as {@code dev.elixirworkers:prebuilt-vm:<version>:zip:atomvm-<tag>} by this project's
 * release build, so that a worker builds without a C toolchain, CMake or the AtomVM source.
 *
 * <p>The zip (deterministic, see {@link BundleArchive}) holds:
 *
 * <pre>
 *   prebuilt-vm.properties   format, AtomVM pin and source identity, adapter digest, compilers
 *   atomvm.wasm              the VM, as VmBuilder makes it
 *   stdlib/*.beam            estdlib, eavmlib, exavmlib as AtomVmStdlib compiles them
 *   natives.txt              AtomVM's BIFs and NIFs (module:function/arity), for the compatibility
 *                            check, which otherwise reads them from the source tree
 *   licenses/                AtomVM's LICENSE and the licence texts it names
 * </pre>
 */
public final class PrebuiltVm {
  public static final String GROUP_ID = "dev.elixirworkers";
  public static final String ARTIFACT_ID = "prebuilt-vm";
  public static final String EXTENSION = "zip";

  /** Bump when the archive's layout changes. */
  static final String FORMAT = "1";

  static final String MANIFEST = "prebuilt-vm.properties";
  static final String WASM = "atomvm.wasm";
  static final String STDLIB = "stdlib";
  static final String NATIVES = "natives.txt";
  static final String LICENSES = "licenses";

  private PrebuiltVm() {}

  /** The classifier naming the AtomVM pin, e.g. {@code atomvm-v0.7.0-alpha.0}. */
  public static String classifier(AtomVmRelease release) {
    return "atomvm-" + release.version();
  }

  /** {@code groupId:artifactId:zip:classifier:version}, Maven's usual spelling. */
  public static String coordinates(String version, AtomVmRelease release) {
    return GROUP_ID
        + ":"
        + ARTIFACT_ID
        + ":"
        + EXTENSION
        + ":"
        + classifier(release)
        + ":"
        + version;
  }

  /**
   * An unpacked prebuilt VM.
   *
   * @param directory where it was unpacked (in the cache)
   * @param manifest the entries of {@code prebuilt-vm.properties}
   */
  public record Unpacked(Path directory, Map<String, String> manifest) {
    public Path wasm() {
      return directory.resolve(WASM);
    }

    public Path stdlib() {
      return directory.resolve(STDLIB);
    }

    /** AtomVM's BIFs and NIFs, {@code module:function/arity}. */
    public Set<String> natives() {
      try (Stream<String> lines = Files.lines(directory.resolve(NATIVES))) {
        return new TreeSet<>(lines.map(String::trim).filter(l -> !l.isEmpty()).toList());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public String atomvmVersion() {
      return manifest.getOrDefault("atomvm.version", "unknown");
    }

    /** {@link AdapterSources#vmDigest} of the adapter the VM was built with. */
    public String adapterDigest() {
      return manifest.getOrDefault("adapter.digest", "");
    }
  }

  /**
   * Writes the archive from built parts.
   *
   * @param manifest extra entries (insertion order is kept; {@code format} comes first)
   * @param staging an empty scratch directory
   */
  public static void write(
      Path wasm,
      Path stdlibDirectory,
      Set<String> natives,
      Map<String, String> manifest,
      List<Path> licenses,
      Path staging,
      Path archive) {
    try {
      deleteTree(staging);
      Files.createDirectories(staging.resolve(STDLIB));
      Files.copy(wasm, staging.resolve(WASM));
      try (Stream<Path> files = Files.list(stdlibDirectory)) {
        for (Path beam : files.filter(f -> f.toString().endsWith(".beam")).sorted().toList()) {
          Files.copy(beam, staging.resolve(STDLIB).resolve(beam.getFileName().toString()));
        }
      }
      Files.writeString(staging.resolve(NATIVES), String.join("\n", new TreeSet<>(natives)) + "\n");
      for (Path license : licenses) {
        Files.createDirectories(staging.resolve(LICENSES));
        Files.copy(license, staging.resolve(LICENSES).resolve(license.getFileName().toString()));
      }
      Map<String, String> entries = new LinkedHashMap<>();
      entries.put("format", FORMAT);
      entries.putAll(manifest);
      StringBuilder text = new StringBuilder();
      entries.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
      Files.writeString(staging.resolve(MANIFEST), text);
      BundleArchive.zip(staging, archive);
    } catch (IOException e) {
      throw new BuildException("Could not write the prebuilt VM " + archive + ": " + e, e);
    }
  }

  /**
   * Unpacks the archive into {@code cacheRoot/prebuilt/<digest of the archive>/} once and returns
   * it; later calls with the same bytes check the unpacked files ({@link CacheEntry}) and read the
   * manifest.
   */
  public static Unpacked unpack(Path archive, Path cacheRoot, BuildLog log) {
    if (!Files.isRegularFile(archive)) {
      throw new BuildException("The prebuilt VM archive " + archive + " does not exist");
    }
    String digest = Digests.sha256(archive);
    CacheEntry.Entry entry =
        new CacheEntry(
                cacheRoot.resolve("prebuilt").resolve(digest.substring(0, 24)),
                "prebuilt VM " + archive.getFileName(),
                log)
            .obtain(staging -> extract(archive, staging));
    Path target = entry.directory();
    if (entry.made()) {
      log.info("Unpacked the prebuilt VM into " + target);
    }
    Unpacked unpacked = new Unpacked(target, readManifest(target.resolve(MANIFEST), archive));
    String format = unpacked.manifest().get("format");
    if (!FORMAT.equals(format)
        || !Files.isRegularFile(unpacked.wasm())
        || !Files.isDirectory(unpacked.stdlib())
        || !Files.isRegularFile(target.resolve(NATIVES))) {
      throw new BuildException(
          archive
              + " is not a prebuilt VM this plugin can use (format "
              + format
              + ", expected "
              + FORMAT
              + ", with atomvm.wasm, stdlib/ and natives.txt) — use the prebuilt-vm artifact of"
              + " the plugin's own version");
    }
    return unpacked;
  }

  private static void extract(Path archive, Path staging) throws IOException {
    try (InputStream in = Files.newInputStream(archive);
        ZipInputStream zip = new ZipInputStream(in)) {
      ZipEntry entry;
      while ((entry = zip.getNextEntry()) != null) {
        Path out = staging.resolve(entry.getName()).normalize();
        if (!out.startsWith(staging)) {
          throw new BuildException(
              "Refusing entry " + entry.getName() + " outside the target in " + archive);
        }
        if (entry.isDirectory()) {
          Files.createDirectories(out);
        } else {
          Files.createDirectories(out.getParent());
          Files.copy(zip, out, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new BuildException("Could not unpack the prebuilt VM " + archive + ": " + e, e);
    }
  }

  private static Map<String, String> readManifest(Path file, Path archive) {
    if (!Files.isRegularFile(file)) {
      throw new BuildException(archive + " has no " + MANIFEST + ": it is not a prebuilt VM");
    }
    Map<String, String> entries = new TreeMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        int eq = line.indexOf('=');
        if (eq > 0 && !line.startsWith("#")) {
          entries.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return entries;
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(paths::add);
    }
    for (Path p : paths) {
      Files.delete(p);
    }
  }
}
