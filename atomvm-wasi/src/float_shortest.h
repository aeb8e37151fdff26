/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Floats written as erlang:float_to_binary(F, [short]) writes them
 * (float_shortest.c).
 */

#ifndef _FLOAT_SHORTEST_H_
#define _FLOAT_SHORTEST_H_

#include <stddef.h>

// The longest text float_shortest_format writes: "-1.2345678901234567e-308" (24).
#define FLOAT_SHORTEST_MAX_LEN 32

// Writes x (finite) into out, FLOAT_SHORTEST_MAX_LEN bytes, without a
// terminator; returns the length.
size_t float_shortest_format(double x, char *out);

#endif
