package dev.elixirworkers.core.bundle;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Zips a worker directory deterministically: every file under it (local state and secrets left
 * out), entries sorted by path with {@code /} separators, fixed timestamps, so the same worker zips
 * to the same bytes.
 */
public final class BundleArchive {
  /** 1980-01-01T00:00:00Z, the earliest time a zip entry can hold. */
  static final FileTime FIXED_TIME = FileTime.fromMillis(315532800000L);

  /** Not part of a deployable worker: wrangler's local state and local secrets. */
  static final Set<String> LEFT_OUT = Set.of(".wrangler", ".dev.vars", ".env");

  private BundleArchive() {}

  /** The files that go into the zip, as sorted relative paths with {@code /} separators. */
  public static List<String> entries(Path directory) throws IOException {
    try (Stream<Path> walk = Files.walk(directory)) {
      return walk.filter(Files::isRegularFile)
          .map(directory::relativize)
          .filter(p -> !LEFT_OUT.contains(p.getName(0).toString()))
          .map(p -> p.toString().replace('\\', '/'))
          .sorted()
          .toList();
    }
  }

  public static void zip(Path directory, Path target) throws IOException {
    Files.createDirectories(target.toAbsolutePath().getParent());
    try (OutputStream out = Files.newOutputStream(target);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (String name : entries(directory)) {
        ZipEntry entry = new ZipEntry(name);
        entry.setLastModifiedTime(FIXED_TIME);
        zip.putNextEntry(entry);
        Files.copy(directory.resolve(name), zip);
        zip.closeEntry();
      }
    }
  }
}
