/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The function an undef error did not find, on top of its stack trace.
 *
 * On the BEAM a call to a function that does not exist raises `undef` with
 * the missing function as the first frame of the stack trace,
 * {Module, Function, Args, []}, above the caller's frame; Elixir names the
 * function from that frame (UndefinedFunctionError). AtomVM raises `undef`
 * with the caller as the first frame: the module, function and arity it
 * looked for are known where the lookup fails, and dropped. The error page
 * and the log could only say `undef` and name the caller.
 *
 * The link routes AtomVM's lookups and the stack trace of the interpreter's
 * errors through here (-Wl,--wrap, CMakeLists.txt); AtomVM's sources stay as
 * they are. A lookup that fails remembers what it looked for:
 *
 * - module_resolve_function0: a remote call written in the code (call_ext,
 *   call_ext_last, call_ext_only); the import names module, function, arity.
 * - module_search_exported_function: a module that is there but does not
 *   export the function (apply, `mod.fun()`, an external fun `&M.f/1`).
 * - globalcontext_get_module: a module that is not there. Apply and external
 *   funs first look for a BIF or NIF of that name; the name they wrote
 *   (atom_write_mfa) gives the function and the arity.
 *
 * When the interpreter then raises undef, stacktrace_create_raw adds the
 * frame {Module, Function, Arity, []} above the caller's, as the BEAM does
 * (the arity, not the arguments: the arguments may hold secrets, and the
 * interpreter's x registers are no longer safe to read once it raises).
 *
 * A failed lookup that raises nothing (erlang:function_exported/3,
 * code:ensure_loaded/1) must not name a later undef: the next name AtomVM
 * writes and the next lookup that succeeds forget it, and a stack trace made
 * for another error does too. Some undef paths make the stack trace twice for
 * one error (SET_ERROR, then HANDLE_ERROR), so the frame is added for every
 * stack trace made at the same point of the same process.
 *
 * Only failed lookups and errors do more than a compare and a store; calls
 * that succeed are not slowed down.
 */

#include <atom.h>
#include <atom_table.h>
#include <context.h>
#include <defaultatoms.h>
#include <globalcontext.h>
#include <memory.h>
#include <module.h>
#include <stacktrace.h>
#include <term.h>

#include <stdbool.h>
#include <stddef.h>

#include "otp_bifs.h"

const struct ExportedFunction *__real_module_resolve_function0(
    Module *mod, int import_table_index, struct UnresolvedFunctionCall *unresolved, GlobalContext *glb);
const struct ExportedFunction *__wrap_module_resolve_function0(
    Module *mod, int import_table_index, struct UnresolvedFunctionCall *unresolved, GlobalContext *glb);
uint32_t __real_module_search_exported_function(Module *this_module, atom_index_t func_name, int func_arity);
uint32_t __wrap_module_search_exported_function(Module *this_module, atom_index_t func_name, int func_arity);
Module *__real_globalcontext_get_module(GlobalContext *global, atom_index_t module_name_atom);
Module *__wrap_globalcontext_get_module(GlobalContext *global, atom_index_t module_name_atom);
void __real_atom_write_mfa(char *buf, size_t buf_size, size_t module_name_len, const void *module_data,
    size_t function_name_len, const void *function_data, unsigned int arity);
void __wrap_atom_write_mfa(char *buf, size_t buf_size, size_t module_name_len, const void *module_data,
    size_t function_name_len, const void *function_data, unsigned int arity);
term __real_stacktrace_create_raw(Context *ctx, Module *mod, int current_offset);
term __wrap_stacktrace_create_raw(Context *ctx, Module *mod, int current_offset);

// The last function a lookup did not find (one scheduler: no SMP on WASI).
static struct
{
    bool found_missing;
    atom_index_t module;
    atom_index_t function;
    unsigned int arity;
    // where the undef it names was raised, once it has been
    bool raised;
    const Context *ctx;
    const Module *mod;
    int offset;
} missing;

// The last name AtomVM wrote to look for a BIF or NIF; the strings are the atom table's.
static struct
{
    const void *module_data;
    size_t function_len;
    const void *function_data;
    unsigned int arity;
} last_written_name;

static void remember_missing(atom_index_t module, atom_index_t function, unsigned int arity)
{
    missing.found_missing = true;
    missing.module = module;
    missing.function = function;
    missing.arity = arity;
    missing.raised = false;
}

const struct ExportedFunction *__wrap_module_resolve_function0(
    Module *mod, int import_table_index, struct UnresolvedFunctionCall *unresolved, GlobalContext *glb)
{
    // read first: a resolved call frees `unresolved`
    atom_index_t module = unresolved->module_atom_index;
    atom_index_t function = unresolved->function_atom_index;
    unsigned int arity = unresolved->arity;
    const struct ExportedFunction *resolved = __real_module_resolve_function0(mod, import_table_index, unresolved, glb);
    if (IS_NULL_PTR(resolved)) {
        remember_missing(module, function, arity);
    }
    return resolved;
}

uint32_t __wrap_module_search_exported_function(Module *this_module, atom_index_t func_name, int func_arity)
{
    uint32_t label = __real_module_search_exported_function(this_module, func_name, func_arity);
    if (label == 0) {
        remember_missing(term_to_atom_index(module_get_name(this_module)), func_name, func_arity);
    } else {
        missing.found_missing = false;
    }
    return label;
}

Module *__wrap_globalcontext_get_module(GlobalContext *global, atom_index_t module_name_atom)
{
    Module *found = __real_globalcontext_get_module(global, module_name_atom);
    if (IS_NULL_PTR(found)) {
        size_t module_len;
        const void *module_data = atom_table_get_atom_string(global->atom_table, module_name_atom, &module_len);
        atom_index_t function;
        if (module_data == last_written_name.module_data
            && atom_table_ensure_atom(global->atom_table, last_written_name.function_data,
                   last_written_name.function_len, AtomTableAlreadyExisting, &function)
                == AtomTableEnsureAtomOk) {
            remember_missing(module_name_atom, function, last_written_name.arity);
        } else {
            // a static call: module_resolve_function0 names the function once this returns
            missing.found_missing = false;
        }
    }
    return found;
}

void __wrap_atom_write_mfa(char *buf, size_t buf_size, size_t module_name_len, const void *module_data,
    size_t function_name_len, const void *function_data, unsigned int arity)
{
    missing.found_missing = false;
    last_written_name.module_data = module_data;
    last_written_name.function_len = function_name_len;
    last_written_name.function_data = function_data;
    last_written_name.arity = arity;
    __real_atom_write_mfa(buf, buf_size, module_name_len, module_data, function_name_len, function_data, arity);
}

/*
 * A raw stack trace is {Frames, AuxTerms, FilenameLens, Locations, RawFrames, Class}
 * with RawFrames outermost first (stacktrace_build reverses them); the frame
 * goes last, after the caller's, and is counted like the caller's frame, whose
 * module and offset it carries (stacktrace_build gives it no location, as its
 * module is another).
 */
static term with_missing_function_frame(Context *ctx, Module *mod, int current_offset, term stack_info)
{
    if (!term_is_tuple(stack_info) || term_get_tuple_arity(stack_info) != 6) {
        return stack_info;
    }
    size_t frames = 0;
    for (term frame = term_get_tuple_element(stack_info, 4); term_is_nonempty_list(frame);
        frame = term_get_list_tail(frame)) {
        frames++;
    }
    size_t size = TUPLE_SIZE(5) + (2 * frames + 1) * CONS_SIZE;
    if (UNLIKELY(memory_ensure_free_with_roots(ctx, size, 1, &stack_info, MEMORY_CAN_SHRINK) != MEMORY_GC_OK)) {
        return stack_info;
    }

    term missing_frame = term_alloc_tuple(5, &ctx->heap);
    term_put_tuple_element(missing_frame, 0, term_from_int(mod->module_index));
    term_put_tuple_element(missing_frame, 1, term_from_int(current_offset));
    term_put_tuple_element(missing_frame, 2, term_from_atom_index(missing.module));
    term_put_tuple_element(missing_frame, 3, term_from_atom_index(missing.function));
    term_put_tuple_element(missing_frame, 4, term_from_int(missing.arity));

    term innermost_first = term_nil();
    for (term frame = term_get_tuple_element(stack_info, 4); term_is_nonempty_list(frame);
        frame = term_get_list_tail(frame)) {
        innermost_first = term_list_prepend(term_get_list_head(frame), innermost_first, &ctx->heap);
    }
    term outermost_first = term_list_prepend(missing_frame, term_nil(), &ctx->heap);
    for (term frame = innermost_first; term_is_nonempty_list(frame); frame = term_get_list_tail(frame)) {
        outermost_first = term_list_prepend(term_get_list_head(frame), outermost_first, &ctx->heap);
    }

    term_put_tuple_element(stack_info, 0, term_from_int(term_to_int(term_get_tuple_element(stack_info, 0)) + 1));
    term_put_tuple_element(stack_info, 1, term_from_int(term_to_int(term_get_tuple_element(stack_info, 1)) + 1));
    term_put_tuple_element(stack_info, 4, outermost_first);
    return stack_info;
}

term __wrap_stacktrace_create_raw(Context *ctx, Module *mod, int current_offset)
{
    // a NIF of otp_bifs.c that was the last call of its function
    term call_module;
    term call_function;
    int call_arity;
    if (otp_bifs_raised_call(ctx, &call_module, &call_function, &call_arity)) {
        return stacktrace_create_raw_mfa(ctx, mod, current_offset, call_module, call_function, call_arity);
    }
    term stack_info = __real_stacktrace_create_raw(ctx, mod, current_offset);
    if (!missing.found_missing) {
        return stack_info;
    }
    bool elsewhere = missing.raised && (missing.ctx != ctx || missing.mod != mod || missing.offset != current_offset);
    if (ctx->exception_reason != UNDEF_ATOM || elsewhere) {
        missing.found_missing = false;
        return stack_info;
    }
    missing.raised = true;
    missing.ctx = ctx;
    missing.mod = mod;
    missing.offset = current_offset;
    return with_missing_function_frame(ctx, mod, current_offset, stack_info);
}
