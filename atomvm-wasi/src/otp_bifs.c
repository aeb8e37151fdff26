/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file otp_bifs.c
 * @brief OTP functions that Elixir's standard library calls and AtomVM lacks.
 *
 * @details AtomVM v0.7 has these neither as NIFs nor in its Erlang libraries;
 * on the BEAM each is a BIF (lists:flatten/2 is a function of OTP's lists,
 * which AtomVM's own lists module stands in for without it). Written from
 * OTP's documentation; platform_nifs.c names them in its table, where the
 * plugin's list of native functions reads them.
 *
 * - `maps:take/2`: Map.pop/3, Map.pop_lazy/3, Access.pop/2, pop_in/2;
 * - `lists:flatten/2`: List.flatten/2;
 * - `erlang:append_element/2`: Tuple.append/2;
 * - `erlang:get_keys/1`: Process.get_keys/1;
 * - `maps:update/3` (Map.replace!/3): AtomVM's is an Erlang function of its
 *   maps module, which a NIF of the same name replaces. Ours raises
 *   {badkey, Key} as OTP's does, with the call {maps, update, [Key, Value,
 *   Map]} on top of the stack trace as on the BEAM, where Elixir finds the
 *   map for its KeyError ("key :b not found in: %{a: 1}").
 *
 * AtomVM puts a NIF's call on the stack trace of its error, with the
 * arguments when the NIF says they are intact (as its VALIDATE_ARG does),
 * unless the call was the last of its function (call_ext_last,
 * call_ext_only): then the trace starts at the caller's caller, as if the
 * NIF had not been called. Elixir's Map.replace!/3 is such a call. The NIFs
 * here that raise with their call on the trace (raise_with_call()) remember
 * it, and the stack trace made next for that error (stacktrace_create_raw,
 * routed through undefined_function.c) puts it there, as the other calls
 * get it (stacktrace_create_raw_mfa).
 */

#include <context.h>
#include <defaultatoms.h>
#include <dictionary.h>
#include <globalcontext.h>
#include <list.h>
#include <memory.h>
#include <nifs.h>
#include <stacktrace.h>
#include <term.h>

#include <stdbool.h>
#include <stddef.h>

#include "otp_bifs.h"

// The call whose error the interpreter is about to make a stack trace for (one
// scheduler: no SMP on WASI).
static struct
{
    const Context *ctx;
    term reason;
    term module;
    term function;
    int arity;
} raising;

/*
 * error(Reason) with the call module:function(argv...) on top of the stack
 * trace. argv must hold the call's arguments, as the interpreter's x
 * registers: a collection since the call must have had argv as its roots.
 */
static term raise_with_call(Context *ctx, term reason, term module, term function, int arity)
{
    context_set_exception_class_use_live_flag(ctx, ERROR_ATOM);
    ctx->exception_reason = reason;
    raising.ctx = ctx;
    raising.reason = reason;
    raising.module = module;
    raising.function = function;
    raising.arity = arity;
    return term_invalid_term();
}

bool otp_bifs_raised_call(Context *ctx, term *module, term *function, int *arity)
{
    bool raised = raising.ctx == ctx && raising.reason == ctx->exception_reason;
    raising.ctx = NULL;
    if (raised) {
        *module = raising.module;
        *function = raising.function;
        *arity = raising.arity;
    }
    return raised;
}

term __real_stacktrace_create_raw_mfa(Context *ctx, Module *mod, int current_offset, term module_atom, term function_atom, int arity);
term __wrap_stacktrace_create_raw_mfa(Context *ctx, Module *mod, int current_offset, term module_atom, term function_atom, int arity);

// A call that is not the last: AtomVM names it itself, and nothing is left to name.
term __wrap_stacktrace_create_raw_mfa(Context *ctx, Module *mod, int current_offset, term module_atom, term function_atom, int arity)
{
    raising.ctx = NULL;
    return __real_stacktrace_create_raw_mfa(ctx, mod, current_offset, module_atom, function_atom, arity);
}

/* error({Tag, Value}), as OTP raises {badmap, Map}; argv stays a root. */
static term raise_tagged(Context *ctx, term tag, int value_index, int argc, term argv[])
{
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, TUPLE_SIZE(2), argc, argv, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term reason = term_alloc_tuple(2, &ctx->heap);
    term_put_tuple_element(reason, 0, tag);
    term_put_tuple_element(reason, 1, argv[value_index]);
    RAISE_ERROR(reason);
}

/*
 * maps:take(Key, Map) -> {Value, MapWithoutKey} | error. Map keys are kept
 * sorted, so the copy without one key is sorted too.
 */
static term nif_maps_take(Context *ctx, int argc, term argv[])
{
    if (UNLIKELY(!term_is_map(argv[1]))) {
        return raise_tagged(ctx, BADMAP_ATOM, 1, argc, argv);
    }
    int pos = term_find_map_pos(argv[1], argv[0], ctx->global);
    if (UNLIKELY(pos == TERM_MAP_MEMORY_ALLOC_FAIL)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    if (pos == TERM_MAP_NOT_FOUND) {
        return ERROR_ATOM;
    }
    int size = term_get_map_size(argv[1]);
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, TUPLE_SIZE(2) + term_map_size_in_terms(size - 1), argc, argv, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term map = argv[1];
    term rest = term_alloc_map(size - 1, &ctx->heap);
    int to = 0;
    for (int from = 0; from < size; from++) {
        if (from != pos) {
            term_set_map_assoc(rest, to, term_get_map_key(map, from), term_get_map_value(map, from));
            to++;
        }
    }
    term result = term_alloc_tuple(2, &ctx->heap);
    term_put_tuple_element(result, 0, term_get_map_value(map, pos));
    term_put_tuple_element(result, 1, rest);
    return result;
}

/*
 * The number of elements of a deep list once flattened, or -1 when it (or a
 * list in it) is not a proper list.
 */
static int flattened_length(term list)
{
    int length = 0;
    while (term_is_nonempty_list(list)) {
        term head = term_get_list_head(list);
        if (term_is_list(head)) {
            int inner = flattened_length(head);
            if (inner < 0) {
                return -1;
            }
            length += inner;
        } else {
            length++;
        }
        list = term_get_list_tail(list);
    }
    return term_is_nil(list) ? length : -1;
}

/* Writes the elements of a deep list into the cells from *cell on. */
static void flatten_into(term list, term *cell)
{
    while (term_is_nonempty_list(list)) {
        term head = term_get_list_head(list);
        if (term_is_list(head)) {
            flatten_into(head, cell);
        } else {
            term *cons = term_get_list_ptr(*cell);
            cons[LIST_HEAD_INDEX] = head;
            *cell = cons[LIST_TAIL_INDEX];
        }
        list = term_get_list_tail(list);
    }
}

/* lists:flatten(DeepList, Tail): DeepList flattened, followed by Tail. */
static term nif_lists_flatten_2(Context *ctx, int argc, term argv[])
{
    VALIDATE_VALUE(argv[1], term_is_list);
    int length = flattened_length(argv[0]);
    if (UNLIKELY(length < 0)) {
        RAISE_ERROR(BADARG_ATOM);
    }
    if (length == 0) {
        return argv[1];
    }
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, CONS_SIZE * length, argc, argv, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    // the cells first, ending in Tail, then their heads in order
    term result = argv[1];
    for (int i = 0; i < length; i++) {
        result = term_list_prepend(term_nil(), result, &ctx->heap);
    }
    term cell = result;
    flatten_into(argv[0], &cell);
    return result;
}

/* erlang:append_element(Tuple, Term): Tuple with Term as one more element. */
static term nif_erlang_append_element(Context *ctx, int argc, term argv[])
{
    VALIDATE_VALUE(argv[0], term_is_tuple);
    int arity = term_get_tuple_arity(argv[0]);
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, TUPLE_SIZE(arity + 1), argc, argv, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term tuple = term_alloc_tuple(arity + 1, &ctx->heap);
    for (int i = 0; i < arity; i++) {
        term_put_tuple_element(tuple, i, term_get_tuple_element(argv[0], i));
    }
    term_put_tuple_element(tuple, arity, argv[1]);
    return tuple;
}

/*
 * erlang:get_keys(Value): the keys of the process dictionary whose value is
 * exactly Value (=:=), in no particular order.
 */
static term nif_erlang_get_keys_1(Context *ctx, int argc, term argv[])
{
    struct ListHead *item;
    size_t count = 0;
    LIST_FOR_EACH (item, &ctx->dictionary) {
        struct DictEntry *entry = GET_LIST_ENTRY(item, struct DictEntry, head);
        TermCompareResult same = term_compare(entry->value, argv[0], TermCompareExact, ctx->global);
        if (UNLIKELY(same == TermCompareMemoryAllocFail)) {
            RAISE_ERROR(OUT_OF_MEMORY_ATOM);
        }
        if (same == TermEquals) {
            count++;
        }
    }
    // the dictionary's terms are roots of the collection too
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, LIST_SIZE(count, 0), argc, argv, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term keys = term_nil();
    LIST_FOR_EACH (item, &ctx->dictionary) {
        struct DictEntry *entry = GET_LIST_ENTRY(item, struct DictEntry, head);
        if (term_compare(entry->value, argv[0], TermCompareExact, ctx->global) == TermEquals) {
            keys = term_list_prepend(entry->key, keys, &ctx->heap);
        }
    }
    return keys;
}

/* The atoms are made only for an error. */
static term raise_maps_error(Context *ctx, term tag, AtomString function, int value_index, int argc, term argv[])
{
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, TUPLE_SIZE(2), argc, argv, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term reason = term_alloc_tuple(2, &ctx->heap);
    term_put_tuple_element(reason, 0, tag);
    term_put_tuple_element(reason, 1, argv[value_index]);
    term module = globalcontext_make_atom(ctx->global, ATOM_STR("\x4", "maps"));
    return raise_with_call(ctx, reason, module, globalcontext_make_atom(ctx->global, function), argc);
}

/*
 * maps:update(Key, Value, Map): Map with Value for Key, which it must have
 * (error {badkey, Key}); the copy shares Map's keys.
 */
static term nif_maps_update_3(Context *ctx, int argc, term argv[])
{
    AtomString update = ATOM_STR("\x6", "update");
    if (UNLIKELY(!term_is_map(argv[2]))) {
        return raise_maps_error(ctx, BADMAP_ATOM, update, 2, argc, argv);
    }
    int pos = term_find_map_pos(argv[2], argv[0], ctx->global);
    if (UNLIKELY(pos == TERM_MAP_MEMORY_ALLOC_FAIL)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    if (pos == TERM_MAP_NOT_FOUND) {
        return raise_maps_error(ctx, BADKEY_ATOM, update, 0, argc, argv);
    }
    int size = term_get_map_size(argv[2]);
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, term_map_size_in_terms_maybe_shared(size, true), argc, argv, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        RAISE_ERROR(OUT_OF_MEMORY_ATOM);
    }
    term map = argv[2];
    term updated = term_alloc_map_maybe_shared(size, term_get_map_keys(map), &ctx->heap);
    for (int i = 0; i < size; i++) {
        term_set_map_value(updated, i, i == pos ? argv[1] : term_get_map_value(map, i));
    }
    return updated;
}

const struct Nif maps_update_3_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_maps_update_3
};
const struct Nif maps_take_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_maps_take
};
const struct Nif lists_flatten_2_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_lists_flatten_2
};
const struct Nif erlang_append_element_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_erlang_append_element
};
const struct Nif erlang_get_keys_1_nif = {
    .base.type = NIFFunctionType,
    .nif_ptr = nif_erlang_get_keys_1
};
