/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file otp_bifs.h
 * @brief The NIFs of otp_bifs.c, for the platform's NIF table.
 */

#ifndef _OTP_BIFS_H_
#define _OTP_BIFS_H_

#include <context.h>
#include <nifs.h>
#include <term.h>

#include <stdbool.h>

extern const struct Nif maps_take_nif;
extern const struct Nif lists_flatten_2_nif;
extern const struct Nif erlang_append_element_nif;
extern const struct Nif erlang_get_keys_1_nif;
extern const struct Nif maps_update_3_nif;

/**
 * @brief Whether the error ctx raises is one a NIF here raised with its call
 * on top of the stack trace, and that call (the arguments are x registers
 * 0..arity-1); forgets it either way.
 */
bool otp_bifs_raised_call(Context *ctx, term *module, term *function, int *arity);

#endif
