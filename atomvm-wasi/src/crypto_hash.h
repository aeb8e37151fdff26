/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file crypto_hash.h
 * @brief MD5 (RFC 1321), SHA-1 and the SHA-2 family (FIPS 180-4), HMAC (RFC 2104).
 */

#ifndef _CRYPTO_HASH_H_
#define _CRYPTO_HASH_H_

#include <stddef.h>
#include <stdint.h>

enum CryptoHashType
{
    CryptoHashMd5,
    CryptoHashSha1,
    CryptoHashSha224,
    CryptoHashSha256,
    CryptoHashSha384,
    CryptoHashSha512
};

#define CRYPTO_HASH_TYPES 6
#define CRYPTO_HASH_MAX_DIGEST 64
#define CRYPTO_HASH_MAX_BLOCK 128

/*
 * A hash in progress. Plain bytes with no pointers, so the Erlang side can
 * keep a copy in a binary and continue from any copy (hash_update/2 returns a
 * new state; the old one stays valid).
 */
struct CryptoHashState
{
    uint8_t type;
    uint8_t buffered;
    // bytes hashed so far; 2^64 bytes is beyond any Worker
    uint64_t length;
    union
    {
        uint32_t words32[8];
        uint64_t words64[8];
    } h;
    uint8_t buffer[CRYPTO_HASH_MAX_BLOCK];
};

size_t crypto_hash_digest_size(enum CryptoHashType type);
size_t crypto_hash_block_size(enum CryptoHashType type);
void crypto_hash_init(struct CryptoHashState *state, enum CryptoHashType type);
void crypto_hash_update(struct CryptoHashState *state, const uint8_t *data, size_t size);
/* Writes crypto_hash_digest_size() bytes; the state is spent afterwards. */
void crypto_hash_final(struct CryptoHashState *state, uint8_t *digest);
/* Whether a state copied in from outside is one crypto_hash_update() can continue. */
int crypto_hash_state_valid(const struct CryptoHashState *state);

/*
 * HMAC (RFC 2104): the inner and outer hashes after the key's block, so a key
 * is prepared once for many messages (PBKDF2 runs thousands).
 */
struct CryptoHmac
{
    struct CryptoHashState inner;
    struct CryptoHashState outer;
};

void crypto_hmac_init(struct CryptoHmac *hmac, enum CryptoHashType type, const uint8_t *key, size_t key_size);
/* The MAC of one message under a prepared key; the prepared key stays usable. */
void crypto_hmac(const struct CryptoHmac *hmac, const uint8_t *data, size_t size, uint8_t *mac);

/* PBKDF2 (RFC 8018, section 5.2) with HMAC; iterations >= 1. */
void crypto_pbkdf2_hmac(enum CryptoHashType type, const uint8_t *password, size_t password_size,
    const uint8_t *salt, size_t salt_size, uint32_t iterations, uint8_t *key, size_t key_size);

#endif
