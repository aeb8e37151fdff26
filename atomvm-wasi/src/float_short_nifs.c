/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * erlang:float_to_binary/2 and erlang:float_to_list/2 with the short option.
 *
 * OTP 25 added `short`: the fewest digits that read back as the same float.
 * Elixir 1.18 (not 1.14) formats every float with it (Float.to_string/1,
 * inspect/1, interpolation: :erlang.float_to_binary(f, [:short])), and
 * AtomVM's NIFs raise badarg on it, so with Elixir's own standard library
 * every float an Elixir 1.18 worker turned into text raised.
 *
 * AtomVM looks a NIF up in its own table first and in the platform's only when
 * its table has no such name (nifs_get, nifs.c), so a platform NIF cannot
 * replace one of its own. The link routes nifs_get through here instead
 * (-Wl,--wrap, CMakeLists.txt): the two names get the NIFs below, everything
 * else the lookup AtomVM does. Calls that name the option `short` last among
 * the format options (short, {decimals, N}, {scientific, N}: the last one
 * wins, as on the BEAM) are written by float_shortest.c; the others go to
 * AtomVM's NIF with `short` taken out of the list, so they behave as they did.
 *
 * nifs.c's own call of nifs_get (erlang:function_exported/3) is not routed
 * here; it answers true for these names either way.
 */

#include "float_shortest.h"

#include <context.h>
#include <defaultatoms.h>
#include <globalcontext.h>
#include <memory.h>
#include <nifs.h>
#include <term.h>
#include <utils.h>

#include <stdbool.h>
#include <string.h>

const struct Nif *__real_nifs_get(const char *mfa);
const struct Nif *__wrap_nifs_get(const char *mfa);

static term nif_float_to_binary_short(Context *ctx, int argc, term argv[]);
static term nif_float_to_list_short(Context *ctx, int argc, term argv[]);

static const struct Nif float_to_binary_short_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_float_to_binary_short
};
static const struct Nif float_to_list_short_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_float_to_list_short
};

const struct Nif *__wrap_nifs_get(const char *mfa)
{
    if (strcmp(mfa, "erlang:float_to_binary/2") == 0) {
        return &float_to_binary_short_nif;
    }
    if (strcmp(mfa, "erlang:float_to_list/2") == 0) {
        return &float_to_list_short_nif;
    }
    return __real_nifs_get(mfa);
}

enum OptionsVerdict
{
    // no short in the list, or one that a later format option overrides
    OptionsForAtomVM,
    // short is the format
    OptionsShort,
    // not a proper list of known options
    OptionsBad
};

static enum OptionsVerdict classify_options(term opts, term short_atom, size_t *shorts)
{
    bool is_short = false;
    *shorts = 0;
    term t = opts;
    while (term_is_nonempty_list(t)) {
        term head = term_get_list_head(t);
        if (head == short_atom) {
            is_short = true;
            (*shorts)++;
        } else if (term_is_tuple(head) && term_get_tuple_arity(head) == 2
            && (term_get_tuple_element(head, 0) == DECIMALS_ATOM
                || term_get_tuple_element(head, 0) == SCIENTIFIC_ATOM)) {
            if (!term_is_integer(term_get_tuple_element(head, 1))) {
                return OptionsBad;
            }
            is_short = false;
        } else if (head != DEFAULTATOMS_COMPACT_ATOM) {
            return OptionsBad;
        }
        t = term_get_list_tail(t);
    }
    if (!term_is_nil(t)) {
        return OptionsBad;
    }
    return is_short ? OptionsShort : OptionsForAtomVM;
}

// AtomVM's NIF (the /1 and /2 names share one function, which reads argc),
// given the options without `short`.
static term call_atomvm(Context *ctx, const char *mfa, term argv[], term short_atom, size_t shorts)
{
    const struct Nif *nif = __real_nifs_get(mfa);
    if (shorts == 0) {
        return nif->nif_ptr(ctx, 2, argv);
    }
    size_t kept = 0;
    for (term t = argv[1]; term_is_nonempty_list(t); t = term_get_list_tail(t)) {
        kept++;
    }
    kept -= shorts;
    // The kept options reversed, then reversed again: two cells each.
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, 2 * kept * CONS_SIZE, 2, argv, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term reversed = term_nil();
    for (term t = argv[1]; term_is_nonempty_list(t); t = term_get_list_tail(t)) {
        term head = term_get_list_head(t);
        if (head != short_atom) {
            reversed = term_list_prepend(head, reversed, &ctx->heap);
        }
    }
    term opts = term_nil();
    for (term t = reversed; term_is_nonempty_list(t); t = term_get_list_tail(t)) {
        opts = term_list_prepend(term_get_list_head(t), opts, &ctx->heap);
    }
    term args[2] = { argv[0], opts };
    return nif->nif_ptr(ctx, 2, args);
}

// 0 when AtomVM's NIF answers (result in *result), else the length of the
// short text in buf.
static size_t format_or_delegate(Context *ctx, const char *mfa, term argv[], char *buf, term *result)
{
    term short_atom = globalcontext_existing_term_from_atom_string(ctx->global, ATOM_STR("\x5", "short"));
    size_t shorts = 0;
    enum OptionsVerdict verdict = OptionsForAtomVM;
    if (!term_is_invalid_term(short_atom) && term_is_list(argv[1])) {
        verdict = classify_options(argv[1], short_atom, &shorts);
    }
    switch (verdict) {
        case OptionsShort:
            if (!term_is_float(argv[0])) {
                context_set_exception_class(ctx, ERROR_ATOM);
                ctx->exception_reason = BADARG_ATOM;
                *result = term_invalid_term();
                return 0;
            }
            return float_shortest_format(term_to_float(argv[0]), buf);
        case OptionsBad:
            context_set_exception_class(ctx, ERROR_ATOM);
            ctx->exception_reason = BADARG_ATOM;
            *result = term_invalid_term();
            return 0;
        default:
            *result = call_atomvm(ctx, mfa, argv, short_atom, shorts);
            return 0;
    }
}

static term nif_float_to_binary_short(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);
    char buf[FLOAT_SHORTEST_MAX_LEN];
    term result;
    size_t len = format_or_delegate(ctx, "erlang:float_to_binary/2", argv, buf, &result);
    if (len == 0) {
        return result;
    }
    if (UNLIKELY(memory_ensure_free_opt(ctx, term_binary_heap_size(len), MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    return term_from_literal_binary(buf, len, &ctx->heap, ctx->global);
}

static term nif_float_to_list_short(Context *ctx, int argc, term argv[])
{
    UNUSED(argc);
    char buf[FLOAT_SHORTEST_MAX_LEN];
    term result;
    size_t len = format_or_delegate(ctx, "erlang:float_to_list/2", argv, buf, &result);
    if (len == 0) {
        return result;
    }
    if (UNLIKELY(memory_ensure_free_opt(ctx, len * CONS_SIZE, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    return term_from_string((const uint8_t *) buf, (uint16_t) len, &ctx->heap);
}
