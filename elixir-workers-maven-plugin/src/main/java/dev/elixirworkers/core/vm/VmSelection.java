package dev.elixirworkers.core.vm;

import dev.elixirworkers.core.BuildException;
import dev.elixirworkers.core.atomvm.AtomVmRelease;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Chooses between the prebuilt VM artifact and a build from source.
 *
 * <ul>
 *   <li>{@code source}: always from source.
 *   <li>{@code auto} (default): prebuilt first for the default AtomVM pin — what a user without a C
 *       toolchain needs, and quicker for everyone — falling back to source when the artifact cannot
 *       be resolved; from source whenever a local AtomVM checkout ({@code atomvm.source}) or a
 *       custom pin ({@code atomvmVersion}/{@code Url}/{@code Sha256}) is given, since the prebuilt
 *       VM is only published for the default pin.
 *   <li>{@code prebuilt}: the artifact or a clear failure; combined with a checkout or a custom pin
 *       it is a configuration error.
 * </ul>
 *
 * The lookup is a parameter so that the Maven-free core can decide without Maven: the Mojo passes
 * one that asks Maven's repository system.
 */
public final class VmSelection {
  private VmSelection() {}

  /**
   * What looking the artifact up gave.
   *
   * @param file the resolved file, or empty
   * @param problem why it is empty (e.g. "not found in local.central, central"), or blank
   */
  public record Lookup(Optional<Path> file, String problem) {
    public static Lookup found(Path file) {
      return new Lookup(Optional.of(file), "");
    }

    public static Lookup missing(String problem) {
      return new Lookup(Optional.empty(), problem);
    }
  }

  /**
   * @param mode the {@code <vm>} setting
   * @param release the AtomVM pin in effect
   * @param atomvmSource a local AtomVM checkout, when given
   * @param coordinates the artifact's coordinates, for messages
   * @param lookup resolves the artifact; called only when the prebuilt VM is wanted
   */
  public static VmInput choose(
      VmMode mode,
      AtomVmRelease release,
      Optional<Path> atomvmSource,
      String coordinates,
      Supplier<Lookup> lookup) {
    boolean defaultPin = release.equals(AtomVmRelease.DEFAULT);
    switch (mode) {
      case SOURCE:
        return VmInput.SOURCE;
      case AUTO:
        if (atomvmSource.isPresent() || !defaultPin) {
          return VmInput.SOURCE;
        }
        Lookup auto = lookup.get();
        return auto.file().isPresent()
            ? new VmInput.Prebuilt(auto.file().get(), coordinates, false)
            : new VmInput.FromSource(
                "the prebuilt VM " + coordinates + " could not be resolved: " + auto.problem());
      case PREBUILT:
      default:
        if (atomvmSource.isPresent()) {
          throw new BuildException(
              "<vm> (-Delixir-workers.vm) is prebuilt but <atomvmSource> (-Datomvm.source) is set"
                  + " to "
                  + atomvmSource.get()
                  + " — a local AtomVM checkout is always built from source: remove one of the"
                  + " two");
        }
        if (!defaultPin) {
          throw new BuildException(
              "<vm> (-Delixir-workers.vm) is prebuilt but the AtomVM pin is "
                  + release.version()
                  + " (<atomvmVersion>); prebuilt VMs are published for "
                  + AtomVmRelease.DEFAULT.version()
                  + " only — remove <atomvmVersion>/<atomvmUrl>/<atomvmSha256>, or set <vm> to"
                  + " auto or source to build "
                  + release.version()
                  + " from source");
        }
        Lookup required = lookup.get();
        if (required.file().isEmpty()) {
          throw new BuildException(
              "The prebuilt VM "
                  + coordinates
                  + " could not be resolved ("
                  + required.problem()
                  + ") and <vm> (-Delixir-workers.vm) is prebuilt. "
                  + HOW_TO_BUILD_FROM_SOURCE);
        }
        return new VmInput.Prebuilt(required.file().get(), coordinates, true);
    }
  }

  /** The way out when no prebuilt VM is available. */
  public static final String HOW_TO_BUILD_FROM_SOURCE =
      "Build the VM from source instead: set <vm> to auto or source (-Delixir-workers.vm=source),"
          + " install a WASI C toolchain and CMake (Debian/Ubuntu: sudo apt-get install clang-19"
          + " lld-19 libclang-rt-19-dev-wasm32 wasi-libc cmake gperf binaryen; elsewhere wasi-sdk"
          + " with WASI_SDK_PATH), and let the build download AtomVM or point -Datomvm.source at a"
          + " checkout; or publish the artifact to a repository this build can reach (the"
          + " elixir-workers release build's prebuilt-vm module makes it).";
}
