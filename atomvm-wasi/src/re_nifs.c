/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file re_nifs.c
 * @brief OTP's `re` module, the functions Elixir's Regex calls, on
 * regex_engine.c.
 *
 * @details `re:compile/1,2`, `re:run/2,3`, `re:inspect/2` and `re:version/0`,
 * with OTP's options and results (docs/regex.md). A compiled pattern is
 * `{re_pattern, Groups, Unicode, 0, Binary}` as on OTP, but the binary holds
 * our options and the pattern's source: the program is compiled again from
 * it (kept in a small cache, most workers use a handful of patterns).
 *
 * `re:version/0` names this engine, so it differs from every OTP's: Elixir's
 * Regex then runs a `~r` literal compiled on the host BEAM (whose
 * `re_pattern` holds PCRE's program) through `re:run(Subject, Source,
 * Options)`, compiling its source here. A pattern this engine does not have
 * the syntax for is `{error, {"unsupported: ...", Position}}` from
 * `re:compile/2` (so `Regex.compile/2` names it) and raises
 * `{unsupported_regex, Message, Pattern}` from `re:run/3`. A match that takes
 * more steps than the budget returns `{error, match_limit}` with
 * `report_errors` (as on OTP) and otherwise raises `{match_limit, Message}`
 * instead of OTP's silent `nomatch`, so a validation cannot pass or fail
 * without anyone knowing why.
 */

#include "re_nifs.h"

#include "regex_engine.h"

#include <atom_table.h>
#include <context.h>
#include <defaultatoms.h>
#include <globalcontext.h>
#include <interop.h>
#include <memory.h>
#include <nifs.h>
#include <term.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERSION_STRING "elixir-workers regex 1"
#define PATTERN_MAGIC "EWRE"
#define PATTERN_HEADER_SIZE 8
// Steps of the matcher per re:run/3 call, unless {match_limit, N} says
// otherwise: ~10 ms in the VM on the JVM host (docs/regex.md).
#define DEFAULT_STEP_BUDGET 1000000
#define CACHE_ENTRIES 16

struct CacheEntry
{
    uint8_t *source;
    size_t size;
    uint32_t options;
    struct RegexProgram *program;
};

static struct CacheEntry cache[CACHE_ENTRIES];
static size_t cache_next;

static struct RegexProgram *cached_program(const uint8_t *source, size_t size, uint32_t options)
{
    for (size_t i = 0; i < CACHE_ENTRIES; i++) {
        struct CacheEntry *e = &cache[i];
        if (e->program != NULL && e->options == options && e->size == size && memcmp(e->source, source, size) == 0) {
            return e->program;
        }
    }
    return NULL;
}

static void cache_program(const uint8_t *source, size_t size, uint32_t options, struct RegexProgram *program)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL) {
        regex_free(program);
        return;
    }
    memcpy(copy, source, size);
    struct CacheEntry *e = &cache[cache_next];
    cache_next = (cache_next + 1) % CACHE_ENTRIES;
    regex_free(e->program);
    free(e->source);
    e->source = copy;
    e->size = size;
    e->options = options;
    e->program = program;
}

enum ReOption
{
    OPT_UNKNOWN,
    OPT_UNICODE,
    OPT_ANCHORED,
    OPT_CASELESS,
    OPT_DOLLAR_ENDONLY,
    OPT_DOTALL,
    OPT_EXTENDED,
    OPT_FIRSTLINE,
    OPT_MULTILINE,
    OPT_NO_AUTO_CAPTURE,
    OPT_DUPNAMES,
    OPT_UNGREEDY,
    OPT_UCP,
    OPT_IGNORED_COMPILE, // bsr_anycrlf, bsr_unicode, no_start_optimize, never_utf
    OPT_GLOBAL,
    OPT_NOTBOL,
    OPT_NOTEOL,
    OPT_NOTEMPTY,
    OPT_NOTEMPTY_ATSTART,
    OPT_REPORT_ERRORS,
    // tuples
    OPT_NEWLINE,
    OPT_OFFSET,
    OPT_CAPTURE,
    OPT_MATCH_LIMIT,
    OPT_MATCH_LIMIT_RECURSION
};

static const AtomStringIntPair option_names[] = {
    { ATOM_STR("\x7", "unicode"), OPT_UNICODE },
    { ATOM_STR("\x3", "ucp"), OPT_UCP },
    { ATOM_STR("\x8", "caseless"), OPT_CASELESS },
    { ATOM_STR("\x6", "global"), OPT_GLOBAL },
    { ATOM_STR("\x6", "dotall"), OPT_DOTALL },
    { ATOM_STR("\x9", "multiline"), OPT_MULTILINE },
    { ATOM_STR("\x8", "extended"), OPT_EXTENDED },
    { ATOM_STR("\x8", "ungreedy"), OPT_UNGREEDY },
    { ATOM_STR("\x9", "firstline"), OPT_FIRSTLINE },
    { ATOM_STR("\x8", "anchored"), OPT_ANCHORED },
    { ATOM_STR("\xE", "dollar_endonly"), OPT_DOLLAR_ENDONLY },
    { ATOM_STR("\xF", "no_auto_capture"), OPT_NO_AUTO_CAPTURE },
    { ATOM_STR("\x8", "dupnames"), OPT_DUPNAMES },
    { ATOM_STR("\xB", "bsr_anycrlf"), OPT_IGNORED_COMPILE },
    { ATOM_STR("\xB", "bsr_unicode"), OPT_IGNORED_COMPILE },
    { ATOM_STR("\x11", "no_start_optimize"), OPT_IGNORED_COMPILE },
    { ATOM_STR("\x9", "never_utf"), OPT_IGNORED_COMPILE },
    { ATOM_STR("\x6", "notbol"), OPT_NOTBOL },
    { ATOM_STR("\x6", "noteol"), OPT_NOTEOL },
    { ATOM_STR("\x8", "notempty"), OPT_NOTEMPTY },
    { ATOM_STR("\x10", "notempty_atstart"), OPT_NOTEMPTY_ATSTART },
    { ATOM_STR("\xD", "report_errors"), OPT_REPORT_ERRORS },
    { ATOM_STR("\x7", "newline"), OPT_NEWLINE },
    { ATOM_STR("\x6", "offset"), OPT_OFFSET },
    { ATOM_STR("\x7", "capture"), OPT_CAPTURE },
    { ATOM_STR("\xB", "match_limit"), OPT_MATCH_LIMIT },
    { ATOM_STR("\x15", "match_limit_recursion"), OPT_MATCH_LIMIT_RECURSION },
    SELECT_INT_DEFAULT(OPT_UNKNOWN)
};

static const AtomStringIntPair newline_names[] = {
    { ATOM_STR("\x2", "lf"), REGEX_NEWLINE_LF },
    { ATOM_STR("\x2", "cr"), REGEX_NEWLINE_CR },
    { ATOM_STR("\x4", "crlf"), REGEX_NEWLINE_CRLF },
    { ATOM_STR("\x7", "anycrlf"), REGEX_NEWLINE_ANYCRLF },
    { ATOM_STR("\x3", "any"), REGEX_NEWLINE_ANY },
    SELECT_INT_DEFAULT(-1)
};

enum ValueSpec
{
    SPEC_ALL,
    SPEC_ALL_BUT_FIRST,
    SPEC_FIRST,
    SPEC_NONE,
    SPEC_ALL_NAMES,
    SPEC_LIST
};

static const AtomStringIntPair value_spec_names[] = {
    { ATOM_STR("\x3", "all"), SPEC_ALL },
    { ATOM_STR("\x5", "first"), SPEC_FIRST },
    { ATOM_STR("\x4", "none"), SPEC_NONE },
    { ATOM_STR("\xD", "all_but_first"), SPEC_ALL_BUT_FIRST },
    { ATOM_STR("\x9", "all_names"), SPEC_ALL_NAMES },
    SELECT_INT_DEFAULT(-1)
};

enum ValueType
{
    TYPE_INDEX,
    TYPE_LIST,
    TYPE_BINARY
};

static const AtomStringIntPair value_type_names[] = {
    { ATOM_STR("\x5", "index"), TYPE_INDEX },
    { ATOM_STR("\x6", "binary"), TYPE_BINARY },
    { ATOM_STR("\x4", "list"), TYPE_LIST },
    SELECT_INT_DEFAULT(-1)
};

struct Options
{
    uint32_t compile;
    // compile options given (not allowed with an already compiled pattern)
    bool has_compile;
    uint32_t run;
    bool global;
    bool report_errors;
    long offset;
    uint64_t budget;
    enum ValueSpec spec;
    term spec_list;
    enum ValueType type;
};

static bool parse_options(Context *ctx, term list, struct Options *o, bool compile_only)
{
    memset(o, 0, sizeof(*o));
    o->budget = DEFAULT_STEP_BUDGET;
    o->spec = SPEC_ALL;
    o->type = TYPE_INDEX;
    o->spec_list = term_nil();
    while (term_is_nonempty_list(list)) {
        term item = term_get_list_head(list);
        list = term_get_list_tail(list);
        term key = item;
        int arity = 0;
        if (term_is_tuple(item)) {
            arity = term_get_tuple_arity(item);
            if (arity < 2 || arity > 3) {
                return false;
            }
            key = term_get_tuple_element(item, 0);
        }
        if (!term_is_atom(key)) {
            return false;
        }
        int option = interop_atom_term_select_int(option_names, key, ctx->global);
        bool is_tuple_option = option >= OPT_NEWLINE;
        if (is_tuple_option != (arity != 0) || (arity == 3 && option != OPT_CAPTURE)) {
            return false;
        }
        bool run_only = option >= OPT_GLOBAL && option != OPT_NEWLINE;
        if (compile_only && run_only) {
            return false;
        }
        switch (option) {
            case OPT_UNICODE:
                o->compile |= REGEX_UNICODE;
                break;
            case OPT_UCP:
                o->compile |= REGEX_UCP;
                o->has_compile = true;
                break;
            case OPT_ANCHORED:
                // a compile option and a run option: run's is the same
                o->run |= REGEX_RUN_ANCHORED;
                break;
            case OPT_CASELESS:
                o->compile |= REGEX_CASELESS;
                o->has_compile = true;
                break;
            case OPT_DOLLAR_ENDONLY:
                o->compile |= REGEX_DOLLAR_ENDONLY;
                o->has_compile = true;
                break;
            case OPT_DOTALL:
                o->compile |= REGEX_DOTALL;
                o->has_compile = true;
                break;
            case OPT_EXTENDED:
                o->compile |= REGEX_EXTENDED;
                o->has_compile = true;
                break;
            case OPT_FIRSTLINE:
                o->compile |= REGEX_FIRSTLINE;
                o->has_compile = true;
                break;
            case OPT_MULTILINE:
                o->compile |= REGEX_MULTILINE;
                o->has_compile = true;
                break;
            case OPT_NO_AUTO_CAPTURE:
                o->compile |= REGEX_NO_AUTO_CAPTURE;
                o->has_compile = true;
                break;
            case OPT_DUPNAMES:
                o->compile |= REGEX_DUPNAMES;
                o->has_compile = true;
                break;
            case OPT_UNGREEDY:
                o->compile |= REGEX_UNGREEDY;
                o->has_compile = true;
                break;
            case OPT_IGNORED_COMPILE:
                o->has_compile = true;
                break;
            case OPT_GLOBAL:
                o->global = true;
                break;
            case OPT_NOTBOL:
                o->run |= REGEX_RUN_NOTBOL;
                break;
            case OPT_NOTEOL:
                o->run |= REGEX_RUN_NOTEOL;
                break;
            case OPT_NOTEMPTY:
                o->run |= REGEX_RUN_NOTEMPTY;
                break;
            case OPT_NOTEMPTY_ATSTART:
                o->run |= REGEX_RUN_NOTEMPTY_ATSTART;
                break;
            case OPT_REPORT_ERRORS:
                o->report_errors = true;
                break;
            case OPT_NEWLINE: {
                int newline = interop_atom_term_select_int(newline_names, term_get_tuple_element(item, 1), ctx->global);
                if (newline < 0) {
                    return false;
                }
                o->compile = (o->compile & ~REGEX_NEWLINE_MASK) | (uint32_t) newline;
                o->has_compile = true;
                break;
            }
            case OPT_OFFSET: {
                term value = term_get_tuple_element(item, 1);
                if (!term_is_integer(value) || term_to_int(value) < 0) {
                    return false;
                }
                o->offset = term_to_int(value);
                break;
            }
            case OPT_MATCH_LIMIT:
            case OPT_MATCH_LIMIT_RECURSION: {
                term value = term_get_tuple_element(item, 1);
                if (!term_is_integer(value) || term_to_int(value) < 0) {
                    return false;
                }
                if (option == OPT_MATCH_LIMIT && (uint64_t) term_to_int(value) < o->budget) {
                    o->budget = (uint64_t) term_to_int(value);
                }
                break;
            }
            case OPT_CAPTURE: {
                term spec = term_get_tuple_element(item, 1);
                if (term_is_list(spec)) {
                    o->spec = SPEC_LIST;
                    o->spec_list = spec;
                } else {
                    int value = term_is_atom(spec) ? interop_atom_term_select_int(value_spec_names, spec, ctx->global) : -1;
                    if (value < 0) {
                        return false;
                    }
                    o->spec = (enum ValueSpec) value;
                }
                o->type = TYPE_INDEX;
                if (arity == 3) {
                    term type = term_get_tuple_element(item, 2);
                    int value = term_is_atom(type) ? interop_atom_term_select_int(value_type_names, type, ctx->global) : -1;
                    if (value < 0) {
                        return false;
                    }
                    o->type = (enum ValueType) value;
                }
                break;
            }
            default:
                return false;
        }
    }
    return term_is_nil(list);
}

/*
 * The bytes of a pattern or subject: a binary in place (*copy NULL), else
 * iodata or, with unicode, chardata as UTF-8 in a new buffer. False: not one
 * of those.
 */
static bool text_bytes(term t, bool unicode, const uint8_t **data, size_t *size, uint8_t **copy)
{
    *copy = NULL;
    if (term_is_binary(t)) {
        *data = (const uint8_t *) term_binary_data(t);
        *size = term_binary_size(t);
        return true;
    }
    if (!term_is_list(t)) {
        return false;
    }
    size_t n;
    if (unicode) {
        size_t rest;
        if (interop_chardata_to_bytes_size(t, &n, &rest, UTF8Encoding, UTF8Encoding) != UnicodeOk) {
            return false;
        }
        *copy = malloc(n ? n : 1);
        if (*copy == NULL) {
            return false;
        }
        term unused_rest;
        if (interop_chardata_to_bytes(t, *copy, &unused_rest, UTF8Encoding, UTF8Encoding, NULL) != UnicodeOk) {
            free(*copy);
            *copy = NULL;
            return false;
        }
    } else {
        if (interop_iolist_size(t, &n) != InteropOk) {
            return false;
        }
        *copy = malloc(n ? n : 1);
        if (*copy == NULL) {
            return false;
        }
        if (interop_write_iolist(t, (char *) *copy) != InteropOk) {
            free(*copy);
            *copy = NULL;
            return false;
        }
    }
    *data = *copy;
    *size = n;
    return true;
}

static term make_atom(Context *ctx, AtomString name)
{
    return globalcontext_make_atom(ctx->global, name);
}

// {error, {Message, Position}} as re:compile/2 answers, the message a charlist.
static term compile_error(Context *ctx, const struct RegexCompileError *error)
{
    size_t length = strlen(error->message);
    if (UNLIKELY(memory_ensure_free(ctx, length * CONS_SIZE + 2 * TUPLE_SIZE(2) + BOXED_INT64_SIZE) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term message = interop_bytes_to_list(error->message, (int) length, &ctx->heap);
    term reason = term_alloc_tuple(2, &ctx->heap);
    term_put_tuple_element(reason, 0, message);
    term_put_tuple_element(reason, 1, term_make_maybe_boxed_int64((avm_int64_t) error->position, &ctx->heap));
    term result = term_alloc_tuple(2, &ctx->heap);
    term_put_tuple_element(result, 0, ERROR_ATOM);
    term_put_tuple_element(result, 1, reason);
    return result;
}

static struct RegexProgram *get_program(const uint8_t *source, size_t size, uint32_t options, struct RegexCompileError *error, bool *out_of_memory)
{
    *out_of_memory = false;
    struct RegexProgram *program = cached_program(source, size, options);
    if (program != NULL) {
        return program;
    }
    program = regex_compile(source, size, options, error);
    if (program == NULL) {
        *out_of_memory = error->message == NULL;
        return NULL;
    }
    cache_program(source, size, options, program);
    // cache_program frees it when it cannot keep it
    return cached_program(source, size, options);
}

// {re_pattern, Groups, Unicode, 0, <<"EWRE", Options:32/little, Source/binary>>}
static term make_pattern_term(Context *ctx, const struct RegexProgram *program, const uint8_t *source, size_t size, uint32_t options)
{
    size_t bytes = PATTERN_HEADER_SIZE + size;
    if (UNLIKELY(memory_ensure_free(ctx, term_binary_heap_size(bytes) + TUPLE_SIZE(5) + TUPLE_SIZE(2)) != MEMORY_GC_OK)) {
        return term_invalid_term();
    }
    term binary = term_create_uninitialized_binary(bytes, &ctx->heap, ctx->global);
    if (term_is_invalid_term(binary)) {
        return binary;
    }
    uint8_t *data = (uint8_t *) term_binary_data(binary);
    memcpy(data, PATTERN_MAGIC, 4);
    for (int i = 0; i < 4; i++) {
        data[4 + i] = (uint8_t) (options >> (8 * i));
    }
    memcpy(data + PATTERN_HEADER_SIZE, source, size);
    term pattern = term_alloc_tuple(5, &ctx->heap);
    term_put_tuple_element(pattern, 0, make_atom(ctx, ATOM_STR("\xA", "re_pattern")));
    term_put_tuple_element(pattern, 1, term_from_int(regex_capture_count(program)));
    term_put_tuple_element(pattern, 2, term_from_int((options & REGEX_UNICODE) ? 1 : 0));
    term_put_tuple_element(pattern, 3, term_from_int(0));
    term_put_tuple_element(pattern, 4, binary);
    return pattern;
}

enum PatternKind
{
    PATTERN_OURS,
    PATTERN_SOURCE,
    PATTERN_FOREIGN, // a re_pattern from OTP's PCRE (a ~r literal compiled on the host BEAM)
    PATTERN_BAD
};

// A compiled pattern's source and options, or a pattern given as text.
static enum PatternKind pattern_of(term t, GlobalContext *glb, const uint8_t **source, size_t *size, uint32_t *options)
{
    if (term_is_tuple(t)) {
        if (term_get_tuple_arity(t) != 5 || !term_is_binary(term_get_tuple_element(t, 4))) {
            return PATTERN_BAD;
        }
        term tag = term_get_tuple_element(t, 0);
        if (!term_is_atom(tag) || tag != globalcontext_make_atom(glb, ATOM_STR("\xA", "re_pattern"))) {
            return PATTERN_BAD;
        }
        term binary = term_get_tuple_element(t, 4);
        const uint8_t *data = (const uint8_t *) term_binary_data(binary);
        size_t n = term_binary_size(binary);
        if (n < PATTERN_HEADER_SIZE || memcmp(data, PATTERN_MAGIC, 4) != 0) {
            return PATTERN_FOREIGN;
        }
        *options = (uint32_t) data[4] | ((uint32_t) data[5] << 8) | ((uint32_t) data[6] << 16) | ((uint32_t) data[7] << 24);
        *source = data + PATTERN_HEADER_SIZE;
        *size = n - PATTERN_HEADER_SIZE;
        return PATTERN_OURS;
    }
    return PATTERN_SOURCE;
}

static term raise_with_message(Context *ctx, AtomString tag, const char *message, term extra)
{
    size_t length = strlen(message);
    term roots[1] = { extra };
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, term_binary_heap_size(length) + TUPLE_SIZE(3), 1, roots, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term text = term_from_literal_binary(message, length, &ctx->heap, ctx->global);
    term reason = term_alloc_tuple(term_is_invalid_term(extra) ? 2 : 3, &ctx->heap);
    term_put_tuple_element(reason, 0, make_atom(ctx, tag));
    term_put_tuple_element(reason, 1, text);
    if (!term_is_invalid_term(extra)) {
        term_put_tuple_element(reason, 2, roots[0]);
    }
    RAISE_ERROR(reason);
}

static term raise_foreign_pattern(Context *ctx)
{
    return raise_with_message(ctx, ATOM_STR("\x16", "incompatible_re_pattern"),
        "this re_pattern was compiled by the host BEAM's PCRE, which the VM does not have: compile the pattern in the VM (Regex.recompile!/1, Regex.compile!/2 or :re.compile/2)",
        term_invalid_term());
}

static term nif_re_version(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);
    UNUSED(argv);
    size_t length = sizeof(VERSION_STRING) - 1;
    if (UNLIKELY(memory_ensure_free(ctx, term_binary_heap_size(length)) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    return term_from_literal_binary(VERSION_STRING, length, &ctx->heap, ctx->global);
}

static term nif_re_compile(Context *ctx, int argc, term argv[])
{
    struct Options o;
    if (!parse_options(ctx, argc > 1 ? argv[1] : term_nil(), &o, true)) {
        RAISE_ERROR(BADARG_ATOM);
    }
    uint32_t options = o.compile | ((o.run & REGEX_RUN_ANCHORED) ? REGEX_ANCHORED : 0);
    const uint8_t *source;
    size_t size;
    uint8_t *copy;
    if (!text_bytes(argv[0], (options & REGEX_UNICODE) != 0, &source, &size, &copy)) {
        RAISE_ERROR(BADARG_ATOM);
    }
    struct RegexCompileError error;
    bool out_of_memory;
    struct RegexProgram *program = get_program(source, size, options, &error, &out_of_memory);
    if (program == NULL) {
        free(copy);
        if (out_of_memory) {
            RAISE_ERROR(OUT_OF_MEMORY_ATOM);
        }
        return compile_error(ctx, &error);
    }
    // the source may be on the heap and move: a copy for the pattern term
    uint8_t *kept = copy;
    if (kept == NULL) {
        kept = malloc(size ? size : 1);
        if (kept == NULL) {
            RAISE_ERROR(OUT_OF_MEMORY_ATOM);
        }
        memcpy(kept, source, size);
    }
    uint32_t program_options = regex_options(program);
    term pattern = make_pattern_term(ctx, program, kept, size, program_options);
    free(kept);
    if (term_is_invalid_term(pattern)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term result = term_alloc_tuple(2, &ctx->heap);
    term_put_tuple_element(result, 0, OK_ATOM);
    term_put_tuple_element(result, 1, pattern);
    return result;
}

static term nif_re_inspect(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);
    const uint8_t *source;
    size_t size;
    uint32_t options;
    enum PatternKind kind = pattern_of(argv[0], ctx->global, &source, &size, &options);
    if (kind == PATTERN_FOREIGN) {
        return raise_foreign_pattern(ctx);
    }
    if (kind != PATTERN_OURS || argv[1] != make_atom(ctx, ATOM_STR("\x8", "namelist"))) {
        RAISE_ERROR(BADARG_ATOM);
    }
    struct RegexCompileError error;
    bool out_of_memory;
    struct RegexProgram *program = get_program(source, size, options, &error, &out_of_memory);
    if (program == NULL) {
        RAISE_ERROR(out_of_memory ? OUT_OF_MEMORY_ATOM : BADARG_ATOM);
    }
    int count = regex_name_count(program);
    size_t needed = TUPLE_SIZE(2);
    for (int i = 0; i < count; i++) {
        size_t n;
        int group;
        regex_name(program, i, &n, &group);
        needed += CONS_SIZE + term_binary_heap_size(n);
    }
    if (UNLIKELY(memory_ensure_free(ctx, needed) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term names = term_nil();
    for (int i = count - 1; i >= 0; i--) {
        size_t n;
        int group;
        const uint8_t *name = regex_name(program, i, &n, &group);
        names = term_list_prepend(term_from_literal_binary(name, n, &ctx->heap, ctx->global), names, &ctx->heap);
    }
    term result = term_alloc_tuple(2, &ctx->heap);
    term_put_tuple_element(result, 0, make_atom(ctx, ATOM_STR("\x8", "namelist")));
    term_put_tuple_element(result, 1, names);
    return result;
}

// The groups to return, in order; -2 for a name or number the pattern lacks
// (OTP answers it as unset).
static int *capture_groups(Context *ctx, const struct Options *o, const struct RegexProgram *program, int *count, bool *bad)
{
    int groups = regex_capture_count(program);
    *bad = false;
    int n = 0;
    switch (o->spec) {
        case SPEC_ALL:
        case SPEC_ALL_BUT_FIRST:
            n = groups + 1;
            break;
        case SPEC_FIRST:
            n = 1;
            break;
        case SPEC_NONE:
            n = 0;
            break;
        case SPEC_ALL_NAMES:
            n = regex_name_count(program);
            break;
        case SPEC_LIST: {
            int proper;
            n = term_list_length(o->spec_list, &proper);
            if (!proper) {
                *bad = true;
                return NULL;
            }
            break;
        }
    }
    int *result = malloc(sizeof(int) * (size_t) (n ? n : 1));
    if (result == NULL) {
        return NULL;
    }
    if (o->spec == SPEC_ALL_NAMES) {
        for (int i = 0; i < n; i++) {
            size_t size;
            regex_name(program, i, &size, &result[i]);
        }
    } else if (o->spec == SPEC_LIST) {
        term t = o->spec_list;
        for (int i = 0; i < n; i++, t = term_get_list_tail(t)) {
            term id = term_get_list_head(t);
            int group = -2;
            if (term_is_integer(id)) {
                avm_int_t value = term_to_int(id);
                if (value < 0) {
                    *bad = true;
                } else if (value <= groups) {
                    group = (int) value;
                }
            } else {
                const uint8_t *name;
                size_t size;
                uint8_t *copy = NULL;
                if (term_is_atom(id)) {
                    name = atom_table_get_atom_string(ctx->global->atom_table, term_to_atom_index(id), &size);
                } else if (!text_bytes(id, false, &name, &size, &copy)) {
                    *bad = true;
                    break;
                }
                group = regex_group_of_name(program, name, size);
                if (group < 0) {
                    group = -2;
                }
                free(copy);
            }
            result[i] = group;
        }
    } else {
        for (int i = 0; i < n; i++) {
            result[i] = i;
        }
        if (o->spec == SPEC_ALL_BUT_FIRST) {
            n--;
            for (int i = 0; i < n; i++) {
                result[i] = i + 1;
            }
        }
    }
    if (*bad) {
        free(result);
        return NULL;
    }
    *count = n;
    return result;
}

struct Matches
{
    long *offsets;
    size_t count;
    size_t capacity;
    size_t width;
};

static bool add_match(struct Matches *m, const long *ovector)
{
    if (m->count == m->capacity) {
        size_t bigger = m->capacity ? m->capacity * 2 : 4;
        long *moved = realloc(m->offsets, bigger * m->width * sizeof(long));
        if (moved == NULL) {
            return false;
        }
        m->offsets = moved;
        m->capacity = bigger;
    }
    memcpy(m->offsets + m->count * m->width, ovector, m->width * sizeof(long));
    m->count++;
    return true;
}

// How many values of a match `all` returns: up to the last group that took part.
static int returned_values(const struct Options *o, const long *ovector, int groups, int listed)
{
    if (o->spec != SPEC_ALL && o->spec != SPEC_ALL_BUT_FIRST) {
        return listed;
    }
    int last = groups;
    while (last > 0 && ovector[2 * last] < 0) {
        last--;
    }
    return o->spec == SPEC_ALL ? last + 1 : last;
}

static size_t codepoints(const uint8_t *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        count += (s[i] & 0xC0) != 0x80;
    }
    return count;
}

static size_t value_heap(const struct Options *o, const long *ovector, int group, term subject, bool subject_is_binary, const uint8_t *data, bool unicode)
{
    long start = group >= 0 ? ovector[2 * group] : -1;
    long length = start >= 0 ? ovector[2 * group + 1] - start : 0;
    switch (o->type) {
        case TYPE_INDEX:
            return TUPLE_SIZE(2) + 2 * BOXED_INT64_SIZE;
        case TYPE_BINARY:
            return subject_is_binary ? term_sub_binary_heap_size(subject, (size_t) length) : term_binary_heap_size((size_t) length);
        default:
            return CONS_SIZE * (unicode ? codepoints(data + (start > 0 ? start : 0), (size_t) length) : (size_t) length);
    }
}

static term make_value(Context *ctx, const struct Options *o, const long *ovector, int group, term subject, bool subject_is_binary, const uint8_t *data, bool unicode)
{
    long start = group >= 0 ? ovector[2 * group] : -1;
    long length = start >= 0 ? ovector[2 * group + 1] - start : 0;
    switch (o->type) {
        case TYPE_INDEX: {
            term t = term_alloc_tuple(2, &ctx->heap);
            term_put_tuple_element(t, 0, term_make_maybe_boxed_int64(start, &ctx->heap));
            term_put_tuple_element(t, 1, term_make_maybe_boxed_int64(length, &ctx->heap));
            return t;
        }
        case TYPE_BINARY:
            if (start < 0) {
                return term_from_literal_binary("", 0, &ctx->heap, ctx->global);
            }
            if (subject_is_binary) {
                return term_maybe_create_sub_binary(subject, (size_t) start, (size_t) length, &ctx->heap, ctx->global);
            }
            return term_from_literal_binary(data + start, (size_t) length, &ctx->heap, ctx->global);
        default: {
            if (start < 0) {
                return term_nil();
            }
            // decoded first, then the list built from its end
            size_t n = unicode ? codepoints(data + start, (size_t) length) : (size_t) length;
            uint32_t *chars = malloc(sizeof(uint32_t) * (n ? n : 1));
            if (chars == NULL) {
                return term_invalid_term();
            }
            size_t k = 0;
            for (long i = start; i < start + length;) {
                uint8_t b = data[i];
                if (!unicode || b < 0x80) {
                    chars[k++] = b;
                    i++;
                } else {
                    int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2
                                                          : 1;
                    uint32_t cp = b & (0x3F >> extra);
                    for (int j = 1; j <= extra; j++) {
                        cp = (cp << 6) | (data[i + j] & 0x3F);
                    }
                    chars[k++] = cp;
                    i += extra + 1;
                }
            }
            term list = term_nil();
            while (k > 0) {
                list = term_list_prepend(term_from_int((avm_int_t) chars[--k]), list, &ctx->heap);
            }
            free(chars);
            return list;
        }
    }
}

static term nif_re_run(Context *ctx, int argc, term argv[])
{
    struct Options o;
    if (!parse_options(ctx, argc > 2 ? argv[2] : term_nil(), &o, false)) {
        RAISE_ERROR(BADARG_ATOM);
    }
    const uint8_t *source;
    size_t source_size;
    uint32_t options;
    uint8_t *source_copy = NULL;
    enum PatternKind kind = pattern_of(argv[1], ctx->global, &source, &source_size, &options);
    switch (kind) {
        case PATTERN_FOREIGN:
            return raise_foreign_pattern(ctx);
        case PATTERN_BAD:
            RAISE_ERROR(BADARG_ATOM);
        case PATTERN_OURS:
            if (o.has_compile || ((o.compile & REGEX_UNICODE) && !(options & REGEX_UNICODE))) {
                RAISE_ERROR(BADARG_ATOM);
            }
            break;
        case PATTERN_SOURCE:
            options = o.compile;
            if (!text_bytes(argv[1], (options & REGEX_UNICODE) != 0, &source, &source_size, &source_copy)) {
                RAISE_ERROR(BADARG_ATOM);
            }
            break;
    }
    struct RegexCompileError error;
    bool out_of_memory;
    struct RegexProgram *program = get_program(source, source_size, options, &error, &out_of_memory);
    if (program == NULL) {
        if (out_of_memory) {
            free(source_copy);
            RAISE_ERROR(OUT_OF_MEMORY_ATOM);
        }
        if (o.report_errors) {
            free(source_copy);
            // {error, {compile, {Message, Position}}}
            term inner = compile_error(ctx, &error);
            if (term_is_invalid_term(inner)) {
                return inner;
            }
            if (UNLIKELY(memory_ensure_free_with_roots(ctx, 2 * TUPLE_SIZE(2), 1, &inner, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
                RAISE_ERROR(OUT_OF_MEMORY_ATOM);
            }
            term reason = term_alloc_tuple(2, &ctx->heap);
            term_put_tuple_element(reason, 0, make_atom(ctx, ATOM_STR("\x7", "compile")));
            term_put_tuple_element(reason, 1, term_get_tuple_element(inner, 1));
            term result = term_alloc_tuple(2, &ctx->heap);
            term_put_tuple_element(result, 0, ERROR_ATOM);
            term_put_tuple_element(result, 1, reason);
            return result;
        }
        char message[400];
        snprintf(message, sizeof(message), "%s at position %lu", error.message, (unsigned long) error.position);
        term pattern_text = source_copy == NULL ? argv[1] : term_invalid_term();
        free(source_copy);
        if (term_is_invalid_term(pattern_text)) {
            RAISE_ERROR(BADARG_ATOM);
        }
        return raise_with_message(ctx, ATOM_STR("\x11", "unsupported_regex"), message, pattern_text);
    }
    free(source_copy);
    bool unicode = (regex_options(program) & REGEX_UNICODE) != 0;

    const uint8_t *subject;
    size_t subject_size;
    uint8_t *subject_copy;
    if (!text_bytes(argv[0], unicode, &subject, &subject_size, &subject_copy)) {
        RAISE_ERROR(BADARG_ATOM);
    }
    bool subject_is_binary = subject_copy == NULL;
    if ((size_t) o.offset > subject_size || (unicode && !regex_valid_utf8(subject, subject_size))) {
        free(subject_copy);
        RAISE_ERROR(BADARG_ATOM);
    }
    bool bad_spec;
    int value_count = 0;
    int *groups = capture_groups(ctx, &o, program, &value_count, &bad_spec);
    if (groups == NULL) {
        free(subject_copy);
        RAISE_ERROR(bad_spec ? BADARG_ATOM : OUT_OF_MEMORY_ATOM);
    }

    int group_count = regex_capture_count(program);
    struct Matches matches = { .offsets = NULL, .count = 0, .capacity = 0, .width = (size_t) (2 * (group_count + 1)) };
    long *ovector = malloc(matches.width * sizeof(long));
    enum RegexResult result = ovector == NULL ? REGEX_OUT_OF_MEMORY : REGEX_NO_MATCH;
    uint64_t steps = o.budget;
    size_t position = (size_t) o.offset;
    uint32_t run_options = o.run;
    bool found_any = false;
    while (ovector != NULL) {
        result = regex_match(program, subject, subject_size, position, run_options, &steps, ovector);
        if (result == REGEX_NO_MATCH && run_options != o.run) {
            // after an empty match, the same place found nothing non-empty:
            // one character further on (\r\n as one when it is a newline)
            if (position >= subject_size) {
                break;
            }
            size_t step = 1;
            uint32_t newline = regex_options(program) & REGEX_NEWLINE_MASK;
            if (subject[position] == '\r' && position + 1 < subject_size && subject[position + 1] == '\n'
                && (newline == REGEX_NEWLINE_CRLF || newline == REGEX_NEWLINE_ANYCRLF || newline == REGEX_NEWLINE_ANY)) {
                step = 2;
            } else if (unicode) {
                while (position + step < subject_size && (subject[position + step] & 0xC0) == 0x80) {
                    step++;
                }
            }
            position += step;
            run_options = o.run;
            continue;
        }
        if (result != REGEX_MATCHED) {
            break;
        }
        found_any = true;
        if (!add_match(&matches, ovector)) {
            result = REGEX_OUT_OF_MEMORY;
            break;
        }
        if (!o.global) {
            break;
        }
        position = (size_t) ovector[1];
        run_options = o.run;
        if (ovector[0] == ovector[1]) {
            if (position >= subject_size) {
                break;
            }
            run_options |= REGEX_RUN_NOTEMPTY_ATSTART | REGEX_RUN_ANCHORED;
        }
    }
    free(ovector);
    if (result == REGEX_OUT_OF_MEMORY) {
        free(groups);
        free(subject_copy);
        free(matches.offsets);
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    if (result == REGEX_STEP_LIMIT) {
        free(groups);
        free(subject_copy);
        free(matches.offsets);
        if (o.report_errors) {
            if (UNLIKELY(memory_ensure_free(ctx, TUPLE_SIZE(2)) != MEMORY_GC_OK)) {
                RAISE_ERROR(OUT_OF_MEMORY_ATOM);
            }
            term error_tuple = term_alloc_tuple(2, &ctx->heap);
            term_put_tuple_element(error_tuple, 0, ERROR_ATOM);
            term_put_tuple_element(error_tuple, 1, make_atom(ctx, ATOM_STR("\xB", "match_limit")));
            return error_tuple;
        }
        char message[300];
        snprintf(message, sizeof(message),
            "the regular expression took more than %lu steps on this subject (nested quantifiers such as (a+)+ backtrack exponentially): rewrite the pattern, or pass {match_limit, N}",
            (unsigned long) o.budget);
        return raise_with_message(ctx, ATOM_STR("\xB", "match_limit"), message, term_invalid_term());
    }
    if (!found_any) {
        free(groups);
        free(subject_copy);
        return make_atom(ctx, ATOM_STR("\x7", "nomatch"));
    }
    if (o.spec == SPEC_NONE || value_count == 0) {
        free(groups);
        free(subject_copy);
        free(matches.offsets);
        return make_atom(ctx, ATOM_STR("\x5", "match"));
    }

    size_t needed = TUPLE_SIZE(2);
    for (size_t m = 0; m < matches.count; m++) {
        const long *ov = matches.offsets + m * matches.width;
        int values = returned_values(&o, ov, group_count, value_count);
        needed += o.global ? CONS_SIZE : 0;
        for (int v = 0; v < values; v++) {
            needed += CONS_SIZE + value_heap(&o, ov, groups[v] == -2 ? -1 : groups[v], argv[0], subject_is_binary, subject, unicode);
        }
    }
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, needed, argc, argv, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        free(groups);
        free(subject_copy);
        free(matches.offsets);
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    // a small binary lives on the process heap and moved with the collection
    term subject_term = argv[0];
    if (subject_is_binary) {
        subject = (const uint8_t *) term_binary_data(subject_term);
    }
    term all = term_nil();
    for (size_t m = matches.count; m > 0; m--) {
        const long *ov = matches.offsets + (m - 1) * matches.width;
        int values = returned_values(&o, ov, group_count, value_count);
        term list = term_nil();
        for (int v = values - 1; v >= 0; v--) {
            term value = make_value(ctx, &o, ov, groups[v] == -2 ? -1 : groups[v], subject_term, subject_is_binary, subject, unicode);
            if (term_is_invalid_term(value)) {
                free(groups);
                free(subject_copy);
                free(matches.offsets);
                RAISE_ERROR(OUT_OF_MEMORY_ATOM);
            }
            list = term_list_prepend(value, list, &ctx->heap);
        }
        if (!o.global) {
            all = list;
            break;
        }
        all = term_list_prepend(list, all, &ctx->heap);
    }
    free(groups);
    free(subject_copy);
    free(matches.offsets);
    term match = term_alloc_tuple(2, &ctx->heap);
    term_put_tuple_element(match, 0, make_atom(ctx, ATOM_STR("\x5", "match")));
    term_put_tuple_element(match, 1, all);
    return match;
}

const struct Nif re_version_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_re_version
};
const struct Nif re_compile_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_re_compile
};
const struct Nif re_run_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_re_run
};
const struct Nif re_inspect_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_re_inspect
};
