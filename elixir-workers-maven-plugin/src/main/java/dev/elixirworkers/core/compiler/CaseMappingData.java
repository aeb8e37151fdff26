package dev.elixirworkers.core.compiler;

import dev.elixirworkers.core.BuildLog;
import dev.elixirworkers.core.util.CacheEntry;
import dev.elixirworkers.core.util.Digests;
import dev.elixirworkers.core.util.ExternalCommand;
import dev.elixirworkers.wasi.process.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;

/**
 * {@code elixir_workers_case_data.beam}: the case mappings of an Elixir installation, read off its
 * own {@code String.Unicode} by the adapter's {@code stand-ins/generate/case_data.exs}, for the
 * stand-in {@code elixir_workers_case} that replaces String.Unicode's functions in the VM (a table
 * lookup of about 8 KiB instead of a 53 KiB-gzip module of generated clauses). Made once per
 * installation and generator in the cache ({@link CacheEntry}).
 */
public final class CaseMappingData {
  /** The module the generator writes and the stand-in reads. */
  public static final String MODULE = "elixir_workers_case_data";

  static final String GENERATOR = "stand-ins/generate/case_data.exs";

  private CaseMappingData() {}

  /**
   * The directory holding {@code elixir_workers_case_data.beam} for {@code elixir}, made if the
   * cache has none.
   *
   * @param adapter the extracted adapter sources (for the generator)
   */
  public static Path build(ElixirInstallation elixir, Path adapter, Path cacheRoot, BuildLog log) {
    Path generator = adapter.resolve(GENERATOR);
    Path unicode = elixir.libraryDirectories().elixir().resolve("Elixir.String.Unicode.beam");
    MessageDigest digest = Digests.sha256();
    Digests.updateWithString(digest, elixir.elixirVersion());
    Digests.updateWithString(digest, Digests.sha256(generator));
    Digests.updateWithString(digest, Digests.sha256(unicode));
    String key = Digests.hex(digest);
    CacheEntry.Entry entry =
        new CacheEntry(
                cacheRoot.resolve("case-mapping").resolve(key),
                "case mapping tables of Elixir " + elixir.elixirVersion(),
                log)
            .obtain(
                staging -> {
                  Path source = staging.resolve(MODULE + ".erl");
                  run(
                      elixir,
                      List.of(elixir.elixir().toString(), generator.toString(), source.toString()));
                  run(
                      elixir,
                      List.of(
                          elixir.erlc().toString(), "-o", staging.toString(), source.toString()));
                  Files.delete(source);
                });
    if (entry.made()) {
      log.info(
          "Case mapping tables read off the String.Unicode of Elixir "
              + elixir.elixirVersion()
              + ": "
              + entry.directory());
    } else {
      log.debug(
          "Case mapping tables of Elixir "
              + elixir.elixirVersion()
              + " cached: "
              + entry.directory());
    }
    return entry.directory();
  }

  private static void run(ElixirInstallation elixir, List<String> command) {
    ProcessRunner.Result result =
        ExternalCommand.of(command).env(elixir.environment()).timeout(elixir.timeout()).result();
    if (result.exitCode() != 0) {
      throw new ExternalCommandException(
          "Could not make the case mapping tables of Elixir "
              + elixir.elixirVersion()
              + " (String.upcase/downcase in the VM)",
          result);
    }
  }
}
