package dev.elixirworkers.core.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Cloudflare Worker's JavaScript and the npm files that pin wrangler, shipped on the plugin's
 * class path under {@code worker/}. The {@code worker} module bundles its sources (WASI preview1,
 * the HTTP-to-contract bridge, the bindings) into one minified entry per kind of VM; the bundle
 * ships it as {@value WorkerAssembler#MAIN}.
 */
public final class WorkerScripts {
  static final String ROOT = "worker/";

  /** The Worker's modules: the entry, which holds the rest. */
  public static final List<String> MODULES = List.of(WorkerAssembler.MAIN);

  /**
   * The entry shipped as {@value WorkerAssembler#MAIN} when atomvm.wasm is a snapshot: it does not
   * import app.avm.
   */
  static final String SNAPSHOT_MAIN = "worker-snapshot.js";

  /** The npm manifest and lock file of the pinned wrangler. */
  public static final List<String> NPM_FILES = List.of("package.json", "package-lock.json");

  private WorkerScripts() {}

  /** The Worker's modules by file name, in {@link #MODULES} order, for a VM that reads app.avm. */
  public static Map<String, byte[]> modules() {
    return modules(true);
  }

  /**
   * The Worker's modules by file name, in {@link #MODULES} order.
   *
   * @param withApp whether the bundle ships app.avm: when not (the VM is a snapshot that holds the
   *     application), {@value WorkerAssembler#MAIN} is {@value #SNAPSHOT_MAIN}, which does not
   *     import it
   */
  public static Map<String, byte[]> modules(boolean withApp) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String name : MODULES) {
      String source = !withApp && name.equals(WorkerAssembler.MAIN) ? SNAPSHOT_MAIN : name;
      files.put(name, read(ROOT + source));
    }
    return files;
  }

  /** package.json and package-lock.json that pin wrangler, by file name. */
  public static Map<String, byte[]> npmFiles() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String name : NPM_FILES) {
      files.put(name, read(ROOT + "npm/" + name));
    }
    return files;
  }

  /** The wrangler version package.json pins. */
  public static String wranglerVersion() {
    String json = new String(npmFiles().get("package.json"), StandardCharsets.UTF_8);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"wrangler\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("the worker's package.json pins no wrangler version");
    }
    return m.group(1);
  }

  private static byte[] read(String resource) {
    try (InputStream in = WorkerScripts.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            resource + " is missing from the plugin's class path (the worker artifact ships it)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
