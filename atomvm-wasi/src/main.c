/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file main.c
 * @brief Entry point of atomvm.wasm, a WASI preview1 command.
 *
 * @details Usage: `atomvm <app.avm> [<lib.avm>...]`. Every argument is an AVM
 * pack; modules are looked up in them in order. The start module is the first
 * module whose section carries the AVM start flag (the packer sets it on the
 * worker's module); its `start/0` runs in the first process and the VM stops
 * when that process ends. Exit status 0 when `start/0` returns `ok`, 1
 * otherwise (including when it raises: the crash report goes to stderr). Diagnostics go to stderr; stdout belongs to the response frame.
 *
 * Pre-initialisation (snapshots): the module also exports `atomvm_wasi_preinit`. A build tool
 * calls it once, with the same arguments and preopens `_start` gets, instead of `_start`: it
 * creates the global context, reads the AVM packs and loads every module in them, then returns.
 * The tool captures linear memory and globals and writes a new module whose data segments hold
 * that state (see the plugin's `dev.elixirworkers.core.snapshot`). In that module `_start`
 * finds the VM ready and goes straight to running `start/0`: no pack is read and no module is
 * parsed per request. Without a snapshot, `_start` behaves as it always has.
 */

#include <avmpack.h>
#include <context.h>
#include <defaultatoms.h>
#include <globalcontext.h>
#include <module.h>
#include <sys.h>
#include <term.h>
#include <utils.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasi/api.h>

#include "heap_policy.h"

// The request's process: its minimum heap, in words (run_start()).
#ifndef REQUEST_HEAP_WORDS
#define REQUEST_HEAP_WORDS 16384
#endif
// C heap left free at the end of atomvm_wasi_preinit(), for the requests.
#ifndef REQUEST_HEADROOM_BYTES
#define REQUEST_HEADROOM_BYTES (256 * 1024)
#endif

/**
 * @brief What atomvm_wasi_preinit() leaves for `_start`: the VM with its packs read and their
 * modules loaded, and the arguments it was made from.
 *
 * @details All of it lives in linear memory, so a snapshot of the memory holds it. `glb` is
 * NULL unless pre-initialisation ran.
 */
static struct
{
    GlobalContext *glb;
    Module *start_module;
    int argc;
    char **argv;
} preinitialised;

/*
 * Constructors (wasi-libc registers the preopened directories in one) are run by
 * ensure_constructors(), not by the linker. The build exports __wasm_call_ctors (see
 * CMakeLists.txt), and wasm-ld then stops wrapping the module's exports, `_start` included, in
 * calls to it: otherwise atomvm_wasi_preinit would run them, and `_start` would run them again
 * in the snapshot, registering the preopens twice. The flag, set by a constructor, records
 * that they ran; in a snapshot it is already set. A newer wasi-libc whose `_start` runs the
 * constructors itself sets it before main(); the snapshot tool makes the exported
 * __wasm_call_ctors a no-op for that case.
 */
extern void __wasm_call_ctors(void);

// volatile: otherwise the optimiser evaluates the constructor at compile time
// (it only stores a constant), makes `true` the flag's initial value and drops
// the constructor, and the constructors would never run.
static volatile bool constructors_ran;

__attribute__((constructor)) static void note_constructors_ran(void)
{
    constructors_ran = true;
}

static void ensure_constructors(void)
{
    if (!constructors_ran) {
        __wasm_call_ctors();
    }
}

static const char *open_avm_error(enum OpenAVMResult result)
{
    switch (result) {
        case AVM_OPEN_FAILED_ALLOC:
            return "out of memory";
        case AVM_OPEN_INVALID:
            return "not an AVM pack";
        case AVM_OPEN_CANNOT_OPEN:
            return "cannot open the file";
        case AVM_OPEN_CANNOT_READ:
            return "cannot read the file";
        default:
            return "cannot load it";
    }
}

/**
 * @brief Open one AVM pack, register it and, if no start module was found
 * yet, load the pack's start module.
 * @return true on success
 */
static bool load_avm(GlobalContext *glb, const char *path, Module **start_module)
{
    struct AVMPackData *pack;
    enum OpenAVMResult result = sys_open_avm_from_file(glb, path, &pack);
    if (UNLIKELY(result != AVM_OPEN_OK)) {
        fprintf(stderr, "atomvm-wasi: %s: %s\n", path, open_avm_error(result));
        return false;
    }
    synclist_append(&glb->avmpack_data, &pack->avmpack_head);

    if (*start_module != NULL) {
        return true;
    }
    const void *beam;
    uint32_t beam_size;
    const char *name;
    if (!avmpack_find_section_by_flag(pack->data, BEAM_START_FLAG, BEAM_START_FLAG, &beam, &beam_size, &name)) {
        return true;
    }
    pack->in_use = true;
    Module *mod = module_new_from_iff_binary(glb, beam, beam_size);
    if (IS_NULL_PTR(mod)) {
        fprintf(stderr, "atomvm-wasi: %s: cannot load start module %s\n", path, name);
        return false;
    }
    mod->module_platform_data = NULL;
    if (UNLIKELY(globalcontext_insert_module(glb, mod) < 0)) {
        fprintf(stderr, "atomvm-wasi: %s: cannot register start module %s\n", path, name);
        return false;
    }
    *start_module = mod;
    return true;
}

/**
 * @brief Load every BEAM section of an AVM pack, as the first call to each module would.
 */
static void *load_section(void *accum, const void *section_ptr, uint32_t section_size, const void *beam_ptr, uint32_t flags, const char *section_name)
{
    UNUSED(section_ptr);
    UNUSED(section_size);
    UNUSED(beam_ptr);

    GlobalContext *glb = accum;
    if (glb == NULL || !(flags & BEAM_CODE_FLAG)) {
        return accum;
    }
    size_t len = strlen(section_name);
    if (len <= 5 || strcmp(section_name + len - 5, ".beam") != 0) {
        return accum;
    }
    term name = globalcontext_insert_atom_maybe_copy(glb, (const uint8_t *) section_name, len - 5, true);
    if (UNLIKELY(term_is_invalid_term(name))) {
        fprintf(stderr, "atomvm-wasi: out of memory loading %s\n", section_name);
        return NULL;
    }
    if (IS_NULL_PTR(globalcontext_get_module(glb, term_to_atom_index(name)))) {
        // globalcontext_get_module() has said which module failed.
        return NULL;
    }
    return accum;
}

/**
 * @brief Create the VM and load the AVM packs named by `argv[1..]`, or report why not.
 * @return the global context, or NULL (reported on stderr)
 */
static GlobalContext *create_vm(int argc, char **argv, Module **start_module)
{
    GlobalContext *glb = globalcontext_new();
    if (IS_NULL_PTR(glb)) {
        fprintf(stderr, "atomvm-wasi: cannot create the VM (out of memory)\n");
        return NULL;
    }

    *start_module = NULL;
    for (int i = 1; i < argc; i++) {
        if (!load_avm(glb, argv[i], start_module)) {
            return NULL;
        }
    }
    if (IS_NULL_PTR(*start_module)) {
        fprintf(stderr, "atomvm-wasi: no start module: no section of the AVM packs carries the start flag\n");
        return NULL;
    }

    if (UNLIKELY(!module_search_exported_function(*start_module, START_ATOM_INDEX, 0))) {
        fprintf(stderr, "atomvm-wasi: the start module does not export start/0\n");
        return NULL;
    }
    return glb;
}

/**
 * @brief Run start/0 of the start module in the first process.
 * @return whether it returned ok
 */
static bool run_start(GlobalContext *glb, Module *start_module)
{
    // Run start/0 directly rather than through globalcontext_run(): that one
    // first looks for an `init` module (OTP-style boot), and when none is
    // packed it reports the failed lookup on stderr on every request. It would
    // also print the return value.
    Context *ctx = context_new(glb);
    if (IS_NULL_PTR(ctx)) {
        fprintf(stderr, "atomvm-wasi: cannot create the first process (out of memory)\n");
        return false;
    }
    // The VM stops when the leader process ends.
    ctx->leader = 1;
    // This process serves the whole request (ElixirWorkers.App.run/2). With
    // AtomVM's default heap policy a heap just big enough for what is live is
    // collected over and over while a response is built. Start with room for
    // a typical request, grow in Fibonacci steps past it, and never shrink
    // (src/heap_policy.c): a small request is then collected a few times at
    // most, for the literals it loaded.
    ctx->heap_growth_strategy = FibonacciHeapGrowth;
    ctx->has_min_heap_size = 1;
    ctx->min_heap_size = REQUEST_HEAP_WORDS;
    // A request that keeps growing (a list, a deep recursion) then ends as out of memory as
    // soon as its heap would outgrow what the memory can hold, not when the last collection
    // fails after many slow ones.
    heap_policy_limit_request_heap(ctx);
    context_execute_loop(ctx, start_module, "start", 0);
    bool ok = ctx->x[0] == OK_ATOM;
    if (!ok && ctx->exit_reason == NORMAL_ATOM) {
        // A crash has already been reported; a wrong return value has not.
        fprintf(stderr, "atomvm-wasi: start/0 returned ");
        term_display(stderr, ctx->x[0], ctx);
        fprintf(stderr, " instead of ok\n");
    }
    context_destroy(ctx);
    return ok;
}

/**
 * @brief Whether `_start` got the arguments the snapshot was made with.
 */
static bool same_arguments(int argc, char **argv)
{
    if (argc != preinitialised.argc) {
        return false;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], preinitialised.argv[i]) != 0) {
            return false;
        }
    }
    return true;
}

/**
 * @brief Pre-initialise the VM for a snapshot: everything `_start` does before it runs start/0.
 *
 * @details Called by a build tool instead of `_start`, never by a host. It reads the arguments
 * itself (WASI `args_get`: `main` has not run), creates the VM, reads the AVM packs and loads
 * every module in them: on demand each load would cost every request that calls the module, in
 * a snapshot it costs nothing. Failures are reported on stderr and end the run with exit status
 * 1, so the tool can name them.
 *
 * Nothing here depends on the request or on the moment: AtomVM keeps no clock reading, random
 * seed or environment from its initialisation (clocks, `atomvm:random/0` and
 * `atomvm:rand_bytes/1` ask WASI on each call, `os:getenv/1` reads the environment when called),
 * so a snapshot needs nothing re-initialised when `_start` resumes it. The constructors run here
 * (see ensure_constructors()); in the snapshot they have run, and `_start` does not run them again.
 */
__attribute__((export_name("atomvm_wasi_preinit"))) void atomvm_wasi_preinit(void)
{
    ensure_constructors();
    if (preinitialised.glb != NULL) {
        fprintf(stderr, "atomvm-wasi: atomvm_wasi_preinit called twice\n");
        exit(EXIT_FAILURE);
    }
    __wasi_size_t argc;
    __wasi_size_t buf_size;
    if (__wasi_args_sizes_get(&argc, &buf_size) != __WASI_ERRNO_SUCCESS) {
        fprintf(stderr, "atomvm-wasi: cannot read the arguments\n");
        exit(EXIT_FAILURE);
    }
    char **argv = calloc(argc + 1, sizeof(char *));
    char *buf = malloc(buf_size > 0 ? buf_size : 1);
    if (IS_NULL_PTR(argv) || IS_NULL_PTR(buf)) {
        fprintf(stderr, "atomvm-wasi: cannot read the arguments (out of memory)\n");
        exit(EXIT_FAILURE);
    }
    if (__wasi_args_get((uint8_t **) argv, (uint8_t *) buf) != __WASI_ERRNO_SUCCESS) {
        fprintf(stderr, "atomvm-wasi: cannot read the arguments\n");
        exit(EXIT_FAILURE);
    }
    if (argc < 2) {
        fprintf(stderr, "atomvm-wasi: atomvm_wasi_preinit needs the arguments of _start: <app.avm> [<lib.avm>...]\n");
        exit(EXIT_FAILURE);
    }

    Module *start_module;
    GlobalContext *glb = create_vm((int) argc, argv, &start_module);
    if (IS_NULL_PTR(glb)) {
        exit(EXIT_FAILURE);
    }
    struct ListHead *item;
    struct ListHead *packs = synclist_rdlock(&glb->avmpack_data);
    LIST_FOR_EACH (item, packs) {
        struct AVMPackData *pack = GET_LIST_ENTRY(item, struct AVMPackData, avmpack_head);
        pack->in_use = true;
        if (avmpack_fold(glb, pack->data, load_section) == NULL) {
            synclist_unlock(&glb->avmpack_data);
            exit(EXIT_FAILURE);
        }
    }
    synclist_unlock(&glb->avmpack_data);

    // Grow the C heap now by what a request typically allocates (its process
    // heap, binaries): in a snapshot those pages come zeroed for free, and a
    // request that fits needs no memory.grow, so a host can lend the same
    // memory to the next request. volatile: the optimiser drops a malloc that
    // is only freed.
    void *volatile headroom = malloc(REQUEST_HEADROOM_BYTES);
    free(headroom);

    preinitialised.glb = glb;
    preinitialised.start_module = start_module;
    preinitialised.argc = (int) argc;
    preinitialised.argv = argv;
}

int main(int argc, char **argv)
{
    ensure_constructors();
    if (argc < 2) {
        fprintf(stderr, "usage: %s <app.avm> [<lib.avm>...]\n", argc > 0 ? argv[0] : "atomvm");
        return EXIT_FAILURE;
    }

    if (preinitialised.glb != NULL) {
        // A snapshot: the packs were read and their modules loaded when it was made. It holds
        // the packs' contents, so they are not read again; it only runs with the arguments it
        // was made with, since other packs would be silently ignored.
        if (UNLIKELY(!same_arguments(argc, argv))) {
            fprintf(stderr, "atomvm-wasi: this module is a snapshot pre-initialised with %s%s; run it with the same arguments\n",
                preinitialised.argv[1], preinitialised.argc > 2 ? " and more packs" : "");
            return EXIT_FAILURE;
        }
        // The instance ends with the request: freeing the VM would only cost time.
        return run_start(preinitialised.glb, preinitialised.start_module) ? EXIT_SUCCESS : EXIT_FAILURE;
    }

    Module *start_module;
    GlobalContext *glb = create_vm(argc, argv, &start_module);
    if (IS_NULL_PTR(glb)) {
        return EXIT_FAILURE;
    }
    bool ok = run_start(glb, start_module);

    globalcontext_destroy(glb);

    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
