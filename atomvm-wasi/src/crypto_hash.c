/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file crypto_hash.c
 * @brief MD5 (RFC 1321), SHA-1, SHA-224, SHA-256, SHA-384, SHA-512 (FIPS 180-4),
 * HMAC (RFC 2104) and PBKDF2 (RFC 8018), written from those specifications.
 *
 * @details The round constants are the specifications' (MD5: floor(|sin(i)| * 2^32);
 * SHA-2: the fractional parts of the cube roots of the first primes, the initial values
 * those of their square roots). The rounds are loops, not unrolled: the VM is built for
 * size, and one loop per round function is what keeps the code small.
 */

#include "crypto_hash.h"

#include <string.h>

static const uint32_t md5_t[64] = {
    0xd76aa478,
    0xe8c7b756,
    0x242070db,
    0xc1bdceee,
    0xf57c0faf,
    0x4787c62a,
    0xa8304613,
    0xfd469501,
    0x698098d8,
    0x8b44f7af,
    0xffff5bb1,
    0x895cd7be,
    0x6b901122,
    0xfd987193,
    0xa679438e,
    0x49b40821,
    0xf61e2562,
    0xc040b340,
    0x265e5a51,
    0xe9b6c7aa,
    0xd62f105d,
    0x02441453,
    0xd8a1e681,
    0xe7d3fbc8,
    0x21e1cde6,
    0xc33707d6,
    0xf4d50d87,
    0x455a14ed,
    0xa9e3e905,
    0xfcefa3f8,
    0x676f02d9,
    0x8d2a4c8a,
    0xfffa3942,
    0x8771f681,
    0x6d9d6122,
    0xfde5380c,
    0xa4beea44,
    0x4bdecfa9,
    0xf6bb4b60,
    0xbebfbc70,
    0x289b7ec6,
    0xeaa127fa,
    0xd4ef3085,
    0x04881d05,
    0xd9d4d039,
    0xe6db99e5,
    0x1fa27cf8,
    0xc4ac5665,
    0xf4292244,
    0x432aff97,
    0xab9423a7,
    0xfc93a039,
    0x655b59c3,
    0x8f0ccc92,
    0xffeff47d,
    0x85845dd1,
    0x6fa87e4f,
    0xfe2ce6e0,
    0xa3014314,
    0x4e0811a1,
    0xf7537e82,
    0xbd3af235,
    0x2ad7d2bb,
    0xeb86d391,
};

static const uint8_t md5_shifts[4][4] = {
    { 7, 12, 17, 22 },
    { 5, 9, 14, 20 },
    { 4, 11, 16, 23 },
    { 6, 10, 15, 21 },
};

static const uint32_t sha256_k[64] = {
    0x428a2f98,
    0x71374491,
    0xb5c0fbcf,
    0xe9b5dba5,
    0x3956c25b,
    0x59f111f1,
    0x923f82a4,
    0xab1c5ed5,
    0xd807aa98,
    0x12835b01,
    0x243185be,
    0x550c7dc3,
    0x72be5d74,
    0x80deb1fe,
    0x9bdc06a7,
    0xc19bf174,
    0xe49b69c1,
    0xefbe4786,
    0x0fc19dc6,
    0x240ca1cc,
    0x2de92c6f,
    0x4a7484aa,
    0x5cb0a9dc,
    0x76f988da,
    0x983e5152,
    0xa831c66d,
    0xb00327c8,
    0xbf597fc7,
    0xc6e00bf3,
    0xd5a79147,
    0x06ca6351,
    0x14292967,
    0x27b70a85,
    0x2e1b2138,
    0x4d2c6dfc,
    0x53380d13,
    0x650a7354,
    0x766a0abb,
    0x81c2c92e,
    0x92722c85,
    0xa2bfe8a1,
    0xa81a664b,
    0xc24b8b70,
    0xc76c51a3,
    0xd192e819,
    0xd6990624,
    0xf40e3585,
    0x106aa070,
    0x19a4c116,
    0x1e376c08,
    0x2748774c,
    0x34b0bcb5,
    0x391c0cb3,
    0x4ed8aa4a,
    0x5b9cca4f,
    0x682e6ff3,
    0x748f82ee,
    0x78a5636f,
    0x84c87814,
    0x8cc70208,
    0x90befffa,
    0xa4506ceb,
    0xbef9a3f7,
    0xc67178f2,
};

static const uint64_t sha512_k[80] = {
    UINT64_C(0x428a2f98d728ae22),
    UINT64_C(0x7137449123ef65cd),
    UINT64_C(0xb5c0fbcfec4d3b2f),
    UINT64_C(0xe9b5dba58189dbbc),
    UINT64_C(0x3956c25bf348b538),
    UINT64_C(0x59f111f1b605d019),
    UINT64_C(0x923f82a4af194f9b),
    UINT64_C(0xab1c5ed5da6d8118),
    UINT64_C(0xd807aa98a3030242),
    UINT64_C(0x12835b0145706fbe),
    UINT64_C(0x243185be4ee4b28c),
    UINT64_C(0x550c7dc3d5ffb4e2),
    UINT64_C(0x72be5d74f27b896f),
    UINT64_C(0x80deb1fe3b1696b1),
    UINT64_C(0x9bdc06a725c71235),
    UINT64_C(0xc19bf174cf692694),
    UINT64_C(0xe49b69c19ef14ad2),
    UINT64_C(0xefbe4786384f25e3),
    UINT64_C(0x0fc19dc68b8cd5b5),
    UINT64_C(0x240ca1cc77ac9c65),
    UINT64_C(0x2de92c6f592b0275),
    UINT64_C(0x4a7484aa6ea6e483),
    UINT64_C(0x5cb0a9dcbd41fbd4),
    UINT64_C(0x76f988da831153b5),
    UINT64_C(0x983e5152ee66dfab),
    UINT64_C(0xa831c66d2db43210),
    UINT64_C(0xb00327c898fb213f),
    UINT64_C(0xbf597fc7beef0ee4),
    UINT64_C(0xc6e00bf33da88fc2),
    UINT64_C(0xd5a79147930aa725),
    UINT64_C(0x06ca6351e003826f),
    UINT64_C(0x142929670a0e6e70),
    UINT64_C(0x27b70a8546d22ffc),
    UINT64_C(0x2e1b21385c26c926),
    UINT64_C(0x4d2c6dfc5ac42aed),
    UINT64_C(0x53380d139d95b3df),
    UINT64_C(0x650a73548baf63de),
    UINT64_C(0x766a0abb3c77b2a8),
    UINT64_C(0x81c2c92e47edaee6),
    UINT64_C(0x92722c851482353b),
    UINT64_C(0xa2bfe8a14cf10364),
    UINT64_C(0xa81a664bbc423001),
    UINT64_C(0xc24b8b70d0f89791),
    UINT64_C(0xc76c51a30654be30),
    UINT64_C(0xd192e819d6ef5218),
    UINT64_C(0xd69906245565a910),
    UINT64_C(0xf40e35855771202a),
    UINT64_C(0x106aa07032bbd1b8),
    UINT64_C(0x19a4c116b8d2d0c8),
    UINT64_C(0x1e376c085141ab53),
    UINT64_C(0x2748774cdf8eeb99),
    UINT64_C(0x34b0bcb5e19b48a8),
    UINT64_C(0x391c0cb3c5c95a63),
    UINT64_C(0x4ed8aa4ae3418acb),
    UINT64_C(0x5b9cca4f7763e373),
    UINT64_C(0x682e6ff3d6b2b8a3),
    UINT64_C(0x748f82ee5defb2fc),
    UINT64_C(0x78a5636f43172f60),
    UINT64_C(0x84c87814a1f0ab72),
    UINT64_C(0x8cc702081a6439ec),
    UINT64_C(0x90befffa23631e28),
    UINT64_C(0xa4506cebde82bde9),
    UINT64_C(0xbef9a3f7b2c67915),
    UINT64_C(0xc67178f2e372532b),
    UINT64_C(0xca273eceea26619c),
    UINT64_C(0xd186b8c721c0c207),
    UINT64_C(0xeada7dd6cde0eb1e),
    UINT64_C(0xf57d4f7fee6ed178),
    UINT64_C(0x06f067aa72176fba),
    UINT64_C(0x0a637dc5a2c898a6),
    UINT64_C(0x113f9804bef90dae),
    UINT64_C(0x1b710b35131c471b),
    UINT64_C(0x28db77f523047d84),
    UINT64_C(0x32caab7b40c72493),
    UINT64_C(0x3c9ebe0a15c9bebc),
    UINT64_C(0x431d67c49c100d4c),
    UINT64_C(0x4cc5d4becb3e42b6),
    UINT64_C(0x597f299cfc657e2a),
    UINT64_C(0x5fcb6fab3ad6faec),
    UINT64_C(0x6c44198c4a475817),
};

static const uint32_t md5_iv[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
static const uint32_t sha1_iv[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 };
static const uint32_t sha224_iv[8] = {
    0xc1059ed8,
    0x367cd507,
    0x3070dd17,
    0xf70e5939,
    0xffc00b31,
    0x68581511,
    0x64f98fa7,
    0xbefa4fa4,
};
static const uint32_t sha256_iv[8] = {
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
};
static const uint64_t sha384_iv[8] = {
    UINT64_C(0xcbbb9d5dc1059ed8),
    UINT64_C(0x629a292a367cd507),
    UINT64_C(0x9159015a3070dd17),
    UINT64_C(0x152fecd8f70e5939),
    UINT64_C(0x67332667ffc00b31),
    UINT64_C(0x8eb44a8768581511),
    UINT64_C(0xdb0c2e0d64f98fa7),
    UINT64_C(0x47b5481dbefa4fa4),
};
static const uint64_t sha512_iv[8] = {
    UINT64_C(0x6a09e667f3bcc908),
    UINT64_C(0xbb67ae8584caa73b),
    UINT64_C(0x3c6ef372fe94f82b),
    UINT64_C(0xa54ff53a5f1d36f1),
    UINT64_C(0x510e527fade682d1),
    UINT64_C(0x9b05688c2b3e6c1f),
    UINT64_C(0x1f83d9abfb41bd6b),
    UINT64_C(0x5be0cd19137e2179),
};

static inline uint32_t rotl32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static inline uint32_t rotr32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static inline uint64_t rotr64(uint64_t x, unsigned n)
{
    return (x >> n) | (x << (64 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static inline uint32_t load_le32(const uint8_t *p)
{
    return ((uint32_t) p[3] << 24) | ((uint32_t) p[2] << 16) | ((uint32_t) p[1] << 8) | p[0];
}

static inline uint64_t load_be64(const uint8_t *p)
{
    return ((uint64_t) load_be32(p) << 32) | load_be32(p + 4);
}

static inline void store_be32(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t) (x >> 24);
    p[1] = (uint8_t) (x >> 16);
    p[2] = (uint8_t) (x >> 8);
    p[3] = (uint8_t) x;
}

static inline void store_be64(uint8_t *p, uint64_t x)
{
    store_be32(p, (uint32_t) (x >> 32));
    store_be32(p + 4, (uint32_t) x);
}

static void md5_block(uint32_t h[4], const uint8_t *block)
{
    uint32_t m[16];
    for (int i = 0; i < 16; i++) {
        m[i] = load_le32(block + 4 * i);
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        switch (i >> 4) {
            case 0:
                f = (b & c) | (~b & d);
                g = i;
                break;
            case 1:
                f = (d & b) | (~d & c);
                g = (5 * i + 1) & 15;
                break;
            case 2:
                f = b ^ c ^ d;
                g = (3 * i + 5) & 15;
                break;
            default:
                f = c ^ (b | ~d);
                g = (7 * i) & 15;
                break;
        }
        f += a + md5_t[i] + m[g];
        a = d;
        d = c;
        c = b;
        b += rotl32(f, md5_shifts[i >> 4][i & 3]);
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
}

static void sha1_block(uint32_t h[5], const uint8_t *block)
{
    // the message schedule as a ring of 16 words (FIPS 180-4, 6.1.3)
    uint32_t w[16];
    for (int t = 0; t < 16; t++) {
        w[t] = load_be32(block + 4 * t);
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
        if (t >= 16) {
            w[t & 15] = rotl32(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1);
        }
        uint32_t f, k;
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t temp = rotl32(a, 5) + f + e + k + w[t & 15];
        e = d;
        d = c;
        c = rotl32(b, 30);
        b = a;
        a = temp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

static void sha256_block(uint32_t h[8], const uint8_t *block)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++) {
        w[t] = load_be32(block + 4 * t);
    }
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = rotr32(w[t - 15], 7) ^ rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = rotr32(w[t - 2], 17) ^ rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = hh + (rotr32(e, 6) ^ rotr32(e, 11) ^ rotr32(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[t] + w[t];
        uint32_t t2 = (rotr32(a, 2) ^ rotr32(a, 13) ^ rotr32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

static void sha512_block(uint64_t h[8], const uint8_t *block)
{
    uint64_t w[80];
    for (int t = 0; t < 16; t++) {
        w[t] = load_be64(block + 8 * t);
    }
    for (int t = 16; t < 80; t++) {
        uint64_t s0 = rotr64(w[t - 15], 1) ^ rotr64(w[t - 15], 8) ^ (w[t - 15] >> 7);
        uint64_t s1 = rotr64(w[t - 2], 19) ^ rotr64(w[t - 2], 61) ^ (w[t - 2] >> 6);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }
    uint64_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 80; t++) {
        uint64_t t1 = hh + (rotr64(e, 14) ^ rotr64(e, 18) ^ rotr64(e, 41)) + ((e & f) ^ (~e & g)) + sha512_k[t] + w[t];
        uint64_t t2 = (rotr64(a, 28) ^ rotr64(a, 34) ^ rotr64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

size_t crypto_hash_digest_size(enum CryptoHashType type)
{
    static const uint8_t sizes[CRYPTO_HASH_TYPES] = { 16, 20, 28, 32, 48, 64 };
    return sizes[type];
}

size_t crypto_hash_block_size(enum CryptoHashType type)
{
    return type >= CryptoHashSha384 ? 128 : 64;
}

void crypto_hash_init(struct CryptoHashState *state, enum CryptoHashType type)
{
    memset(state, 0, sizeof(*state));
    state->type = (uint8_t) type;
    switch (type) {
        case CryptoHashMd5:
            memcpy(state->h.words32, md5_iv, sizeof(md5_iv));
            break;
        case CryptoHashSha1:
            memcpy(state->h.words32, sha1_iv, sizeof(sha1_iv));
            break;
        case CryptoHashSha224:
            memcpy(state->h.words32, sha224_iv, sizeof(sha224_iv));
            break;
        case CryptoHashSha256:
            memcpy(state->h.words32, sha256_iv, sizeof(sha256_iv));
            break;
        case CryptoHashSha384:
            memcpy(state->h.words64, sha384_iv, sizeof(sha384_iv));
            break;
        case CryptoHashSha512:
            memcpy(state->h.words64, sha512_iv, sizeof(sha512_iv));
            break;
    }
}

int crypto_hash_state_valid(const struct CryptoHashState *state)
{
    return state->type < CRYPTO_HASH_TYPES
        && state->buffered < crypto_hash_block_size((enum CryptoHashType) state->type);
}

static void hash_blocks(struct CryptoHashState *state, const uint8_t *data, size_t blocks)
{
    size_t block_size = crypto_hash_block_size((enum CryptoHashType) state->type);
    for (size_t i = 0; i < blocks; i++, data += block_size) {
        switch ((enum CryptoHashType) state->type) {
            case CryptoHashMd5:
                md5_block(state->h.words32, data);
                break;
            case CryptoHashSha1:
                sha1_block(state->h.words32, data);
                break;
            case CryptoHashSha224:
            case CryptoHashSha256:
                sha256_block(state->h.words32, data);
                break;
            case CryptoHashSha384:
            case CryptoHashSha512:
                sha512_block(state->h.words64, data);
                break;
        }
    }
}

void crypto_hash_update(struct CryptoHashState *state, const uint8_t *data, size_t size)
{
    size_t block_size = crypto_hash_block_size((enum CryptoHashType) state->type);
    state->length += size;
    if (state->buffered > 0) {
        size_t take = block_size - state->buffered;
        if (take > size) {
            take = size;
        }
        memcpy(state->buffer + state->buffered, data, take);
        state->buffered += (uint8_t) take;
        data += take;
        size -= take;
        if (state->buffered < block_size) {
            return;
        }
        hash_blocks(state, state->buffer, 1);
        state->buffered = 0;
    }
    size_t blocks = size / block_size;
    hash_blocks(state, data, blocks);
    data += blocks * block_size;
    size -= blocks * block_size;
    memcpy(state->buffer, data, size);
    state->buffered = (uint8_t) size;
}

void crypto_hash_final(struct CryptoHashState *state, uint8_t *digest)
{
    enum CryptoHashType type = (enum CryptoHashType) state->type;
    size_t block_size = crypto_hash_block_size(type);
    // the message length in bits goes in the last 8 bytes (16 for SHA-384/512)
    size_t length_size = block_size == 128 ? 16 : 8;
    uint64_t bits = state->length << 3;

    size_t at = state->buffered;
    state->buffer[at++] = 0x80;
    if (at > block_size - length_size) {
        memset(state->buffer + at, 0, block_size - at);
        hash_blocks(state, state->buffer, 1);
        at = 0;
    }
    memset(state->buffer + at, 0, block_size - at);
    uint8_t *length = state->buffer + block_size - 8;
    if (type == CryptoHashMd5) {
        for (int i = 0; i < 8; i++) {
            length[i] = (uint8_t) (bits >> (8 * i));
        }
    } else {
        if (length_size == 16) {
            store_be64(length - 8, state->length >> 61);
        }
        store_be64(length, bits);
    }
    hash_blocks(state, state->buffer, 1);

    size_t digest_size = crypto_hash_digest_size(type);
    if (type == CryptoHashMd5) {
        for (size_t i = 0; i < digest_size; i++) {
            digest[i] = (uint8_t) (state->h.words32[i / 4] >> (8 * (i % 4)));
        }
    } else if (block_size == 64) {
        for (size_t i = 0; i < digest_size / 4; i++) {
            store_be32(digest + 4 * i, state->h.words32[i]);
        }
    } else {
        for (size_t i = 0; i < digest_size / 8; i++) {
            store_be64(digest + 8 * i, state->h.words64[i]);
        }
    }
}

void crypto_hmac_init(struct CryptoHmac *hmac, enum CryptoHashType type, const uint8_t *key, size_t key_size)
{
    size_t block_size = crypto_hash_block_size(type);
    uint8_t pad[CRYPTO_HASH_MAX_BLOCK];
    memset(pad, 0, sizeof(pad));
    if (key_size > block_size) {
        struct CryptoHashState key_hash;
        crypto_hash_init(&key_hash, type);
        crypto_hash_update(&key_hash, key, key_size);
        crypto_hash_final(&key_hash, pad);
    } else {
        memcpy(pad, key, key_size);
    }
    for (size_t i = 0; i < block_size; i++) {
        pad[i] ^= 0x36;
    }
    crypto_hash_init(&hmac->inner, type);
    crypto_hash_update(&hmac->inner, pad, block_size);
    for (size_t i = 0; i < block_size; i++) {
        pad[i] ^= 0x36 ^ 0x5c;
    }
    crypto_hash_init(&hmac->outer, type);
    crypto_hash_update(&hmac->outer, pad, block_size);
    memset(pad, 0, sizeof(pad));
}

// The outer hash over an inner hash that has taken the whole message.
static void hmac_finish(const struct CryptoHmac *hmac, struct CryptoHashState *inner, uint8_t *mac)
{
    uint8_t inner_digest[CRYPTO_HASH_MAX_DIGEST];
    crypto_hash_final(inner, inner_digest);
    struct CryptoHashState outer = hmac->outer;
    crypto_hash_update(&outer, inner_digest, crypto_hash_digest_size((enum CryptoHashType) outer.type));
    crypto_hash_final(&outer, mac);
}

void crypto_hmac(const struct CryptoHmac *hmac, const uint8_t *data, size_t size, uint8_t *mac)
{
    struct CryptoHashState inner = hmac->inner;
    crypto_hash_update(&inner, data, size);
    hmac_finish(hmac, &inner, mac);
}

void crypto_pbkdf2_hmac(enum CryptoHashType type, const uint8_t *password, size_t password_size,
    const uint8_t *salt, size_t salt_size, uint32_t iterations, uint8_t *key, size_t key_size)
{
    struct CryptoHmac prf;
    crypto_hmac_init(&prf, type, password, password_size);
    size_t digest_size = crypto_hash_digest_size(type);
    uint8_t u[CRYPTO_HASH_MAX_DIGEST];
    uint8_t t[CRYPTO_HASH_MAX_DIGEST];
    for (uint32_t block = 1; key_size > 0; block++) {
        // U_1 = PRF(P, S || INT(i))
        uint8_t index[4];
        store_be32(index, block);
        struct CryptoHashState inner = prf.inner;
        crypto_hash_update(&inner, salt, salt_size);
        crypto_hash_update(&inner, index, sizeof(index));
        hmac_finish(&prf, &inner, u);
        memcpy(t, u, digest_size);
        for (uint32_t j = 1; j < iterations; j++) {
            crypto_hmac(&prf, u, digest_size, u);
            for (size_t i = 0; i < digest_size; i++) {
                t[i] ^= u[i];
            }
        }
        size_t take = key_size < digest_size ? key_size : digest_size;
        memcpy(key, t, take);
        key += take;
        key_size -= take;
    }
}
