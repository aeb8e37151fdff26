package dev.elixirworkers.core.avm;

import dev.elixirworkers.core.avm.PackResult.PackedModule;
import dev.elixirworkers.core.avm.PackResult.Reason;
import dev.elixirworkers.core.beam.BeamFile;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Packs BEAM modules into an AtomVM archive: the start module and what it reaches, stripped to the
 * chunks AtomVM reads.
 *
 * <p>Tree-shaking follows functions, packs the modules with at least one reachable function, and
 * leaves out of each module the functions nothing reaches ({@link BeamFunctionRemoval}; a module
 * whose code cannot be followed or rewritten is packed whole). {@link FunctionReferences} decodes
 * each function's code; from a reachable function the packer follows local calls and the local
 * functions it makes funs of ({@code FunT}), imports it calls (unless AtomVM implements the
 * function natively) and external fun literals it loads ({@code &Mod.fun/1}), each to exactly that
 * function. A call of a function the target module does not export does not pack the module.
 *
 * <p>Some modules are called by a name computed or passed around at run time ({@code apply}, {@code
 * erlang:apply/3}, {@code make_fun/3}, {@code mod.fun()} on a variable, behaviour callbacks, {@code
 * struct.message(e)}); the analysis cannot see which module a variable holds. Such a call names its
 * function by an atom all the same ({@code mod.fun()} compiles to an {@code apply} whose function
 * operand is the atom {@code fun}; {@code apply(m, :f, args)} and {@code {m, :f}} callbacks carry
 * {@code :f} in code or a literal). So a module is <em>named</em> when reachable code uses its name
 * as an atom — an instruction operand, or an atom inside a literal it loads — and then each of its
 * exports whose function name is also an atom of reachable code is reachable, whenever either atom
 * is first seen. An {@code Elixir.*} atom also packs the module (aliases passed around; exception
 * and struct modules); other atoms only name an already packed module: the atom {@code init} would
 * pull in {@code init.beam}, whose presence switches AtomVM into OTP boot mode.
 *
 * <p>Every export of a module is reachable ("whole") when:
 *
 * <ul>
 *   <li>it is the start module, or listed in {@code extraModules};
 *   <li>it implements a packed protocol ({@code Proto.Type} exporting {@code __impl__/1}: dispatch
 *       computes the name);
 *   <li>its code cannot be decoded (an instruction or literal this packer does not know): it is
 *       then followed as one unit, all its imports, atoms and literals, as before functions were
 *       followed.
 * </ul>
 *
 * <p>Atoms built at run time ({@code String.to_atom/1}, {@code Module.concat/2}) are invisible to
 * this rule, as they were to the module-level one: {@code extraModules} covers them.
 *
 * <p>The output is a function of the inputs only: start module first, then by name, no timestamps.
 */
public final class AvmPacker {

  private static final String ELIXIR_PREFIX = "Elixir.";

  /**
   * The functions Elixir generates to describe a module ({@code __impl__(:for)} answers the type a
   * protocol implementation is for, {@code __info__/1} the module's functions): the atoms in them
   * are names for tools, never called, and counting them made every implemented type's module whole
   * ({@code Enumerable.Stream} → all of {@code Stream}).
   */
  private static final Set<String> DESCRIPTIONS =
      Set.of("__impl__/1", "__info__/1", "__protocol__/1");

  /** The exports Elixir compiles {@code defmacro}s to. */
  private static final String MACRO_PREFIX = "MACRO-";

  /**
   * The types a protocol implementation is named for that are not structs ({@code defimpl for:}).
   */
  private static final Set<String> BUILT_IN_TYPES =
      Set.of(
          "Any",
          "Atom",
          "BitString",
          "Float",
          "Function",
          "Integer",
          "List",
          "Map",
          "PID",
          "Port",
          "Reference",
          "Tuple");

  private AvmPacker() {}

  /** A module found in the inputs. */
  private record Candidate(BeamFile beam, String source, int size) {}

  public static PackResult pack(PackRequest request) {
    long started = System.nanoTime();
    Map<String, Candidate> available = collect(request.inputs());
    String start = resolveStart(request, available);
    Map<String, String> replacements = replacements(available);

    Map<String, PackedModule> chosen = new LinkedHashMap<>();
    Set<String> unresolved = new TreeSet<>();
    Set<String> excludedReferences = new TreeSet<>();
    Map<String, Set<String>> reachedFunctions = Map.of();
    Map<String, List<String>> chains = Map.of();
    Map<String, List<String>> unsatisfiedCalls = Map.of();

    if (request.treeShake()) {
      Shaker shaker =
          shake(request, available, replacements, start, chosen, unresolved, excludedReferences);
      reachedFunctions = shaker.reachedFunctions();
      chains = shaker.chains(chosen.keySet());
      unsatisfiedCalls = shaker.unsatisfiedCalls();
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
      Set<String> functions = reachedFunctions.get(module);
      BeamFile beam =
          functions == null
              ? candidate.beam()
              : BeamFunctionRemoval.removeFrom(candidate.beam(), functions)
                  .orElse(candidate.beam());
      beam = AllocationListRewrite.apply(beam).orElse(beam);
      beam = FunctionReplacement.apply(beam, replacements).orElse(beam);
      byte[] data = AtomVmChunks.strip(beam, request.keepLineTables());
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
              how == null ? null : how.via(),
              chains.getOrDefault(module, List.of())));
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
        unsatisfiedCalls,
        Duration.ofNanos(System.nanoTime() - started),
        archive);
  }

  /** Packs what the start module reaches; the shaker knows what it reached and from where. */
  private static Shaker shake(
      PackRequest request,
      Map<String, Candidate> available,
      Map<String, String> replacements,
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

    Shaker shaker =
        new Shaker(
            request, available, replacements, excluded, chosen, unresolved, excludedReferences);
    shaker.run(start);
    return shaker;
  }

  /** Function-level reachability over the inputs; see the class comment for the rule. */
  private static final class Shaker {
    /** The node standing for a whole module that cannot be followed function by function. */
    private static final String WHOLE_MODULE = "*";

    private final PackRequest request;
    private final Map<String, Candidate> available;
    private final Map<String, String> replacements;
    private final Set<String> excluded;
    private final Map<String, PackedModule> chosen;
    private final Set<String> unresolved;
    private final Set<String> excludedReferences;
    private final Map<String, Optional<Map<String, FunctionReferences.Function>>> functions =
        new HashMap<>();
    private final Set<String> wholesale = new HashSet<>();
    private final Set<String> reached = new HashSet<>();
    private final Set<String> atomsSeen = new HashSet<>();

    /** Modules named by an atom of reachable code. */
    private final Set<String> named = new HashSet<>();

    /** For each function name, the named modules exporting a function of that name. */
    private final Map<String, List<String>> namedExports = new HashMap<>();

    private final Deque<String[]> queue = new ArrayDeque<>();

    /** For each reached node, the node whose code reached it first (absent for roots). */
    private final Map<String, String> reachedFrom = new HashMap<>();

    /** For each module, the first of its nodes reached. */
    private final Map<String, String> firstReached = new HashMap<>();

    private String following;

    /** Calls reachable code makes that will fail: to an absent module or a missing export. */
    private final Map<String, String> unsatisfied = new TreeMap<>();

    Shaker(
        PackRequest request,
        Map<String, Candidate> available,
        Map<String, String> replacements,
        Set<String> excluded,
        Map<String, PackedModule> chosen,
        Set<String> unresolved,
        Set<String> excludedReferences) {
      this.request = request;
      this.available = available;
      this.replacements = replacements;
      this.excluded = excluded;
      this.chosen = chosen;
      this.unresolved = unresolved;
      this.excludedReferences = excludedReferences;
    }

    void run(String start) {
      include(start, Reason.START, null);
      wholesale(start);
      for (String extra : request.extraModules()) {
        include(extra, Reason.EXTRA, null);
        wholesale(extra);
      }
      while (true) {
        while (!queue.isEmpty()) {
          String[] node = queue.removeFirst();
          follow(node[0], node[1]);
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
            // also an implementation packed by another route (its name in the protocol's
            // dispatch code): dispatch calls whichever of its functions the caller asked for
            if (name.startsWith(protocol + ".")
                && !wholesale.contains(name)
                && !excluded.contains(name)
                && e.getValue().beam().exports("__impl__", 1)
                && canDispatchTo(name.substring(protocol.length() + 1))) {
              include(name, Reason.PROTOCOL_IMPL, protocol);
              wholesale(name);
              added = true;
            }
          }
        }
        if (!added) {
          break;
        }
      }
    }

    /**
     * Whether a value of {@code type} (the part of an implementation's name after the protocol's)
     * can exist: a built-in type always; a struct only when its module is packed, since building
     * one names the module in a literal or an atom that packs it ({@code %Date{}}).
     */
    private boolean canDispatchTo(String type) {
      return BUILT_IN_TYPES.contains(type) || chosen.containsKey(ELIXIR_PREFIX + type);
    }

    /** The functions reached in each packed module that was followed function by function. */
    Map<String, Set<String>> reachedFunctions() {
      Map<String, Set<String>> result = new HashMap<>();
      for (String module : chosen.keySet()) {
        if (functionsOf(module).isPresent()) {
          result.put(module, new HashSet<>());
        }
      }
      for (String node : reached) {
        int colon = node.indexOf(':');
        Set<String> functions = result.get(node.substring(0, colon));
        if (functions != null) {
          functions.add(node.substring(colon + 1));
        }
      }
      return result;
    }

    private Optional<Map<String, FunctionReferences.Function>> functionsOf(String module) {
      return functions.computeIfAbsent(module, m -> FunctionReferences.of(available.get(m).beam()));
    }

    /** Packs {@code module} if it can be; false when it is excluded or absent. */
    private boolean include(String module, Reason reason, String via) {
      if (chosen.containsKey(module)) {
        return true;
      }
      if (excluded.contains(module)) {
        excludedReferences.add(module);
        return false;
      }
      if (!available.containsKey(module)) {
        unresolved.add(module);
        return false;
      }
      chosen.put(module, mark(module, reason, via));
      if (functionsOf(module).isEmpty()) {
        wholesale(module);
      } else if (atomsSeen.contains(module)) {
        name(module);
      }
      return true;
    }

    /**
     * A packed module's name is an atom of reachable code: its exports named by atoms of reachable
     * code are reachable, now and as those atoms turn up.
     */
    private void name(String module) {
      if (!named.add(module)) {
        return;
      }
      for (BeamFile.Export export : available.get(module).beam().exports()) {
        String function = export.function();
        if (function.startsWith(MACRO_PREFIX)) {
          continue;
        }
        namedExports.computeIfAbsent(function, f -> new ArrayList<>()).add(module);
        if (atomsSeen.contains(function)) {
          reach(module, function + "/" + export.arity());
        }
      }
    }

    /** Every export of a packed module is reachable (it was reached by a route not followed). */
    private void wholesale(String module) {
      if (!chosen.containsKey(module) || !wholesale.add(module)) {
        return;
      }
      if (functionsOf(module).isEmpty()) {
        reach(module, WHOLE_MODULE);
      }
      for (BeamFile.Export export : available.get(module).beam().exports()) {
        if (export.function().startsWith(MACRO_PREFIX)) {
          continue; // macros run in the compiler, never in the worker
        }
        reach(module, export.function() + "/" + export.arity());
      }
    }

    private void reach(String module, String function) {
      String node = module + ":" + function;
      if (reached.add(node)) {
        if (following != null) {
          reachedFrom.put(node, following);
        }
        firstReached.putIfAbsent(module, node);
        queue.add(new String[] {module, function});
      }
    }

    Map<String, List<String>> chains(Set<String> modules) {
      Map<String, List<String>> result = new HashMap<>();
      modules.forEach(m -> result.put(m, chainTo(m)));
      return result;
    }

    /** The chain of calls from a root to the first reached function of {@code module}. */
    private List<String> chainTo(String module) {
      return chainFrom(firstReached.get(module));
    }

    private List<String> chainFrom(String last) {
      List<String> chain = new ArrayList<>();
      for (String node = last; node != null && chain.size() < 64; node = reachedFrom.get(node)) {
        chain.add(0, node);
      }
      return chain;
    }

    /** A call of {@code module:function/arity} (or a fun of it) from {@code via}. */
    private void call(String called, Reason reason, String via) {
      String replacement =
          reason == Reason.IMPORT || reason == Reason.FUN_LITERAL
              ? FunctionReplacement.replacementFor(replacements, via, called)
              : null;
      String mfa = replacement == null || replacement.startsWith(via + ":") ? called : replacement;
      if (isNative(mfa)) {
        return; // the replacement's own call of the native original
      }
      int colon = mfa.indexOf(':');
      String module = mfa.substring(0, colon);
      String function = mfa.substring(colon + 1);
      if (module.equals(via)) {
        reach(module, function); // a fully qualified call of the module's own export
        return;
      }
      if (function.isEmpty()) {
        if (include(module, reason, via)) {
          wholesale(module);
        }
        return;
      }
      if (available.containsKey(module) && !excluded.contains(module)) {
        int slash = function.lastIndexOf('/');
        if (!available
            .get(module)
            .beam()
            .exports(
                function.substring(0, slash), Integer.parseInt(function.substring(slash + 1)))) {
          unsatisfied.putIfAbsent(mfa, following);
          return; // undef whether or not the module is packed
        }
      }
      if (include(module, reason, via)) {
        reach(module, function);
        if (isNifStub(module, function)) {
          unsatisfied.putIfAbsent(mfa, following);
        }
      } else if (!excluded.contains(module)) {
        unsatisfied.putIfAbsent(mfa, following);
      }
    }

    /** A function whose code only calls {@code erlang:nif_error/1}: a NIF the VM lacks. */
    private boolean isNifStub(String module, String function) {
      FunctionReferences.Function fn =
          functionsOf(module).map(functions -> functions.get(function)).orElse(null);
      return fn != null
          && fn.locals().isEmpty()
          && fn.externals().equals(Set.of("erlang:nif_error/1"));
    }

    /**
     * Each call reachable code makes that fails with {@code undef} (its module is not in the
     * inputs, or does not export it, or only as a NIF stub): {@code module:name/arity} → the chain
     * of functions that reached it, root first, the caller last.
     */
    Map<String, List<String>> unsatisfiedCalls() {
      Map<String, List<String>> result = new TreeMap<>();
      unsatisfied.forEach((mfa, caller) -> result.put(mfa, chainFrom(caller)));
      return result;
    }

    /** An atom used by reachable code of {@code via}: a module it names may be called by name. */
    private void atom(String atom, Reason reason, String via) {
      if (!atomsSeen.add(atom)) {
        return;
      }
      for (String module : namedExports.getOrDefault(atom, List.of())) {
        for (BeamFile.Export export : available.get(module).beam().exports()) {
          if (export.function().equals(atom)) {
            reach(module, atom + "/" + export.arity());
          }
        }
      }
      if (chosen.containsKey(atom)) {
        if (functionsOf(atom).isPresent()) {
          name(atom);
        }
      } else if (atom.startsWith(ELIXIR_PREFIX) && available.containsKey(atom)) {
        include(atom, reason, via);
      }
    }

    private boolean isNative(String mfa) {
      return request.nativeFunctions().contains(mfa);
    }

    private void follow(String module, String function) {
      following = module + ":" + function;
      BeamFile beam = available.get(module).beam();
      if (function.equals(WHOLE_MODULE)) {
        for (BeamFile.Import imported : beam.imports()) {
          String mfa = imported.module() + ":" + imported.function() + "/" + imported.arity();
          if (!isNative(mfa)
              || FunctionReplacement.replacementFor(replacements, module, mfa) != null) {
            call(mfa, Reason.IMPORT, module);
          }
        }
        LiteralReferences literals = LiteralReferences.of(beam);
        for (String funModule : literals.funModules()) {
          call(funModule + ":", Reason.FUN_LITERAL, module);
        }
        for (String atom : beam.atoms()) {
          atom(atom, Reason.ELIXIR_ATOM, module);
        }
        for (String atom : literals.atoms()) {
          atom(atom, Reason.LITERAL_ATOM, module);
        }
        return;
      }
      FunctionReferences.Function fn =
          functionsOf(module).map(functions -> functions.get(function)).orElse(null);
      if (fn == null) {
        return; // exported but not defined: the loader would reject it, nothing to follow
      }
      for (String local : fn.locals()) {
        reach(module, local);
      }
      for (String mfa : fn.externals()) {
        if (!isNative(mfa)
            || FunctionReplacement.replacementFor(replacements, module, mfa) != null) {
          call(mfa, Reason.IMPORT, module);
        }
      }
      for (String mfa : fn.funLiterals()) {
        call(mfa, Reason.FUN_LITERAL, module);
      }
      if (DESCRIPTIONS.contains(function)) {
        return; // the names these return describe the module; nothing calls them at run time
      }
      for (String atom : fn.atoms()) {
        atom(atom, Reason.ELIXIR_ATOM, module);
      }
      for (String atom : fn.literalAtoms()) {
        atom(atom, Reason.LITERAL_ATOM, module);
      }
    }
  }

  private static PackedModule mark(String module, Reason reason, String via) {
    return new PackedModule(module, null, 0, 0, reason, via, List.of());
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
  /** Every {@link FunctionReplacement} the inputs' modules declare: original → replacement. */
  private static Map<String, String> replacements(Map<String, Candidate> available) {
    Map<String, String> replacements = new TreeMap<>();
    for (Candidate candidate : available.values()) {
      FunctionReplacement.declaredBy(candidate.beam())
          .forEach(
              (original, replacement) -> {
                String earlier = replacements.putIfAbsent(original, replacement);
                if (earlier != null && !earlier.equals(replacement)) {
                  throw new PackException(
                      original
                          + " is replaced twice: by "
                          + earlier
                          + " and by "
                          + replacement
                          + " ("
                          + candidate.source()
                          + "); keep one -"
                          + FunctionReplacement.ATTRIBUTE);
                }
              });
    }
    return replacements;
  }

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
