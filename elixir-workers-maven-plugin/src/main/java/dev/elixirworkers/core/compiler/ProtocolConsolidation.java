package dev.elixirworkers.core.compiler;

import dev.elixirworkers.core.util.Digests;
import dev.elixirworkers.core.util.ExternalCommand;
import dev.elixirworkers.wasi.process.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Consolidates protocols the way {@code mix compile.protocols} does ({@code
 * Protocol.consolidate/2}), with the implementations the worker can reach: dispatch becomes a case
 * over those types, as on the BEAM in a release. Unconsolidated dispatch finds an implementation by
 * building its name at run time ({@code Module.concat/2}, which needs Elixir's compiler) and would
 * need every implementation packed.
 */
public final class ProtocolConsolidation {
  /** The Elixir run by {@link #consolidate}: prints one line per protocol written. */
  static final String SCRIPT =
      """
      [out, spec | dirs] = System.argv()
      Enum.each(Enum.reverse(dirs), &Code.prepend_path/1)
      for line <- String.split(File.read!(spec), "\\n", trim: true) do
        [protocol | types] = Enum.map(String.split(line, " "), &String.to_atom/1)
        case Protocol.consolidate(protocol, types) do
          {:ok, binary} ->
            File.write!(Path.join(out, Atom.to_string(protocol) <> ".beam"), binary)
            IO.puts("consolidated #{protocol}")
          {:error, reason} ->
            IO.puts(:stderr, "cannot consolidate #{protocol}: #{inspect(reason)}")
            System.halt(2)
        end
      end
      """;

  private ProtocolConsolidation() {}

  /**
   * Writes a consolidated {@code <Protocol>.beam} into {@code output} (emptied first) for each
   * protocol of {@code implementations}.
   *
   * @param implementations the types each protocol dispatches to, by protocol, all as BEAM names
   *     ({@code Elixir.Enumerable} → {@code Elixir.List}, {@code Elixir.Map}, …)
   * @param codePath where the protocols and their implementations are, searched in order
   * @return false when {@code output} already held the protocols consolidated from these same
   *     inputs (the same BEAM files, the same implementations, the same Elixir) and was left alone
   */
  public static boolean consolidate(
      ElixirInstallation elixir,
      Map<String, List<String>> implementations,
      List<Path> codePath,
      Path output) {
    String inputs = inputsDigest(elixir, implementations, codePath);
    Path stamp = output.resolve(STAMP);
    try {
      if (Files.isRegularFile(stamp)
          && Files.readString(stamp).equals(inputs)
          && implementations.keySet().stream()
              .allMatch(p -> Files.isRegularFile(output.resolve(p + ".beam")))) {
        return false;
      }
      Files.createDirectories(output);
      try (Stream<Path> old = Files.list(output)) {
        for (Path file : old.toList()) {
          Files.delete(file);
        }
      }
      List<String> lines = new ArrayList<>();
      implementations.forEach(
          (protocol, types) -> lines.add(protocol + " " + String.join(" ", types)));
      Path spec = output.resolve("protocols.txt");
      Files.write(spec, lines);
      List<String> command = new ArrayList<>();
      command.add(elixir.elixir().toString());
      command.add("-e");
      command.add(SCRIPT);
      command.add(output.toString());
      command.add(spec.toString());
      codePath.stream().filter(Files::isDirectory).map(Path::toString).forEach(command::add);
      ProcessRunner.Result result =
          ExternalCommand.of(command).env(elixir.environment()).timeout(elixir.timeout()).result();
      Files.delete(spec);
      if (result.exitCode() != 0) {
        throw new ExternalCommandException(
            "Could not consolidate the worker's protocols ("
                + String.join(", ", implementations.keySet())
                + ")",
            result);
      }
      Files.writeString(stamp, inputs);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write consolidated protocols to " + output, e);
    }
  }

  /** The file in the output directory that records what its protocols were consolidated from. */
  static final String STAMP = "inputs.sha256";

  /**
   * A digest of what consolidation reads: the Elixir, the implementations asked for, and the BEAM
   * file each protocol and implementation module would be read from.
   */
  private static String inputsDigest(
      ElixirInstallation elixir, Map<String, List<String>> implementations, List<Path> codePath) {
    MessageDigest digest = Digests.sha256();
    Digests.updateWithString(digest, elixir.elixir().toString());
    Digests.updateWithString(digest, elixir.elixirVersion());
    implementations.forEach(
        (protocol, types) -> {
          Digests.updateWithString(digest, protocol + " " + String.join(" ", types));
          for (String type : types) {
            String implementation = protocol + "." + type.substring("Elixir.".length());
            Digests.updateWithString(digest, beamDigest(implementation, codePath));
          }
          Digests.updateWithString(digest, beamDigest(protocol, codePath));
        });
    return Digests.hex(digest);
  }

  private static String beamDigest(String module, List<Path> codePath) {
    for (Path directory : codePath) {
      Path beam = directory.resolve(module + ".beam");
      if (Files.isRegularFile(beam)) {
        return module + "=" + Digests.sha256(beam);
      }
    }
    return module + " absent";
  }
}
