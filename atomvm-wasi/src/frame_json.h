/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file frame_json.h
 * @brief JSON for the frame heads of docs/protocol.md, in C.
 *
 * @details Decoding the request head and encoding the response headers are
 * the two JSON jobs every request does; interpreted Elixir spends ~0.1 ms on
 * each. These functions do them natively with the same results as
 * `ElixirWorkers.JSON` (maps with binary keys, the last of repeated keys
 * kept, `null` as `nil`, integers within 64 bits, finite floats, strict
 * UTF-8, the same error reasons).
 */

#ifndef _FRAME_JSON_H_
#define _FRAME_JSON_H_

#include <context.h>
#include <term.h>

#include <stddef.h>

/**
 * @brief Why a JSON text was refused, and where (a byte offset).
 */
struct FrameJsonError
{
    const char *reason; /**< atom text, e.g. "unexpected_character" */
    size_t position;
};

/**
 * @brief Checks a JSON text and counts the heap its term needs.
 *
 * @param json the text (need not be NUL-terminated)
 * @param size its length in bytes
 * @param max_depth how deeply arrays and objects may nest
 * @param heap_size set to the number of terms `frame_json_build` allocates
 * @param error set when the text is not valid JSON
 * @return true when the text is valid
 */
bool frame_json_scan(const char *json, size_t size, unsigned max_depth, size_t *heap_size, struct FrameJsonError *error);

/**
 * @brief Builds the term of a JSON text that `frame_json_scan` accepted.
 *
 * @details The caller has made `heap_size` terms free on the context's heap;
 * no garbage collection happens here.
 *
 * @return the term, or an invalid term when memory ran out (a temporary
 * buffer, or the binary of a long string, could not be allocated)
 */
term frame_json_build(Context *ctx, const char *json, size_t size);

/**
 * @brief The response headers (`[{name, value}]`, binaries) as a JSON array
 * of pairs, `[["name","value"],...]`, into a new malloc'd buffer.
 *
 * @return the buffer (the caller frees it), or NULL when the list is not
 * such a list, a string is not UTF-8, or memory ran out (`*out_of_memory`)
 */
char *frame_json_encode_headers(term headers, size_t *size, bool *out_of_memory);

#endif
