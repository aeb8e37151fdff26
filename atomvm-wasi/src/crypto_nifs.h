/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file crypto_nifs.h
 * @brief The `crypto` NIFs of crypto_nifs.c, for the platform's NIF table.
 */

#ifndef _CRYPTO_NIFS_H_
#define _CRYPTO_NIFS_H_

#include <nifs.h>

extern const struct Nif crypto_hash_nif;
extern const struct Nif crypto_hash_init_nif;
extern const struct Nif crypto_hash_update_nif;
extern const struct Nif crypto_hash_final_nif;
extern const struct Nif crypto_mac_nif;
extern const struct Nif crypto_macn_nif;
extern const struct Nif crypto_hash_equals_nif;
extern const struct Nif crypto_pbkdf2_hmac_nif;
extern const struct Nif crypto_strong_rand_bytes_nif;

#endif
