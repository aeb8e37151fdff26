package dev.elixirworkers.core.vm;

import java.nio.file.Path;

/** What {@link VmSelection} decided: build the VM from source, or use a prebuilt VM artifact. */
public sealed interface VmInput {

  /** Build from source — the historic default and what custom pins always do. */
  VmInput SOURCE = new FromSource("");

  /**
   * Build {@code atomvm.wasm} and the standard library from an AtomVM source with a WASI C
   * toolchain.
   *
   * @param whyNotPrebuilt why the prebuilt VM was not used, when one was tried (blank otherwise);
   *     added to errors of the source build so the user sees both ways out
   */
  record FromSource(String whyNotPrebuilt) implements VmInput {}

  /**
   * Use the prebuilt VM archive (see {@link PrebuiltVm}).
   *
   * @param archive the resolved artifact file
   * @param coordinates what was resolved, for messages
   * @param required true when the user asked for it (mode {@code prebuilt}): a problem with it
   *     fails the build; false in mode {@code auto}: a problem falls back to the source build
   */
  record Prebuilt(Path archive, String coordinates, boolean required) implements VmInput {}
}
