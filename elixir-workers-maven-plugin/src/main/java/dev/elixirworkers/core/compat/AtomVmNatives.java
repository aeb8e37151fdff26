package dev.elixirworkers.core.compat;

import dev.elixirworkers.core.BuildException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The functions AtomVM implements in C, read from its source tree at build time: the BIFs ({@code
 * src/libAtomVM/bifs.gperf}), the NIFs ({@code src/libAtomVM/nifs.gperf}) and the NIFs of the WASI
 * platform ({@code src/platform_nifs.c} of the adapter), each as {@code module:function/arity}.
 * AtomVM resolves a call to one of these before it looks for a module. The NIFs that the adapter's
 * build leaves out of atomvm.wasm ({@code removed-nifs.txt} of the adapter) are not among them.
 */
public final class AtomVmNatives {
  static final String BIFS = "src/libAtomVM/bifs.gperf";
  static final String NIFS = "src/libAtomVM/nifs.gperf";
  static final String PLATFORM_NIFS = "src/platform_nifs.c";
  static final String REMOVED_NIFS = "removed-nifs.txt";

  // "module:function/arity" in a C string of the platform's NIF table
  private static final Pattern PLATFORM_ENTRY =
      Pattern.compile("\"([a-z][A-Za-z0-9_]*):([^\"\\s]+)/(\\d+)\"");

  private final Set<String> keys;

  private AtomVmNatives(Set<String> keys) {
    this.keys = Collections.unmodifiableSet(keys);
  }

  /**
   * Reads the tables of an AtomVM source tree and of the WASI adapter.
   *
   * @param atomvmDirectory an AtomVM source tree
   * @param adapterDirectory the extracted atomvm-wasi sources (holding {@code src/platform_nifs.c})
   */
  public static AtomVmNatives read(Path atomvmDirectory, Path adapterDirectory) {
    return withPlatform(readTables(atomvmDirectory), adapterDirectory);
  }

  /** AtomVM's own BIFs and NIFs, from the gperf tables of a source tree. */
  public static Set<String> readTables(Path atomvmDirectory) {
    Set<String> keys = new TreeSet<>();
    for (String table : List.of(BIFS, NIFS)) {
      Path file = atomvmDirectory.resolve(table);
      if (!Files.isRegularFile(file)) {
        throw new BuildException(
            atomvmDirectory
                + " has no "
                + table
                + ": the compatibility check reads AtomVM's BIF and NIF tables from it — point the"
                + " AtomVM source setting at an AtomVM source tree (v0.7.0-alpha.0 or later)");
      }
      keys.addAll(parseGperf(read(file)));
    }
    return keys;
  }

  /**
   * AtomVM's BIFs and NIFs as given (e.g. from a prebuilt VM), without the NIFs the adapter's build
   * leaves out, plus the NIFs of the WASI platform.
   *
   * @param adapterDirectory the extracted atomvm-wasi sources (holding {@code src/platform_nifs.c}
   *     and {@code removed-nifs.txt})
   */
  public static AtomVmNatives withPlatform(Set<String> atomvmKeys, Path adapterDirectory) {
    Set<String> keys = withoutRemoved(atomvmKeys, adapterDirectory);
    Path platform = adapterDirectory.resolve(PLATFORM_NIFS);
    if (Files.isRegularFile(platform)) {
      keys.addAll(parsePlatformNifs(read(platform)));
    }
    return new AtomVmNatives(keys);
  }

  /**
   * The keys without the NIFs that the adapter's build leaves out of atomvm.wasm, as listed in its
   * {@code removed-nifs.txt} (none when the file is absent).
   */
  public static Set<String> withoutRemoved(Set<String> atomvmKeys, Path adapterDirectory) {
    Set<String> keys = new TreeSet<>(atomvmKeys);
    Path removed = adapterDirectory.resolve(REMOVED_NIFS);
    if (Files.isRegularFile(removed)) {
      keys.removeAll(parseRemovedNifs(read(removed)));
    }
    return keys;
  }

  /** For tests: the given {@code module:function/arity} keys. */
  public static AtomVmNatives of(Set<String> keys) {
    return new AtomVmNatives(new TreeSet<>(keys));
  }

  public boolean contains(Mfa mfa) {
    return keys.contains(mfa.key());
  }

  /** Every native function, as {@code module:function/arity}, sorted. */
  public Set<String> keys() {
    return keys;
  }

  /**
   * The keywords of a gperf file: the lines between the first two {@code %%} markers, each starting
   * with {@code module:function/arity,}. Function names may contain {@code /} ({@code erlang://2},
   * {@code erlang:=/=/2}).
   */
  static Set<String> parseGperf(String text) {
    Set<String> keys = new TreeSet<>();
    boolean inKeywords = false;
    for (String line : text.split("\\R")) {
      if (line.startsWith("%%")) {
        if (inKeywords) {
          break;
        }
        inKeywords = true;
        continue;
      }
      if (!inKeywords || line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int comma = line.indexOf(',');
      String entry = (comma < 0 ? line : line.substring(0, comma)).trim();
      int colon = entry.indexOf(':');
      int slash = entry.lastIndexOf('/');
      if (colon > 0 && slash > colon + 1 && entry.substring(slash + 1).matches("\\d+")) {
        keys.add(entry);
      }
    }
    return keys;
  }

  /**
   * The entries of {@code removed-nifs.txt}: one {@code module:function/arity} per line, blank
   * lines and {@code #} comments ignored (the same reading as the adapter's CMakeLists.txt).
   */
  static Set<String> parseRemovedNifs(String text) {
    Set<String> keys = new TreeSet<>();
    for (String line : text.split("\\R")) {
      String entry = line.strip();
      if (!entry.isEmpty() && !entry.startsWith("#")) {
        keys.add(entry);
      }
    }
    return keys;
  }

  static Set<String> parsePlatformNifs(String text) {
    Set<String> keys = new TreeSet<>();
    Matcher m = PLATFORM_ENTRY.matcher(text);
    while (m.find()) {
      keys.add(m.group(1) + ":" + m.group(2) + "/" + m.group(3));
    }
    return keys;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + file, e);
    }
  }
}
