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

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s <app.avm> [<lib.avm>...]\n", argc > 0 ? argv[0] : "atomvm");
        return EXIT_FAILURE;
    }

    GlobalContext *glb = globalcontext_new();
    if (IS_NULL_PTR(glb)) {
        fprintf(stderr, "atomvm-wasi: cannot create the VM (out of memory)\n");
        return EXIT_FAILURE;
    }

    Module *start_module = NULL;
    for (int i = 1; i < argc; i++) {
        if (!load_avm(glb, argv[i], &start_module)) {
            return EXIT_FAILURE;
        }
    }
    if (IS_NULL_PTR(start_module)) {
        fprintf(stderr, "atomvm-wasi: no start module: no section of the AVM packs carries the start flag\n");
        return EXIT_FAILURE;
    }

    if (UNLIKELY(!module_search_exported_function(start_module, START_ATOM_INDEX, 0))) {
        fprintf(stderr, "atomvm-wasi: the start module does not export start/0\n");
        return EXIT_FAILURE;
    }

    // Run start/0 directly rather than through globalcontext_run(): that one
    // first looks for an `init` module (OTP-style boot), and when none is
    // packed it reports the failed lookup on stderr on every request. It would
    // also print the return value.
    Context *ctx = context_new(glb);
    if (IS_NULL_PTR(ctx)) {
        fprintf(stderr, "atomvm-wasi: cannot create the first process (out of memory)\n");
        return EXIT_FAILURE;
    }
    // The VM stops when the leader process ends.
    ctx->leader = 1;
    context_execute_loop(ctx, start_module, "start", 0);
    bool ok = ctx->x[0] == OK_ATOM;
    if (!ok && ctx->exit_reason == NORMAL_ATOM) {
        // A crash has already been reported; a wrong return value has not.
        fprintf(stderr, "atomvm-wasi: start/0 returned ");
        term_display(stderr, ctx->x[0], ctx);
        fprintf(stderr, " instead of ok\n");
    }
    context_destroy(ctx);

    globalcontext_destroy(glb);

    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
