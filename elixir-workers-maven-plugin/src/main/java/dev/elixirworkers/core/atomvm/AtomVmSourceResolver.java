package dev.elixirworkers.core.atomvm;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.util.CacheEntry;
import dev.elixirworkers.core.util.Digests;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Finds the AtomVM source to build: a local checkout the user names, or the pinned release,
 * downloaded once, checked against its SHA-256 and unpacked into the cache.
 */
public final class AtomVmSourceResolver {
  static final String SOURCE_SETTING = "<atomvmSource> (-Datomvm.source)";

  /** How long a download may take to connect, unless the caller says otherwise. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);

  private final Path cacheRoot;
  private final BuildLog log;
  private final Duration connectTimeout;

  /**
   * @param cacheRoot where downloads and unpacked releases live, shared by every project
   */
  public AtomVmSourceResolver(Path cacheRoot, BuildLog log) {
    this(cacheRoot, log, CONNECT_TIMEOUT);
  }

  /**
   * @param connectTimeout how long a download may take to connect (a caller that only probes
   *     whether the release can be had, like the end-to-end tests' gate, gives up sooner)
   */
  public AtomVmSourceResolver(Path cacheRoot, BuildLog log, Duration connectTimeout) {
    this.cacheRoot = cacheRoot;
    this.log = log;
    this.connectTimeout = connectTimeout;
  }

  public AtomVmSource resolve(
      Optional<Path> sourceDirectory, AtomVmRelease release, boolean offline) {
    if (sourceDirectory.isPresent()) {
      return local(sourceDirectory.get(), release);
    }
    return downloaded(release, offline);
  }

  private AtomVmSource local(Path directory, AtomVmRelease release) {
    Path root = directory.toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      throw new BuildException(
          SOURCE_SETTING
              + " does not exist: "
              + root
              + " — set it to an AtomVM checkout or remove it to download "
              + release.version());
    }
    if (!Files.isRegularFile(root.resolve("src/libAtomVM/globalcontext.c"))
        || !Files.isDirectory(root.resolve("libs"))) {
      throw new BuildException(
          SOURCE_SETTING
              + " is not an AtomVM source tree: "
              + root
              + " has no src/libAtomVM/globalcontext.c or libs/ — point it at the root of a"
              + " checkout of https://github.com/atomvm/AtomVM or remove it to download "
              + release.version());
    }
    MessageDigest digest = Digests.sha256();
    for (String part :
        new String[] {"CMakeLists.txt", "version.cmake", "CMakeModules", "src/libAtomVM", "libs"}) {
      Path path = root.resolve(part);
      Digests.updateWithString(digest, part);
      if (Files.isDirectory(path)) {
        Digests.updateWithTree(digest, path);
      } else if (Files.isRegularFile(path)) {
        Digests.updateWithString(digest, Digests.sha256(path));
      }
    }
    String identity = "local:" + Digests.hex(digest);
    return new AtomVmSource(root, identity, "AtomVM source at " + root);
  }

  private AtomVmSource downloaded(AtomVmRelease release, boolean offline) {
    Path releaseDir =
        cacheRoot
            .resolve("atomvm")
            .resolve(release.version() + "-" + release.sha256().substring(0, 12));
    Path archive = releaseDir.resolve(fileName(release.url()));
    CacheEntry.Entry entry =
        new CacheEntry(releaseDir.resolve("source"), "AtomVM " + release.version() + " source", log)
            .obtain(
                staging -> {
                  if (!Files.isRegularFile(archive)
                      || !release.sha256().equals(Digests.sha256(archive))) {
                    if (offline) {
                      throw new BuildException(
                          "AtomVM "
                              + release.version()
                              + " is not in the cache ("
                              + releaseDir
                              + ") and Maven is offline — set "
                              + SOURCE_SETTING
                              + " to an AtomVM checkout, or run once online to download "
                              + release.url());
                    }
                    download(release, archive);
                  }
                  unpack(archive, staging, log);
                });
    if (!entry.made()) {
      log.info("AtomVM " + release.version() + " source already present in " + entry.directory());
    }
    return new AtomVmSource(
        entry.directory(),
        "release:" + release.version() + ":" + release.sha256(),
        "AtomVM " + release.version() + " (" + release.url() + ")");
  }

  private void download(AtomVmRelease release, Path archive) {
    log.info("Downloading AtomVM " + release.version() + " from " + release.url());
    Path partial = archive.resolveSibling(archive.getFileName() + ".part-" + UUID.randomUUID());
    try {
      Files.createDirectories(archive.getParent());
      if ("file".equals(release.url().getScheme())) {
        Files.copy(Path.of(release.url()), partial, StandardCopyOption.REPLACE_EXISTING);
      } else {
        HttpClient client =
            HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(connectTimeout)
                .build();
        HttpResponse<Path> response =
            client.send(
                HttpRequest.newBuilder(release.url()).timeout(Duration.ofMinutes(5)).build(),
                HttpResponse.BodyHandlers.ofFile(partial));
        if (response.statusCode() != 200) {
          throw new IOException("HTTP " + response.statusCode());
        }
      }
    } catch (IOException e) {
      deleteQuietly(partial);
      throw unreachable(release, describe(e), e);
    } catch (InterruptedException e) {
      deleteQuietly(partial);
      Thread.currentThread().interrupt();
      throw unreachable(release, "interrupted", e);
    }
    String actual = Digests.sha256(partial);
    if (!actual.equals(release.sha256())) {
      deleteQuietly(partial);
      throw new BuildException(
          "The AtomVM archive downloaded from "
              + release.url()
              + " has SHA-256 "
              + actual
              + " but "
              + release.sha256()
              + " is pinned — the download is corrupt or the release changed; retry, or set "
              + SOURCE_SETTING
              + " to a checkout you trust");
    }
    move(partial, archive, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * The exception and its causes, each with its message: the JDK's HTTP client reports a host that
   * does not resolve as a ConnectException without one.
   */
  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (text.length() > 0) {
        text.append(" ← ");
      }
      text.append(t.getClass().getSimpleName());
      if (t.getMessage() != null) {
        text.append(": ").append(t.getMessage());
      }
    }
    return text.toString();
  }

  private static BuildException unreachable(AtomVmRelease release, String why, Exception cause) {
    return new BuildException(
        "Could not download AtomVM "
            + release.version()
            + " from "
            + release.url()
            + " ("
            + why
            + ") — set "
            + SOURCE_SETTING
            + " to a local AtomVM checkout (git clone https://github.com/atomvm/AtomVM; git"
            + " checkout "
            + release.version()
            + ") or make the URL reachable",
        cause);
  }

  /**
   * Unpacks the archive into the empty directory {@code target}, dropping its top-level directory.
   * Symbolic and hard links are skipped (AtomVM's source has none, and a chain of them can point a
   * later entry outside {@code target}); every write is checked to land inside {@code target} once
   * the links on its way are resolved.
   */
  static void unpack(Path archive, Path target, BuildLog log) {
    List<String> skippedLinks = new ArrayList<>();
    try {
      Path root = target.toRealPath();
      try (InputStream file = new BufferedInputStream(Files.newInputStream(archive));
          TarArchiveInputStream tar =
              new TarArchiveInputStream(new GzipCompressorInputStream(file))) {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
          String name = entry.getName();
          int slash = name.indexOf('/');
          if (slash < 0 || slash == name.length() - 1) {
            continue;
          }
          Path out = root.resolve(name.substring(slash + 1)).normalize();
          if (!out.startsWith(root)) {
            throw new BuildException(
                "Refusing archive entry outside the target: " + name + " in " + archive);
          }
          if (entry.isSymbolicLink() || entry.isLink()) {
            skippedLinks.add(name + " -> " + entry.getLinkName());
          } else if (entry.isDirectory()) {
            Files.createDirectories(out);
            inside(root, out, name, archive);
          } else if (entry.isFile()) {
            Files.createDirectories(out.getParent());
            inside(root, out.getParent(), name, archive);
            Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
            if ((entry.getMode() & 0100) != 0) {
              makeExecutable(out);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new BuildException("Could not unpack " + archive + ": " + e.getMessage(), e);
    }
    if (!skippedLinks.isEmpty()) {
      log.info(
          "Skipped "
              + skippedLinks.size()
              + " symbolic or hard link(s) in "
              + archive.getFileName()
              + ", which the build does not need: "
              + String.join(", ", skippedLinks.subList(0, Math.min(5, skippedLinks.size())))
              + (skippedLinks.size() > 5 ? ", …" : ""));
    }
  }

  /** Refuses a write whose directory, its links resolved, is not under {@code root}. */
  private static void inside(Path root, Path directory, String name, Path archive)
      throws IOException {
    if (!directory.toRealPath().startsWith(root)) {
      throw new BuildException(
          "Refusing archive entry "
              + name
              + " in "
              + archive
              + ": it would be written outside "
              + root);
    }
  }

  private static void makeExecutable(Path file) throws IOException {
    try {
      Set<PosixFilePermission> permissions = EnumSet.copyOf(Files.getPosixFilePermissions(file));
      permissions.add(PosixFilePermission.OWNER_EXECUTE);
      Files.setPosixFilePermissions(file, permissions);
    } catch (UnsupportedOperationException e) {
      file.toFile().setExecutable(true);
    }
  }

  private static String fileName(URI url) {
    String path = url.getPath();
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static void move(Path from, Path to, StandardCopyOption fallback) {
    try {
      try {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(from, to, fallback);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // a stale partial download is overwritten next time
    }
  }
}
