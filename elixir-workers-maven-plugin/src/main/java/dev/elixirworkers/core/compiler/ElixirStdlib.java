package dev.elixirworkers.core.compiler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The standard library of the Elixir that compiled the project, and OTP's {@code stdlib} under it,
 * as inputs of the pack: the worker's code then runs against the Enum, String, URI… it was written
 * for instead of exavmlib's partial modules. Nothing is compiled or copied: the packer reads the
 * installation's {@code .beam} files and keeps the functions the worker reaches.
 *
 * @param directories the installation's ebin directories
 */
public record ElixirStdlib(ElixirInstallation.LibraryDirectories directories) {

  /**
   * exavmlib's modules that stay in place of Elixir's own because AtomVM implements what they do
   * differently from the BEAM. Empty: every Elixir module measured so far either works on AtomVM or
   * fails the same way exavmlib's does.
   */
  public static final List<String> EXAVMLIB_OVER_ELIXIR = List.of();

  /**
   * Elixir's compiler and its compile-time helpers, never packed: the worker runs compiled code,
   * and these only run under {@code elixirc} (they reach the parser, erl_lint and erl_eval, ~1.5
   * MB, because macros and the dispatch tables name them). A call to one of them from the worker
   * fails with {@code undef}, as on AtomVM's own library.
   */
  static final Set<String> COMPILER_MODULES =
      Set.of(
          "elixir",
          "Elixir.Code.Formatter",
          "Elixir.Code.Fragment",
          "Elixir.Code.Normalizer",
          "Elixir.Code.Typespec",
          "Elixir.Config",
          "Elixir.Config.Provider",
          "Elixir.Config.Reader",
          "Elixir.Kernel.CLI",
          "Elixir.Kernel.ErrorHandler",
          "Elixir.Kernel.LexicalTracker",
          "Elixir.Kernel.ParallelCompiler",
          "Elixir.Kernel.ParallelRequire",
          "Elixir.Kernel.SpecialForms",
          "Elixir.Kernel.Typespec",
          "Elixir.Module.LocalsTracker",
          "Elixir.Module.ParallelChecker",
          // its confusable-identifier checks (130 KB); String.Tokenizer itself stays, for
          // Macro.classify_atom/1, which Kernel.inspect/2 of atoms calls
          "Elixir.String.Tokenizer.Security");

  /**
   * OTP's compiler front end, evaluator and the modules that read {@code .beam} or source files:
   * Elixir's runtime names them for {@code Code.eval_*}, {@code Exception.blame/3} (which reads
   * debug info from disk) and similar; none of that can run in a worker, which has no files.
   */
  static final Set<String> OTP_COMPILER_MODULES =
      Set.of(
          "beam_lib",
          "epp",
          "erl_eval",
          "erl_expand_records",
          "erl_features",
          "erl_internal",
          "erl_lint",
          "erl_parse",
          "erl_pp",
          "erl_scan",
          "eval_bits",
          "file_sorter",
          "filelib",
          "ms_transform",
          "qlc",
          "qlc_pt");

  /** The installation the {@code elixir} on {@code installation}'s PATH uses. */
  public static ElixirStdlib of(ElixirInstallation installation) {
    return new ElixirStdlib(installation.libraryDirectories());
  }

  /**
   * The pack's library inputs, in the order the packer searches them (first definition wins):
   * exavmlib's {@link #EXAVMLIB_OVER_ELIXIR}, Elixir's modules, AtomVM's standard library ({@code
   * atomvmStdlib}: estdlib, eavmlib, the rest of exavmlib), then OTP's {@code stdlib} for the pure
   * modules AtomVM lacks ({@code unicode_util}, {@code uri_string}…; AtomVM's own version wins
   * where it has one).
   */
  public List<Path> packInputs(Path atomvmStdlib) {
    List<Path> inputs = new ArrayList<>();
    for (String module : EXAVMLIB_OVER_ELIXIR) {
      Path beam = atomvmStdlib.resolve(module + ".beam");
      if (Files.isRegularFile(beam)) {
        inputs.add(beam);
      }
    }
    inputs.add(directories.elixir());
    inputs.add(atomvmStdlib);
    inputs.add(directories.otpStdlib());
    return inputs;
  }

  /**
   * The modules of Elixir's compiler in this installation ({@link #COMPILER_MODULES}, {@code
   * elixir_*}, {@link #OTP_COMPILER_MODULES}) that none of {@code shadowing} defines: a stand-in of
   * ours in {@code shadowing} (e.g. {@code elixir_erl_pass}) stays packable.
   */
  public Set<String> compilerModules(List<Path> shadowing) {
    Set<String> ours = new TreeSet<>();
    for (Path directory : shadowing) {
      ours.addAll(modulesIn(directory));
    }
    Set<String> compiler = new TreeSet<>();
    for (String module : modulesIn(directories.elixir())) {
      if ((COMPILER_MODULES.contains(module) || module.startsWith("elixir_"))
          && !ours.contains(module)) {
        compiler.add(module);
      }
    }
    for (String module : modulesIn(directories.otpStdlib())) {
      if (OTP_COMPILER_MODULES.contains(module) && !ours.contains(module)) {
        compiler.add(module);
      }
    }
    return compiler;
  }

  private static Set<String> modulesIn(Path directory) {
    Set<String> modules = new TreeSet<>();
    if (!Files.isDirectory(directory)) {
      return modules;
    }
    try (Stream<Path> files = Files.list(directory)) {
      files
          .map(f -> f.getFileName().toString())
          .filter(name -> name.endsWith(".beam"))
          .forEach(name -> modules.add(name.substring(0, name.length() - ".beam".length())));
    } catch (IOException e) {
      throw new UncheckedIOException("Could not list " + directory, e);
    }
    return modules;
  }
}
