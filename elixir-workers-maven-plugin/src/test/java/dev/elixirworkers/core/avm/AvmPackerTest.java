package dev.elixirworkers.core.avm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.elixirworkers.core.avm.PackResult.PackedModule;
import dev.elixirworkers.core.avm.PackResult.Reason;
import dev.elixirworkers.core.beam.BeamFile;
import dev.elixirworkers.core.beam.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AvmPackerTest {
  private static final String START = "Elixir.HelloWorker";

  @TempDir static Path work;
  static Path app;
  static Path shadow;

  @BeforeAll
  static void compileFixtures() throws Exception {
    app = Fixtures.compile(Fixtures.resource("pack/app"), work.resolve("app"));
    shadow = Fixtures.compile(Fixtures.resource("pack/shadow"), work.resolve("shadow"));
  }

  private static PackResult pack(PackRequest.Builder builder) {
    return AvmPacker.pack(builder.build());
  }

  private static Map<String, PackedModule> byName(PackResult result) {
    return result.modules().stream()
        .collect(Collectors.toMap(PackedModule::module, Function.identity()));
  }

  @Test
  void startModuleComesFirstAndIsTheOnlyOneWithTheStartFlag() {
    Path out = work.resolve("start.avm");
    pack(PackRequest.builder(START).input(app).output(out));

    AvmArchive archive = AvmArchive.read(out);
    List<AvmArchive.Section> sections = archive.sections();
    assertEquals("Elixir.HelloWorker.beam", sections.get(0).name());
    assertEquals(AvmArchive.BEAM_START_FLAG | AvmArchive.BEAM_CODE_FLAG, sections.get(0).flags());
    for (AvmArchive.Section section : sections.subList(1, sections.size())) {
      assertEquals(AvmArchive.BEAM_CODE_FLAG, section.flags(), section.name());
      assertFalse(section.isStart(), section.name());
    }
  }

  @Test
  void archiveHasTheAtomVmHeaderAlignedSectionsAndAnEndSection() throws Exception {
    Path out = work.resolve("layout.avm");
    pack(PackRequest.builder(START).input(app).output(out));
    byte[] bytes = Files.readAllBytes(out);

    assertEquals("#!/usr/bin/env AtomVM\n\0\0", new String(bytes, 0, 24, "US-ASCII"));
    int offset = 24;
    int count = 0;
    while (true) {
      int size = java.nio.ByteBuffer.wrap(bytes).getInt(offset);
      if (size == 0) {
        break;
      }
      assertEquals(0, size % 4, "section sizes are 4-byte aligned");
      assertEquals(0, java.nio.ByteBuffer.wrap(bytes).getInt(offset + 8), "reserved word");
      offset += size;
      count++;
    }
    assertEquals(AvmArchive.read(out).sections().size(), count);
    assertEquals("end", new String(bytes, offset + 12, 3, "US-ASCII"));
    assertEquals(offset + 16, bytes.length, "the end section closes the file");
  }

  @Test
  void treeShakingLeavesOutAModuleNothingReferences() {
    PackResult result = pack(PackRequest.builder(START).input(app));
    assertFalse(result.moduleNames().contains("Elixir.Unused"), result.moduleNames().toString());
    assertFalse(result.moduleNames().contains("no_start"));
  }

  @Test
  void followsImportsElixirAtomsLiteralsFunLiteralsAndProtocolImplementations() {
    Map<String, PackedModule> packed = byName(pack(PackRequest.builder(START).input(app)));

    assertEquals(Reason.START, packed.get(START).reason());
    assertEquals(Reason.IMPORT, packed.get("Elixir.Helper").reason());
    assertEquals(START, packed.get("Elixir.Helper").via());
    assertEquals(Reason.ELIXIR_ATOM, packed.get("Elixir.Dynamic.Target").reason());
    assertEquals(Reason.LITERAL_ATOM, packed.get("Elixir.Listed.Handler").reason());
    assertEquals(Reason.FUN_LITERAL, packed.get("erlfun").reason());
    assertTrue(packed.containsKey("Elixir.Person"), packed.keySet().toString());
    assertEquals(Reason.PROTOCOL_IMPL, packed.get("Elixir.Greeter.Person").reason());
    assertEquals("Elixir.Greeter", packed.get("Elixir.Greeter.Person").via());
  }

  @Test
  void theAtomInitDoesNotPullInTheInitModule() {
    BeamFile start = BeamFile.read(app.resolve("Elixir.HelloWorker.beam"));
    assertTrue(start.atoms().contains("init"), "the fixture passes :init around");
    assertTrue(Files.exists(app.resolve("init.beam")), "the fixture has an init module");

    PackResult result = pack(PackRequest.builder(START).input(app));
    assertFalse(result.moduleNames().contains("init"), result.moduleNames().toString());
  }

  @Test
  void anImportedInitModuleIsStillExcludedAndReported() {
    Path out = work.resolve("calls-init");
    // init:boot/1 is in init_caller's import table
    PackResult result =
        pack(
            PackRequest.builder("init_caller")
                .input(compileErl(out, "init_caller", "start() -> init:boot([])."))
                .input(app));
    assertFalse(result.moduleNames().contains("init"));
    assertEquals(java.util.Set.of("init"), result.excludedReferences());
  }

  @Test
  void importsOfNativeFunctionsDoNotPullInTheirModule() {
    Path out = work.resolve("calls-natives");
    Path input = compileErl(out, "native_caller", "start() -> {erlfun:go(), init:boot([])}.");

    PackResult plain = pack(PackRequest.builder("native_caller").input(input).input(app));
    assertTrue(plain.moduleNames().contains("erlfun"), plain.moduleNames().toString());

    PackResult natives =
        pack(
            PackRequest.builder("native_caller")
                .input(input)
                .input(app)
                .nativeFunctions(java.util.Set.of("erlfun:go/0", "init:boot/1")));
    assertEquals(List.of("native_caller"), natives.moduleNames());
    assertEquals(java.util.Set.of(), natives.excludedReferences());
  }

  @Test
  void extraModulesArePackedAndCanOverrideTheExclusion() {
    PackResult result =
        pack(PackRequest.builder(START).input(app).extraModules(List.of("Elixir.Unused", "init")));
    Map<String, PackedModule> packed = byName(result);
    assertEquals(Reason.EXTRA, packed.get("Elixir.Unused").reason());
    assertTrue(packed.containsKey("init"));
  }

  @Test
  void unknownExtraModuleFailsNamingIt() {
    PackException e =
        assertThrows(
            PackException.class,
            () -> pack(PackRequest.builder(START).input(app).extraModules(List.of("Elixir.Nope"))));
    assertTrue(e.getMessage().contains("Elixir.Nope"), e.getMessage());
    assertTrue(e.getMessage().contains("<extraModules>"), e.getMessage());
  }

  @Test
  void identicalInputsGiveByteIdenticalArchives() throws Exception {
    Path first = work.resolve("first.avm");
    Path second = work.resolve("second.avm");
    PackResult one = pack(PackRequest.builder(START).input(app, shadow).output(first));
    PackResult two = pack(PackRequest.builder(START).input(app, shadow).output(second));
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));
    assertTrue(one.written());

    PackResult again = pack(PackRequest.builder(START).input(app, shadow).output(first));
    assertFalse(again.written(), "an up-to-date archive is left alone");
    assertArrayEquals(two.archive(), again.archive());
  }

  @Test
  void modulesAfterTheStartModuleAreSortedByName() {
    List<String> names = pack(PackRequest.builder(START).input(app)).moduleNames();
    List<String> rest = names.subList(1, names.size());
    assertEquals(rest.stream().sorted().toList(), rest);
  }

  @Test
  void theFirstInputWinsWhenTwoDefineTheSameModule() {
    PackResult appFirst = pack(PackRequest.builder(START).input(app, shadow));
    assertTrue(byName(appFirst).get("Elixir.Helper").source().startsWith(app.toString()));

    PackResult shadowFirst = pack(PackRequest.builder(START).input(shadow, app));
    assertTrue(byName(shadowFirst).get("Elixir.Helper").source().startsWith(shadow.toString()));
  }

  @Test
  void packedModulesKeepOnlyTheChunksAtomVmReads() {
    Path out = work.resolve("stripped.avm");
    pack(PackRequest.builder(START).input(app).output(out));
    for (AvmArchive.Section section : AvmArchive.read(out).sections()) {
      BeamFile beam = BeamFile.parse(section.data(), section.name());
      for (String id : beam.chunkIds()) {
        assertTrue(AtomVmChunks.READ.contains(id), section.name() + " kept " + id);
      }
      assertTrue(beam.chunkIds().containsAll(List.of("AtU8", "Code", "ImpT", "ExpT")));
      assertEquals(section.moduleName(), beam.module());
    }
  }

  @Test
  void lineTablesAreKeptOnRequest() {
    PackResult result = pack(PackRequest.builder(START).input(app).keepLineTables(true));
    AvmArchive archive = AvmArchive.parse(result.archive(), "memory");
    BeamFile start = BeamFile.parse(archive.sections().get(0).data(), "start");
    assertTrue(start.chunkIds().contains("Line"), start.chunkIds().toString());
  }

  @Test
  void packedModulesAreWellFormedForTheErlangBeamReader() throws Exception {
    Path out = work.resolve("wellformed.avm");
    pack(PackRequest.builder(START).input(app).output(out));
    Path extracted = Files.createDirectories(work.resolve("extracted"));
    for (AvmArchive.Section section : AvmArchive.read(out).sections()) {
      Files.write(extracted.resolve(section.name()), section.data());
    }
    String output =
        Fixtures.erl(
            "[begin {ok, {M, [{atoms, _}, {imports, _}, {exports, _}]}} ="
                + " beam_lib:chunks(F, [atoms, imports, exports]), io:format(\"~s~n\", [M]) end"
                + " || F <- filelib:wildcard(\""
                + extracted.toString().replace("\\", "/")
                + "/*.beam\")], halt().");
    assertTrue(output.contains("Elixir.HelloWorker"), output);
    assertTrue(output.contains("erlfun"), output);
  }

  @Test
  void anArchiveCanBeAnInput() {
    Path lib = work.resolve("lib.avm");
    pack(PackRequest.builder(START).input(app).output(lib).treeShake(false));
    PackResult result = pack(PackRequest.builder(START).input(lib));
    assertEquals(pack(PackRequest.builder(START).input(app)).moduleNames(), result.moduleNames());
  }

  @Test
  void withoutTreeShakingEveryModuleExceptInitIsPacked() {
    PackResult result = pack(PackRequest.builder(START).input(app).treeShake(false));
    assertTrue(result.moduleNames().contains("Elixir.Unused"));
    assertTrue(result.moduleNames().contains("no_start"));
    assertFalse(result.moduleNames().contains("init"));
  }

  @Test
  void anElixirAliasIsAcceptedAsTheStartModule() {
    PackResult result = pack(PackRequest.builder("HelloWorker").input(app));
    assertEquals(START, result.moduleNames().get(0));
  }

  @Test
  void missingStartModuleNamesTheModuleTheDirectoriesAndTheFix() {
    PackException e =
        assertThrows(
            PackException.class,
            () -> pack(PackRequest.builder("Elixir.GoodbyeWorker").input(app, shadow)));
    String message = e.getMessage();
    assertTrue(message.contains("Elixir.GoodbyeWorker"), message);
    assertTrue(message.contains(app.toString()), message);
    assertTrue(message.contains(shadow.toString()), message);
    assertTrue(message.contains("<startModule>"), message);
    assertTrue(message.contains("Elixir.HelloWorker"), "lists the modules it did find: " + message);
  }

  @Test
  void startModuleWithoutStartFunctionFailsUnlessAllowed() {
    PackException e =
        assertThrows(PackException.class, () -> pack(PackRequest.builder("no_start").input(app)));
    assertTrue(e.getMessage().contains("start/0"), e.getMessage());

    PackResult result =
        pack(PackRequest.builder("no_start").input(app).requireStartFunction(false));
    assertEquals("no_start", result.moduleNames().get(0));
  }

  @Test
  void missingInputFailsNamingIt() {
    Path missing = work.resolve("no-such-dir");
    PackException e =
        assertThrows(PackException.class, () -> pack(PackRequest.builder(START).input(missing)));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void theSummaryListsEveryModuleWithItsSize() {
    PackResult result = pack(PackRequest.builder(START).input(app));
    List<String> lines = result.describe();
    assertTrue(lines.get(0).contains(result.modules().size() + " modules"), lines.get(0));
    assertTrue(lines.stream().anyMatch(l -> l.contains("Elixir.Dynamic.Target.beam")));
    assertTrue(
        result.unresolvedModules().contains("erlang"), result.unresolvedModules().toString());
  }

  // --- function-level reachability ---------------------------------------------------------------

  /** Compiles Erlang modules given as {@code -module} sources into one directory. */
  private static Path erlModules(String dir, String... sources) {
    try {
      Path src = Files.createDirectories(work.resolve(dir).resolve("src"));
      for (String source : sources) {
        String module = source.substring("-module(".length(), source.indexOf(')'));
        Files.writeString(src.resolve(module + ".erl"), source + "\n");
      }
      return Fixtures.compile(src, work.resolve(dir).resolve("ebin"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Modules used only by functions nothing calls; each test adds one route that reaches them. */
  private static final String LIB =
      "-module(lib).\n-export([used/0, unused/0]).\nused() -> ok.\nunused() -> only_unused:go().";

  private static final String ONLY_UNUSED =
      "-module(only_unused).\n-export([go/0]).\ngo() -> gone.";

  private static java.util.Set<String> packedFrom(String dir, String start, String... sources) {
    List<String> all = new java.util.ArrayList<>(List.of(sources));
    all.add(LIB);
    all.add(ONLY_UNUSED);
    return pack(PackRequest.builder(start).input(erlModules(dir, all.toArray(String[]::new))))
        .moduleNames()
        .stream()
        .collect(Collectors.toSet());
  }

  @Test
  void aModuleReachedOnlyFromFunctionsNothingCallsIsLeftOut() {
    var packed =
        packedFrom(
            "reach-unused",
            "s",
            "-module(s).\n-export([start/0]).\nstart() -> lib:used().\n"
                + "dead() -> only_unused:go().\n-compile({nowarn_unused_function, dead/0}).");
    assertTrue(packed.contains("lib"), packed.toString());
    assertFalse(packed.contains("only_unused"), "lib:unused/0 and s:dead/0 never run: " + packed);
  }

  @Test
  void localCallsAndFunsOfReachableFunctionsAreFollowed() {
    var packed =
        packedFrom(
            "reach-locals",
            "s",
            // The fun escapes (the compiler would inline one called on the spot).
            "-module(s).\n-export([start/0]).\nstart() -> put(f, fun() -> helper() end).\n"
                + "helper() -> only_unused:go().");
    assertTrue(packed.contains("only_unused"), packed.toString());
  }

  @Test
  void eachPackedModuleSaysThroughWhichFunctionsTheStartReachedIt() {
    PackResult result =
        pack(
            PackRequest.builder("s")
                .input(
                    erlModules(
                        "reached-by",
                        "-module(s).\n-export([start/0]).\nstart() -> mid:go().",
                        "-module(mid).\n-export([go/0]).\ngo() -> lib:used().",
                        LIB,
                        ONLY_UNUSED)));
    assertEquals(
        List.of("s:start/0", "mid:go/0", "lib:used/0"), byName(result).get("lib").reachedBy());
    assertTrue(
        result.describe().contains("      reached by s:start/0 → mid:go/0 → lib:used/0"),
        String.join("\n", result.describe()));
  }

  @Test
  void callsThatWillFailAreListedWithTheChainThatReachedThem() {
    PackResult result =
        pack(
            PackRequest.builder("s")
                .input(
                    erlModules(
                        "unsatisfied",
                        "-module(s).\n-export([start/0]).\nstart() -> mid:go().",
                        "-module(mid).\n-export([go/0]).\n"
                            + "go() -> lib:absent(), nowhere:at_all(1), stub:nif(), lib:used().",
                        "-module(stub).\n-export([nif/0]).\nnif() -> erlang:nif_error(undef).",
                        LIB,
                        ONLY_UNUSED))
                .nativeFunctions(
                    java.util.Set.of(
                        "erlang:nif_error/1",
                        "erlang:get_module_info/1",
                        "erlang:get_module_info/2")));
    assertEquals(
        java.util.Map.of(
            "lib:absent/0", List.of("s:start/0", "mid:go/0"),
            "nowhere:at_all/1", List.of("s:start/0", "mid:go/0"),
            "stub:nif/0", List.of("s:start/0", "mid:go/0")),
        result.unsatisfiedCalls());
  }

  @Test
  void aDeclaredReplacementRunsInsteadOfTheReplacedFunction() {
    PackResult result =
        pack(
            PackRequest.builder("s")
                .input(
                    erlModules(
                        "replacement",
                        "-module(s).\n-export([start/0]).\nstart() -> lib:unused().",
                        "-module(better).\n-elixir_workers_replaces([{lib, unused, 0}]).\n"
                            + "-export([unused/0]).\nunused() -> lib:used().",
                        LIB,
                        ONLY_UNUSED)));
    // lib:unused/0 is never reached: only better's own call of lib:used/0 packs lib
    assertEquals(List.of("s", "better", "lib"), result.moduleNames());
    AvmArchive archive = AvmArchive.parse(result.archive(), "packed");
    BeamFile start =
        archive.sections().stream()
            .filter(section -> section.name().equals("s.beam"))
            .map(section -> BeamFile.parse(section.data(), "s.beam"))
            .findFirst()
            .orElseThrow();
    assertTrue(
        start.imports().contains(new BeamFile.Import("better", "unused", 0)),
        start.imports().toString());
    assertFalse(
        start.imports().contains(new BeamFile.Import("lib", "unused", 0)),
        start.imports().toString());
  }

  @Test
  void aReplacementConfinedToOneModuleRunsOnlyForThatModulesCalls() {
    PackResult result =
        pack(
            PackRequest.builder("s")
                .input(
                    erlModules(
                        "replacement-in",
                        "-module(s).\n-export([start/0]).\nstart() -> {mid:go(), lib:unused()}.",
                        "-module(mid).\n-export([go/0]).\ngo() -> lib:unused().",
                        "-module(better).\n-elixir_workers_replaces_in([{mid, [{lib, unused, 0}]}]).\n"
                            + "-export([unused/0]).\nunused() -> lib:used().",
                        LIB,
                        ONLY_UNUSED)));
    AvmArchive archive = AvmArchive.parse(result.archive(), "packed");
    java.util.Map<String, BeamFile> beams = new java.util.TreeMap<>();
    archive.sections().stream()
        .filter(section -> section.name().endsWith(".beam"))
        .forEach(
            section -> beams.put(section.name(), BeamFile.parse(section.data(), section.name())));
    // mid's call runs better:unused/0, s's call still runs lib's own
    assertTrue(
        beams.get("mid.beam").imports().contains(new BeamFile.Import("better", "unused", 0)),
        beams.get("mid.beam").imports().toString());
    assertFalse(
        beams.get("mid.beam").imports().contains(new BeamFile.Import("lib", "unused", 0)),
        beams.get("mid.beam").imports().toString());
    assertTrue(
        beams.get("s.beam").imports().contains(new BeamFile.Import("lib", "unused", 0)),
        beams.get("s.beam").imports().toString());
    assertTrue(result.moduleNames().contains("better"), result.moduleNames().toString());
  }

  @Test
  void aConfinedReplacementOfAMissingFunctionIsNoLongerAFailingCall() {
    PackResult result =
        pack(
            PackRequest.builder("s")
                .input(
                    erlModules(
                        "replacement-in-missing",
                        "-module(s).\n-export([start/0]).\nstart() -> {mid:go(), other:go()}.",
                        "-module(mid).\n-export([go/0]).\ngo() -> nowhere:hash(1).",
                        "-module(other).\n-export([go/0]).\ngo() -> nowhere:hash(2).",
                        "-module(better).\n-elixir_workers_replaces_in([{mid, [{nowhere, hash, 1}]}]).\n"
                            + "-export([hash/1]).\nhash(_) -> 7.",
                        LIB,
                        ONLY_UNUSED)));
    // only other's call is left to fail
    assertEquals(
        List.of("s:start/0", "other:go/0"), result.unsatisfiedCalls().get("nowhere:hash/1"));
  }

  @Test
  void anExternalFunOfAReplacedFunctionRunsTheReplacementToo() {
    PackResult result =
        pack(
            PackRequest.builder("s")
                .input(
                    erlModules(
                        "replacement-fun",
                        "-module(s).\n-export([start/0]).\n"
                            + "start() -> lists:map(fun lib:unused/0, []), [{k, fun lib:unused/0}].",
                        "-module(better).\n-elixir_workers_replaces([{lib, unused, 0}]).\n"
                            + "-export([unused/0]).\nunused() -> fun lib:used/0.",
                        LIB,
                        ONLY_UNUSED)));
    // no fun of lib:unused/0 is left to reach only_unused; better's own fun of lib:used/0 stays
    assertEquals(List.of("s", "better", "lib"), result.moduleNames());
    AvmArchive archive = AvmArchive.parse(result.archive(), "packed");
    java.util.Set<String> funs = new java.util.TreeSet<>();
    for (AvmArchive.Section section : archive.sections()) {
      if (section.name().endsWith(".beam")) {
        funs.addAll(
            LiteralReferences.of(BeamFile.parse(section.data(), section.name())).funs().stream()
                .map(fun -> section.name() + " " + fun)
                .toList());
      }
    }
    assertEquals(java.util.Set.of("s.beam better:unused/0", "better.beam lib:used/0"), funs);
  }

  @Test
  void aReplacementMustHaveTheReplacedFunctionsNameAndArity() {
    PackException e =
        assertThrows(
            PackException.class,
            () ->
                pack(
                    PackRequest.builder("s")
                        .input(
                            erlModules(
                                "replacement-misnamed",
                                "-module(s).\n-export([start/0]).\nstart() -> lib:unused().",
                                "-module(better).\n"
                                    + "-elixir_workers_replaces([{lib, unused, 0}]).\n"
                                    + "-export([other/0]).\nother() -> ok.",
                                LIB,
                                ONLY_UNUSED))));
    assertTrue(
        e.getMessage().contains("lib:unused/0 but does not export unused/0"), e.getMessage());
  }

  @Test
  void anExternalFunLiteralReachesExactlyThatFunction() {
    var packed =
        packedFrom(
            "reach-funlit", "s", "-module(s).\n-export([start/0]).\nstart() -> fun lib:used/0.");
    assertTrue(packed.contains("lib"), packed.toString());
    assertFalse(packed.contains("only_unused"), packed.toString());
    var unused =
        packedFrom(
            "reach-funlit2", "s", "-module(s).\n-export([start/0]).\nstart() -> fun lib:unused/0.");
    assertTrue(unused.contains("only_unused"), unused.toString());
  }

  @Test
  void aModuleNamedByAnAtomInReachableCodeHasItsExportsNamedByAtomsReachable() {
    // apply/3 on a module named by an atom: the function's name is an atom of reachable code too.
    var applied =
        packedFrom(
            "reach-apply",
            "s",
            "-module(s).\n-export([start/0]).\n"
                + "start() -> lib:used(), apply(lib, get(f), []), put(f, unused).");
    assertTrue(applied.contains("only_unused"), applied.toString());
    // a function name no reachable code holds as an atom (built at run time) is not followed:
    // extraModules packs such a module whole
    var computed =
        packedFrom(
            "reach-apply-computed",
            "s",
            "-module(s).\n-export([start/0]).\n"
                + "start() -> lib:used(), apply(lib, list_to_atom(get(prefix) ++ \"used\"), []).");
    assertTrue(computed.contains("lib"), computed.toString());
    assertFalse(computed.contains("only_unused"), computed.toString());
  }

  @Test
  void aModulePassingItsOwnNameOnHasEveryExportReachable() {
    // A behaviour callback, a gen_server: code elsewhere calls back by that name.
    var callback =
        packedFrom(
            "reach-self",
            "s",
            "-module(s).\n-export([start/0]).\nstart() -> cb:go().",
            "-module(cb).\n-export([go/0, handle/0]).\ngo() -> runner:run(?MODULE).\n"
                + "handle() -> lib:unused().",
            "-module(runner).\n-export([run/1]).\nrun(M) -> M:handle().");
    assertTrue(callback.contains("only_unused"), callback.toString());
  }

  @Test
  void aModuleAndFunctionNamedInALiteralOfReachableCodeAreReachable() {
    // A list of {module, function} handlers: the atoms are in the literal table only.
    var listed =
        packedFrom(
            "reach-literal",
            "s",
            "-module(s).\n-export([start/0]).\n"
                + "start() -> lib:used(), put(handlers, [{lib, unused}, other]).");
    assertTrue(listed.contains("only_unused"), listed.toString());
    var moduleOnly =
        packedFrom(
            "reach-literal-module",
            "s",
            "-module(s).\n-export([start/0]).\nstart() -> lib:used(), put(handlers, [lib, other]).");
    assertFalse(moduleOnly.contains("only_unused"), moduleOnly.toString());
  }

  @Test
  void anAtomReachableCodeOnlyComparesWithDoesNotMakeItsModuleWhole() {
    // `case X of lib -> ...` tests against the atom; it never reaches a register to be called
    // (Elixir's Enum matches %Stream{} this way, which made all of Stream whole).
    var compared =
        packedFrom(
            "reach-compare",
            "s",
            "-module(s).\n-export([start/0]).\n"
                + "start() -> lib:used(), case get(x) of lib -> yes; _ -> no end.");
    assertTrue(compared.contains("lib"), compared.toString());
    assertFalse(compared.contains("only_unused"), compared.toString());
  }

  @Test
  void elixirModulesNamedByAtomsAreStillPackedWholeEvenIfNotCalled() {
    Map<String, PackedModule> packed = byName(pack(PackRequest.builder(START).input(app)));
    // HelloWorker passes Dynamic.Target around (run_with/1): everything it exports is kept.
    assertEquals(Reason.ELIXIR_ATOM, packed.get("Elixir.Dynamic.Target").reason());
    assertTrue(packed.containsKey("Elixir.Greeter.Person"), packed.keySet().toString());
  }

  @Test
  void aModuleWhoseCodeCannotBeDecodedIsFollowedAsAWhole() throws Exception {
    Path dir =
        erlModules(
            "reach-opaque",
            "-module(s).\n-export([start/0]).\nstart() -> lib:used().",
            LIB,
            ONLY_UNUSED);
    assertFalse(pack(PackRequest.builder("s").input(dir)).moduleNames().contains("only_unused"));

    // An instruction this packer does not know (a newer compiler's) in lib's code.
    BeamFile lib = BeamFile.read(dir.resolve("lib.beam"));
    List<BeamFile.Chunk> chunks = new java.util.ArrayList<>();
    for (BeamFile.Chunk chunk : lib.chunks()) {
      if (chunk.id().equals("Code")) {
        byte[] code = chunk.data().clone();
        int first = 4 + java.nio.ByteBuffer.wrap(code).getInt(0);
        assertEquals(1, code[first], "lib's code starts with a label");
        code[first] = (byte) 0xfe;
        chunk = new BeamFile.Chunk("Code", code);
      }
      chunks.add(chunk);
    }
    Path patched = Files.createDirectories(work.resolve("reach-opaque-patched"));
    Files.write(patched.resolve("lib.beam"), BeamFile.build(chunks));
    assertTrue(FunctionReferences.of(BeamFile.read(patched.resolve("lib.beam"))).isEmpty());

    PackResult result = pack(PackRequest.builder("s").input(patched).input(dir));
    assertTrue(result.moduleNames().contains("only_unused"), result.moduleNames().toString());
  }

  private static Path compileErl(Path dir, String module, String body) {
    try {
      Path src = Files.createDirectories(dir.resolve("src"));
      Files.writeString(
          src.resolve(module + ".erl"),
          "-module(" + module + ").\n-export([start/0]).\n" + body + "\n");
      return Fixtures.compile(src, dir.resolve("ebin"));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
