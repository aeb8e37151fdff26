/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file heap_policy.h
 * @brief The memory a request may use, and what happens when it runs out (src/heap_policy.c).
 */

#ifndef _HEAP_POLICY_H_
#define _HEAP_POLICY_H_

#include <context.h>

// The linear memory a request may have: the limit on Workers and both hosts' default
// (docs/protocol.md). A VM built for a larger limit passes -DREQUEST_MEMORY_BYTES=...
#ifndef REQUEST_MEMORY_BYTES
#define REQUEST_MEMORY_BYTES (128u * 1024u * 1024u)
#endif

/**
 * @brief Caps the heap of the request's process at what the memory left under
 * REQUEST_MEMORY_BYTES can hold while a collection copies it (old and new heap at once).
 */
void heap_policy_limit_request_heap(Context *ctx);

#endif
