package dev.elixirworkers.core.atomvm;

import java.nio.file.Path;

/**
 * An AtomVM source tree ready to build from.
 *
 * @param directory the tree's root (holds {@code src/libAtomVM} and {@code libs})
 * @param identity a stable description of its contents, used in cache keys: the release digest for
 *     a download, a digest of the relevant files for a local checkout
 * @param description what to tell the user, e.g. "AtomVM v0.7.0-alpha.0 (download)"
 */
public record AtomVmSource(Path directory, String identity, String description) {}
