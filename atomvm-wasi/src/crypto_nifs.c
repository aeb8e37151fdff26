/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file crypto_nifs.c
 * @brief The part of OTP's `crypto` that workers use: hashes, HMAC, PBKDF2, random bytes.
 *
 * @details AtomVM's own crypto NIFs (otp_crypto.c) need mbedTLS, which is not built for WASI;
 * these are written from OTP's documentation over crypto_hash.c, and platform_nifs.c names them
 * in its table, where the plugin's list of native functions reads them. A `crypto` function
 * not here stays a NIF stub of AtomVM's crypto module, which the compatibility check reports
 * and a call of which fails with undef.
 *
 * - `hash/2`, `hash_init/1`, `hash_update/2`, `hash_final/1` for md5, sha, sha224, sha256,
 *   sha384 and sha512. A hash state is a binary holding a copy of the C state, so it is used
 *   functionally as OTP's is: `hash_update/2` returns a new state and the old one still works.
 * - `mac/4` and `macN/5` for hmac over those hashes;
 * - `hash_equals/2`: compares in time that depends only on the size;
 * - `pbkdf2_hmac/5` (RFC 8018);
 * - `strong_rand_bytes/1`: WASI random_get (getentropy), on every call. Nothing is drawn
 *   ahead or cached, so runs started from the same memory snapshot never share bytes.
 *
 * Errors have OTP's shapes: `{badarg, {File, Line}, Description}` (File and Description
 * charlists) where OTP raises one, plain `badarg` for arguments of the wrong type, and
 * `{notsup, {File, Line}, Description}` for an algorithm OTP has and this VM does not.
 */

#include <context.h>
#include <defaultatoms.h>
#include <globalcontext.h>
#include <interop.h>
#include <memory.h>
#include <nifs.h>
#include <term.h>
#include <utils.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto_hash.h"
#include "crypto_nifs.h"

// getentropy() returns at most this many bytes per call.
#define ENTROPY_CHUNK_SIZE 256
// "ewhs": marks a binary made by hash_init/1 or hash_update/2.
#define HASH_STATE_MAGIC 0x73687765
#define HASH_STATE_SIZE (sizeof(uint32_t) + sizeof(struct CryptoHashState))

static const AtomStringIntPair hash_types[] = {
    { ATOM_STR("\x3", "md5"), CryptoHashMd5 },
    { ATOM_STR("\x3", "sha"), CryptoHashSha1 },
    { ATOM_STR("\x6", "sha224"), CryptoHashSha224 },
    { ATOM_STR("\x6", "sha256"), CryptoHashSha256 },
    { ATOM_STR("\x6", "sha384"), CryptoHashSha384 },
    { ATOM_STR("\x6", "sha512"), CryptoHashSha512 },
    SELECT_INT_DEFAULT(-1)
};

// Digests OTP's crypto has that this VM does not: notsup rather than "Bad digest type".
static const AtomStringIntPair missing_hash_types[] = {
    { ATOM_STR("\x3", "md4"), 1 },
    { ATOM_STR("\x9", "ripemd160"), 1 },
    { ATOM_STR("\xa", "sha512_224"), 1 },
    { ATOM_STR("\xa", "sha512_256"), 1 },
    { ATOM_STR("\x8", "sha3_224"), 1 },
    { ATOM_STR("\x8", "sha3_256"), 1 },
    { ATOM_STR("\x8", "sha3_384"), 1 },
    { ATOM_STR("\x8", "sha3_512"), 1 },
    { ATOM_STR("\x8", "shake128"), 1 },
    { ATOM_STR("\x8", "shake256"), 1 },
    { ATOM_STR("\x7", "blake2b"), 1 },
    { ATOM_STR("\x7", "blake2s"), 1 },
    { ATOM_STR("\x3", "sm3"), 1 },
    SELECT_INT_DEFAULT(0)
};

#define UNSUPPORTED_DIGEST "Unsupported digest type: this VM has md5, sha, sha224, sha256, sha384 and sha512"

static term raise_described(Context *ctx, term kind, int line, const char *description)
{
    static const char file[] = "crypto_nifs.c";
    size_t file_size = sizeof(file) - 1;
    size_t description_size = strlen(description);
    if (UNLIKELY(memory_ensure_free(ctx, TUPLE_SIZE(3) + TUPLE_SIZE(2) + LIST_SIZE(file_size, 1) + LIST_SIZE(description_size, 1))
            != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term where = term_alloc_tuple(2, &ctx->heap);
    term_put_tuple_element(where, 0, term_from_string((const uint8_t *) file, (uint16_t) file_size, &ctx->heap));
    term_put_tuple_element(where, 1, term_from_int(line));
    term reason = term_alloc_tuple(3, &ctx->heap);
    term_put_tuple_element(reason, 0, kind);
    term_put_tuple_element(reason, 1, where);
    term_put_tuple_element(reason, 2, term_from_string((const uint8_t *) description, (uint16_t) description_size, &ctx->heap));
    RAISE_ERROR(reason);
}

#define RAISE_BADARG_DESCRIBED(description) return raise_described(ctx, BADARG_ATOM, __LINE__, description)
#define RAISE_NOTSUP_DESCRIBED(description) \
    return raise_described(ctx, globalcontext_make_atom(ctx->global, ATOM_STR("\x6", "notsup")), __LINE__, description)

/* The hash an atom names, or -1; then *missing is 1 for a digest OTP has and this VM lacks (notsup). */
static int hash_type_of(Context *ctx, term type, int *missing)
{
    if (!term_is_atom(type)) {
        *missing = 0;
        return -1;
    }
    int found = interop_atom_term_select_int(hash_types, type, ctx->global);
    if (found < 0) {
        *missing = interop_atom_term_select_int(missing_hash_types, type, ctx->global);
    }
    return found;
}

#define GET_HASH_TYPE(var, term_type)                       \
    int var;                                                \
    {                                                       \
        int missing;                                        \
        var = hash_type_of(ctx, term_type, &missing);       \
        if (UNLIKELY(var < 0)) {                            \
            if (missing) {                                  \
                RAISE_NOTSUP_DESCRIBED(UNSUPPORTED_DIGEST); \
            }                                               \
            RAISE_BADARG_DESCRIBED("Bad digest type");      \
        }                                                   \
    }

/*
 * The bytes of iodata: a binary's own (valid until the next allocation on the heap), or the
 * iolist written into *copy, which the caller frees. False for anything else.
 */
static bool iodata_bytes(term data, const uint8_t **bytes, size_t *size, uint8_t **copy, bool *out_of_memory)
{
    *copy = NULL;
    *out_of_memory = false;
    if (term_is_binary(data)) {
        *bytes = (const uint8_t *) term_binary_data(data);
        *size = term_binary_size(data);
        return true;
    }
    if (!term_is_list(data) || interop_iolist_size(data, size) != InteropOk) {
        return false;
    }
    *copy = malloc(*size > 0 ? *size : 1);
    if (IS_NULL_PTR(*copy)) {
        *out_of_memory = true;
        return false;
    }
    if (interop_write_iolist(data, (char *) *copy) != InteropOk) {
        free(*copy);
        *copy = NULL;
        return false;
    }
    *bytes = *copy;
    return true;
}

#define GET_IODATA(bytes, size, copy, data_term)                                        \
    const uint8_t *bytes;                                                               \
    size_t size;                                                                        \
    uint8_t *copy;                                                                      \
    {                                                                                   \
        bool out_of_memory;                                                             \
        if (UNLIKELY(!iodata_bytes(data_term, &bytes, &size, &copy, &out_of_memory))) { \
            RAISE_ERROR(out_of_memory ? OUT_OF_MEMORY_ATOM : BADARG_ATOM);              \
        }                                                                               \
    }

static term make_binary(Context *ctx, const void *data, size_t size)
{
    if (UNLIKELY(memory_ensure_free(ctx, term_binary_heap_size(size)) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    return term_from_literal_binary(data, size, &ctx->heap, ctx->global);
}

static term nif_crypto_hash(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    GET_HASH_TYPE(type, argv[0]);
    GET_IODATA(bytes, size, copy, argv[1]);
    struct CryptoHashState state;
    uint8_t digest[CRYPTO_HASH_MAX_DIGEST];
    crypto_hash_init(&state, (enum CryptoHashType) type);
    crypto_hash_update(&state, bytes, size);
    crypto_hash_final(&state, digest);
    free(copy);
    return make_binary(ctx, digest, crypto_hash_digest_size((enum CryptoHashType) type));
}

static term make_hash_state(Context *ctx, const struct CryptoHashState *state)
{
    uint8_t bytes[HASH_STATE_SIZE];
    uint32_t magic = HASH_STATE_MAGIC;
    memcpy(bytes, &magic, sizeof(magic));
    memcpy(bytes + sizeof(magic), state, sizeof(*state));
    return make_binary(ctx, bytes, sizeof(bytes));
}

static bool read_hash_state(term state_term, struct CryptoHashState *state)
{
    if (!term_is_binary(state_term) || term_binary_size(state_term) != HASH_STATE_SIZE) {
        return false;
    }
    const uint8_t *bytes = (const uint8_t *) term_binary_data(state_term);
    uint32_t magic;
    memcpy(&magic, bytes, sizeof(magic));
    memcpy(state, bytes + sizeof(magic), sizeof(*state));
    return magic == HASH_STATE_MAGIC && crypto_hash_state_valid(state);
}

static term nif_crypto_hash_init(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    GET_HASH_TYPE(type, argv[0]);
    struct CryptoHashState state;
    crypto_hash_init(&state, (enum CryptoHashType) type);
    return make_hash_state(ctx, &state);
}

static term nif_crypto_hash_update(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    struct CryptoHashState state;
    if (UNLIKELY(!read_hash_state(argv[0], &state))) {
        RAISE_BADARG_DESCRIBED("Bad state");
    }
    GET_IODATA(bytes, size, copy, argv[1]);
    crypto_hash_update(&state, bytes, size);
    free(copy);
    return make_hash_state(ctx, &state);
}

static term nif_crypto_hash_final(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    struct CryptoHashState state;
    if (UNLIKELY(!read_hash_state(argv[0], &state))) {
        RAISE_BADARG_DESCRIBED("Bad state");
    }
    uint8_t digest[CRYPTO_HASH_MAX_DIGEST];
    crypto_hash_final(&state, digest);
    return make_binary(ctx, digest, crypto_hash_digest_size((enum CryptoHashType) state.type));
}

/* mac(hmac, Digest, Key, Data) into mac; the digest's size, or -1 after raising. */
static int hmac_of(Context *ctx, term argv[], uint8_t *mac)
{
    if (UNLIKELY(!globalcontext_is_term_equal_to_atom_string(ctx->global, argv[0], ATOM_STR("\x4", "hmac")))) {
        if (term_is_atom(argv[0])) {
            raise_described(ctx, globalcontext_make_atom(ctx->global, ATOM_STR("\x6", "notsup")), __LINE__,
                "Unsupported mac algorithm: this VM has hmac only");
        } else {
            raise_described(ctx, BADARG_ATOM, __LINE__, "Bad mac algorithm");
        }
        return -1;
    }
    int missing;
    int type = hash_type_of(ctx, argv[1], &missing);
    if (UNLIKELY(type < 0)) {
        if (missing) {
            raise_described(ctx, globalcontext_make_atom(ctx->global, ATOM_STR("\x6", "notsup")), __LINE__, UNSUPPORTED_DIGEST);
        } else {
            raise_described(ctx, BADARG_ATOM, __LINE__, "Bad digest algorithm for HMAC");
        }
        return -1;
    }
    const uint8_t *key;
    size_t key_size;
    uint8_t *key_copy;
    const uint8_t *data;
    size_t data_size;
    uint8_t *data_copy;
    bool out_of_memory;
    if (UNLIKELY(!iodata_bytes(argv[2], &key, &key_size, &key_copy, &out_of_memory))) {
        context_set_exception_class(ctx, ERROR_ATOM);
        ctx->exception_reason = out_of_memory ? OUT_OF_MEMORY_ATOM : BADARG_ATOM;
        return -1;
    }
    if (UNLIKELY(!iodata_bytes(argv[3], &data, &data_size, &data_copy, &out_of_memory))) {
        free(key_copy);
        context_set_exception_class(ctx, ERROR_ATOM);
        ctx->exception_reason = out_of_memory ? OUT_OF_MEMORY_ATOM : BADARG_ATOM;
        return -1;
    }
    struct CryptoHmac hmac;
    crypto_hmac_init(&hmac, (enum CryptoHashType) type, key, key_size);
    crypto_hmac(&hmac, data, data_size, mac);
    free(key_copy);
    free(data_copy);
    return (int) crypto_hash_digest_size((enum CryptoHashType) type);
}

static term nif_crypto_mac(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    uint8_t mac[CRYPTO_HASH_MAX_DIGEST];
    int size = hmac_of(ctx, argv, mac);
    if (UNLIKELY(size < 0)) {
        return term_invalid_term();
    }
    return make_binary(ctx, mac, (size_t) size);
}

static term nif_crypto_macn(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    VALIDATE_VALUE(argv[4], term_is_integer);
    avm_int_t wanted = term_to_int(argv[4]);
    uint8_t mac[CRYPTO_HASH_MAX_DIGEST];
    int size = hmac_of(ctx, argv, mac);
    if (UNLIKELY(size < 0)) {
        return term_invalid_term();
    }
    if (UNLIKELY(wanted < 0 || wanted > size)) {
        RAISE_ERROR(BADARG_ATOM);
    }
    return make_binary(ctx, mac, (size_t) wanted);
}

static term nif_crypto_hash_equals(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    VALIDATE_VALUE(argv[0], term_is_binary);
    VALIDATE_VALUE(argv[1], term_is_binary);
    size_t size = term_binary_size(argv[0]);
    if (UNLIKELY(term_binary_size(argv[1]) != size)) {
        RAISE_ERROR(BADARG_ATOM);
    }
    const volatile uint8_t *a = (const uint8_t *) term_binary_data(argv[0]);
    const volatile uint8_t *b = (const uint8_t *) term_binary_data(argv[1]);
    // every byte is read whatever came before, so the time says nothing of where they differ
    uint8_t difference = 0;
    for (size_t i = 0; i < size; i++) {
        difference |= a[i] ^ b[i];
    }
    return difference == 0 ? TRUE_ATOM : FALSE_ATOM;
}

static term nif_crypto_pbkdf2_hmac(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);

    GET_HASH_TYPE(type, argv[0]);
    // OTP's list: the SHA family only
    if (UNLIKELY(type == CryptoHashMd5)) {
        RAISE_BADARG_DESCRIBED("Not eligible digest type");
    }
    if (UNLIKELY(!term_is_binary(argv[1]) || !term_is_binary(argv[2]))) {
        RAISE_BADARG_DESCRIBED("Not binary");
    }
    if (UNLIKELY(!term_is_integer(argv[3]) || term_to_int(argv[3]) <= 0 || (int64_t) term_to_int(argv[3]) > (int64_t) UINT32_MAX)) {
        RAISE_BADARG_DESCRIBED("Must be > 0");
    }
    if (UNLIKELY(!term_is_integer(argv[4]) || term_to_int(argv[4]) <= 0)) {
        RAISE_BADARG_DESCRIBED("Must be > 0");
    }
    size_t key_size = (size_t) term_to_int(argv[4]);
    uint8_t *key = malloc(key_size);
    if (IS_NULL_PTR(key)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    crypto_pbkdf2_hmac((enum CryptoHashType) type, (const uint8_t *) term_binary_data(argv[1]), term_binary_size(argv[1]),
        (const uint8_t *) term_binary_data(argv[2]), term_binary_size(argv[2]), (uint32_t) term_to_int(argv[3]), key,
        key_size);
    term result = make_binary(ctx, key, key_size);
    memset(key, 0, key_size);
    free(key);
    return result;
}

static term nif_crypto_strong_rand_bytes(Context *ctx, int argc, term argv[])
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
    uint8_t *bytes = (uint8_t *) term_binary_data(bin);
    for (avm_int_t at = 0; at < size; at += ENTROPY_CHUNK_SIZE) {
        size_t chunk = size - at < ENTROPY_CHUNK_SIZE ? (size_t) (size - at) : ENTROPY_CHUNK_SIZE;
        if (UNLIKELY(getentropy(bytes + at, chunk) != 0)) {
            // OTP's error when the system has no randomness to give
            RAISE_ERROR(globalcontext_make_atom(ctx->global, ATOM_STR("\xb", "low_entropy")));
        }
    }
    return bin;
}

const struct Nif crypto_hash_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_crypto_hash
};
const struct Nif crypto_hash_init_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_crypto_hash_init
};
const struct Nif crypto_hash_update_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_crypto_hash_update
};
const struct Nif crypto_hash_final_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_crypto_hash_final
};
const struct Nif crypto_mac_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_crypto_mac
};
const struct Nif crypto_macn_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_crypto_macn
};
const struct Nif crypto_hash_equals_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_crypto_hash_equals
};
const struct Nif crypto_pbkdf2_hmac_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_crypto_pbkdf2_hmac
};
const struct Nif crypto_strong_rand_bytes_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_crypto_strong_rand_bytes
};
