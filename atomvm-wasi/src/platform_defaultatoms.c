/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

#include "platform_defaultatoms.h"

#include <globalcontext.h>
#include <utils.h>

#include <string.h>

void platform_defaultatoms_init(GlobalContext *glb)
{
#define X(name, lenstr, str) lenstr str,
    static const char *const platform_atoms[] = {
#include "platform_defaultatoms.def"
    };
#undef X

    size_t count = sizeof(platform_atoms) / sizeof(platform_atoms[0]);
    for (size_t i = 0; i < count; i++) {
        const char *atom = platform_atoms[i];
        if (UNLIKELY((size_t) atom[0] != strlen(atom + 1))) {
            AVM_ABORT();
        }
        term atom_term = globalcontext_make_atom(glb, atom);
        if (UNLIKELY(term_to_atom_index(atom_term) != PLATFORM_ATOMS_BASE_INDEX + i)) {
            AVM_ABORT();
        }
    }
}
