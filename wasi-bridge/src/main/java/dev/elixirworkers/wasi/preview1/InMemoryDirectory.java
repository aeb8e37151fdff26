package dev.elixirworkers.wasi.preview1;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A read-only directory tree of named byte arrays, given to a guest as a preopened directory (e.g.
 * {@code /app} holding {@code app.avm}). Immutable once built; the byte arrays are not copied, so
 * callers must not change them afterwards. One tree can back many guests at once.
 */
public final class InMemoryDirectory {
  private static final AtomicLong INODES = new AtomicLong(1);

  /** A file or a directory. */
  public abstract static sealed class Node permits File, InMemoryDirectory.Dir {
    private final long inode = INODES.getAndIncrement();

    public long inode() {
      return inode;
    }
  }

  /** A regular file. */
  public static final class File extends Node {
    private final byte[] content;

    File(byte[] content) {
      this.content = content;
    }

    public byte[] content() {
      return content;
    }
  }

  /** A directory: names in byte order of their UTF-8 form (what {@code fd_readdir} lists). */
  public static final class Dir extends Node {
    private final Map<String, Node> entries;

    Dir(Map<String, Node> entries) {
      this.entries = Collections.unmodifiableMap(entries);
    }

    public Map<String, Node> entries() {
      return entries;
    }
  }

  private final Dir root;

  private InMemoryDirectory(Dir root) {
    this.root = root;
  }

  public Dir root() {
    return root;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A directory holding one file. */
  public static InMemoryDirectory of(String name, byte[] content) {
    return builder().file(name, content).build();
  }

  /** Collects files; {@code /} in a name creates subdirectories. */
  public static final class Builder {
    private final TreeMap<String, Object> tree = new TreeMap<>();

    private Builder() {}

    public Builder file(String path, byte[] content) {
      Objects.requireNonNull(content, "content");
      String[] parts = path.split("/");
      TreeMap<String, Object> dir = tree;
      for (int i = 0; i < parts.length; i++) {
        String part = parts[i];
        if (part.isEmpty() || part.equals(".") || part.equals("..")) {
          throw new IllegalArgumentException("Not a plain relative file name: " + path);
        }
        if (i == parts.length - 1) {
          if (dir.get(part) instanceof TreeMap) {
            throw new IllegalArgumentException(path + " is already a directory");
          }
          dir.put(part, content);
        } else {
          Object next = dir.computeIfAbsent(part, k -> new TreeMap<String, Object>());
          if (!(next instanceof TreeMap)) {
            throw new IllegalArgumentException(part + " in " + path + " is already a file");
          }
          @SuppressWarnings("unchecked")
          TreeMap<String, Object> sub = (TreeMap<String, Object>) next;
          dir = sub;
        }
      }
      return this;
    }

    public InMemoryDirectory build() {
      return new InMemoryDirectory(freeze(tree));
    }

    private static Dir freeze(TreeMap<String, Object> tree) {
      TreeMap<String, Node> entries = new TreeMap<>(InMemoryDirectory::compareUtf8);
      for (Map.Entry<String, Object> e : tree.entrySet()) {
        if (e.getValue() instanceof byte[] bytes) {
          entries.put(e.getKey(), new File(bytes));
        } else {
          @SuppressWarnings("unchecked")
          TreeMap<String, Object> sub = (TreeMap<String, Object>) e.getValue();
          entries.put(e.getKey(), freeze(sub));
        }
      }
      return new Dir(entries);
    }
  }

  private static int compareUtf8(String a, String b) {
    return java.util.Arrays.compareUnsigned(
        a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
