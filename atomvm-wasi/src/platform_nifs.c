/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file platform_nifs.c
 * @brief NIFs of the WASI platform.
 *
 * @details Besides AtomVM's `atomvm:platform/0` and random helpers, this is
 * the guest side of the host contract (docs/protocol.md), as the Erlang
 * module `elixir_workers_host`:
 *
 * - `read_request/0`: all of stdin (the request frame) as one binary;
 * - `write_response/1`: writes iodata to stdout, the only writer of stdout;
 * - `log/1`: writes iodata to stderr;
 * - `read_frame/0`: all of stdin as the request head, decoded from JSON in C,
 *   and the body (what `ElixirWorkers.Frame` does in Elixir on the host BEAM);
 * - `json_headers/1`: response headers as the JSON array of the response head.
 */

#include <context.h>
#include <defaultatoms.h>
#include <globalcontext.h>
#include <interop.h>
#include <memory.h>
#include <nifs.h>
#include <platform_nifs.h>
#include <posix_nifs.h>
#include <term.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "crypto_nifs.h"
#include "frame_json.h"
#include "otp_bifs.h"
#include "platform_defaultatoms.h"
#include "re_nifs.h"

#define READ_CHUNK_SIZE 16384
// getentropy() returns at most this many bytes per call.
#define ENTROPY_CHUNK_SIZE 256
// A head carries the results of reads (a KV value may have 25 MiB); the same
// limits as ElixirWorkers.Frame.
#define MAX_HEAD_BYTES (128 * 1024 * 1024)
#define MAX_HEAD_DEPTH 1024

static term nif_atomvm_platform(Context *ctx, int argc, term argv[])
{
    UNUSED(ctx);
    UNUSED(argc);
    UNUSED(argv);

    return WASI_ATOM;
}

static bool fill_random(uint8_t *buf, size_t size)
{
    while (size > 0) {
        size_t chunk = size < ENTROPY_CHUNK_SIZE ? size : ENTROPY_CHUNK_SIZE;
        if (UNLIKELY(getentropy(buf, chunk) != 0)) {
            return false;
        }
        buf += chunk;
        size -= chunk;
    }
    return true;
}

static term nif_atomvm_random(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);
    UNUSED(argv);

    uint32_t value;
    if (UNLIKELY(!fill_random((uint8_t *) &value, sizeof(value)))) {
        RAISE_ERROR(posix_errno_to_term(errno, ctx->global));
    }
    if (UNLIKELY(memory_ensure_free(ctx, BOXED_INT64_SIZE) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    return term_make_maybe_boxed_int64(value, &ctx->heap);
}

static term nif_atomvm_rand_bytes(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    VALIDATE_VALUE(argv[0], term_is_integer);
    avm_int_t size = term_to_int(argv[0]);
    if (UNLIKELY(size < 0)) {
        RAISE_ERROR(BADARG_ATOM);
    }
    if (UNLIKELY(memory_ensure_free(ctx, term_binary_heap_size(size)) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term bin = term_create_uninitialized_binary(size, &ctx->heap, ctx->global);
    if (UNLIKELY(term_is_invalid_term(bin))) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    if (UNLIKELY(!fill_random((uint8_t *) term_binary_data(bin), size))) {
        RAISE_ERROR(posix_errno_to_term(errno, ctx->global));
    }
    return bin;
}

static bool write_all(int fd, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data += n;
        size -= (size_t) n;
    }
    return true;
}

/*
 * Write iodata to a file descriptor. A binary is written in place; anything
 * else is flattened into one buffer so the host sees a single write.
 */
static term write_iodata(Context *ctx, int fd, term data)
{
    if (term_is_binary(data)) {
        if (UNLIKELY(!write_all(fd, term_binary_data(data), term_binary_size(data)))) {
            RAISE_ERROR(posix_errno_to_term(errno, ctx->global));
        }
        return OK_ATOM;
    }

    size_t size;
    switch (interop_iolist_size(data, &size)) {
        case InteropOk:
            break;
        case InteropMemoryAllocFail:
            RAISE_ERROR(OUT_OF_MEMORY_ATOM);
        case InteropBadArg:
            RAISE_ERROR(BADARG_ATOM);
    }
    if (size == 0) {
        return OK_ATOM;
    }
    char *buf = malloc(size);
    if (IS_NULL_PTR(buf)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    switch (interop_write_iolist(data, buf)) {
        case InteropOk:
            break;
        case InteropMemoryAllocFail:
            free(buf);
            RAISE_ERROR(OUT_OF_MEMORY_ATOM);
        case InteropBadArg:
            free(buf);
            RAISE_ERROR(BADARG_ATOM);
    }
    bool written = write_all(fd, buf, size);
    int write_errno = errno;
    free(buf);
    if (UNLIKELY(!written)) {
        RAISE_ERROR(posix_errno_to_term(write_errno, ctx->global));
    }
    return OK_ATOM;
}

// All of stdin into a new malloc'd buffer; 0 or an errno value.
static int read_stdin(char **data, size_t *data_size)
{
    size_t capacity = READ_CHUNK_SIZE;
    size_t size = 0;
    char *buf = malloc(capacity);
    if (IS_NULL_PTR(buf)) {
        return ENOMEM;
    }
    for (;;) {
        if (size == capacity) {
            char *bigger = realloc(buf, capacity * 2);
            if (IS_NULL_PTR(bigger)) {
                free(buf);
                return ENOMEM;
            }
            buf = bigger;
            capacity *= 2;
        }
        ssize_t n = read(STDIN_FILENO, buf + size, capacity - size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int read_errno = errno;
            free(buf);
            return read_errno;
        }
        if (n == 0) {
            break;
        }
        size += (size_t) n;
    }
    *data = buf;
    *data_size = size;
    return 0;
}

static term raise_errno(Context *ctx, int error)
{
    if (error == ENOMEM) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    RAISE_ERROR(posix_errno_to_term(error, ctx->global));
}

static term nif_host_read_request(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);
    UNUSED(argv);

    char *buf;
    size_t size;
    int error = read_stdin(&buf, &size);
    if (UNLIKELY(error != 0)) {
        return raise_errno(ctx, error);
    }
    if (UNLIKELY(memory_ensure_free(ctx, term_binary_heap_size(size)) != MEMORY_GC_OK)) {
        free(buf);
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term bin = term_create_uninitialized_binary(size, &ctx->heap, ctx->global);
    if (UNLIKELY(term_is_invalid_term(bin))) {
        free(buf);
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    memcpy((char *) term_binary_data(bin), buf, size);
    free(buf);
    return bin;
}

/*
 * The request frame, split and its head decoded: `{ok, Head, Body}`, or
 * `{error, missing_newline}`, `{error, {invalid_json, {Reason, Position}}}`
 * (ElixirWorkers.Frame's errors). Checking the head's fields stays in Elixir.
 */
static term nif_host_read_frame(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);
    UNUSED(argv);

    char *buf;
    size_t size;
    int error = read_stdin(&buf, &size);
    if (UNLIKELY(error != 0)) {
        return raise_errno(ctx, error);
    }

    const char *newline = memchr(buf, '\n', size);
    if (newline == NULL) {
        free(buf);
        if (UNLIKELY(memory_ensure_free(ctx, TUPLE_SIZE(2)) != MEMORY_GC_OK)) {
            RAISE_ERROR(OUT_OF_MEMORY_ATOM);
        }
        term result = term_alloc_tuple(2, &ctx->heap);
        term_put_tuple_element(result, 0, ERROR_ATOM);
        term_put_tuple_element(result, 1, MISSING_NEWLINE_ATOM);
        return result;
    }
    size_t head_size = (size_t) (newline - buf);
    size_t body_size = size - head_size - 1;

    struct FrameJsonError json_error;
    size_t head_heap;
    bool valid;
    if (head_size > MAX_HEAD_BYTES) {
        json_error.reason = "too_large";
        json_error.position = MAX_HEAD_BYTES;
        valid = false;
    } else {
        valid = frame_json_scan(buf, head_size, MAX_HEAD_DEPTH, &head_heap, &json_error);
    }
    if (!valid) {
        free(buf);
        // {error, {invalid_json, {Reason, Position}}}
        if (UNLIKELY(memory_ensure_free(ctx, 3 * TUPLE_SIZE(2) + BOXED_INT64_SIZE) != MEMORY_GC_OK)) {
            RAISE_ERROR(OUT_OF_MEMORY_ATOM);
        }
        char atom[32];
        size_t length = strlen(json_error.reason);
        atom[0] = (char) length;
        memcpy(atom + 1, json_error.reason, length);
        term reason = term_alloc_tuple(2, &ctx->heap);
        term_put_tuple_element(reason, 0, globalcontext_make_atom(ctx->global, atom));
        term_put_tuple_element(reason, 1, term_make_maybe_boxed_int64((avm_int64_t) json_error.position, &ctx->heap));
        term invalid = term_alloc_tuple(2, &ctx->heap);
        term_put_tuple_element(invalid, 0, INVALID_JSON_ATOM);
        term_put_tuple_element(invalid, 1, reason);
        term result = term_alloc_tuple(2, &ctx->heap);
        term_put_tuple_element(result, 0, ERROR_ATOM);
        term_put_tuple_element(result, 1, invalid);
        return result;
    }

    size_t needed = head_heap + term_binary_heap_size(body_size) + TUPLE_SIZE(3);
    if (UNLIKELY(memory_ensure_free(ctx, needed) != MEMORY_GC_OK)) {
        free(buf);
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term head = frame_json_build(ctx, buf, head_size);
    term body = term_create_uninitialized_binary(body_size, &ctx->heap, ctx->global);
    if (UNLIKELY(term_is_invalid_term(head) || term_is_invalid_term(body))) {
        free(buf);
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    memcpy((char *) term_binary_data(body), newline + 1, body_size);
    free(buf);

    term result = term_alloc_tuple(3, &ctx->heap);
    term_put_tuple_element(result, 0, OK_ATOM);
    term_put_tuple_element(result, 1, head);
    term_put_tuple_element(result, 2, body);
    return result;
}

/*
 * `[{Name, Value}]` (binaries) as the JSON text `[["name","value"],...]`,
 * or `error` when the list is not like that or a string is not UTF-8: the
 * caller then raises its own error.
 */
static term nif_host_json_headers(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    size_t size;
    bool out_of_memory;
    char *json = frame_json_encode_headers(argv[0], &size, &out_of_memory);
    if (json == NULL) {
        if (out_of_memory) {
            RAISE_ERROR(OUT_OF_MEMORY_ATOM);
        }
        return ERROR_ATOM;
    }
    if (UNLIKELY(memory_ensure_free(ctx, term_binary_heap_size(size)) != MEMORY_GC_OK)) {
        free(json);
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term bin = term_from_literal_binary(json, size, &ctx->heap, ctx->global);
    free(json);
    return bin;
}

static term nif_host_write_response(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    return write_iodata(ctx, STDOUT_FILENO, argv[0]);
}

static term nif_host_log(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    return write_iodata(ctx, STDERR_FILENO, argv[0]);
}

/*
 * A time unit as parts per second (erlang:convert_time_unit/3): second, millisecond,
 * microsecond, nanosecond, native (AtomVM's clocks count nanoseconds) or a positive
 * integer; 0 for anything else.
 */
static int64_t parts_per_second(term unit)
{
    if (unit == SECOND_ATOM) {
        return 1;
    } else if (unit == MILLISECOND_ATOM) {
        return 1000;
    } else if (unit == MICROSECOND_ATOM) {
        return 1000000;
    } else if (unit == NANOSECOND_ATOM || unit == NATIVE_ATOM) {
        return INT64_C(1000000000);
    } else if (term_is_any_integer(unit)) {
        int64_t parts = term_maybe_unbox_int64(unit);
        return parts > 0 ? parts : 0;
    }
    return 0;
}

/*
 * erlang:convert_time_unit/3, which AtomVM lacks and Elixir's System, DateTime and
 * Calendar.ISO call. Rounds towards negative infinity, as OTP does.
 */
static term nif_erlang_convert_time_unit(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    VALIDATE_VALUE(argv[0], term_is_any_integer);
    int64_t from = parts_per_second(argv[1]);
    int64_t to = parts_per_second(argv[2]);
    if (UNLIKELY(from == 0 || to == 0)) {
        RAISE_ERROR(BADARG_ATOM);
    }
    __int128 scaled = (__int128) term_maybe_unbox_int64(argv[0]) * to;
    __int128 result = scaled / from;
    if (scaled % from != 0 && scaled < 0) {
        result -= 1;
    }
    if (UNLIKELY(result > INT64_MAX || result < INT64_MIN)) {
        RAISE_ERROR(BADARG_ATOM);
    }
    if (UNLIKELY(memory_ensure_free(ctx, BOXED_INT64_SIZE) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    return term_make_maybe_boxed_int64((int64_t) result, &ctx->heap);
}

static const struct Nif atomvm_platform_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_atomvm_platform
};
static const struct Nif atomvm_random_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_atomvm_random
};
static const struct Nif atomvm_rand_bytes_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_atomvm_rand_bytes
};
static const struct Nif host_read_request_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_host_read_request
};
static const struct Nif host_write_response_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_host_write_response
};
static const struct Nif host_read_frame_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_host_read_frame
};
static const struct Nif host_json_headers_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_host_json_headers
};
static const struct Nif erlang_convert_time_unit_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_erlang_convert_time_unit
};
static const struct Nif host_log_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_host_log
};

struct PlatformNif
{
    const char *name;
    const struct Nif *nif;
};

static const struct PlatformNif platform_nifs[] = {
    { "atomvm:platform/0", &atomvm_platform_nif },
    { "atomvm:random/0", &atomvm_random_nif },
    { "atomvm:rand_bytes/1", &atomvm_rand_bytes_nif },
    { "erlang:convert_time_unit/3", &erlang_convert_time_unit_nif },
    { "erlang:append_element/2", &erlang_append_element_nif },
    { "erlang:get_keys/1", &erlang_get_keys_1_nif },
    { "lists:flatten/2", &lists_flatten_2_nif },
    { "maps:take/2", &maps_take_nif },
    { "maps:update/3", &maps_update_3_nif },
    { "crypto:hash/2", &crypto_hash_nif },
    { "crypto:hash_init/1", &crypto_hash_init_nif },
    { "crypto:hash_update/2", &crypto_hash_update_nif },
    { "crypto:hash_final/1", &crypto_hash_final_nif },
    { "crypto:mac/4", &crypto_mac_nif },
    { "crypto:macN/5", &crypto_macn_nif },
    { "crypto:hash_equals/2", &crypto_hash_equals_nif },
    { "crypto:pbkdf2_hmac/5", &crypto_pbkdf2_hmac_nif },
    { "crypto:strong_rand_bytes/1", &crypto_strong_rand_bytes_nif },
    { "elixir_workers_host:read_request/0", &host_read_request_nif },
    { "elixir_workers_host:write_response/1", &host_write_response_nif },
    { "elixir_workers_host:log/1", &host_log_nif },
    { "elixir_workers_host:read_frame/0", &host_read_frame_nif },
    { "elixir_workers_host:json_headers/1", &host_json_headers_nif },
    { "re:version/0", &re_version_nif },
    { "re:compile/1", &re_compile_nif },
    { "re:compile/2", &re_compile_nif },
    { "re:run/2", &re_run_nif },
    { "re:run/3", &re_run_nif },
    { "re:inspect/2", &re_inspect_nif },
};

const struct Nif *platform_nifs_get_nif(const char *nifname)
{
    for (size_t i = 0; i < sizeof(platform_nifs) / sizeof(platform_nifs[0]); i++) {
        if (strcmp(platform_nifs[i].name, nifname) == 0) {
            return platform_nifs[i].nif;
        }
    }
    return NULL;
}
