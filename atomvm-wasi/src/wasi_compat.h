/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file wasi_compat.h
 * @brief Force-included into every C file of the build (`-include`, see
 * CMakeLists.txt), AtomVM's included; no AtomVM source is modified.
 */

#ifndef _WASI_COMPAT_H_
#define _WASI_COMPAT_H_

#include <stdio.h>
#include <time.h>

/*
 * stdout carries exactly one thing on this platform: the response frame,
 * which the adapter writes with write(2) on the raw file descriptor 1 (see
 * platform_nifs.c). AtomVM prints to libc's stdout stream in several places
 * (io:format through the console, erlang:display/1, debug helpers), and any of
 * those bytes would corrupt the frame.
 *
 * WASI preview1 cannot duplicate a descriptor (no dup/dup2), so fd 1 cannot be
 * swapped for a copy of fd 2 at run time, and libc's FILE objects are opaque.
 * Instead, once <stdio.h> has been read, the names that implicitly mean "the
 * stdout stream" are redefined to mean stderr. This also covers code added
 * upstream later, as long as it prints through stdio.
 */
#undef stdout
#define stdout stderr

#define printf(...) fprintf(stderr, __VA_ARGS__)
#define vprintf(format, args) vfprintf(stderr, format, args)
#define puts(s) (fputs((s), stderr) < 0 ? EOF : fputc('\n', stderr))
#define putchar(c) fputc((c), stderr)

/*
 * wasi-libc has no time zone tables and hides tzset(); AtomVM calls it before
 * localtime_r(). sys.c defines it as a no-op: local time is UTC.
 */
void tzset(void);

#endif
