/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

#ifndef _PLATFORM_DEFAULTATOMS_H_
#define _PLATFORM_DEFAULTATOMS_H_

#include <defaultatoms.h>

// Atom indexes: platform atoms are numbered right after AtomVM's default ones.
#define X(name, lenstr, str) name##_INDEX,

enum
{
    PLATFORM_ATOMS_BEFORE_FIRST_INDEX = PLATFORM_ATOMS_BASE_INDEX - 1,
#include "platform_defaultatoms.def"
    ATOM_FIRST_AVAIL_INDEX
};

#undef X

_Static_assert((int) ATOM_FIRST_AVAIL_INDEX > (int) PLATFORM_ATOMS_BASE_INDEX,
    "platform atoms must follow the default atoms");

// Atom terms, one per index above.
#define X(name, lenstr, str) name = TERM_FROM_ATOM_INDEX(name##_INDEX),

enum
{
#include "platform_defaultatoms.def"
    PLATFORM_ATOMS_END = TERM_FROM_ATOM_INDEX(ATOM_FIRST_AVAIL_INDEX)
};

#undef X

#endif
