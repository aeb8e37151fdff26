package dev.elixirworkers.core.util;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.BuildLog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * One directory of the shared cache ({@code ~/.cache/elixir-workers}), made once by whichever build
 * gets there first and then only read — by every build on the machine, in any number of JVMs and
 * threads ({@code mvn -T}).
 *
 * <ul>
 *   <li>Check, make and publish happen under a lock: a {@link FileLock} on {@code <entry>.lock}
 *       beside the entry for other processes, and an in-process lock for this JVM's threads (a
 *       {@code FileLock} belongs to the whole process). A build that finds the lock taken waits,
 *       says so, and then finds the entry made.
 *   <li>Each attempt makes the entry in a staging directory of its own, {@code
 *       <entry>.staging-<random>}, removed whatever happens (or by the next attempt, when the build
 *       was killed); publishing is one rename.
 *   <li>The entry holds {@value #MARKER}: the SHA-256 of everything else in it, written last. Every
 *       use checks it; an entry without it or whose contents do not match (a build killed while
 *       writing, a disk that filled up, a hand edit) is made again, and the log says why.
 *   <li>A published entry that checks out is never deleted or overwritten.
 * </ul>
 */
public final class CacheEntry {
  /** The file in the entry that records the digest of its contents. */
  public static final String MARKER = ".elixir-workers-entry";

  private static final String MARKER_PREFIX = "sha256 ";

  /** A FileLock is held by the process, so threads of one JVM also queue here. */
  private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS =
      new ConcurrentHashMap<>();

  /** Writes the entry's contents into an empty directory. */
  @FunctionalInterface
  public interface Contents {
    void writeInto(Path staging) throws IOException;
  }

  /**
   * The entry, ready to read.
   *
   * @param directory the published entry
   * @param made true when this call made it, false when it was already there and intact
   */
  public record Entry(Path directory, boolean made) {}

  private final Path directory;
  private final String description;
  private final BuildLog log;

  /**
   * @param directory where the entry is published, e.g. {@code <cache>/vm/<digest>}
   * @param description what it holds, for the log ("AtomVM v0.7.0-alpha.0 source")
   */
  public CacheEntry(Path directory, String description, BuildLog log) {
    this.directory = directory.toAbsolutePath().normalize();
    this.description = description;
    this.log = log;
  }

  public Path directory() {
    return directory;
  }

  /**
   * The entry, made with {@code contents} unless it is already published and intact.
   *
   * @throws BuildException when it cannot be made; what {@code contents} throws passes through
   */
  public Entry obtain(Contents contents) {
    Path parent;
    try {
      parent = Files.createDirectories(directory.getParent()).toRealPath();
    } catch (IOException e) {
      throw new BuildException(
          "Could not create the cache directory "
              + directory.getParent()
              + " for "
              + description
              + ": "
              + e
              + " — make it writable or point -Delixir-workers.cache at another directory",
          e);
    }
    Path published = parent.resolve(directory.getFileName());
    Path lockFile = parent.resolve(directory.getFileName() + ".lock");
    ReentrantLock threads = IN_PROCESS.computeIfAbsent(lockFile, k -> new ReentrantLock());
    if (!threads.tryLock()) {
      log.info("Waiting for another build in this JVM that is making the cached " + description);
      threads.lock();
    }
    try (FileChannel channel =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lockAgainstOtherProcesses(channel, lockFile)) {
      Optional<String> damage = check(published);
      if (damage.isEmpty()) {
        return new Entry(published, false);
      }
      if (Files.exists(published, LinkOption.NOFOLLOW_LINKS)) {
        log.info(
            "The cached "
                + description
                + " is damaged ("
                + damage.get()
                + ") — making it again: "
                + published);
      }
      removeLeftovers(parent, directory.getFileName().toString());
      Path staging = parent.resolve(directory.getFileName() + ".staging-" + UUID.randomUUID());
      try {
        Files.createDirectory(staging);
        contents.writeInto(staging);
        Files.writeString(staging.resolve(MARKER), MARKER_PREFIX + digest(staging) + "\n");
        publish(staging, published);
      } finally {
        deleteTree(staging);
      }
      return new Entry(published, true);
    } catch (IOException e) {
      throw new BuildException(
          "Could not make the cached " + description + " in " + published + ": " + e, e);
    } finally {
      threads.unlock();
    }
  }

  /**
   * Deletes the staging and damaged directories of earlier attempts at this entry: only the holder
   * of the lock makes any, so those left are of builds that were killed.
   */
  private static void removeLeftovers(Path parent, String name) throws IOException {
    try (Stream<Path> siblings = Files.list(parent)) {
      for (Path leftover :
          siblings
              .filter(
                  p -> {
                    String n = p.getFileName().toString();
                    return n.startsWith(name + ".staging-") || n.startsWith(name + ".damaged-");
                  })
              .toList()) {
        deleteTree(leftover);
      }
    }
  }

  private FileLock lockAgainstOtherProcesses(FileChannel channel, Path lockFile)
      throws IOException {
    FileLock lock = channel.tryLock();
    if (lock != null) {
      return lock;
    }
    log.info(
        "Waiting for another build that is making the cached "
            + description
            + " (it holds "
            + lockFile
            + ")");
    return channel.lock();
  }

  /** Why {@code entry} cannot be used as it is; empty when it is published and intact. */
  static Optional<String> check(Path entry) throws IOException {
    if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.of(
          Files.exists(entry, LinkOption.NOFOLLOW_LINKS) ? "not a directory" : "absent");
    }
    Path marker = entry.resolve(MARKER);
    if (!Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.of("it has no " + MARKER + ": left half-made, or made by an older plugin");
    }
    String recorded = Files.readString(marker, StandardCharsets.UTF_8).strip();
    if (!recorded.startsWith(MARKER_PREFIX)) {
      return Optional.of("its " + MARKER + " holds no digest");
    }
    String actual = digest(entry);
    if (!recorded.substring(MARKER_PREFIX.length()).equals(actual)) {
      return Optional.of("its contents do not match the digest in its " + MARKER);
    }
    return Optional.empty();
  }

  /**
   * The SHA-256 of the tree's relative paths, file contents and symbolic link targets (links are
   * not followed), the marker left out.
   */
  static String digest(Path root) throws IOException {
    MessageDigest digest = Digests.sha256();
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.filter(p -> !p.equals(root)).sorted().toList();
    }
    byte[] buffer = new byte[1 << 16];
    for (Path path : paths) {
      String relative = root.relativize(path).toString().replace('\\', '/');
      if (relative.equals(MARKER)) {
        continue;
      }
      if (Files.isSymbolicLink(path)) {
        Digests.updateWithString(digest, "link " + relative);
        Digests.updateWithString(digest, Files.readSymbolicLink(path).toString());
      } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
        Digests.updateWithString(digest, "file " + relative);
        Digests.updateWithString(digest, Long.toString(Files.size(path)));
        try (var in = Files.newInputStream(path)) {
          int n;
          while ((n = in.read(buffer)) > 0) {
            digest.update(buffer, 0, n);
          }
        }
      } else {
        Digests.updateWithString(digest, "dir " + relative);
      }
    }
    return Digests.hex(digest);
  }

  /**
   * Renames {@code staging} to {@code target}; a damaged {@code target} (the caller checked) is
   * first renamed out of the way, so the entry's name never points at a half-removed tree.
   */
  private static void publish(Path staging, Path target) throws IOException {
    Path damaged = null;
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      damaged = target.resolveSibling(target.getFileName() + ".damaged-" + UUID.randomUUID());
      move(target, damaged);
    }
    move(staging, target);
    if (damaged != null) {
      deleteTree(damaged);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  /** Deletes a tree without following symbolic links out of it; absent is fine. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path path : paths) {
      Files.deleteIfExists(path);
    }
  }
}
