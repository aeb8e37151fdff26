/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

#ifndef _WASI_SYS_H_
#define _WASI_SYS_H_

#include <stddef.h>

/**
 * @brief Read a whole file into memory.
 *
 * @param path path of the file, resolved against the WASI preopens
 * @param size set to the number of bytes read
 * @return a malloc'd buffer (aligned for 32-bit reads) the caller frees, or
 * NULL with errno set
 */
void *wasi_sys_read_file(const char *path, size_t *size);

#endif
