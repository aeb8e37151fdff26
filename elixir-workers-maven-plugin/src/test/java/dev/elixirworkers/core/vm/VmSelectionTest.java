package dev.elixirworkers.core.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class VmSelectionTest {
  static final String COORDINATES = PrebuiltVm.coordinates("1.0", AtomVmRelease.DEFAULT);
  static final AtomVmRelease CUSTOM = AtomVmRelease.ofGitHubTag("v0.6.6", "00".repeat(32));
  static final Path ARCHIVE = Path.of("/repo/prebuilt-vm-1.0-atomvm-v0.7.0-alpha.0.zip");
  static final Path CHECKOUT = Path.of("/src/AtomVM");

  static final Supplier<VmSelection.Lookup> FOUND = () -> VmSelection.Lookup.found(ARCHIVE);
  static final Supplier<VmSelection.Lookup> MISSING =
      () -> VmSelection.Lookup.missing("not found in central");
  static final Supplier<VmSelection.Lookup> NOT_ASKED =
      () -> fail("the repositories should not be asked");

  static VmInput choose(
      VmMode mode, AtomVmRelease release, Optional<Path> source, Supplier<VmSelection.Lookup> l) {
    return VmSelection.choose(mode, release, source, COORDINATES, l);
  }

  @Test
  void coordinatesNameThePinInTheClassifier() {
    assertEquals("dev.elixirworkers:prebuilt-vm:zip:atomvm-v0.7.0-alpha.0:1.0", COORDINATES);
  }

  @Test
  void autoUsesThePrebuiltVmForTheDefaultPin() {
    VmInput input = choose(VmMode.AUTO, AtomVmRelease.DEFAULT, Optional.empty(), FOUND);

    assertEquals(new VmInput.Prebuilt(ARCHIVE, COORDINATES, false), input);
  }

  @Test
  void autoBuildsFromSourceWhenThePrebuiltVmIsMissingAndSaysWhy() {
    VmInput input = choose(VmMode.AUTO, AtomVmRelease.DEFAULT, Optional.empty(), MISSING);

    VmInput.FromSource source = assertInstanceOf(VmInput.FromSource.class, input);
    assertTrue(source.whyNotPrebuilt().contains(COORDINATES), source.whyNotPrebuilt());
    assertTrue(source.whyNotPrebuilt().contains("not found in central"), source.whyNotPrebuilt());
  }

  @Test
  void autoBuildsALocalCheckoutFromSourceWithoutAskingTheRepositories() {
    assertEquals(
        VmInput.SOURCE,
        choose(VmMode.AUTO, AtomVmRelease.DEFAULT, Optional.of(CHECKOUT), NOT_ASKED));
  }

  @Test
  void autoBuildsACustomPinFromSourceWithoutAskingTheRepositories() {
    assertEquals(VmInput.SOURCE, choose(VmMode.AUTO, CUSTOM, Optional.empty(), NOT_ASKED));
  }

  @Test
  void sourceNeverAsksTheRepositories() {
    assertEquals(
        VmInput.SOURCE, choose(VmMode.SOURCE, AtomVmRelease.DEFAULT, Optional.empty(), NOT_ASKED));
  }

  @Test
  void prebuiltUsesTheArtifactAndMarksItRequired() {
    assertEquals(
        new VmInput.Prebuilt(ARCHIVE, COORDINATES, true),
        choose(VmMode.PREBUILT, AtomVmRelease.DEFAULT, Optional.empty(), FOUND));
  }

  @Test
  void prebuiltWithoutTheArtifactFailsSayingHowToBuildFromSource() {
    BuildException e =
        assertThrows(
            BuildException.class,
            () -> choose(VmMode.PREBUILT, AtomVmRelease.DEFAULT, Optional.empty(), MISSING));

    assertTrue(e.getMessage().contains(COORDINATES), e.getMessage());
    assertTrue(e.getMessage().contains("not found in central"), e.getMessage());
    assertTrue(e.getMessage().contains("-Delixir-workers.vm=source"), e.getMessage());
    assertTrue(e.getMessage().contains("sudo apt-get install clang-19"), e.getMessage());
    assertTrue(e.getMessage().contains("-Datomvm.source"), e.getMessage());
  }

  @Test
  void prebuiltWithACheckoutIsAConfigurationError() {
    BuildException e =
        assertThrows(
            BuildException.class,
            () -> choose(VmMode.PREBUILT, AtomVmRelease.DEFAULT, Optional.of(CHECKOUT), NOT_ASKED));

    assertTrue(e.getMessage().contains("<atomvmSource>"), e.getMessage());
  }

  @Test
  void prebuiltWithACustomPinIsAConfigurationError() {
    BuildException e =
        assertThrows(
            BuildException.class,
            () -> choose(VmMode.PREBUILT, CUSTOM, Optional.empty(), NOT_ASKED));

    assertTrue(e.getMessage().contains("v0.6.6"), e.getMessage());
    assertTrue(e.getMessage().contains(AtomVmRelease.DEFAULT.version()), e.getMessage());
  }

  @Test
  void modesParseInAnyCaseAndBlankIsAuto() {
    assertEquals(VmMode.PREBUILT, VmMode.parse(" Prebuilt ", "<vm>"));
    assertEquals(VmMode.AUTO, VmMode.parse("", "<vm>"));
    BuildException e = assertThrows(BuildException.class, () -> VmMode.parse("binary", "<vm>"));
    assertTrue(e.getMessage().startsWith("<vm> is 'binary' — use auto"), e.getMessage());
  }
}
