package dev.elixirworkers.wasi.wasmtime;

import io.github.kawamuray.wasmtime.Config;
import io.github.kawamuray.wasmtime.Engine;
import io.github.kawamuray.wasmtime.Module;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The process-wide wasmtime {@link Engine}: epoch interruption on (one ticker thread advances the
 * epoch while any module is in use, so stores can be given wall-clock deadlines), wasmtime's own
 * compiled-module disk cache under {@link CacheDirectory} (a JVM that compiled a module once loads
 * it in milliseconds next time), and an in-process cache of compiled {@link Module}s by SHA-256, so
 * every module is compiled once per process however many runtimes use it.
 *
 * <p>System properties: {@value #TICK_PROPERTY} (epoch period in ms, default 5) and {@value
 * #MODULE_CACHE_PROPERTY} ({@code false} turns the disk cache off).
 */
public final class WasmtimeEngine {
  public static final String TICK_PROPERTY = "elixirworkers.wasmtime.epochMillis";
  public static final String MODULE_CACHE_PROPERTY = "elixirworkers.wasmtime.moduleCache";
  private static final int KEEP_UNUSED_MODULES = 2;

  private static WasmtimeEngine shared;

  private final Engine engine;
  private final long tickMillis;
  private final Path moduleCache;
  private final Map<String, Entry> modules = new LinkedHashMap<>(16, 0.75f, true);
  private ScheduledExecutorService ticker;
  private ScheduledFuture<?> tick;
  private int inUse;

  private static final class Entry {
    final Module module;
    int refs;

    Entry(Module module) {
      this.module = module;
    }
  }

  private WasmtimeEngine() {
    WasmtimeNatives.load();
    this.tickMillis = Math.max(1, Long.getLong(TICK_PROPERTY, 5));
    Config config = new Config().epochInterruption(true);
    this.moduleCache = configureDiskCache(config);
    this.engine = new Engine(config);
  }

  /** The engine every runtime in this process shares. */
  public static synchronized WasmtimeEngine shared() {
    if (shared == null) {
      shared = new WasmtimeEngine();
    }
    return shared;
  }

  public Engine engine() {
    return engine;
  }

  /** How often the epoch advances. */
  public long tickMillis() {
    return tickMillis;
  }

  /** Epoch ticks that cover {@code millis} of wall time (at least; the ticker may run late). */
  public long ticksFor(long millis) {
    return Math.max(1, (millis + tickMillis - 1) / tickMillis) + 1;
  }

  /** The disk cache wasmtime uses for compiled modules, if on. */
  public java.util.Optional<Path> moduleCacheDirectory() {
    return java.util.Optional.ofNullable(moduleCache);
  }

  /**
   * The compiled module for these bytes, compiling them only if this process has not already;
   * starts the epoch ticker. Pair with {@link #release}.
   */
  public synchronized Module acquire(byte[] wasm) {
    String digest = sha256(wasm);
    Entry entry = modules.get(digest);
    if (entry == null) {
      entry = new Entry(Module.fromBinary(engine, wasm));
      modules.put(digest, entry);
    }
    entry.refs++;
    if (inUse++ == 0) {
      startTicker();
    }
    return entry.module;
  }

  /** Ends one {@link #acquire}; unused modules beyond the last few are disposed. */
  public synchronized void release(Module module) {
    for (Entry entry : modules.values()) {
      if (entry.module == module && entry.refs > 0) {
        entry.refs--;
        if (--inUse == 0) {
          stopTicker();
        }
        break;
      }
    }
    int unused = 0;
    var it = new java.util.ArrayList<>(modules.entrySet());
    java.util.Collections.reverse(it); // most recently used first
    for (Map.Entry<String, Entry> e : it) {
      if (e.getValue().refs == 0 && ++unused > KEEP_UNUSED_MODULES) {
        modules.remove(e.getKey());
        e.getValue().module.dispose();
      }
    }
  }

  private void startTicker() {
    if (ticker == null) {
      ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "wasmtime-epoch");
                t.setDaemon(true);
                return t;
              });
    }
    // fixed delay, not fixed rate: after a stall (GC, a busy CPU) a fixed rate fires the missed
    // ticks in a burst, and a guest whose deadline was set meanwhile would be stopped early
    tick =
        ticker.scheduleWithFixedDelay(
            engine::incrementEpoch, tickMillis, tickMillis, TimeUnit.MILLISECONDS);
  }

  private void stopTicker() {
    if (tick != null) {
      tick.cancel(false);
      tick = null;
    }
  }

  private static Path configureDiskCache(Config config) {
    if ("false".equalsIgnoreCase(System.getProperty(MODULE_CACHE_PROPERTY))) {
      return null;
    }
    try {
      Path dir = CacheDirectory.resolveCreated("wasmtime-modules");
      Path toml = dir.resolve("wasmtime-cache.toml");
      String text =
          "[cache]\nenabled = true\ndirectory = \""
              + dir.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"")
              + "\"\n";
      if (!Files.isRegularFile(toml) || !Files.readString(toml).equals(text)) {
        Path temp = Files.createTempFile(dir, "wasmtime-cache", ".toml");
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        Files.move(
            temp,
            toml,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
      config.cacheConfigLoad(toml);
      return dir;
    } catch (IOException | RuntimeException e) {
      return null; // compile every time instead
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
