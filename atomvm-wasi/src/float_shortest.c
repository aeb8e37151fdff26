/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The shortest text that reads back as the same double, written as OTP
 * writes it for erlang:float_to_binary(F, [short]) and float_to_list(F, [short]).
 *
 * Elixir 1.18 (not 1.14) formats floats this way (Float.to_string/1,
 * Kernel.inspect/1, string interpolation); AtomVM's float_to_binary/2 knows
 * only {decimals, N}, {scientific, N} and compact, and raises badarg on short.
 *
 * The digits: the fewest significant digits P (1 to 17) whose correctly
 * rounded decimal, "%.*e" with P - 1 decimals, reads back (strtod) as the
 * same double. Any P-digit decimal in the double's rounding interval is the
 * correctly rounded one, since the interval is symmetric around the double,
 * except at a power of two, where the interval below is half as wide as the
 * one above: there the correctly rounded P digits may fall below the interval
 * while the P-digit decimal one step up falls inside it, so that one is tried
 * too. This gives the digits shortest round-trip algorithms (Ryu, which OTP
 * uses) give, without their tables.
 *
 * The notation, as erlang:float_to_binary/2 documents it for short: a float whose
 * magnitude is below 2^53 is written in whichever of decimal (123.45, 0.001,
 * 100.0) and scientific (1.2345e2, 1.0e-3) notation is shorter, decimal when
 * both are as long; any other float in scientific notation. Scientific
 * notation has at least one digit after the point and an exponent without a
 * plus sign or leading zeros (1.0e20, 5.0e-324); decimal notation has at
 * least one digit on each side of the point.
 */

#include "float_shortest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// 17 digits always read back as the same double.
#define MAX_DIGITS 17

// The significant digits of x (no sign) into digits (no terminator), and the
// decimal exponent of the first: x = 0.d1d2... * 10^(exponent + 1).
// Returns the number of digits.
static int round_to_digits(double x, int precision, char *digits, int *exponent)
{
    char buf[40];
    snprintf(buf, sizeof(buf), "%.*e", precision - 1, x);
    // d.ddde[+-]xx
    int n = 0;
    const char *p = buf;
    for (; *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9') {
            digits[n++] = *p;
        }
    }
    *exponent = atoi(p + 1);
    return n;
}

static double read_back(const char *digits, int n, int exponent)
{
    char buf[48];
    snprintf(buf, sizeof(buf), "%.*se%d", n, digits, exponent - (n - 1));
    return strtod(buf, NULL);
}

// The P-digit decimal one step up from digits: 999 becomes 100 with the
// exponent one higher.
static void step_up(char *digits, int n, int *exponent)
{
    int i = n - 1;
    while (i >= 0 && digits[i] == '9') {
        digits[i] = '0';
        i--;
    }
    if (i >= 0) {
        digits[i]++;
    } else {
        digits[0] = '1';
        *exponent += 1;
    }
}

static int is_power_of_two(double x)
{
    int e;
    return frexp(x, &e) == 0.5;
}

// Shortest digits of x > 0; returns their number.
static int shortest_digits(double x, char *digits, int *exponent)
{
    for (int precision = 1; precision <= MAX_DIGITS; precision++) {
        int n = round_to_digits(x, precision, digits, exponent);
        if (read_back(digits, n, *exponent) == x) {
            return n;
        }
        if (is_power_of_two(x)) {
            char up[MAX_DIGITS];
            int up_exponent = *exponent;
            memcpy(up, digits, n);
            step_up(up, n, &up_exponent);
            if (read_back(up, n, up_exponent) == x) {
                memcpy(digits, up, n);
                *exponent = up_exponent;
                return n;
            }
        }
    }
    // Not reached: 17 digits always read back.
    return round_to_digits(x, MAX_DIGITS, digits, exponent);
}

size_t float_shortest_format(double x, char *out)
{
    char *o = out;
    if (signbit(x)) {
        *o++ = '-';
        x = -x;
    }
    if (x == 0.0) {
        memcpy(o, "0.0", 3);
        return (size_t) (o - out) + 3;
    }

    char digits[MAX_DIGITS + 1];
    int exponent;
    int n = shortest_digits(x, digits, &exponent);
    // Trailing zeros are not significant (1.0e20 is one digit, 1).
    while (n > 1 && digits[n - 1] == '0') {
        n--;
    }

    // Lengths without the sign. Scientific: d.ddd (at least d.0) e exp.
    char exp_buf[8];
    int exp_len = snprintf(exp_buf, sizeof(exp_buf), "%d", exponent);
    int scientific_len = 1 + 1 + (n > 1 ? n - 1 : 1) + 1 + exp_len;
    // Decimal: digits before the point (at least 0), after it (at least 0).
    int before = exponent + 1;
    int decimal_len;
    if (before <= 0) {
        decimal_len = 2 + (-before) + n;
    } else if (before < n) {
        decimal_len = n + 1;
    } else {
        decimal_len = before + 2;
    }

    if (x < 9007199254740992.0 && decimal_len <= scientific_len) {
        if (before <= 0) {
            *o++ = '0';
            *o++ = '.';
            memset(o, '0', (size_t) -before);
            o += -before;
            memcpy(o, digits, (size_t) n);
            o += n;
        } else if (before < n) {
            memcpy(o, digits, (size_t) before);
            o += before;
            *o++ = '.';
            memcpy(o, digits + before, (size_t) (n - before));
            o += n - before;
        } else {
            memcpy(o, digits, (size_t) n);
            o += n;
            memset(o, '0', (size_t) (before - n));
            o += before - n;
            *o++ = '.';
            *o++ = '0';
        }
    } else {
        *o++ = digits[0];
        *o++ = '.';
        if (n > 1) {
            memcpy(o, digits + 1, (size_t) (n - 1));
            o += n - 1;
        } else {
            *o++ = '0';
        }
        *o++ = 'e';
        memcpy(o, exp_buf, (size_t) exp_len);
        o += exp_len;
    }
    return (size_t) (o - out);
}
