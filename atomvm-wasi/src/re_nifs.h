/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

#ifndef _RE_NIFS_H_
#define _RE_NIFS_H_

#include <nifs.h>

// OTP's re module on regex_engine.c (re_nifs.c), in platform_nifs.c's table.
extern const struct Nif re_version_nif;
extern const struct Nif re_compile_nif;
extern const struct Nif re_run_nif;
extern const struct Nif re_inspect_nif;

#endif
