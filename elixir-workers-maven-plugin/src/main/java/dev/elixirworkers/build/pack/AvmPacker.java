package dev.elixirworkers.build.pack;

import dev.elixirworkers.build.pack.PackResult.PackedModule;
import dev.elixirworkers.build.pack.PackResult.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Packs BEAM modules into an AtomVM archive: the start module and what it reaches, stripped to the
 * chunks AtomVM reads.
 *
 * <p>Tree-shaking follows, from the start module: import tables; atoms in the atom table and in
 * literals that name an {@code Elixir.*} module present in the inputs (aliases passed around and
 * called through {@code apply}); modules of external fun literals; and implementations of packed
 * protocols ({@code Proto.Type} modules exporting {@code __impl__/1}, which dispatch reaches by a
 * computed name). Other atoms are never followed: the atom {@code init} would pull in {@code
 * init.beam}, and its presence switches AtomVM into OTP boot mode.
 *
 * <p>The output is a function of the inputs only: start module first, then by name, no timestamps.
 */
public final class AvmPacker {

  private static final String ELIXIR_PREFIX = "Elixir.";

  private AvmPacker() {}

  /** A module found in the inputs. */
  private record Candidate(BeamFile beam, String source, int size) {}

  public static PackResult pack(PackRequest request) {
    long started = System.nanoTime();
    Map<String, Candidate> available = collect(request.inputs());
    String start = resolveStart(request, available);

    Map<String, PackedModule> chosen = new LinkedHashMap<>();
    Set<String> unresolved = new TreeSet<>();
    Set<String> excludedReferences = new TreeSet<>();
    Map<String, byte[]> stripped = new TreeMap<>();

    if (request.treeShake()) {
      shake(request, available, start, chosen, unresolved, excludedReferences);
    } else {
      for (String module : available.keySet()) {
        if (module.equals(start)
            || !request.excludedModules().contains(module)
            || request.extraModules().contains(module)) {
          chosen.put(module, null);
        }
      }
    }

    // Archive order: start module, then the rest by name.
    List<String> order = new ArrayList<>();
    order.add(start);
    chosen.keySet().stream().filter(m -> !m.equals(start)).sorted().forEach(order::add);

    List<AvmArchive.Entry> entries = new ArrayList<>();
    List<PackedModule> packed = new ArrayList<>();
    for (String module : order) {
      Candidate candidate = available.get(module);
      byte[] data =
          stripped.computeIfAbsent(
              module, m -> candidate.beam().stripped(request.keepLineTables()));
      int flags =
          module.equals(start)
              ? AvmArchive.BEAM_CODE_FLAG | AvmArchive.BEAM_START_FLAG
              : AvmArchive.BEAM_CODE_FLAG;
      entries.add(new AvmArchive.Entry(module + ".beam", flags, data));
      PackedModule how = chosen.get(module);
      Reason reason = how != null ? how.reason() : module.equals(start) ? Reason.START : Reason.ALL;
      packed.add(
          new PackedModule(
              module,
              candidate.source(),
              candidate.size(),
              data.length,
              reason,
              how == null ? null : how.via()));
    }
    byte[] archive = AvmArchive.write(entries);
    boolean written = request.output() != null && write(request.output(), archive);
    return new PackResult(
        request.output(),
        written,
        packed,
        archive.length,
        unresolved,
        excludedReferences,
        Duration.ofNanos(System.nanoTime() - started),
        archive);
  }

  private static void shake(
      PackRequest request,
      Map<String, Candidate> available,
      String start,
      Map<String, PackedModule> chosen,
      Set<String> unresolved,
      Set<String> excludedReferences) {
    Set<String> excluded = new TreeSet<>(request.excludedModules());
    excluded.removeAll(request.extraModules());
    excluded.remove(start);

    List<String> missingExtras =
        request.extraModules().stream().filter(m -> !available.containsKey(m)).toList();
    if (!missingExtras.isEmpty()) {
      throw new PackException(
          "extraModules names modules that are in none of the inputs: "
              + String.join(", ", missingExtras)
              + " — searched "
              + describeInputs(request.inputs())
              + ". Check the spelling (Elixir modules need the Elixir. prefix, e.g."
              + " Elixir.MyApp.Handler) or remove them from <extraModules>.");
    }

    Deque<String> queue = new ArrayDeque<>();
    chosen.put(start, mark(start, Reason.START, null));
    queue.add(start);
    for (String extra : request.extraModules()) {
      if (chosen.putIfAbsent(extra, mark(extra, Reason.EXTRA, null)) == null) {
        queue.add(extra);
      }
    }

    while (true) {
      while (!queue.isEmpty()) {
        String module = queue.removeFirst();
        BeamFile beam = available.get(module).beam();
        Map<String, Reason> refs = new TreeMap<>();
        for (BeamFile.Import imported : beam.imports()) {
          String key = imported.module() + ":" + imported.function() + "/" + imported.arity();
          if (!request.nativeFunctions().contains(key)) {
            refs.putIfAbsent(imported.module(), Reason.IMPORT);
          }
        }
        LiteralReferences literals = beam.literalReferences();
        for (String funModule : literals.funModules()) {
          refs.putIfAbsent(funModule, Reason.FUN_LITERAL);
        }
        for (String atom : beam.atoms()) {
          if (atom.startsWith(ELIXIR_PREFIX) && available.containsKey(atom)) {
            refs.putIfAbsent(atom, Reason.ELIXIR_ATOM);
          }
        }
        for (String atom : literals.atoms()) {
          if (atom.startsWith(ELIXIR_PREFIX) && available.containsKey(atom)) {
            refs.putIfAbsent(atom, Reason.LITERAL_ATOM);
          }
        }
        refs.remove(module);
        for (Map.Entry<String, Reason> ref : refs.entrySet()) {
          String target = ref.getKey();
          if (chosen.containsKey(target)) {
            continue;
          }
          if (excluded.contains(target)) {
            excludedReferences.add(target);
          } else if (!available.containsKey(target)) {
            unresolved.add(target);
          } else {
            chosen.put(target, mark(target, ref.getValue(), module));
            queue.add(target);
          }
        }
      }
      // Protocol dispatch computes implementation names (Proto.Type) at run time.
      boolean added = false;
      List<String> protocols =
          chosen.keySet().stream()
              .filter(m -> available.get(m).beam().exports("__protocol__", 1))
              .sorted()
              .toList();
      for (String protocol : protocols) {
        for (Map.Entry<String, Candidate> e : available.entrySet()) {
          String name = e.getKey();
          if (name.startsWith(protocol + ".")
              && !chosen.containsKey(name)
              && !excluded.contains(name)
              && e.getValue().beam().exports("__impl__", 1)) {
            chosen.put(name, mark(name, Reason.PROTOCOL_IMPL, protocol));
            queue.add(name);
            added = true;
          }
        }
      }
      if (!added) {
        break;
      }
    }
  }

  private static PackedModule mark(String module, Reason reason, String via) {
    return new PackedModule(module, null, 0, 0, reason, via);
  }

  private static String resolveStart(PackRequest request, Map<String, Candidate> available) {
    String start = request.startModule();
    if (!available.containsKey(start)
        && !start.startsWith(ELIXIR_PREFIX)
        && available.containsKey(ELIXIR_PREFIX + start)) {
      start = ELIXIR_PREFIX + start;
    }
    if (!available.containsKey(start)) {
      StringBuilder message =
          new StringBuilder("Start module ")
              .append(request.startModule())
              .append(" was not found in ")
              .append(describeInputs(request.inputs()))
              .append(
                  ". Check <startModule> in the plugin configuration: it is the BEAM module name,"
                      + " e.g. Elixir.HelloWorker for `defmodule HelloWorker`, and the source"
                      + " defining it must compile into the first input.");
      List<String> projectModules =
          available.entrySet().stream()
              .filter(e -> e.getValue().source().startsWith(request.inputs().get(0).toString()))
              .map(Map.Entry::getKey)
              .sorted()
              .limit(20)
              .toList();
      if (!projectModules.isEmpty()) {
        message
            .append(" Modules found in ")
            .append(request.inputs().get(0))
            .append(": ")
            .append(String.join(", ", projectModules));
      }
      throw new PackException(message.toString());
    }
    if (request.requireStartFunction() && !available.get(start).beam().exports("start", 0)) {
      throw new PackException(
          "Start module "
              + start
              + " ("
              + available.get(start).source()
              + ") does not export start/0, which AtomVM calls to run the archive. Define `def"
              + " start` in it, or point <startModule> at the module that does.");
    }
    return start;
  }

  /** Loads every module of every input; the first definition of a name wins. */
  private static Map<String, Candidate> collect(List<Path> inputs) {
    Map<String, Candidate> available = new TreeMap<>();
    for (Path input : inputs) {
      if (Files.isDirectory(input)) {
        for (Path file : beamFiles(input)) {
          addBeam(available, file);
        }
      } else if (Files.isRegularFile(input)) {
        String name = input.getFileName().toString();
        if (name.endsWith(".beam")) {
          addBeam(available, input);
        } else if (name.endsWith(".avm")) {
          AvmArchive archive = AvmArchive.read(input);
          for (AvmArchive.Section section : archive.sections()) {
            if (section.isBeam()) {
              String origin = input + "!" + section.name();
              BeamFile beam = BeamFile.parse(section.data(), origin);
              available.putIfAbsent(
                  beam.module(), new Candidate(beam, origin, section.data().length));
            }
          }
        } else {
          throw new PackException(
              "Cannot pack " + input + ": expected a directory, a .beam file or an .avm archive");
        }
      } else {
        throw new PackException(
            "Input to pack does not exist: "
                + input
                + " — compile the sources first or remove it from the inputs");
      }
    }
    return available;
  }

  private static void addBeam(Map<String, Candidate> available, Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + file, e);
    }
    BeamFile beam = BeamFile.parse(bytes, file.toString());
    available.putIfAbsent(beam.module(), new Candidate(beam, file.toString(), bytes.length));
  }

  private static List<Path> beamFiles(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".beam") && Files.isRegularFile(f))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not list " + directory, e);
    }
  }

  private static String describeInputs(List<Path> inputs) {
    return inputs.size() == 1
        ? inputs.get(0).toString()
        : "[" + String.join(", ", inputs.stream().map(Path::toString).toList()) + "]";
  }

  /** Writes unless the file already holds these bytes; returns whether it wrote. */
  private static boolean write(Path output, byte[] archive) {
    try {
      if (Files.isRegularFile(output)
          && Files.size(output) == archive.length
          && Arrays.equals(Files.readAllBytes(output), archive)) {
        return false;
      }
      Path parent = output.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path staged = Files.createTempFile(parent, output.getFileName().toString(), ".partial");
      try {
        Files.write(staged, archive);
        try {
          Files.move(staged, output, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(staged, output, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(staged);
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write " + output, e);
    }
  }
}
