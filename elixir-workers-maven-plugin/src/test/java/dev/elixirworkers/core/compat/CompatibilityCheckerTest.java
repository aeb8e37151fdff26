package dev.elixirworkers.core.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.GatedAtomVm;
import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.Fixtures;
import dev.elixirworkers.core.vm.AdapterSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compatibility check on real BEAM files: {@code compat/app/shouter.ex} compiled by elixirc, a
 * stand-in standard library and atomvm-wasi's shipped stand-ins compiled by erlc, and excerpts of
 * AtomVM's BIF/NIF tables.
 */
class CompatibilityCheckerTest {
  @TempDir static Path work;

  private static Path app;
  private static Path stdlib;
  private static Path standIns;
  private static AtomVmNatives natives;
  private static Path source;

  @BeforeAll
  static void compile() throws Exception {
    Path root = Fixtures.resource("compat");
    source = root.resolve("app/shouter.ex").toAbsolutePath().normalize();
    app = Fixtures.compile(root.resolve("app"), work.resolve("app"));
    stdlib = Fixtures.compile(root.resolve("stdlib"), work.resolve("stdlib"));
    standIns =
        Fixtures.compile(
            AdapterSources.extractTo(work.resolve("adapter")).resolve("stand-ins"),
            work.resolve("stand-ins"));
    natives = AtomVmNatives.read(nativeTables(work.resolve("atomvm")), root.resolve("adapter"));
  }

  /**
   * The two gperf tables AtomVmNatives reads from an AtomVM tree, with a handful of keywords: C
   * declarations above the first {@code %%} (which are not keywords) and one line per function.
   */
  private static Path nativeTables(Path root) throws IOException {
    Path dir = Files.createDirectories(root.resolve("src/libAtomVM"));
    String declarations =
        "%{\n#include <string.h>\n%}\nstruct Entry\n{\n  const char *name;\n};\n%%\n";
    Files.writeString(
        dir.resolve("bifs.gperf"),
        declarations
            + String.join(
                "\n",
                "erlang:byte_size/1, {.kind = 1}",
                "erlang:+/2, {.kind = 2}",
                "erlang://2, {.kind = 2}",
                "erlang:=/=/2, {.kind = 3}",
                "erlang:is_map_key/2, {.kind = 3}",
                "erlang:map_get/2, {.kind = 3}")
            + "\n");
    Files.writeString(
        dir.resolve("nifs.gperf"),
        declarations
            + String.join(
                "\n",
                "erlang:error/1, &a_nif",
                "erlang:setnode/2, &a_nif",
                "code:load_abs/1, &a_nif",
                "code:load_binary/3, &a_nif",
                "erlang:get_module_info/1, &a_nif",
                "erlang:get_module_info/2, &a_nif",
                "erlang:nif_error/1, &a_nif",
                "lists:reverse/1, &a_nif")
            + "\n");
    return root;
  }

  private static CompatibilityChecker.Report check() {
    CompatibilityChecker checker =
        CompatibilityChecker.forInputs(natives, List.of(app, stdlib, standIns));
    return checker.check(
        List.of(
            BeamFile.read(app.resolve("Elixir.Shouter.beam")),
            BeamFile.read(app.resolve("Elixir.Shouter.Helper.beam"))));
  }

  private static int lineOf(String fragment) throws IOException {
    List<String> lines = Files.readAllLines(source);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(fragment)) {
        return i + 1;
      }
    }
    throw new AssertionError(fragment + " is not in " + source);
  }

  @Test
  void flagsStringUpcaseWithItsFileAndLine() throws IOException {
    CompatibilityChecker.Finding upcase =
        check().findings().stream()
            .filter(f -> f.call().key().equals("Elixir.String:upcase/1"))
            .findFirst()
            .orElseThrow();

    assertEquals(source, Path.of(upcase.file()).toAbsolutePath().normalize());
    assertEquals(lineOf("String.upcase(text)"), upcase.line());
    assertEquals(
        upcase.file()
            + ":"
            + upcase.line()
            + ": String.upcase/1 is not available on AtomVM (ElixirWorkers.String.upcase/1 is)",
        upcase.message());
  }

  @Test
  void aMissingCallDeepInALibraryIsReportedWhereOurCodeEntersTheLibrary() throws IOException {
    CompatibilityChecker checker =
        CompatibilityChecker.forInputs(natives, List.of(app, stdlib, standIns));
    BeamFile shouter = BeamFile.read(app.resolve("Elixir.Shouter.beam"));
    List<String> chain = List.of("Elixir.Shouter:shout/1", "Elixir.Shouter.Helper:ok/1", "lib:x/0");
    List<CompatibilityChecker.Finding> found =
        checker.reachedThroughLibraries(
            java.util.Map.of(
                "nowhere:gone/0", chain,
                "lists:reverse/1", chain, // AtomVM has it: not a finding
                "other:gone/1", List.of("Elixir.Shouter:shout/1")), // called by ours: reported
            // at its own line by check()
            java.util.Map.of("Elixir.Shouter", shouter));

    assertEquals(1, found.size(), found.toString());
    CompatibilityChecker.Finding deep = found.get(0);
    assertEquals(lineOf("Shouter.Helper.ok(text)"), deep.line());
    assertEquals("Elixir.Shouter", deep.caller());
    assertEquals(
        deep.file()
            + ":"
            + deep.line()
            + ": Shouter.Helper.ok/1 may fail: it calls :nowhere.gone/0, which is not available on"
            + " AtomVM (through :lib.x/0)",
        deep.message());
  }

  @Test
  void reportsEveryMissingFunctionOnceAndNothingElse() throws IOException {
    List<String> found =
        check().findings().stream().map(f -> f.line() + " " + f.call().display()).toList();

    assertEquals(
        List.of(
            lineOf("String.upcase") + " String.upcase/1",
            lineOf("Enum.sort") + " Enum.sort/1",
            lineOf("&String.trim/1") + " String.trim/1",
            lineOf(":crypto.strong_rand_bytes") + " :crypto.strong_rand_bytes/1",
            lineOf(":crypto.hash") + " :crypto.hash/2"),
        found);
  }

  @Test
  void whatCompiledFieldAccessCallsIsAvailableThroughTheStandIns() {
    CompatibilityChecker checker =
        CompatibilityChecker.forInputs(natives, List.of(app, stdlib, standIns));

    assertTrue(checker.available(new Mfa("elixir_erl_pass", "no_parens_remote", 2)));
    assertTrue(checker.available(new Mfa("elixir_erl_pass", "parens_map_field", 2)));
  }

  @Test
  void callsInAMacroBodyAreNotReported() throws IOException {
    assertTrue(
        BeamFile.read(app.resolve("Elixir.Shouter.beam")).imports().stream()
            .anyMatch(i -> i.module().equals("Elixir.String") && i.function().equals("downcase")),
        "the macro body calls String.downcase/1");
    assertTrue(
        check().findings().stream().noneMatch(f -> f.call().function().equals("downcase")),
        check().findings().toString());
  }

  @Test
  void nativesStandardLibraryExportsAndProjectModulesAreAvailable() {
    CompatibilityChecker checker = CompatibilityChecker.forInputs(natives, List.of(app, stdlib));

    assertTrue(checker.available(new Mfa("lists", "reverse", 1)), "a NIF");
    assertTrue(checker.available(new Mfa("erlang", "byte_size", 1)), "a BIF");
    assertTrue(checker.available(new Mfa("atomvm", "platform", 0)), "a platform NIF");
    assertTrue(checker.available(new Mfa("maps", "get", 3)), "a standard library export");
    assertTrue(checker.available(new Mfa("crypto", "hash_twice", 2)), "Erlang code, not a stub");
    assertTrue(checker.available(new Mfa("Elixir.Shouter.Helper", "ok", 1)), "the project");
    assertFalse(checker.available(new Mfa("crypto", "hash", 2)), "a NIF stub without the NIF");
    assertFalse(checker.available(new Mfa("maps", "get", 2)), "another arity");
    assertFalse(checker.available(new Mfa("Elixir.String", "upcase", 1)), "no such module");
  }

  @Test
  void nifsTheAdapterLeavesOutAreNotAvailable() {
    CompatibilityChecker checker = CompatibilityChecker.forInputs(natives, List.of(app, stdlib));

    assertFalse(checker.available(new Mfa("code", "load_abs", 1)), "in removed-nifs.txt");
    assertFalse(checker.available(new Mfa("erlang", "setnode", 2)), "an indented entry");
    assertTrue(checker.available(new Mfa("code", "load_binary", 3)), "a NIF that stays");
    assertFalse(natives.keys().contains("erlang:not_in_the_table/9"));
  }

  @Test
  void removedNifsAreOneEntryPerLineWithoutCommentsOrBlankLines() {
    assertEquals(
        Set.of("code:load_abs/1", "erlang:setnode/2"),
        AtomVmNatives.parseRemovedNifs("# comment\n\n code:load_abs/1 \r\nerlang:setnode/2\n"));
  }

  @Test
  void theShippedListOfRemovedNifsNamesNifsOfTheAtomVmSource() throws IOException {
    Path adapter = AdapterSources.extractTo(work.resolve("shipped-adapter"));
    Set<String> removed =
        AtomVmNatives.parseRemovedNifs(Files.readString(adapter.resolve("removed-nifs.txt")));

    assertTrue(removed.contains("code:load_abs/1"), removed.toString());
    for (String key : removed) {
      assertTrue(key.matches("[a-z_]+:[a-z_]+/\\d+"), key);
    }
    Optional<Path> atomvm = GatedAtomVm.source();
    if (atomvm.isPresent()) {
      Set<String> tables = AtomVmNatives.readTables(atomvm.get());
      for (String key : removed) {
        assertTrue(tables.contains(key), key + " is not a NIF of " + atomvm.get());
      }
      Set<String> kept = AtomVmNatives.read(atomvm.get(), adapter).keys();
      assertTrue(kept.contains("erlang:crc32/1"), "computation stays");
      assertTrue(removed.stream().noneMatch(kept::contains), kept.toString());
    }
  }

  @Test
  void theShippedAdapterHasTheCryptoNifsAndNoOtherCryptoFunction() {
    Path adapter = AdapterSources.extractTo(work.resolve("shipped-adapter-crypto"));
    Set<String> platform = AtomVmNatives.withPlatform(Set.of(), adapter).keys();

    for (String nif :
        List.of(
            "crypto:hash/2",
            "crypto:hash_init/1",
            "crypto:hash_update/2",
            "crypto:hash_final/1",
            "crypto:mac/4",
            "crypto:macN/5",
            "crypto:hash_equals/2",
            "crypto:pbkdf2_hmac/5",
            "crypto:strong_rand_bytes/1")) {
      assertTrue(platform.contains(nif), nif + " in " + platform);
    }
    // the rest of crypto stays a NIF stub of AtomVM's crypto module: reported, undef when called
    assertFalse(platform.contains("crypto:crypto_one_time/4"), platform.toString());
  }

  @Test
  void aModuleWithoutProblemsHasNoFindings() {
    CompatibilityChecker.Report report =
        CompatibilityChecker.forInputs(natives, List.of(app, stdlib))
            .check(List.of(BeamFile.read(app.resolve("Elixir.Shouter.Helper.beam"))));

    assertEquals(List.of(), report.findings());
    assertEquals(1, report.modulesChecked());
    assertTrue(report.callsChecked() > 0);
  }

  @Test
  void stringFunctionsPointAtElixirWorkersStringWhenItHasThem() {
    List<CompatibilityChecker.Finding> findings = check().findings();

    assertEquals(
        "ElixirWorkers.String.upcase/1 is",
        findings.stream()
            .filter(f -> f.call().function().equals("upcase"))
            .findFirst()
            .orElseThrow()
            .hint());
    assertEquals(
        "AtomVM has no module String",
        findings.stream()
            .filter(f -> f.call().function().equals("trim"))
            .findFirst()
            .orElseThrow()
            .hint());
  }

  @Test
  void findingsNameTheMissingModule() {
    CompatibilityChecker.Finding finding =
        check().findings().stream()
            .filter(f -> f.call().module().equals("Elixir.Enum"))
            .findFirst()
            .orElseThrow();

    assertEquals("AtomVM has no module Enum", finding.hint());
    assertEquals("Elixir.Shouter", finding.caller());
  }

  @Test
  void readsOperatorsAndPlatformNifs() {
    Set<String> keys = natives.keys();

    assertTrue(keys.contains("erlang://2"), keys.toString());
    assertTrue(keys.contains("erlang:=/=/2"), keys.toString());
    assertTrue(keys.contains("erlang:+/2"), keys.toString());
    assertTrue(keys.contains("elixir_workers_host:read_request/0"), keys.toString());
    assertFalse(keys.stream().anyMatch(k -> k.contains("struct")), keys.toString());
    assertEquals(":erlang.//2", new Mfa("erlang", "/", 2).display());
  }

  @Test
  void anAtomVmTreeWithoutTablesIsABuildErrorThatSaysWhatToDo() {
    BuildException e = assertThrows(BuildException.class, () -> AtomVmNatives.read(work, work));

    assertTrue(e.getMessage().contains("src/libAtomVM/bifs.gperf"), e.getMessage());
    assertTrue(e.getMessage().contains("AtomVM source setting"), e.getMessage());
  }

  @Test
  void modesParseAndBadValuesSayWhatIsAllowed() {
    assertEquals(CompatibilityMode.WARN, CompatibilityMode.parse(null, "<compatibility>"));
    assertEquals(CompatibilityMode.ERROR, CompatibilityMode.parse("Error", "<compatibility>"));
    assertEquals(CompatibilityMode.OFF, CompatibilityMode.parse(" off ", "<compatibility>"));
    BuildException e =
        assertThrows(
            BuildException.class, () -> CompatibilityMode.parse("strict", "<compatibility>"));
    assertEquals(
        "<compatibility> is 'strict' — use warn (report calls AtomVM does not have), error (fail"
            + " the build on them) or off",
        e.getMessage());
  }
}
