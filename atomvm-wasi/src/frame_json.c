/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file frame_json.c
 * @brief JSON for the frame heads, in C (see frame_json.h).
 *
 * @details Decoding runs in two passes over the text. The first checks
 * everything and counts the heap the term needs, so that the caller can make
 * room once (a garbage collection moves terms, so none may happen while the
 * term is being built); the second builds the term from text it knows to be
 * valid. Every read is bounded by the end of the text: a head is whatever the
 * host wrote, and bad input must give an error, never a crash.
 */

#include "frame_json.h"

#include <defaultatoms.h>
#include <memory.h>
#include <term.h>

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform_defaultatoms.h"

// Digits of the largest magnitudes of a signed 64-bit integer.
#define INT64_MAX_DIGITS "9223372036854775807"
#define INT64_MIN_DIGITS "9223372036854775808"
#define INT64_DIGITS 19

// A float's text is copied to be NUL-terminated for strtod; longer texts
// (absurd, but valid JSON) go to the heap.
#define FLOAT_TEXT_SIZE 64

struct Scan
{
    const uint8_t *start;
    const uint8_t *p;
    const uint8_t *end;
    size_t heap;
    struct FrameJsonError *error;
};

static bool fail(struct Scan *s, const char *reason, const uint8_t *at)
{
    s->error->reason = reason;
    s->error->position = (size_t) (at - s->start);
    return false;
}

static void skip_ws(const uint8_t **p, const uint8_t *end)
{
    while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')) {
        (*p)++;
    }
}

/*
 * The length of the well-formed UTF-8 sequence at p (2 to 4), or 0.
 * Overlong forms, surrogates and code points above U+10FFFF are refused,
 * as `:unicode.characters_to_binary/1` does.
 */
static size_t utf8_sequence(const uint8_t *p, const uint8_t *end)
{
    size_t avail = (size_t) (end - p);
    uint8_t c = p[0];
    uint8_t low = 0x80;
    uint8_t high = 0xBF;
    size_t n;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) {
            low = 0xA0;
        } else if (c == 0xED) {
            high = 0x9F;
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) {
            low = 0x90;
        } else if (c == 0xF4) {
            high = 0x8F;
        }
    } else {
        return 0;
    }
    if (avail < n || p[1] < low || p[1] > high) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF) {
            return 0;
        }
    }
    return n;
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// The four hex digits at p (the caller checked they are there), or -1.
static int32_t hex4(const uint8_t *p)
{
    int32_t code = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex_value(p[i]);
        if (digit < 0) {
            return -1;
        }
        code = code * 16 + digit;
    }
    return code;
}

static size_t utf8_length(int32_t code)
{
    if (code < 0x80) {
        return 1;
    }
    if (code < 0x800) {
        return 2;
    }
    return code < 0x10000 ? 3 : 4;
}

/*
 * `\u` escape at p (pointing at the `u`): its code point and the bytes it
 * takes, a surrogate pair being one escape. Returns false for a bad escape,
 * with the error reason.
 */
static bool unicode_escape(const uint8_t *p, const uint8_t *end, int32_t *code, size_t *taken, const char **reason)
{
    if (end - p < 5 || (*code = hex4(p + 1)) < 0) {
        *reason = "invalid_escape";
        return false;
    }
    *taken = 5;
    if (*code >= 0xDC00 && *code <= 0xDFFF) {
        *reason = "lone_surrogate";
        return false;
    }
    if (*code >= 0xD800 && *code <= 0xDBFF) {
        int32_t low;
        if (end - p < 11 || p[5] != '\\' || p[6] != 'u' || (low = hex4(p + 7)) < 0xDC00 || low > 0xDFFF) {
            *reason = "lone_surrogate";
            return false;
        }
        *code = 0x10000 + (*code - 0xD800) * 0x400 + (low - 0xDC00);
        *taken = 11;
    }
    return true;
}

// s->p is just after the opening quote.
static bool scan_string(struct Scan *s)
{
    const uint8_t *p = s->p;
    size_t length = 0;
    for (;;) {
        if (p >= s->end) {
            return fail(s, "unterminated_string", s->end);
        }
        uint8_t c = *p;
        if (c == '"') {
            p++;
            break;
        } else if (c == '\\') {
            if (p + 1 >= s->end) {
                return fail(s, "unexpected_end", s->end);
            }
            switch (p[1]) {
                case '"':
                case '\\':
                case '/':
                case 'b':
                case 'f':
                case 'n':
                case 'r':
                case 't':
                    length++;
                    p += 2;
                    break;
                case 'u': {
                    int32_t code;
                    size_t taken;
                    const char *reason;
                    if (!unicode_escape(p + 1, s->end, &code, &taken, &reason)) {
                        return fail(s, reason, p + 1);
                    }
                    length += utf8_length(code);
                    p += 1 + taken;
                    break;
                }
                default:
                    return fail(s, "invalid_escape", p + 1);
            }
        } else if (c < 0x20) {
            return fail(s, "control_character", p);
        } else if (c < 0x80) {
            length++;
            p++;
        } else {
            size_t n = utf8_sequence(p, s->end);
            if (n == 0) {
                return fail(s, "invalid_utf8", p);
            }
            length += n;
            p += n;
        }
    }
    s->p = p;
    s->heap += term_binary_heap_size(length);
    return true;
}

// The first byte at or after p that is not a decimal digit.
static const uint8_t *skip_digits(const uint8_t *p, const uint8_t *end)
{
    while (p < end && *p >= '0' && *p <= '9') {
        p++;
    }
    return p;
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?: the end of the number at
// p, or NULL (with the error) when it is malformed.
static const uint8_t *number_end(struct Scan *s, const uint8_t *p, bool *integer)
{
    const uint8_t *end = s->end;
    if (p < end && *p == '-') {
        p++;
    }
    if (p >= end) {
        fail(s, "unexpected_end", end);
        return NULL;
    }
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        p = skip_digits(p, end);
    } else {
        fail(s, "invalid_number", p);
        return NULL;
    }
    *integer = true;
    if (p < end && *p == '.') {
        const uint8_t *digits = p + 1;
        p = skip_digits(digits, end);
        if (p == digits) {
            fail(s, "invalid_number", p);
            return NULL;
        }
        *integer = false;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        const uint8_t *digits = p;
        p = skip_digits(digits, end);
        if (p == digits) {
            fail(s, "invalid_number", p);
            return NULL;
        }
        *integer = false;
    }
    return p;
}

static bool parse_float(const uint8_t *text, size_t size, double *value)
{
    char local[FLOAT_TEXT_SIZE];
    char *buf = size < sizeof(local) ? local : malloc(size + 1);
    if (IS_NULL_PTR(buf)) {
        return false;
    }
    memcpy(buf, text, size);
    buf[size] = '\0';
    *value = strtod(buf, NULL);
    if (buf != local) {
        free(buf);
    }
    return isfinite(*value);
}

static bool scan_number(struct Scan *s)
{
    const uint8_t *start = s->p;
    bool integer;
    const uint8_t *end = number_end(s, start, &integer);
    if (end == NULL) {
        return false;
    }
    if (integer) {
        bool negative = *start == '-';
        const uint8_t *digits = negative ? start + 1 : start;
        size_t count = (size_t) (end - digits);
        if (count > INT64_DIGITS
            || (count == INT64_DIGITS
                && memcmp(digits, negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS, INT64_DIGITS) > 0)) {
            return fail(s, "number_out_of_range", start);
        }
        s->heap += BOXED_INT64_SIZE;
    } else {
        double value;
        if (!parse_float(start, (size_t) (end - start), &value)) {
            return fail(s, "number_out_of_range", start);
        }
        s->heap += FLOAT_SIZE;
    }
    s->p = end;
    return true;
}

static bool scan_literal(struct Scan *s, const char *word, size_t size)
{
    if ((size_t) (s->end - s->p) < size || memcmp(s->p, word, size) != 0) {
        return fail(s, "unexpected_character", s->p);
    }
    s->p += size;
    return true;
}

static bool scan_value(struct Scan *s, unsigned depth);

static bool scan_object(struct Scan *s, unsigned depth)
{
    size_t members = 0;
    s->p++;
    skip_ws(&s->p, s->end);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        s->heap += term_map_size_in_terms(0);
        return true;
    }
    for (;;) {
        if (s->p >= s->end) {
            return fail(s, "unexpected_end", s->end);
        }
        if (*s->p != '"') {
            return fail(s, "expected_key", s->p);
        }
        s->p++;
        if (!scan_string(s)) {
            return false;
        }
        skip_ws(&s->p, s->end);
        if (s->p >= s->end) {
            return fail(s, "unexpected_end", s->end);
        }
        if (*s->p != ':') {
            return fail(s, "expected_colon", s->p);
        }
        s->p++;
        skip_ws(&s->p, s->end);
        if (!scan_value(s, depth)) {
            return false;
        }
        members++;
        skip_ws(&s->p, s->end);
        if (s->p >= s->end) {
            return fail(s, "unexpected_end", s->end);
        }
        if (*s->p == '}') {
            s->p++;
            break;
        }
        if (*s->p != ',') {
            return fail(s, "expected_comma_or_brace", s->p);
        }
        s->p++;
        skip_ws(&s->p, s->end);
    }
    // repeated keys are counted too: a little more heap than needed
    s->heap += term_map_size_in_terms(members);
    return true;
}

static bool scan_array(struct Scan *s, unsigned depth)
{
    s->p++;
    skip_ws(&s->p, s->end);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    for (;;) {
        if (!scan_value(s, depth)) {
            return false;
        }
        s->heap += CONS_SIZE;
        skip_ws(&s->p, s->end);
        if (s->p >= s->end) {
            return fail(s, "unexpected_end", s->end);
        }
        if (*s->p == ']') {
            s->p++;
            return true;
        }
        if (*s->p != ',') {
            return fail(s, "expected_comma_or_bracket", s->p);
        }
        s->p++;
        skip_ws(&s->p, s->end);
    }
}

// Recursion is bounded by max_depth (1024 for a head: well within the C stack).
static bool scan_value(struct Scan *s, unsigned depth)
{
    if (s->p >= s->end) {
        return fail(s, "unexpected_end", s->end);
    }
    switch (*s->p) {
        case '{':
            if (depth == 0) {
                return fail(s, "too_deep", s->p);
            }
            return scan_object(s, depth - 1);
        case '[':
            if (depth == 0) {
                return fail(s, "too_deep", s->p);
            }
            return scan_array(s, depth - 1);
        case '"':
            s->p++;
            return scan_string(s);
        case 't':
            return scan_literal(s, "true", 4);
        case 'f':
            return scan_literal(s, "false", 5);
        case 'n':
            return scan_literal(s, "null", 4);
        default:
            if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9')) {
                return scan_number(s);
            }
            return fail(s, "unexpected_character", s->p);
    }
}

bool frame_json_scan(const char *json, size_t size, unsigned max_depth, size_t *heap_size, struct FrameJsonError *error)
{
    struct Scan s = {
        .start = (const uint8_t *) json,
        .p = (const uint8_t *) json,
        .end = (const uint8_t *) json + size,
        .heap = 0,
        .error = error
    };
    skip_ws(&s.p, s.end);
    if (!scan_value(&s, max_depth)) {
        return false;
    }
    skip_ws(&s.p, s.end);
    if (s.p != s.end) {
        return fail(&s, "trailing_data", s.p);
    }
    *heap_size = s.heap;
    return true;
}

/*
 * Second pass: the text is valid, so these functions only build.
 */

struct Build
{
    Context *ctx;
    const uint8_t *p;
    const uint8_t *end;
};

struct Member
{
    term key;
    term value;
    size_t index;
};

static size_t put_utf8(uint8_t *out, int32_t code)
{
    if (code < 0x80) {
        out[0] = (uint8_t) code;
        return 1;
    }
    if (code < 0x800) {
        out[0] = (uint8_t) (0xC0 | (code >> 6));
        out[1] = (uint8_t) (0x80 | (code & 0x3F));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = (uint8_t) (0xE0 | (code >> 12));
        out[1] = (uint8_t) (0x80 | ((code >> 6) & 0x3F));
        out[2] = (uint8_t) (0x80 | (code & 0x3F));
        return 3;
    }
    out[0] = (uint8_t) (0xF0 | (code >> 18));
    out[1] = (uint8_t) (0x80 | ((code >> 12) & 0x3F));
    out[2] = (uint8_t) (0x80 | ((code >> 6) & 0x3F));
    out[3] = (uint8_t) (0x80 | (code & 0x3F));
    return 4;
}

static uint8_t simple_escape(uint8_t c)
{
    switch (c) {
        case 'b':
            return '\b';
        case 'f':
            return '\f';
        case 'n':
            return '\n';
        case 'r':
            return '\r';
        case 't':
            return '\t';
        default: // '"', '\\', '/'
            return c;
    }
}

// b->p is just after the opening quote.
static term build_string(struct Build *b)
{
    // the decoded length first, then the bytes
    size_t length = 0;
    const uint8_t *p = b->p;
    while (*p != '"') {
        if (*p == '\\') {
            if (p[1] == 'u') {
                int32_t code;
                size_t taken;
                const char *reason;
                unicode_escape(p + 1, b->end, &code, &taken, &reason);
                length += utf8_length(code);
                p += 1 + taken;
            } else {
                length++;
                p += 2;
            }
        } else {
            length++;
            p++;
        }
    }

    // a long string is a refc binary, whose malloc may fail
    term bin = term_create_uninitialized_binary(length, &b->ctx->heap, b->ctx->global);
    if (UNLIKELY(term_is_invalid_term(bin))) {
        return bin;
    }
    uint8_t *out = (uint8_t *) term_binary_data(bin);
    p = b->p;
    while (*p != '"') {
        const uint8_t *run = p;
        while (*p != '"' && *p != '\\') {
            p++;
        }
        memcpy(out, run, (size_t) (p - run));
        out += p - run;
        if (*p == '\\') {
            if (p[1] == 'u') {
                int32_t code;
                size_t taken;
                const char *reason;
                unicode_escape(p + 1, b->end, &code, &taken, &reason);
                out += put_utf8(out, code);
                p += 1 + taken;
            } else {
                *out++ = simple_escape(p[1]);
                p += 2;
            }
        }
    }
    b->p = p + 1;
    return bin;
}

static term build_number(struct Build *b)
{
    const uint8_t *start = b->p;
    const uint8_t *p = start;
    bool integer = true;
    if (*p == '-') {
        p++;
    }
    while (p < b->end && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-')) {
        if (*p == '.' || *p == 'e' || *p == 'E') {
            integer = false;
        }
        p++;
    }
    b->p = p;
    if (integer) {
        bool negative = *start == '-';
        uint64_t magnitude = 0;
        for (const uint8_t *d = negative ? start + 1 : start; d < p; d++) {
            magnitude = magnitude * 10 + (uint64_t) (*d - '0');
        }
        int64_t value = negative ? (int64_t) (0 - magnitude) : (int64_t) magnitude;
        return term_make_maybe_boxed_int64(value, &b->ctx->heap);
    }
    double value;
    if (!parse_float(start, (size_t) (p - start), &value)) {
        return term_invalid_term();
    }
    return term_from_float(value, &b->ctx->heap);
}

static int compare_members(const void *a, const void *b)
{
    const struct Member *x = a;
    const struct Member *y = b;
    size_t x_size = term_binary_size(x->key);
    size_t y_size = term_binary_size(y->key);
    int cmp = memcmp(term_binary_data(x->key), term_binary_data(y->key), x_size < y_size ? x_size : y_size);
    if (cmp == 0 && x_size != y_size) {
        cmp = x_size < y_size ? -1 : 1;
    }
    if (cmp == 0) {
        // equal keys stay in text order, so the last one can win
        cmp = x->index < y->index ? -1 : 1;
    }
    return cmp;
}

static bool same_key(term a, term b)
{
    return term_binary_size(a) == term_binary_size(b)
        && memcmp(term_binary_data(a), term_binary_data(b), term_binary_size(a)) == 0;
}

static term build_value(struct Build *b);

static term build_object(struct Build *b)
{
    size_t count = 0;
    size_t capacity = 0;
    struct Member *members = NULL;
    b->p++;
    skip_ws(&b->p, b->end);
    while (*b->p != '}') {
        if (count == capacity) {
            capacity = capacity == 0 ? 8 : capacity * 2;
            struct Member *bigger = realloc(members, capacity * sizeof(struct Member));
            if (IS_NULL_PTR(bigger)) {
                free(members);
                return term_invalid_term();
            }
            members = bigger;
        }
        b->p++; // the key's quote
        term key = build_string(b);
        if (UNLIKELY(term_is_invalid_term(key))) {
            free(members);
            return key;
        }
        skip_ws(&b->p, b->end);
        b->p++; // ':'
        skip_ws(&b->p, b->end);
        term value = build_value(b);
        if (UNLIKELY(term_is_invalid_term(value))) {
            free(members);
            return value;
        }
        members[count] = (struct Member) { .key = key, .value = value, .index = count };
        count++;
        skip_ws(&b->p, b->end);
        if (*b->p == ',') {
            b->p++;
            skip_ws(&b->p, b->end);
        }
    }
    b->p++;

    // AtomVM's maps keep their keys in term order (binaries: bytes, then length)
    if (count > 1) {
        qsort(members, count, sizeof(struct Member), compare_members);
    }
    size_t unique = 0;
    for (size_t i = 0; i < count; i++) {
        if (unique > 0 && same_key(members[unique - 1].key, members[i].key)) {
            members[unique - 1] = members[i];
        } else {
            members[unique++] = members[i];
        }
    }
    term map = term_alloc_map(unique, &b->ctx->heap);
    for (size_t i = 0; i < unique; i++) {
        term_set_map_assoc(map, i, members[i].key, members[i].value);
    }
    free(members);
    return map;
}

static term build_array(struct Build *b)
{
    // built front to back: the tail of the last cell is patched each time
    term list = term_nil();
    term last = term_invalid_term();
    b->p++;
    skip_ws(&b->p, b->end);
    while (*b->p != ']') {
        term value = build_value(b);
        if (UNLIKELY(term_is_invalid_term(value))) {
            return value;
        }
        term cell = term_list_prepend(value, term_nil(), &b->ctx->heap);
        if (term_is_invalid_term(last)) {
            list = cell;
        } else {
            term_get_list_ptr(last)[LIST_TAIL_INDEX] = cell;
        }
        last = cell;
        skip_ws(&b->p, b->end);
        if (*b->p == ',') {
            b->p++;
            skip_ws(&b->p, b->end);
        }
    }
    b->p++;
    return list;
}

static term build_value(struct Build *b)
{
    switch (*b->p) {
        case '{':
            return build_object(b);
        case '[':
            return build_array(b);
        case '"':
            b->p++;
            return build_string(b);
        case 't':
            b->p += 4;
            return TRUE_ATOM;
        case 'f':
            b->p += 5;
            return FALSE_ATOM;
        case 'n':
            b->p += 4;
            return NIL_ATOM;
        default:
            return build_number(b);
    }
}

term frame_json_build(Context *ctx, const char *json, size_t size)
{
    struct Build b = {
        .ctx = ctx,
        .p = (const uint8_t *) json,
        .end = (const uint8_t *) json + size
    };
    skip_ws(&b.p, b.end);
    return build_value(&b);
}

/*
 * Encoding: `"`, `\` and control characters are escaped, nothing else, as
 * `ElixirWorkers.JSON.encode_string/1` does.
 */

// The escaped size of a string, or SIZE_MAX when it is not UTF-8.
static size_t escaped_size(const uint8_t *p, size_t size)
{
    const uint8_t *end = p + size;
    size_t out = 2;
    while (p < end) {
        uint8_t c = *p;
        if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
            out += 2;
            p++;
        } else if (c < 0x20) {
            out += 6;
            p++;
        } else if (c < 0x80) {
            out++;
            p++;
        } else {
            size_t n = utf8_sequence(p, end);
            if (n == 0) {
                return SIZE_MAX;
            }
            out += n;
            p += n;
        }
    }
    return out;
}

static char *put_escaped(char *out, const uint8_t *p, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *end = p + size;
    *out++ = '"';
    while (p < end) {
        uint8_t c = *p++;
        switch (c) {
            case '"':
                *out++ = '\\';
                *out++ = '"';
                break;
            case '\\':
                *out++ = '\\';
                *out++ = '\\';
                break;
            case '\n':
                *out++ = '\\';
                *out++ = 'n';
                break;
            case '\r':
                *out++ = '\\';
                *out++ = 'r';
                break;
            case '\t':
                *out++ = '\\';
                *out++ = 't';
                break;
            case '\b':
                *out++ = '\\';
                *out++ = 'b';
                break;
            case '\f':
                *out++ = '\\';
                *out++ = 'f';
                break;
            default:
                if (c < 0x20) {
                    memcpy(out, "\\u00", 4);
                    out[4] = hex[c >> 4];
                    out[5] = hex[c & 0xF];
                    out += 6;
                } else {
                    *out++ = (char) c;
                }
        }
    }
    *out++ = '"';
    return out;
}

static bool is_header(term header)
{
    return term_is_tuple(header) && term_get_tuple_arity(header) == 2
        && term_is_binary(term_get_tuple_element(header, 0))
        && term_is_binary(term_get_tuple_element(header, 1));
}

char *frame_json_encode_headers(term headers, size_t *size, bool *out_of_memory)
{
    *out_of_memory = false;
    size_t total = 2; // []
    term t = headers;
    while (term_is_nonempty_list(t)) {
        term header = term_get_list_head(t);
        if (!is_header(header)) {
            return NULL;
        }
        term name = term_get_tuple_element(header, 0);
        term value = term_get_tuple_element(header, 1);
        size_t name_size = escaped_size((const uint8_t *) term_binary_data(name), term_binary_size(name));
        size_t value_size = escaped_size((const uint8_t *) term_binary_data(value), term_binary_size(value));
        if (name_size == SIZE_MAX || value_size == SIZE_MAX) {
            return NULL;
        }
        total += name_size + value_size + 4; // [ , ] and a separating comma
        t = term_get_list_tail(t);
    }
    if (!term_is_nil(t)) {
        return NULL;
    }

    char *buf = malloc(total);
    if (IS_NULL_PTR(buf)) {
        *out_of_memory = true;
        return NULL;
    }
    char *out = buf;
    *out++ = '[';
    for (t = headers; term_is_nonempty_list(t); t = term_get_list_tail(t)) {
        term header = term_get_list_head(t);
        term name = term_get_tuple_element(header, 0);
        term value = term_get_tuple_element(header, 1);
        if (out != buf + 1) {
            *out++ = ',';
        }
        *out++ = '[';
        out = put_escaped(out, (const uint8_t *) term_binary_data(name), term_binary_size(name));
        *out++ = ',';
        out = put_escaped(out, (const uint8_t *) term_binary_data(value), term_binary_size(value));
        *out++ = ']';
    }
    *out++ = ']';
    *size = (size_t) (out - buf);
    return buf;
}
