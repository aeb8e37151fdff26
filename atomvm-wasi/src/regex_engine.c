/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * A backtracking matcher in the manner of PCRE's, for the subset of its
 * syntax listed in docs/regex.md, written from PCRE's documented semantics
 * (pcrepattern(3)); no PCRE code.
 *
 * A pattern compiles to an int32 program whose jumps are relative, so that
 * a quantified atom's code can be moved and copied ({m,n} repeats it). The
 * matcher runs it with an explicit stack of choice points and of register
 * values to restore, never the C stack (only a lookaround nests a call, as
 * deep as the pattern nests them), and counts every instruction against a
 * budget, so catastrophic backtracking ends in REGEX_STEP_LIMIT.
 */

#include "regex_engine.h"

#include <stdlib.h>
#include <string.h>

enum Op
{
    OP_CHAR, // c
    OP_CHAR2, // c1 c2: either (a caseless letter)
    OP_ANY, // any character
    OP_ANY_BUT_NEWLINE,
    OP_CLASS, // class index
    OP_SPLIT, // preferred, other: relative targets
    OP_JMP, // relative target
    OP_SAVE, // register
    OP_ASSERT, // enum Assertion
    OP_BACKREF, // group, caseless
    OP_LOOK, // enum Look, length of the sub-program that follows (ends in OP_LOOK_END)
    OP_LOOK_END,
    OP_MARK, // register: the position a loop iteration started at
    OP_CHECK, // register, relative exit: leave the loop after an empty iteration
    OP_MATCH
};

enum Assertion
{
    ASSERT_START, // \A, and ^ without multiline
    ASSERT_END, // \z
    ASSERT_END_OR_FINAL_NEWLINE, // \Z, and $ without multiline
    ASSERT_LINE_START, // ^ with multiline
    ASSERT_LINE_END, // $ with multiline
    ASSERT_WORD_BOUNDARY,
    ASSERT_NOT_WORD_BOUNDARY,
    ASSERT_START_OFFSET // \G
};

enum Look
{
    LOOK_AHEAD,
    LOOK_NOT_AHEAD,
    LOOK_ATOMIC // (?>...) and possessive quantifiers: matches once, consumes
};

// Character types of \d, \w, [:alpha:] and the others; a class holds a set of
// them, and of their negations (bit + KIND_COUNT).
enum Kind
{
    KIND_DIGIT,
    KIND_WORD,
    KIND_SPACE,
    KIND_HSPACE,
    KIND_VSPACE,
    KIND_ALPHA,
    KIND_ALNUM,
    KIND_UPPER,
    KIND_LOWER,
    KIND_PUNCT,
    KIND_XDIGIT,
    KIND_BLANK,
    KIND_CNTRL,
    KIND_GRAPH,
    KIND_PRINT,
    KIND_ASCII,
    KIND_POSIX_SPACE,
    KIND_COUNT
};

struct RegexClass
{
    uint8_t below_256[32];
    uint64_t kinds;
    uint32_t first_range;
    uint32_t range_count;
    bool negated;
};

struct RegexNameEntry
{
    uint32_t offset;
    uint32_t size;
    int group;
};

struct RegexProgram
{
    int32_t *code;
    size_t code_size;
    struct RegexClass *classes;
    uint32_t *ranges;
    uint8_t *pattern;
    struct RegexNameEntry *names;
    int name_count;
    int capture_count;
    int register_count;
    uint32_t options;
    // only tries at the start of the subject (\A or ^ first, or anchored)
    bool starts_at_subject_start;
    // the first character every match begins with, or -1
    int32_t first_byte;
};

#define MAX_CODE_SIZE (1 << 20)
#define MAX_NESTING 200
#define MAX_REPEAT 65535
#define MAX_STACK_ENTRIES (1 << 22)

// ---------------------------------------------------------------------------
// Characters

static size_t utf8_decode(const uint8_t *s, size_t size, size_t pos, uint32_t *cp)
{
    uint8_t b = s[pos];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b < 0xE0 && pos + 1 < size) {
        *cp = ((uint32_t) (b & 0x1F) << 6) | (s[pos + 1] & 0x3F);
        return 2;
    }
    if (b < 0xF0 && pos + 2 < size) {
        *cp = ((uint32_t) (b & 0x0F) << 12) | ((uint32_t) (s[pos + 1] & 0x3F) << 6) | (s[pos + 2] & 0x3F);
        return 3;
    }
    if (pos + 3 < size) {
        *cp = ((uint32_t) (b & 0x07) << 18) | ((uint32_t) (s[pos + 1] & 0x3F) << 12)
            | ((uint32_t) (s[pos + 2] & 0x3F) << 6) | (s[pos + 3] & 0x3F);
        return 4;
    }
    *cp = b;
    return 1;
}

bool regex_valid_utf8(const uint8_t *s, size_t size)
{
    size_t i = 0;
    while (i < size) {
        uint8_t b = s[i];
        size_t n;
        uint32_t cp;
        if (b < 0x80) {
            i++;
            continue;
        } else if (b >= 0xC2 && b < 0xE0) {
            n = 2;
            cp = b & 0x1F;
        } else if (b >= 0xE0 && b < 0xF0) {
            n = 3;
            cp = b & 0x0F;
        } else if (b >= 0xF0 && b < 0xF5) {
            n = 4;
            cp = b & 0x07;
        } else {
            return false;
        }
        if (i + n > size) {
            return false;
        }
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += n;
    }
    return true;
}

/*
 * The other case of a character, or the character itself. ASCII only without
 * unicode (PCRE's default tables); with it, the alphabets whose case pairs
 * are regular: Latin-1, Latin Extended-A, Greek, Cyrillic and Armenian.
 */
static uint32_t other_case(uint32_t c, bool unicode)
{
    if (c >= 'a' && c <= 'z') {
        return c - 32;
    }
    if (c >= 'A' && c <= 'Z') {
        return c + 32;
    }
    if (c < 0xC0) {
        return (unicode && c == 0xB5) ? 0x3BC : c;
    }
    if (!unicode) {
        // the Latin-1 pairs of OTP's character tables
        return (c <= 0xFE && c != 0xD7 && c != 0xF7 && c != 0xDF) ? c ^ 0x20 : c;
    }
    if (c <= 0xFF) {
        if (c == 0xD7 || c == 0xF7 || c == 0xDF) {
            return c;
        }
        if (c == 0xFF) {
            return 0x178;
        }
        return c < 0xE0 ? c + 32 : c - 32;
    }
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) {
            return c;
        }
        if (c == 0x178) {
            return 0xFF;
        }
        bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if (odd_upper) {
            return (c & 1) ? c + 1 : c - 1;
        }
        return (c & 1) ? c - 1 : c + 1;
    }
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) {
        return c + 32;
    }
    if (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) {
        return c - 32;
    }
    if (c == 0x3BC) {
        return 0x39C;
    }
    if (c == 0x386) {
        return 0x3AC;
    }
    if (c == 0x3AC) {
        return 0x386;
    }
    if (c >= 0x388 && c <= 0x38A) {
        return c + 37;
    }
    if (c >= 0x3AD && c <= 0x3AF) {
        return c - 37;
    }
    if (c == 0x38C) {
        return 0x3CC;
    }
    if (c == 0x3CC) {
        return 0x38C;
    }
    if (c == 0x38E || c == 0x38F) {
        return c + 63;
    }
    if (c == 0x3CD || c == 0x3CE) {
        return c - 63;
    }
    if (c >= 0x410 && c <= 0x42F) {
        return c + 32;
    }
    if (c >= 0x430 && c <= 0x44F) {
        return c - 32;
    }
    if (c >= 0x400 && c <= 0x40F) {
        return c + 80;
    }
    if (c >= 0x450 && c <= 0x45F) {
        return c - 80;
    }
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F)) {
        return (c & 1) ? c - 1 : c + 1;
    }
    if (c >= 0x531 && c <= 0x556) {
        return c + 48;
    }
    if (c >= 0x561 && c <= 0x586) {
        return c - 48;
    }
    return c;
}

// Letters beyond ASCII for the unicode character types (ucp): the scripts a
// web form meets, by block; an approximation of Unicode's L category.
static const uint32_t unicode_letters[][2] = {
    { 0xAA, 0xAA }, { 0xB5, 0xB5 }, { 0xBA, 0xBA }, { 0xC0, 0xD6 }, { 0xD8, 0xF6 }, { 0xF8, 0x2C1 },
    { 0x2C6, 0x2D1 }, { 0x2E0, 0x2E4 }, { 0x370, 0x374 }, { 0x376, 0x37D }, { 0x386, 0x386 }, { 0x388, 0x3F5 },
    { 0x3F7, 0x481 }, { 0x48A, 0x52F }, { 0x531, 0x556 }, { 0x561, 0x587 }, { 0x5D0, 0x5EA }, { 0x620, 0x64A },
    { 0x671, 0x6D3 }, { 0x904, 0x939 }, { 0xE01, 0xE30 }, { 0x10A0, 0x10FF }, { 0x1100, 0x11FF }, { 0x1E00, 0x1FBC },
    { 0x1FC2, 0x1FFC }, { 0x2C00, 0x2CE4 }, { 0x3041, 0x3096 }, { 0x30A1, 0x30FA }, { 0x3400, 0x4DBF },
    { 0x4E00, 0x9FFF }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFF21, 0xFF3A }, { 0xFF41, 0xFF5A },
    { 0x20000, 0x2FFFF }
};

static bool unicode_letter(uint32_t c)
{
    for (size_t i = 0; i < sizeof(unicode_letters) / sizeof(unicode_letters[0]); i++) {
        if (c >= unicode_letters[i][0] && c <= unicode_letters[i][1]) {
            return true;
        }
    }
    return false;
}

static bool unicode_digit(uint32_t c)
{
    return (c >= 0x660 && c <= 0x669) || (c >= 0x6F0 && c <= 0x6F9) || (c >= 0x966 && c <= 0x96F)
        || (c >= 0xFF10 && c <= 0xFF19);
}

static bool horizontal_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == 0xA0 || c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200A)
        || c == 0x202F || c == 0x205F || c == 0x3000;
}

static bool vertical_space(uint32_t c)
{
    return (c >= 0x0A && c <= 0x0D) || c == 0x85 || c == 0x2028 || c == 0x2029;
}

static bool latin1_letter(uint32_t c)
{
    return c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xC0 && c != 0xD7 && c != 0xF7);
}

/*
 * Without ucp, characters above ASCII are classified as OTP's PCRE tables
 * classify them: Latin-1 letters are letters, and nothing above 255 is of
 * any type but \h and \v.
 */
static bool is_latin1_kind(enum Kind kind, uint32_t c)
{
    if (kind == KIND_HSPACE) {
        return horizontal_space(c);
    }
    if (kind == KIND_VSPACE) {
        return vertical_space(c);
    }
    if (c > 0xFF) {
        return false;
    }
    switch (kind) {
        case KIND_WORD:
        case KIND_ALPHA:
        case KIND_ALNUM:
            return latin1_letter(c);
        case KIND_UPPER:
            return c >= 0xC0 && c <= 0xDE && c != 0xD7;
        case KIND_LOWER:
            return latin1_letter(c) && !(c >= 0xC0 && c <= 0xDE);
        case KIND_PUNCT:
            return (c >= 0xA0 && c <= 0xBF && !latin1_letter(c)) || c == 0xD7 || c == 0xF7;
        case KIND_GRAPH:
        case KIND_PRINT:
            return c >= 0xA0;
        case KIND_CNTRL:
            return c < 0xA0;
        default:
            return false;
    }
}

static bool is_kind(enum Kind kind, uint32_t c, bool ucp)
{
    if (c >= 0x80 && !ucp) {
        return is_latin1_kind(kind, c);
    }
    bool ascii_alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool ascii_digit = c >= '0' && c <= '9';
    bool wide = ucp && c >= 0x80;
    switch (kind) {
        case KIND_DIGIT:
            return ascii_digit || (wide && unicode_digit(c));
        case KIND_WORD:
            return ascii_alpha || ascii_digit || c == '_' || (wide && (unicode_letter(c) || unicode_digit(c)));
        case KIND_SPACE:
        case KIND_POSIX_SPACE:
            // PCRE 8.34+: \s matches VT too
            return c == ' ' || (c >= 0x09 && c <= 0x0D) || (wide && (horizontal_space(c) || vertical_space(c)));
        case KIND_HSPACE:
            return horizontal_space(c);
        case KIND_VSPACE:
            return vertical_space(c);
        case KIND_ALPHA:
            return ascii_alpha || (wide && unicode_letter(c));
        case KIND_ALNUM:
            return ascii_alpha || ascii_digit || (wide && (unicode_letter(c) || unicode_digit(c)));
        case KIND_UPPER:
            return (c >= 'A' && c <= 'Z') || (wide && unicode_letter(c) && other_case(c, true) != c && other_case(other_case(c, true), true) == c && other_case(c, true) > c);
        case KIND_LOWER:
            return (c >= 'a' && c <= 'z') || (wide && unicode_letter(c) && other_case(c, true) != c && other_case(c, true) < c);
        case KIND_PUNCT:
            return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
        case KIND_XDIGIT:
            return ascii_digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        case KIND_BLANK:
            return c == ' ' || c == '\t' || (wide && horizontal_space(c));
        case KIND_CNTRL:
            return c < 0x20 || c == 0x7F;
        case KIND_GRAPH:
            return (c > 0x20 && c < 0x7F) || (wide && !horizontal_space(c) && !vertical_space(c) && c >= 0xA0);
        case KIND_PRINT:
            return (c >= 0x20 && c < 0x7F) || (wide && !vertical_space(c) && c >= 0xA0);
        case KIND_ASCII:
            return c < 0x80;
        default:
            return false;
    }
}

static bool is_word_char(uint32_t c, bool ucp)
{
    return is_kind(KIND_WORD, c, ucp);
}

// ---------------------------------------------------------------------------
// Compiler

struct PendingName
{
    size_t code_position;
    size_t offset;
    size_t size;
    size_t position;
};

struct Compiler
{
    const uint8_t *pattern;
    size_t size;
    size_t pos;
    uint32_t options;
    bool unicode;
    bool ucp;
    int32_t *code;
    size_t code_size;
    size_t code_capacity;
    struct RegexClass *classes;
    size_t class_count;
    size_t class_capacity;
    uint32_t *ranges;
    size_t range_count;
    size_t range_capacity;
    struct RegexNameEntry *names;
    int name_count;
    int name_capacity;
    int capture_count;
    int loop_registers;
    struct PendingName *pending_names;
    size_t pending_count;
    size_t pending_capacity;
    int highest_backref;
    size_t highest_backref_position;
    int depth;
    bool out_of_memory;
    const char *error;
    size_t error_position;
};

static bool fail_at(struct Compiler *c, const char *message, size_t position)
{
    if (c->error == NULL && !c->out_of_memory) {
        c->error = message;
        c->error_position = position;
    }
    return false;
}

static bool grow(void **data, size_t *capacity, size_t needed, size_t element, bool *out_of_memory)
{
    if (needed <= *capacity) {
        return true;
    }
    size_t bigger = *capacity ? *capacity * 2 : 64;
    while (bigger < needed) {
        bigger *= 2;
    }
    void *moved = realloc(*data, bigger * element);
    if (moved == NULL) {
        *out_of_memory = true;
        return false;
    }
    *data = moved;
    *capacity = bigger;
    return true;
}

static bool reserve(struct Compiler *c, size_t more)
{
    if (c->code_size + more > MAX_CODE_SIZE) {
        return fail_at(c, "regular expression is too large", c->pos);
    }
    return grow((void **) &c->code, &c->code_capacity, c->code_size + more, sizeof(int32_t), &c->out_of_memory);
}

static bool emit1(struct Compiler *c, int32_t a)
{
    if (!reserve(c, 1)) {
        return false;
    }
    c->code[c->code_size++] = a;
    return true;
}

static bool emit2(struct Compiler *c, int32_t a, int32_t b)
{
    return emit1(c, a) && emit1(c, b);
}

static bool emit3(struct Compiler *c, int32_t a, int32_t b, int32_t d)
{
    return emit1(c, a) && emit1(c, b) && emit1(c, d);
}

// Opens a gap of `count` ints at `at`; the code after it moves along, intact
// since its jumps are relative and never leave it.
static bool insert_gap(struct Compiler *c, size_t at, size_t count)
{
    if (!reserve(c, count)) {
        return false;
    }
    memmove(c->code + at + count, c->code + at, (c->code_size - at) * sizeof(int32_t));
    c->code_size += count;
    return true;
}

static bool at_end(struct Compiler *c)
{
    return c->pos >= c->size;
}

static uint8_t peek(struct Compiler *c)
{
    return c->pos < c->size ? c->pattern[c->pos] : 0;
}

static uint32_t next_char(struct Compiler *c)
{
    uint32_t cp;
    if (c->unicode) {
        c->pos += utf8_decode(c->pattern, c->size, c->pos, &cp);
    } else {
        cp = c->pattern[c->pos++];
    }
    return cp;
}

// In extended mode, whitespace and # comments between atoms are not part of
// the pattern.
static void skip_extended(struct Compiler *c, uint32_t flags)
{
    if (!(flags & REGEX_EXTENDED)) {
        return;
    }
    while (!at_end(c)) {
        uint8_t b = peek(c);
        if (b == ' ' || (b >= 0x09 && b <= 0x0D)) {
            c->pos++;
        } else if (b == '#') {
            while (!at_end(c) && peek(c) != '\n') {
                c->pos++;
            }
        } else {
            break;
        }
    }
}

// Character classes

struct ClassBuilder
{
    uint32_t first_range;
    uint64_t kinds;
    bool negated;
};

static bool add_range(struct Compiler *c, uint32_t lo, uint32_t hi)
{
    if (!grow((void **) &c->ranges, &c->range_capacity, c->range_count + 2, sizeof(uint32_t), &c->out_of_memory)) {
        return false;
    }
    c->ranges[c->range_count++] = lo;
    c->ranges[c->range_count++] = hi;
    return true;
}

// A range and, when caseless, the other case of its letters, as runs.
static bool add_range_with_case(struct Compiler *c, uint32_t lo, uint32_t hi, bool caseless)
{
    if (!add_range(c, lo, hi)) {
        return false;
    }
    if (!caseless) {
        return true;
    }
    uint32_t limit = hi;
    if (limit > 0x600) {
        // beyond the alphabets other_case() knows, nothing changes case
        limit = 0x600;
    }
    bool open = false;
    uint32_t run_lo = 0, run_hi = 0;
    for (uint32_t cp = lo; cp <= limit && cp >= lo; cp++) {
        uint32_t other = other_case(cp, c->unicode);
        if (other == cp) {
            continue;
        }
        if (open && other == run_hi + 1) {
            run_hi = other;
            continue;
        }
        if (open && !add_range(c, run_lo, run_hi)) {
            return false;
        }
        open = true;
        run_lo = run_hi = other;
    }
    if (open) {
        return add_range(c, run_lo, run_hi);
    }
    return true;
}

static bool class_contains(const struct RegexClass *cls, const uint32_t *ranges, uint32_t cp, bool ucp)
{
    bool found = false;
    const uint32_t *r = ranges + cls->first_range;
    for (uint32_t i = 0; i < cls->range_count && !found; i++) {
        found = cp >= r[2 * i] && cp <= r[2 * i + 1];
    }
    for (int k = 0; k < KIND_COUNT && !found && cls->kinds; k++) {
        if ((cls->kinds >> k) & 1) {
            found = is_kind((enum Kind) k, cp, ucp);
        }
        if (!found && ((cls->kinds >> (k + KIND_COUNT)) & 1)) {
            found = !is_kind((enum Kind) k, cp, ucp);
        }
    }
    return found != cls->negated;
}

static int finish_class(struct Compiler *c, struct ClassBuilder *b)
{
    if (!grow((void **) &c->classes, &c->class_capacity, c->class_count + 1, sizeof(struct RegexClass), &c->out_of_memory)) {
        return -1;
    }
    struct RegexClass *cls = &c->classes[c->class_count];
    memset(cls, 0, sizeof(*cls));
    cls->first_range = b->first_range;
    cls->range_count = (uint32_t) ((c->range_count - b->first_range) / 2);
    cls->kinds = b->kinds;
    cls->negated = b->negated;
    for (uint32_t cp = 0; cp < 256; cp++) {
        if (class_contains(cls, c->ranges, cp, c->ucp)) {
            cls->below_256[cp >> 3] |= (uint8_t) (1 << (cp & 7));
        }
    }
    return (int) c->class_count++;
}

static const struct
{
    const char *name;
    enum Kind kind;
} posix_names[] = {
    { "alpha", KIND_ALPHA }, { "digit", KIND_DIGIT }, { "alnum", KIND_ALNUM }, { "space", KIND_POSIX_SPACE },
    { "upper", KIND_UPPER }, { "lower", KIND_LOWER }, { "punct", KIND_PUNCT }, { "xdigit", KIND_XDIGIT },
    { "word", KIND_WORD }, { "blank", KIND_BLANK }, { "cntrl", KIND_CNTRL }, { "graph", KIND_GRAPH },
    { "print", KIND_PRINT }, { "ascii", KIND_ASCII }
};

enum EscapeKind
{
    ESCAPE_CHAR, // *value is a character
    ESCAPE_KIND, // *value is a Kind, + KIND_COUNT when negated
    ESCAPE_OTHER // not a character (an assertion, a reference): the caller decides
};

static bool hex_digit(uint8_t b, uint32_t *v)
{
    if (b >= '0' && b <= '9') {
        *v = b - '0';
    } else if (b >= 'a' && b <= 'f') {
        *v = b - 'a' + 10;
    } else if (b >= 'A' && b <= 'F') {
        *v = b - 'A' + 10;
    } else {
        return false;
    }
    return true;
}

static bool check_code_point(struct Compiler *c, uint32_t value, size_t at)
{
    if ((!c->unicode && value > 0xFF) || value > 0x10FFFF) {
        return fail_at(c, "character value in \\x{} or \\o{} is too large", at);
    }
    if (c->unicode && value >= 0xD800 && value <= 0xDFFF) {
        return fail_at(c, "disallowed Unicode code point (>= 0xd800 && <= 0xdfff)", at);
    }
    return true;
}

/*
 * The escape after a backslash (c->pos is past the backslash) that stands
 * for a character or a character type, in a class or outside. Anything else
 * (\b outside a class, \1, \A, ...) is ESCAPE_OTHER with c->pos unmoved.
 */
static bool parse_escape(struct Compiler *c, bool in_class, enum EscapeKind *kind, uint32_t *value)
{
    size_t start = c->pos - 1;
    if (at_end(c)) {
        return fail_at(c, "\\ at end of pattern", c->pos);
    }
    uint8_t b = peek(c);
    *kind = ESCAPE_CHAR;
    switch (b) {
        case 'n':
            *value = '\n';
            break;
        case 't':
            *value = '\t';
            break;
        case 'r':
            *value = '\r';
            break;
        case 'f':
            *value = '\f';
            break;
        case 'e':
            *value = 0x1B;
            break;
        case 'a':
            *value = 0x07;
            break;
        case 'd':
        case 'D':
        case 'w':
        case 'W':
        case 's':
        case 'S':
        case 'h':
        case 'H':
        case 'v':
        case 'V': {
            uint8_t lower = b | 0x20;
            enum Kind k = lower == 'd' ? KIND_DIGIT : lower == 'w' ? KIND_WORD
                : lower == 's'                                     ? KIND_SPACE
                : lower == 'h'                                     ? KIND_HSPACE
                                                                   : KIND_VSPACE;
            *kind = ESCAPE_KIND;
            *value = k + (b == lower ? 0 : KIND_COUNT);
            break;
        }
        case 'x': {
            c->pos++;
            uint32_t v = 0, digit;
            if (peek(c) == '{') {
                size_t open = c->pos;
                c->pos++;
                int digits = 0;
                while (!at_end(c) && hex_digit(peek(c), &digit)) {
                    if (v > 0x10FFFF) {
                        return fail_at(c, "character value in \\x{} or \\o{} is too large", c->pos);
                    }
                    v = v * 16 + digit;
                    c->pos++;
                    digits++;
                }
                if (peek(c) == '}' && digits == 0) {
                    return fail_at(c, "non-hex character in \\x{} (closing brace missing?)", c->pos);
                }
                if (peek(c) != '}') {
                    // PCRE reads \x{ without a closing brace as \x then "{"
                    c->pos = open;
                    *value = 0;
                    return true;
                }
                if (!check_code_point(c, v, c->pos)) {
                    return false;
                }
                c->pos++;
            } else {
                for (int i = 0; i < 2 && !at_end(c) && hex_digit(peek(c), &digit); i++) {
                    v = v * 16 + digit;
                    c->pos++;
                }
            }
            *value = v;
            return true;
        }
        case 'o': {
            c->pos++;
            if (peek(c) != '{') {
                return fail_at(c, "missing opening brace after \\o", c->pos);
            }
            c->pos++;
            uint32_t v = 0;
            while (!at_end(c) && peek(c) >= '0' && peek(c) <= '7') {
                v = v * 8 + (peek(c) - '0');
                c->pos++;
                if (v > 0x10FFFF) {
                    return fail_at(c, "character value in \\x{} or \\o{} is too large", c->pos);
                }
            }
            if (peek(c) != '}') {
                return fail_at(c, "non-octal character in \\o{} (closing brace missing?)", c->pos);
            }
            c->pos++;
            if (!check_code_point(c, v, c->pos)) {
                return false;
            }
            *value = v;
            return true;
        }
        case 'c': {
            c->pos++;
            if (at_end(c)) {
                return fail_at(c, "\\c at end of pattern", c->pos);
            }
            uint8_t ch = peek(c);
            if (ch > 127) {
                return fail_at(c, "\\c must be followed by an ASCII character", c->pos);
            }
            if (ch >= 'a' && ch <= 'z') {
                ch -= 32;
            }
            c->pos++;
            *value = ch ^ 0x40;
            return true;
        }
        case '0': {
            uint32_t v = 0;
            c->pos++;
            for (int i = 0; i < 2 && peek(c) >= '0' && peek(c) <= '7'; i++) {
                v = v * 8 + (peek(c) - '0');
                c->pos++;
            }
            *value = v;
            return true;
        }
        case 'b':
            if (!in_class) {
                *kind = ESCAPE_OTHER;
                return true;
            }
            *value = 0x08;
            break;
        case 'p':
        case 'P':
        case 'X':
            return fail_at(c, "unsupported: Unicode property escapes (\\p, \\P, \\X) are not available in the VM's regular expressions", start);
        case 'N':
            if (in_class) {
                return fail_at(c, "\\N is not supported in a class", c->pos + 1);
            }
            *kind = ESCAPE_OTHER;
            return true;
        case 'Q':
        case 'E':
            *kind = ESCAPE_OTHER;
            return true;
        default:
            if (b >= '1' && b <= '9') {
                if (!in_class) {
                    *kind = ESCAPE_OTHER;
                    return true;
                }
                if (b >= '8') {
                    *value = b;
                    break;
                }
                uint32_t v = 0;
                for (int i = 0; i < 3 && peek(c) >= '0' && peek(c) <= '7'; i++) {
                    v = v * 8 + (peek(c) - '0');
                    c->pos++;
                }
                *value = v;
                return true;
            }
            if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')) {
                if (in_class) {
                    if (b == 'B' || b == 'R' || b == 'X') {
                        return fail_at(c, "escape sequence is invalid in character class", c->pos + 1);
                    }
                    if (b == 'A' || b == 'z' || b == 'Z' || b == 'G' || b == 'g' || b == 'k' || b == 'K') {
                        return fail_at(c, "unrecognized character follows \\", c->pos + 1);
                    }
                }
                if (strchr("ABbGgKkNQERCzZ", b) == NULL) {
                    if (strchr("LlUu", b) != NULL) {
                        return fail_at(c, "PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u", c->pos + 1);
                    }
                    // PCRE 8 reads an unknown letter escape as the letter
                    *value = next_char(c);
                    return true;
                }
                *kind = ESCAPE_OTHER;
                return true;
            }
            // any other character stands for itself
            *value = next_char(c);
            return true;
    }
    c->pos++;
    return true;
}

static bool parse_class(struct Compiler *c, uint32_t flags, int *class_index)
{
    // c->pos is past '['
    size_t open = c->pos - 1;
    struct ClassBuilder b = { .first_range = (uint32_t) c->range_count, .kinds = 0, .negated = false };
    bool caseless = (flags & REGEX_CASELESS) != 0;
    if (peek(c) == '^') {
        b.negated = true;
        c->pos++;
    }
    bool first = true;
    for (;;) {
        if (at_end(c)) {
            return fail_at(c, "missing terminating ] for character class", c->size);
        }
        uint8_t ch = peek(c);
        if (ch == ']' && !first) {
            c->pos++;
            break;
        }
        first = false;
        uint32_t lo;
        bool is_char = true;
        if (ch == '[' && c->pos + 1 < c->size && (c->pattern[c->pos + 1] == ':' || c->pattern[c->pos + 1] == '.' || c->pattern[c->pos + 1] == '=')) {
            uint8_t delimiter = c->pattern[c->pos + 1];
            size_t name_start = c->pos + 2;
            size_t end = name_start;
            while (end + 1 < c->size && !(c->pattern[end] == delimiter && c->pattern[end + 1] == ']') && c->pattern[end] != ']') {
                end++;
            }
            if (end + 1 < c->size && c->pattern[end] == delimiter && c->pattern[end + 1] == ']') {
                if (delimiter != ':') {
                    return fail_at(c, "POSIX collating elements are not supported", c->pos);
                }
                bool negated = c->pattern[name_start] == '^';
                size_t n_start = name_start + (negated ? 1 : 0);
                size_t n_size = end - n_start;
                bool found = false;
                for (size_t i = 0; i < sizeof(posix_names) / sizeof(posix_names[0]); i++) {
                    if (strlen(posix_names[i].name) == n_size && memcmp(posix_names[i].name, c->pattern + n_start, n_size) == 0) {
                        enum Kind k = posix_names[i].kind;
                        if (caseless && (k == KIND_UPPER || k == KIND_LOWER)) {
                            k = KIND_ALPHA;
                        }
                        b.kinds |= (uint64_t) 1 << (k + (negated ? KIND_COUNT : 0));
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    return fail_at(c, "unknown POSIX class name", name_start);
                }
                c->pos = end + 2;
                continue;
            }
        }
        if (ch == '\\') {
            c->pos++;
            enum EscapeKind kind;
            uint32_t value;
            if (!parse_escape(c, true, &kind, &value)) {
                return false;
            }
            if (kind == ESCAPE_KIND) {
                b.kinds |= (uint64_t) 1 << value;
                is_char = false;
            } else if (kind == ESCAPE_OTHER) {
                if (peek(c) == 'Q') {
                    c->pos++;
                    while (!at_end(c) && !(peek(c) == '\\' && c->pos + 1 < c->size && c->pattern[c->pos + 1] == 'E')) {
                        uint32_t lit = next_char(c);
                        if (!add_range_with_case(c, lit, lit, caseless)) {
                            return false;
                        }
                    }
                    if (!at_end(c)) {
                        c->pos += 2;
                    }
                    continue;
                }
                if (peek(c) == 'E') {
                    c->pos++;
                    continue;
                }
                return fail_at(c, "escape sequence is invalid in character class", c->pos + 1);
            } else {
                lo = value;
            }
        } else {
            lo = next_char(c);
        }
        if (!is_char) {
            continue;
        }
        uint32_t hi = lo;
        if (peek(c) == '-' && c->pos + 1 < c->size && c->pattern[c->pos + 1] != ']') {
            size_t dash = c->pos;
            c->pos++;
            uint8_t h = peek(c);
            if (h == '[' && c->pos + 1 < c->size && c->pattern[c->pos + 1] == ':') {
                // "a-[:digit:]": the dash is a literal
                c->pos = dash;
            } else if (h == '\\') {
                c->pos++;
                enum EscapeKind kind;
                uint32_t value;
                if (!parse_escape(c, true, &kind, &value)) {
                    return false;
                }
                if (kind == ESCAPE_KIND) {
                    // "a-\d": literal dash
                    b.kinds |= (uint64_t) 1 << value;
                    if (!add_range_with_case(c, lo, lo, caseless) || !add_range(c, '-', '-')) {
                        return false;
                    }
                    continue;
                } else if (kind == ESCAPE_OTHER) {
                    return fail_at(c, "escape sequence is invalid in character class", c->pos + 1);
                }
                hi = value;
            } else {
                hi = next_char(c);
            }
            if (c->pos > dash + 1 && hi < lo) {
                return fail_at(c, "range out of order in character class", c->pos - 1);
            }
        }
        if (!add_range_with_case(c, lo, hi, caseless)) {
            return false;
        }
    }
    (void) open;
    int index = finish_class(c, &b);
    if (index < 0) {
        return false;
    }
    *class_index = index;
    return true;
}

static int kind_class(struct Compiler *c, uint32_t kind)
{
    struct ClassBuilder b = { .first_range = (uint32_t) c->range_count, .kinds = (uint64_t) 1 << kind, .negated = false };
    return finish_class(c, &b);
}

static bool emit_char(struct Compiler *c, uint32_t cp, uint32_t flags)
{
    if (flags & REGEX_CASELESS) {
        uint32_t other = other_case(cp, c->unicode);
        if (other != cp) {
            return emit3(c, OP_CHAR2, (int32_t) cp, (int32_t) other);
        }
    }
    return emit2(c, OP_CHAR, (int32_t) cp);
}

static bool parse_alternation(struct Compiler *c, uint32_t flags);

static int register_for_loop(struct Compiler *c)
{
    return c->loop_registers++;
}

// Loop registers follow the capture registers, whose number is known only at
// the end: they are numbered from -1 down and renumbered then.
#define LOOP_REGISTER(n) (-1 - (n))

/*
 * The atom whose code is code[start..] repeated min..max times (max -1: no
 * limit), greedy or lazy, possessive (atomic) or not.
 */
static bool apply_quantifier(struct Compiler *c, size_t start, long min, long max, bool greedy, bool possessive)
{
    size_t atom_size = c->code_size - start;
    int32_t *atom = NULL;
    if (min > 1 || (max > 1) || (max == -1 && min > 0)) {
        atom = malloc((atom_size ? atom_size : 1) * sizeof(int32_t));
        if (atom == NULL) {
            c->out_of_memory = true;
            return false;
        }
        memcpy(atom, c->code + start, atom_size * sizeof(int32_t));
    }
    bool ok = true;
    if (max == 0) {
        c->code_size = start;
    } else if (min == 1 && max == 1) {
        // as it is
    } else if (min == 0 && max == 1) {
        ok = insert_gap(c, start, 3);
        if (ok) {
            c->code[start] = OP_SPLIT;
            c->code[start + 1] = greedy ? 3 : (int32_t) (3 + atom_size);
            c->code[start + 2] = greedy ? (int32_t) (3 + atom_size) : 3;
        }
    } else if (min == 0 && max == -1) {
        // L0: SPLIT body, exit; body: MARK r; atom; CHECK r exit; JMP L0; exit:
        int r = register_for_loop(c);
        ok = insert_gap(c, start, 5);
        if (ok) {
            size_t total = 5 + atom_size + 3 + 2;
            c->code[start] = OP_SPLIT;
            c->code[start + 1] = greedy ? 3 : (int32_t) total;
            c->code[start + 2] = greedy ? (int32_t) total : 3;
            c->code[start + 3] = OP_MARK;
            c->code[start + 4] = LOOP_REGISTER(r);
            size_t check = c->code_size;
            ok = emit3(c, OP_CHECK, LOOP_REGISTER(r), (int32_t) (total - (check - start)))
                && emit2(c, OP_JMP, -(int32_t) (c->code_size - start));
        }
    } else {
        c->code_size = start;
        long copies = min;
        if (max == -1 && min > 0) {
            copies = min - 1;
        }
        for (long i = 0; ok && i < copies; i++) {
            ok = reserve(c, atom_size);
            if (ok) {
                memcpy(c->code + c->code_size, atom, atom_size * sizeof(int32_t));
                c->code_size += atom_size;
            }
        }
        if (ok && max == -1) {
            // the last required copy, repeated: body: MARK r; atom; CHECK r exit; SPLIT body, exit; exit:
            int r = register_for_loop(c);
            size_t body = c->code_size;
            ok = emit2(c, OP_MARK, LOOP_REGISTER(r)) && reserve(c, atom_size);
            if (ok) {
                memcpy(c->code + c->code_size, atom, atom_size * sizeof(int32_t));
                c->code_size += atom_size;
                size_t total = 2 + atom_size + 3 + 3;
                size_t check = c->code_size;
                ok = emit3(c, OP_CHECK, LOOP_REGISTER(r), (int32_t) (total - (check - body)));
                if (ok) {
                    size_t split = c->code_size;
                    int32_t back = -(int32_t) (split - body);
                    ok = emit3(c, OP_SPLIT, greedy ? back : 3, greedy ? 3 : back);
                }
            }
        } else if (ok) {
            // each optional copy: SPLIT next, end; atom — every SPLIT's exit is the end
            size_t optional = (size_t) (max - min);
            size_t first_split = c->code_size;
            size_t end = first_split + optional * (3 + atom_size);
            for (size_t i = 0; ok && i < optional; i++) {
                size_t split = c->code_size;
                int32_t exit = (int32_t) (end - split);
                ok = emit3(c, OP_SPLIT, greedy ? 3 : exit, greedy ? exit : 3) && reserve(c, atom_size);
                if (ok) {
                    memcpy(c->code + c->code_size, atom, atom_size * sizeof(int32_t));
                    c->code_size += atom_size;
                }
            }
        }
    }
    free(atom);
    if (ok && possessive && c->code_size > start) {
        size_t body_size = c->code_size - start;
        ok = insert_gap(c, start, 3) && emit1(c, OP_LOOK_END);
        if (ok) {
            c->code[start] = OP_LOOK;
            c->code[start + 1] = LOOK_ATOMIC;
            c->code[start + 2] = (int32_t) (body_size + 1);
        }
    }
    return ok;
}

static bool parse_number(struct Compiler *c, long *value)
{
    if (at_end(c) || peek(c) < '0' || peek(c) > '9') {
        return false;
    }
    long v = 0;
    while (!at_end(c) && peek(c) >= '0' && peek(c) <= '9') {
        v = v * 10 + (peek(c) - '0');
        if (v > 1000000) {
            v = 1000000;
        }
        c->pos++;
    }
    *value = v;
    return true;
}

// {m}, {m,}, {m,n} at c->pos; false (pos unmoved) when the brace is a literal.
static bool parse_braces(struct Compiler *c, long *min, long *max, bool *error)
{
    size_t start = c->pos;
    *error = false;
    c->pos++;
    if (!parse_number(c, min)) {
        c->pos = start;
        return false;
    }
    if (peek(c) == '}') {
        *max = *min;
    } else if (peek(c) == ',') {
        c->pos++;
        if (peek(c) == '}') {
            *max = -1;
        } else if (!parse_number(c, max) || peek(c) != '}') {
            c->pos = start;
            return false;
        }
    } else {
        c->pos = start;
        return false;
    }
    c->pos++;
    if (*min > MAX_REPEAT || *max > MAX_REPEAT) {
        *error = true;
        return fail_at(c, "number too big in {} quantifier", c->pos - 1);
    }
    if (*max != -1 && *max < *min) {
        *error = true;
        return fail_at(c, "numbers out of order in {} quantifier", c->pos - 1);
    }
    return true;
}

static bool add_name(struct Compiler *c, size_t offset, size_t size, int group)
{
    for (int i = 0; i < c->name_count; i++) {
        if (c->names[i].size == size && memcmp(c->pattern + c->names[i].offset, c->pattern + offset, size) == 0) {
            if (!(c->options & REGEX_DUPNAMES) || c->names[i].group == group) {
                return fail_at(c, "two named subpatterns have the same name", offset + size);
            }
        }
    }
    size_t capacity = (size_t) c->name_capacity;
    if (!grow((void **) &c->names, &capacity, (size_t) c->name_count + 1, sizeof(struct RegexNameEntry), &c->out_of_memory)) {
        return false;
    }
    c->name_capacity = (int) capacity;
    c->names[c->name_count].offset = (uint32_t) offset;
    c->names[c->name_count].size = (uint32_t) size;
    c->names[c->name_count].group = group;
    c->name_count++;
    return true;
}

static bool name_char(uint8_t b, bool first)
{
    return b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (!first && b >= '0' && b <= '9');
}

// A group name up to `terminator`; c->pos past the terminator.
static bool parse_name(struct Compiler *c, uint8_t terminator, size_t *offset, size_t *size)
{
    *offset = c->pos;
    if (at_end(c) || !name_char(peek(c), true)) {
        if (!at_end(c) && peek(c) >= '0' && peek(c) <= '9') {
            return fail_at(c, "group name must start with a non-digit", c->pos);
        }
        return fail_at(c, "subpattern name expected", c->pos);
    }
    while (!at_end(c) && name_char(peek(c), false)) {
        c->pos++;
    }
    if (c->pos - *offset > 32) {
        return fail_at(c, "name is too long in (*MARK), (*PRUNE), (*SKIP), or (*THEN)", c->pos);
    }
    if (peek(c) != terminator) {
        return fail_at(c, "syntax error in subpattern name (missing terminator)", c->pos);
    }
    *size = c->pos - *offset;
    c->pos++;
    return true;
}

static bool emit_named_backref(struct Compiler *c, size_t offset, size_t size, uint32_t flags)
{
    for (int i = 0; i < c->name_count; i++) {
        if (c->names[i].size == size && memcmp(c->pattern + c->names[i].offset, c->pattern + offset, size) == 0) {
            return emit3(c, OP_BACKREF, c->names[i].group, (flags & REGEX_CASELESS) ? 1 : 0);
        }
    }
    // a reference to a group named further on: resolved at the end
    struct PendingName *pending;
    if (!grow((void **) &c->pending_names, &c->pending_capacity, c->pending_count + 1, sizeof(struct PendingName), &c->out_of_memory)) {
        return false;
    }
    pending = &c->pending_names[c->pending_count++];
    pending->code_position = c->code_size + 1;
    pending->offset = offset;
    pending->size = size;
    pending->position = c->pos - 1;
    return emit3(c, OP_BACKREF, 0, (flags & REGEX_CASELESS) ? 1 : 0);
}

static bool resolve_pending_names(struct Compiler *c)
{
    for (size_t i = 0; i < c->pending_count; i++) {
        struct PendingName *pending = &c->pending_names[i];
        int group = -1;
        for (int n = 0; n < c->name_count && group < 0; n++) {
            if (c->names[n].size == pending->size && memcmp(c->pattern + c->names[n].offset, c->pattern + pending->offset, pending->size) == 0) {
                group = c->names[n].group;
            }
        }
        if (group < 0) {
            return fail_at(c, "reference to non-existent subpattern", pending->position);
        }
        c->code[pending->code_position] = group;
    }
    return true;
}

static bool emit_backref(struct Compiler *c, long group, uint32_t flags, size_t at)
{
    if (group <= 0) {
        return fail_at(c, "a numbered reference must not be zero", at);
    }
    if (group > c->highest_backref) {
        c->highest_backref = (int) group;
        c->highest_backref_position = at;
    }
    return emit3(c, OP_BACKREF, (int32_t) group, (flags & REGEX_CASELESS) ? 1 : 0);
}

// (?imsxU-imsxU) or (?imsxU-imsxU: ...; c->pos after '?'. *flags changes.
static bool parse_option_letters(struct Compiler *c, uint32_t *flags)
{
    bool off = false;
    while (!at_end(c)) {
        uint8_t b = peek(c);
        uint32_t bit = 0;
        switch (b) {
            case 'i':
                bit = REGEX_CASELESS;
                break;
            case 'm':
                bit = REGEX_MULTILINE;
                break;
            case 's':
                bit = REGEX_DOTALL;
                break;
            case 'x':
                bit = REGEX_EXTENDED;
                break;
            case 'U':
                bit = REGEX_UNGREEDY;
                break;
            case 'J':
                bit = REGEX_DUPNAMES;
                break;
            case '-':
                if (off) {
                    return fail_at(c, "unrecognized character after (? or (?-", c->pos + 1);
                }
                off = true;
                c->pos++;
                continue;
            case ')':
            case ':':
                return true;
            default:
                return fail_at(c, "unrecognized character after (? or (?-", c->pos + 1);
        }
        if (bit == REGEX_DUPNAMES) {
            c->options = off ? (c->options & ~bit) : (c->options | bit);
        }
        *flags = off ? (*flags & ~bit) : (*flags | bit);
        c->pos++;
    }
    return fail_at(c, "missing )", c->size);
}

static bool parse_group_body(struct Compiler *c, uint32_t flags, size_t open)
{
    if (++c->depth > MAX_NESTING) {
        return fail_at(c, "parentheses are too deeply nested", c->pos);
    }
    if (!parse_alternation(c, flags)) {
        return false;
    }
    c->depth--;
    if (at_end(c) || peek(c) != ')') {
        (void) open;
        return fail_at(c, "missing )", c->size);
    }
    c->pos++;
    return true;
}

static bool emit_capture_group(struct Compiler *c, uint32_t flags, size_t open, int group)
{
    return emit2(c, OP_SAVE, 2 * group) && parse_group_body(c, flags, open) && emit2(c, OP_SAVE, 2 * group + 1);
}

static bool emit_look(struct Compiler *c, enum Look look, uint32_t flags, size_t open)
{
    size_t start = c->code_size;
    if (!emit3(c, OP_LOOK, look, 0) || !parse_group_body(c, flags, open) || !emit1(c, OP_LOOK_END)) {
        return false;
    }
    c->code[start + 2] = (int32_t) (c->code_size - start - 3);
    return true;
}

/*
 * A group at c->pos (past '('). *quantifiable is false for what a quantifier
 * may not follow: an option setting such as (?i).
 */
static bool parse_group(struct Compiler *c, uint32_t *flags, bool *quantifiable)
{
    size_t open = c->pos - 1;
    *quantifiable = true;
    if (peek(c) == '*') {
        return fail_at(c, "unsupported: backtracking control verbs (*VERB) are not available in the VM's regular expressions", open);
    }
    if (peek(c) != '?') {
        if (c->options & REGEX_NO_AUTO_CAPTURE) {
            return parse_group_body(c, *flags, open);
        }
        return emit_capture_group(c, *flags, open, ++c->capture_count);
    }
    c->pos++;
    uint8_t b = peek(c);
    switch (b) {
        case ':':
            c->pos++;
            return parse_group_body(c, *flags, open);
        case '=':
            c->pos++;
            return emit_look(c, LOOK_AHEAD, *flags, open);
        case '!':
            c->pos++;
            return emit_look(c, LOOK_NOT_AHEAD, *flags, open);
        case '>':
            c->pos++;
            return emit_look(c, LOOK_ATOMIC, *flags, open);
        case '#':
            while (!at_end(c) && peek(c) != ')') {
                c->pos++;
            }
            if (at_end(c)) {
                return fail_at(c, "missing ) after comment", c->size);
            }
            c->pos++;
            *quantifiable = false;
            return true;
        case '|':
            return fail_at(c, "unsupported: branch reset groups (?|...) are not available in the VM's regular expressions", open);
        case '(':
            return fail_at(c, "unsupported: conditional groups (?(...)...) are not available in the VM's regular expressions", open);
        case 'R':
        case '&':
        case '+':
            return fail_at(c, "unsupported: recursion and subroutine calls are not available in the VM's regular expressions", open);
        case 'P':
            c->pos++;
            if (peek(c) == '<') {
                c->pos++;
                break;
            }
            if (peek(c) == '=') {
                c->pos++;
                size_t offset, size;
                if (!parse_name(c, ')', &offset, &size)) {
                    return false;
                }
                return emit_named_backref(c, offset, size, *flags);
            }
            if (peek(c) == '>') {
                return fail_at(c, "unsupported: recursion and subroutine calls are not available in the VM's regular expressions", open);
            }
            return fail_at(c, "unrecognized character after (?P", c->pos);
        case '<':
            c->pos++;
            if (peek(c) == '=' || peek(c) == '!') {
                return fail_at(c, "unsupported: lookbehind assertions (?<= and (?<! are not available in the VM's regular expressions", open);
            }
            break;
        case '\'':
            c->pos++;
            break;
        default:
            if ((b >= '0' && b <= '9') || (b == '-' && c->pos + 1 < c->size && c->pattern[c->pos + 1] >= '0' && c->pattern[c->pos + 1] <= '9')) {
                return fail_at(c, "unsupported: recursion and subroutine calls are not available in the VM's regular expressions", open);
            }
            {
                uint32_t group_flags = *flags;
                if (!parse_option_letters(c, &group_flags)) {
                    return false;
                }
                if (peek(c) == ')') {
                    c->pos++;
                    *flags = group_flags;
                    *quantifiable = false;
                    return true;
                }
                c->pos++;
                return parse_group_body(c, group_flags, open);
            }
    }
    // a named group: (?<name>, (?P<name> or (?'name'
    uint8_t terminator = c->pattern[c->pos - 1] == '\'' ? '\'' : '>';
    size_t offset, size;
    if (!parse_name(c, terminator, &offset, &size)) {
        return false;
    }
    int group = ++c->capture_count;
    if (!add_name(c, offset, size, group)) {
        return false;
    }
    return emit_capture_group(c, *flags, open, group);
}

// An escape outside a class (c->pos past the backslash).
static bool parse_atom_escape(struct Compiler *c, uint32_t flags, bool *quantifiable, bool *literal_run)
{
    size_t at = c->pos - 1;
    enum EscapeKind kind;
    uint32_t value;
    *literal_run = false;
    if (!parse_escape(c, false, &kind, &value)) {
        return false;
    }
    if (kind == ESCAPE_CHAR) {
        return emit_char(c, value, flags);
    }
    if (kind == ESCAPE_KIND) {
        int cls = kind_class(c, value);
        return cls >= 0 && emit2(c, OP_CLASS, cls);
    }
    uint8_t b = peek(c);
    c->pos++;
    switch (b) {
        case 'b':
            *quantifiable = false;
            return emit2(c, OP_ASSERT, ASSERT_WORD_BOUNDARY);
        case 'B':
            *quantifiable = false;
            return emit2(c, OP_ASSERT, ASSERT_NOT_WORD_BOUNDARY);
        case 'A':
            *quantifiable = false;
            return emit2(c, OP_ASSERT, ASSERT_START);
        case 'z':
            *quantifiable = false;
            return emit2(c, OP_ASSERT, ASSERT_END);
        case 'Z':
            *quantifiable = false;
            return emit2(c, OP_ASSERT, ASSERT_END_OR_FINAL_NEWLINE);
        case 'G':
            *quantifiable = false;
            return emit2(c, OP_ASSERT, ASSERT_START_OFFSET);
        case 'N':
            return emit1(c, OP_ANY_BUT_NEWLINE);
        case 'Q':
            *literal_run = true;
            return true;
        case 'E':
            *quantifiable = false;
            return true;
        case 'g': {
            long group;
            bool braces = peek(c) == '{';
            if (braces) {
                c->pos++;
            }
            bool negative = peek(c) == '-';
            if (negative || peek(c) == '+') {
                c->pos++;
            }
            if (!parse_number(c, &group)) {
                if (braces && name_char(peek(c), true)) {
                    size_t offset, size;
                    if (!parse_name(c, '}', &offset, &size)) {
                        return false;
                    }
                    return emit_named_backref(c, offset, size, flags);
                }
                return fail_at(c, "a numbered reference must not be zero", c->pos);
            }
            if (braces) {
                if (peek(c) != '}') {
                    return fail_at(c, "\\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number", c->pos);
                }
                c->pos++;
            }
            if (negative) {
                group = c->capture_count + 1 - group;
                if (group <= 0) {
                    return fail_at(c, "reference to non-existent subpattern", c->pos - 1);
                }
            }
            return emit_backref(c, group, flags, c->pos - 1);
        }
        case 'k': {
            uint8_t open = peek(c);
            uint8_t close = open == '<' ? '>' : open == '{' ? '}'
                : open == '\''                              ? '\''
                                                            : 0;
            if (close == 0) {
                return fail_at(c, "\\k is not followed by a braced, angle-bracketed, or quoted name", c->pos);
            }
            c->pos++;
            size_t offset, size;
            if (!parse_name(c, close, &offset, &size)) {
                return false;
            }
            return emit_named_backref(c, offset, size, flags);
        }
        case 'K':
            return fail_at(c, "unsupported: \\K is not available in the VM's regular expressions", at);
        case 'R':
            return fail_at(c, "unsupported: \\R is not available in the VM's regular expressions", at);
        case 'C':
            return fail_at(c, "unsupported: \\C is not available in the VM's regular expressions", at);
        default:
            if (b >= '1' && b <= '9') {
                c->pos--;
                size_t digits_start = c->pos;
                long group;
                parse_number(c, &group);
                // \8 and \9 are the digits unless that many groups came before
                if ((group < 8) || group <= c->capture_count) {
                    return emit_backref(c, group, flags, c->pos);
                }
                // not a reference: up to three octal digits, else the digits themselves
                c->pos = digits_start;
                if (peek(c) >= '8') {
                    return emit_char(c, next_char(c), flags);
                }
                uint32_t v = 0;
                for (int i = 0; i < 3 && peek(c) >= '0' && peek(c) <= '7'; i++) {
                    v = v * 8 + (peek(c) - '0');
                    c->pos++;
                }
                return emit_char(c, v & (c->unicode ? 0x1FF : 0xFF), flags);
            }
            return fail_at(c, "unrecognized character follows \\", c->pos);
    }
}

static bool parse_sequence(struct Compiler *c, uint32_t *flags)
{
    bool in_literal_run = false;
    size_t atom_start;
    bool quantifiable;
    for (;;) {
        if (!in_literal_run) {
            skip_extended(c, *flags);
        }
        if (at_end(c)) {
            return true;
        }
        uint8_t b = peek(c);
        if (in_literal_run) {
            if (b == '\\' && c->pos + 1 < c->size && c->pattern[c->pos + 1] == 'E') {
                c->pos += 2;
                in_literal_run = false;
                continue;
            }
            atom_start = c->code_size;
            if (!emit_char(c, next_char(c), *flags)) {
                return false;
            }
            if (c->size - c->pos >= 2 && c->pattern[c->pos] == '\\' && c->pattern[c->pos + 1] == 'E') {
                // a quantifier after \E repeats the last literal
                c->pos += 2;
                in_literal_run = false;
                quantifiable = true;
                goto quantifier;
            }
            continue;
        }
        if (b == '|' || b == ')') {
            return true;
        }
        atom_start = c->code_size;
        size_t atom_position = c->pos;
        quantifiable = true;
        c->pos++;
        switch (b) {
            case '(':
                if (!parse_group(c, flags, &quantifiable)) {
                    return false;
                }
                break;
            case '[': {
                int cls = 0;
                if (!parse_class(c, *flags, &cls) || !emit2(c, OP_CLASS, cls)) {
                    return false;
                }
                break;
            }
            case '.':
                if (!emit1(c, (*flags & REGEX_DOTALL) ? OP_ANY : OP_ANY_BUT_NEWLINE)) {
                    return false;
                }
                break;
            case '^':
                quantifiable = false;
                if (!emit2(c, OP_ASSERT, (*flags & REGEX_MULTILINE) ? ASSERT_LINE_START : ASSERT_START)) {
                    return false;
                }
                break;
            case '$':
                quantifiable = false;
                if (!emit2(c, OP_ASSERT, (*flags & REGEX_MULTILINE) ? ASSERT_LINE_END : (c->options & REGEX_DOLLAR_ENDONLY) ? ASSERT_END
                                                                                                                            : ASSERT_END_OR_FINAL_NEWLINE)) {
                    return false;
                }
                break;
            case '\\': {
                bool literal_run;
                if (!parse_atom_escape(c, *flags, &quantifiable, &literal_run)) {
                    return false;
                }
                if (literal_run) {
                    in_literal_run = true;
                    continue;
                }
                break;
            }
            case '*':
            case '+':
            case '?':
                return fail_at(c, "nothing to repeat", atom_position);
            case '{': {
                long min, max;
                bool error;
                c->pos--;
                if (parse_braces(c, &min, &max, &error) || error) {
                    return fail_at(c, "nothing to repeat", atom_position);
                }
                c->pos++;
                if (!emit_char(c, '{', *flags)) {
                    return false;
                }
                break;
            }
            default:
                c->pos--;
                if (!emit_char(c, next_char(c), *flags)) {
                    return false;
                }
                break;
        }
    quantifier:
        skip_extended(c, *flags);
        if (at_end(c)) {
            return true;
        }
        b = peek(c);
        long min = -2, max = -2;
        size_t quantifier_position = c->pos;
        if (b == '*') {
            min = 0;
            max = -1;
            c->pos++;
        } else if (b == '+') {
            min = 1;
            max = -1;
            c->pos++;
        } else if (b == '?') {
            min = 0;
            max = 1;
            c->pos++;
        } else if (b == '{') {
            bool error;
            if (!parse_braces(c, &min, &max, &error)) {
                if (error) {
                    return false;
                }
                min = -2;
            }
        }
        if (min == -2) {
            continue;
        }
        if (!quantifiable) {
            // ^*, \b+, (?i)* as PCRE 8 reads them
            return fail_at(c, "nothing to repeat", quantifier_position);
        }
        bool greedy = !(*flags & REGEX_UNGREEDY);
        bool possessive = false;
        if (peek(c) == '?') {
            greedy = !greedy;
            c->pos++;
        } else if (peek(c) == '+') {
            possessive = true;
            c->pos++;
        }
        if (!apply_quantifier(c, atom_start, min, max, greedy, possessive)) {
            return false;
        }
        skip_extended(c, *flags);
        b = peek(c);
        if (!at_end(c) && (b == '*' || b == '+' || b == '?')) {
            return fail_at(c, "nothing to repeat", c->pos);
        }
        if (!at_end(c) && b == '{') {
            long m2, n2;
            bool error;
            size_t here = c->pos;
            if (parse_braces(c, &m2, &n2, &error) || error) {
                return fail_at(c, "nothing to repeat", here);
            }
        }
    }
}

static bool parse_alternation(struct Compiler *c, uint32_t flags)
{
    // the JMPs at the end of every alternative but the last, chained through
    // their operands (absolute positions) until the end is known
    int32_t jumps = -1;
    for (;;) {
        size_t alternative = c->code_size;
        if (!parse_sequence(c, &flags)) {
            return false;
        }
        if (at_end(c) || peek(c) != '|') {
            break;
        }
        c->pos++;
        if (!insert_gap(c, alternative, 3)) {
            return false;
        }
        size_t jmp = c->code_size;
        if (!emit2(c, OP_JMP, jumps)) {
            return false;
        }
        jumps = (int32_t) jmp;
        c->code[alternative] = OP_SPLIT;
        c->code[alternative + 1] = 3;
        c->code[alternative + 2] = (int32_t) (c->code_size - alternative);
    }
    while (jumps >= 0) {
        int32_t previous = c->code[jumps + 1];
        c->code[jumps + 1] = (int32_t) (c->code_size - (size_t) jumps);
        jumps = previous;
    }
    return true;
}

// (*UTF8), (*UCP), (*CR) ... at the very start of the pattern.
static bool parse_start_verbs(struct Compiler *c)
{
    static const struct
    {
        const char *text;
        uint32_t set;
        uint32_t newline;
    } verbs[] = {
        { "(*UTF8)", REGEX_UNICODE, 0 }, { "(*UTF)", REGEX_UNICODE, 0 }, { "(*UCP)", REGEX_UCP, 0 },
        { "(*CRLF)", 0, REGEX_NEWLINE_CRLF + 1 }, { "(*CR)", 0, REGEX_NEWLINE_CR + 1 }, { "(*LF)", 0, REGEX_NEWLINE_LF + 1 },
        { "(*ANYCRLF)", 0, REGEX_NEWLINE_ANYCRLF + 1 }, { "(*ANY)", 0, REGEX_NEWLINE_ANY + 1 }
    };
    bool found = true;
    while (found) {
        found = false;
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
            size_t n = strlen(verbs[i].text);
            if (c->size - c->pos >= n && memcmp(c->pattern + c->pos, verbs[i].text, n) == 0) {
                c->options |= verbs[i].set;
                if (verbs[i].newline) {
                    c->options = (c->options & ~REGEX_NEWLINE_MASK) | (verbs[i].newline - 1);
                }
                c->pos += n;
                found = true;
            }
        }
    }
    return true;
}

static void sort_names(struct RegexProgram *p)
{
    for (int i = 1; i < p->name_count; i++) {
        struct RegexNameEntry e = p->names[i];
        int j = i - 1;
        while (j >= 0) {
            const struct RegexNameEntry *o = &p->names[j];
            size_t n = o->size < e.size ? o->size : e.size;
            int cmp = memcmp(p->pattern + o->offset, p->pattern + e.offset, n);
            if (cmp < 0 || (cmp == 0 && o->size <= e.size)) {
                break;
            }
            p->names[j + 1] = p->names[j];
            j--;
        }
        p->names[j + 1] = e;
    }
}

static int32_t first_byte_of(const struct RegexProgram *p)
{
    // after SAVE 0, a case-sensitive character every match starts with
    const int32_t *code = p->code;
    size_t pc = 2;
    while (code[pc] == OP_SAVE) {
        pc += 2;
    }
    if (code[pc] == OP_CHAR && (code[pc + 1] < 0x80 || !(p->options & REGEX_UNICODE))) {
        return code[pc + 1];
    }
    return -1;
}

struct RegexProgram *regex_compile(const uint8_t *pattern, size_t size, uint32_t options, struct RegexCompileError *error)
{
    struct Compiler c;
    memset(&c, 0, sizeof(c));
    c.pattern = pattern;
    c.size = size;
    c.options = options;
    error->message = NULL;
    error->position = 0;
    parse_start_verbs(&c);
    c.unicode = (c.options & REGEX_UNICODE) != 0;
    c.ucp = (c.options & REGEX_UCP) != 0;
    if (c.unicode && !regex_valid_utf8(pattern, size)) {
        error->message = "invalid UTF-8 string";
        error->position = 0;
        return NULL;
    }
    bool ok = emit2(&c, OP_SAVE, 0) && parse_alternation(&c, c.options);
    if (ok && !at_end(&c)) {
        // only an unmatched ')' stops the top level early
        ok = fail_at(&c, "unmatched parentheses", c.pos);
    }
    ok = ok && resolve_pending_names(&c);
    free(c.pending_names);
    if (ok && c.highest_backref > c.capture_count) {
        ok = fail_at(&c, "reference to non-existent subpattern", c.highest_backref_position);
    }
    ok = ok && emit2(&c, OP_SAVE, 1) && emit1(&c, OP_MATCH);
    struct RegexProgram *p = NULL;
    if (ok) {
        p = calloc(1, sizeof(*p));
        if (p != NULL && size > 0) {
            p->pattern = malloc(size);
            if (p->pattern == NULL) {
                free(p);
                p = NULL;
            } else {
                memcpy(p->pattern, pattern, size);
            }
        }
    }
    if (p == NULL) {
        if (!ok && !c.out_of_memory) {
            error->message = c.error;
            error->position = c.error_position;
        }
        free(c.code);
        free(c.classes);
        free(c.ranges);
        free(c.names);
        return NULL;
    }
    p->code = c.code;
    p->code_size = c.code_size;
    p->classes = c.classes;
    p->ranges = c.ranges;
    p->names = c.names;
    p->name_count = c.name_count;
    p->capture_count = c.capture_count;
    p->options = c.options;
    int capture_registers = 2 * (c.capture_count + 1);
    p->register_count = capture_registers + c.loop_registers;
    for (size_t pc = 0; pc < p->code_size;) {
        int32_t op = p->code[pc];
        switch (op) {
            case OP_MARK:
            case OP_CHECK:
                p->code[pc + 1] = capture_registers + (-1 - p->code[pc + 1]);
                pc += op == OP_MARK ? 2 : 3;
                break;
            case OP_CHAR:
            case OP_CLASS:
            case OP_JMP:
            case OP_SAVE:
            case OP_ASSERT:
                pc += 2;
                break;
            case OP_CHAR2:
            case OP_SPLIT:
            case OP_BACKREF:
            case OP_LOOK:
                pc += 3;
                break;
            default:
                pc += 1;
                break;
        }
    }
    sort_names(p);
    p->starts_at_subject_start = (p->options & REGEX_ANCHORED) || (p->code[2] == OP_ASSERT && p->code[3] == ASSERT_START);
    p->first_byte = first_byte_of(p);
    return p;
}

void regex_free(struct RegexProgram *p)
{
    if (p == NULL) {
        return;
    }
    free(p->code);
    free(p->classes);
    free(p->ranges);
    free(p->names);
    free(p->pattern);
    free(p);
}

int regex_capture_count(const struct RegexProgram *p)
{
    return p->capture_count;
}

uint32_t regex_options(const struct RegexProgram *p)
{
    return p->options;
}

int regex_name_count(const struct RegexProgram *p)
{
    return p->name_count;
}

const uint8_t *regex_name(const struct RegexProgram *p, int index, size_t *size, int *group)
{
    *size = p->names[index].size;
    *group = p->names[index].group;
    return p->pattern + p->names[index].offset;
}

int regex_group_of_name(const struct RegexProgram *p, const uint8_t *name, size_t size)
{
    for (int i = 0; i < p->name_count; i++) {
        if (p->names[i].size == size && memcmp(p->pattern + p->names[i].offset, name, size) == 0) {
            return p->names[i].group;
        }
    }
    return -1;
}

// ---------------------------------------------------------------------------
// Matcher

struct StackEntry
{
    // a choice point: pc >= 0, value the subject position;
    // a register to restore: pc == -1 - register, value the old content
    int32_t pc;
    long value;
};

struct Matcher
{
    const struct RegexProgram *p;
    const uint8_t *s;
    long size;
    long start_offset;
    long attempt;
    uint32_t run_options;
    bool unicode;
    bool ucp;
    uint32_t newline;
    long *registers;
    struct StackEntry *stack;
    size_t top;
    size_t capacity;
    uint64_t steps;
    long end;
};

enum RunResult
{
    RUN_FAIL = 0,
    RUN_MATCH = 1,
    RUN_LIMIT = -1,
    RUN_NOMEM = -2
};

static bool push(struct Matcher *m, int32_t pc, long value)
{
    if (m->top == m->capacity) {
        if (m->capacity >= MAX_STACK_ENTRIES) {
            return false;
        }
        size_t bigger = m->capacity ? m->capacity * 2 : 256;
        struct StackEntry *moved = realloc(m->stack, bigger * sizeof(struct StackEntry));
        if (moved == NULL) {
            return false;
        }
        m->stack = moved;
        m->capacity = bigger;
    }
    m->stack[m->top].pc = pc;
    m->stack[m->top].value = value;
    m->top++;
    return true;
}

static inline size_t char_at(const struct Matcher *m, long pos, uint32_t *cp)
{
    if (m->unicode) {
        return utf8_decode(m->s, (size_t) m->size, (size_t) pos, cp);
    }
    *cp = m->s[pos];
    return 1;
}

// The length of the newline that starts at pos, 0 if none.
static long newline_at(const struct Matcher *m, long pos)
{
    if (pos >= m->size) {
        return 0;
    }
    uint8_t b = m->s[pos];
    switch (m->newline) {
        case REGEX_NEWLINE_LF:
            return b == '\n';
        case REGEX_NEWLINE_CR:
            return b == '\r';
        case REGEX_NEWLINE_CRLF:
            return (b == '\r' && pos + 1 < m->size && m->s[pos + 1] == '\n') ? 2 : 0;
        case REGEX_NEWLINE_ANYCRLF:
            if (b == '\r') {
                return (pos + 1 < m->size && m->s[pos + 1] == '\n') ? 2 : 1;
            }
            return b == '\n';
        default:
            if (b == '\r') {
                return (pos + 1 < m->size && m->s[pos + 1] == '\n') ? 2 : 1;
            }
            if (b == '\n' || b == 0x0B || b == 0x0C) {
                return 1;
            }
            if (m->unicode) {
                if (b == 0xC2 && pos + 1 < m->size && m->s[pos + 1] == 0x85) {
                    return 2;
                }
                if (b == 0xE2 && pos + 2 < m->size && m->s[pos + 1] == 0x80 && (m->s[pos + 2] == 0xA8 || m->s[pos + 2] == 0xA9)) {
                    return 3;
                }
            } else if (b == 0x85) {
                return 1;
            }
            return 0;
    }
}

// Whether a newline ends at pos.
static bool newline_before(const struct Matcher *m, long pos)
{
    for (long length = 1; length <= 3 && length <= pos; length++) {
        if (newline_at(m, pos - length) == length) {
            return true;
        }
    }
    return false;
}

static bool word_before(const struct Matcher *m, long pos)
{
    if (pos == 0) {
        return false;
    }
    long back = pos - 1;
    if (m->unicode) {
        while (back > 0 && (m->s[back] & 0xC0) == 0x80) {
            back--;
        }
    }
    uint32_t cp;
    char_at(m, back, &cp);
    return is_word_char(cp, m->ucp);
}

static bool word_at(const struct Matcher *m, long pos)
{
    if (pos >= m->size) {
        return false;
    }
    uint32_t cp;
    char_at(m, pos, &cp);
    return is_word_char(cp, m->ucp);
}

static bool assertion_holds(const struct Matcher *m, int32_t kind, long sp)
{
    switch (kind) {
        case ASSERT_START:
            return sp == 0 && !(m->run_options & REGEX_RUN_NOTBOL);
        case ASSERT_END:
            return sp == m->size;
        case ASSERT_END_OR_FINAL_NEWLINE:
            if (sp == m->size) {
                return !(m->run_options & REGEX_RUN_NOTEOL);
            }
            return newline_at(m, sp) == m->size - sp && !(m->run_options & REGEX_RUN_NOTEOL);
        case ASSERT_LINE_START:
            if (sp == 0) {
                return !(m->run_options & REGEX_RUN_NOTBOL);
            }
            return sp < m->size && newline_before(m, sp);
        case ASSERT_LINE_END:
            if (sp == m->size) {
                return !(m->run_options & REGEX_RUN_NOTEOL);
            }
            return newline_at(m, sp) > 0;
        case ASSERT_WORD_BOUNDARY:
            return word_before(m, sp) != word_at(m, sp);
        case ASSERT_NOT_WORD_BOUNDARY:
            return word_before(m, sp) == word_at(m, sp);
        case ASSERT_START_OFFSET:
            return sp == m->start_offset;
        default:
            return false;
    }
}

static bool backref_matches(const struct Matcher *m, int group, bool caseless, long sp, long *end)
{
    long from = m->registers[2 * group];
    long to = m->registers[2 * group + 1];
    if (from < 0 || to < 0) {
        return false;
    }
    long length = to - from;
    if (!caseless) {
        if (sp + length > m->size || memcmp(m->s + from, m->s + sp, (size_t) length) != 0) {
            return false;
        }
        *end = sp + length;
        return true;
    }
    long i = from;
    long j = sp;
    while (i < to) {
        if (j >= m->size) {
            return false;
        }
        uint32_t a, b;
        i += (long) char_at(m, i, &a);
        j += (long) char_at(m, j, &b);
        if (a != b && other_case(a, m->unicode) != b) {
            return false;
        }
    }
    *end = j;
    return true;
}

// Drops the choice points above `mark` and keeps the registers to restore:
// what a lookahead or atomic group did stays, without a way back into it.
static void cut(struct Matcher *m, size_t mark)
{
    size_t kept = mark;
    for (size_t i = mark; i < m->top; i++) {
        if (m->stack[i].pc < 0) {
            m->stack[kept++] = m->stack[i];
        }
    }
    m->top = kept;
}

static void undo(struct Matcher *m, size_t mark)
{
    while (m->top > mark) {
        struct StackEntry e = m->stack[--m->top];
        if (e.pc < 0) {
            m->registers[-1 - e.pc] = e.value;
        }
    }
}

static enum RunResult run(struct Matcher *m, size_t pc, long sp)
{
    const int32_t *code = m->p->code;
    size_t base = m->top;
    for (;;) {
        if (m->steps == 0) {
            return RUN_LIMIT;
        }
        m->steps--;
        switch (code[pc]) {
            case OP_CHAR: {
                if (sp >= m->size) {
                    goto fail;
                }
                uint32_t cp;
                size_t n = char_at(m, sp, &cp);
                if (cp != (uint32_t) code[pc + 1]) {
                    goto fail;
                }
                sp += (long) n;
                pc += 2;
                continue;
            }
            case OP_CHAR2: {
                if (sp >= m->size) {
                    goto fail;
                }
                uint32_t cp;
                size_t n = char_at(m, sp, &cp);
                if (cp != (uint32_t) code[pc + 1] && cp != (uint32_t) code[pc + 2]) {
                    goto fail;
                }
                sp += (long) n;
                pc += 3;
                continue;
            }
            case OP_ANY: {
                if (sp >= m->size) {
                    goto fail;
                }
                uint32_t cp;
                sp += (long) char_at(m, sp, &cp);
                pc += 1;
                continue;
            }
            case OP_ANY_BUT_NEWLINE: {
                if (sp >= m->size || newline_at(m, sp) > 0) {
                    goto fail;
                }
                uint32_t cp;
                sp += (long) char_at(m, sp, &cp);
                pc += 1;
                continue;
            }
            case OP_CLASS: {
                if (sp >= m->size) {
                    goto fail;
                }
                uint32_t cp;
                size_t n = char_at(m, sp, &cp);
                const struct RegexClass *cls = &m->p->classes[code[pc + 1]];
                bool in = cp < 256 ? (cls->below_256[cp >> 3] >> (cp & 7)) & 1 : class_contains(cls, m->p->ranges, cp, m->ucp);
                if (!in) {
                    goto fail;
                }
                sp += (long) n;
                pc += 2;
                continue;
            }
            case OP_SPLIT:
                if (!push(m, (int32_t) (pc + code[pc + 2]), sp)) {
                    return RUN_NOMEM;
                }
                pc += code[pc + 1];
                continue;
            case OP_JMP:
                pc += code[pc + 1];
                continue;
            case OP_SAVE:
            case OP_MARK: {
                int32_t r = code[pc + 1];
                if (!push(m, -1 - r, m->registers[r])) {
                    return RUN_NOMEM;
                }
                m->registers[r] = sp;
                pc += 2;
                continue;
            }
            case OP_CHECK:
                if (m->registers[code[pc + 1]] == sp) {
                    pc += code[pc + 2];
                } else {
                    pc += 3;
                }
                continue;
            case OP_ASSERT:
                if (!assertion_holds(m, code[pc + 1], sp)) {
                    goto fail;
                }
                pc += 2;
                continue;
            case OP_BACKREF: {
                long end;
                if (!backref_matches(m, code[pc + 1], code[pc + 2] != 0, sp, &end)) {
                    goto fail;
                }
                sp = end;
                pc += 3;
                continue;
            }
            case OP_LOOK: {
                int32_t look = code[pc + 1];
                size_t after = pc + 3 + (size_t) code[pc + 2];
                size_t mark = m->top;
                enum RunResult r = run(m, pc + 3, sp);
                if (r < 0) {
                    return r;
                }
                if (look == LOOK_NOT_AHEAD) {
                    if (r == RUN_MATCH) {
                        undo(m, mark);
                        goto fail;
                    }
                } else {
                    if (r != RUN_MATCH) {
                        goto fail;
                    }
                    cut(m, mark);
                    if (look == LOOK_ATOMIC) {
                        sp = m->end;
                    }
                }
                pc = after;
                continue;
            }
            case OP_LOOK_END:
                m->end = sp;
                return RUN_MATCH;
            case OP_MATCH: {
                bool empty = sp == m->attempt;
                if (empty && ((m->run_options & REGEX_RUN_NOTEMPTY) || ((m->run_options & REGEX_RUN_NOTEMPTY_ATSTART) && m->attempt == m->start_offset))) {
                    goto fail;
                }
                m->end = sp;
                return RUN_MATCH;
            }
            default:
                return RUN_NOMEM;
        }
    fail:
        for (;;) {
            if (m->top == base) {
                return RUN_FAIL;
            }
            struct StackEntry e = m->stack[--m->top];
            if (e.pc < 0) {
                m->registers[-1 - e.pc] = e.value;
            } else {
                pc = (size_t) e.pc;
                sp = e.value;
                break;
            }
        }
    }
}

enum RegexResult regex_match(const struct RegexProgram *p, const uint8_t *subject, size_t size, size_t start,
    uint32_t run_options, uint64_t *steps, long *ovector)
{
    struct Matcher m;
    memset(&m, 0, sizeof(m));
    m.p = p;
    m.s = subject;
    m.size = (long) size;
    m.start_offset = (long) start;
    m.run_options = run_options;
    m.unicode = (p->options & REGEX_UNICODE) != 0;
    m.ucp = (p->options & REGEX_UCP) != 0;
    m.newline = p->options & REGEX_NEWLINE_MASK;
    m.steps = *steps;
    m.registers = malloc((size_t) p->register_count * sizeof(long));
    if (m.registers == NULL) {
        return REGEX_OUT_OF_MEMORY;
    }
    bool anchored = (run_options & REGEX_RUN_ANCHORED) || (p->options & REGEX_ANCHORED);
    long first_newline = -1;
    if (p->options & REGEX_FIRSTLINE) {
        first_newline = m.size;
        for (long i = (long) start; i < m.size; i++) {
            if (newline_at(&m, i) > 0) {
                first_newline = i;
                break;
            }
        }
    }
    enum RegexResult result = REGEX_NO_MATCH;
    long pos = (long) start;
    for (;;) {
        if (p->first_byte >= 0 && !anchored) {
            const uint8_t *found = pos < m.size ? memchr(subject + pos, p->first_byte, (size_t) (m.size - pos)) : NULL;
            if (found == NULL) {
                break;
            }
            pos = (long) (found - subject);
        }
        if (first_newline >= 0 && pos > first_newline) {
            break;
        }
        if (p->starts_at_subject_start && !(p->options & REGEX_ANCHORED) && pos != 0) {
            break;
        }
        // an attempt costs its register reset too: a pattern with many groups
        // tried at every position of a long subject is bounded as well
        uint64_t cost = 1 + (uint64_t) p->register_count / 8;
        if (m.steps < cost) {
            result = REGEX_STEP_LIMIT;
            break;
        }
        m.steps -= cost;
        for (int i = 0; i < p->register_count; i++) {
            m.registers[i] = -1;
        }
        m.attempt = pos;
        m.top = 0;
        enum RunResult r = run(&m, 0, pos);
        if (r == RUN_MATCH) {
            int registers = 2 * (p->capture_count + 1);
            for (int i = 0; i < registers; i++) {
                ovector[i] = m.registers[i];
            }
            // a group that closed without its opening kept (a repeated
            // group's last iteration that failed) is unset
            for (int g = 0; g <= p->capture_count; g++) {
                if (ovector[2 * g] < 0 || ovector[2 * g + 1] < 0) {
                    ovector[2 * g] = ovector[2 * g + 1] = -1;
                }
            }
            ovector[1] = m.end;
            result = REGEX_MATCHED;
            break;
        }
        if (r == RUN_LIMIT) {
            result = REGEX_STEP_LIMIT;
            break;
        }
        if (r == RUN_NOMEM) {
            result = REGEX_OUT_OF_MEMORY;
            break;
        }
        if (anchored || pos >= m.size) {
            break;
        }
        pos++;
        if (m.unicode) {
            while (pos < m.size && (subject[pos] & 0xC0) == 0x80) {
                pos++;
            }
        }
    }
    *steps = m.steps;
    free(m.registers);
    free(m.stack);
    return result;
}
