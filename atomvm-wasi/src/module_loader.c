/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * AtomVM's module loader, marked for snapshots.
 *
 * A snapshot (atomvm_wasi_preinit, main.c) loads every module of the packs
 * before it is captured, so the snapshot's requests never parse a module: the
 * loader, a second copy of the interpreter's instruction decoding, is a
 * quarter of the module's code and only the initialisation runs it.
 *
 * The link routes every load through here (-Wl,--wrap, CMakeLists.txt), and
 * the export name asks the snapshot tool to make this function return NULL in
 * the snapshot (the plugin's Snapshotter, ZEROED_EXPORT_PREFIX); nothing then
 * reaches the loader and the tool empties its code. A module that cannot be
 * found in the packs never reaches the loader; code:load_binary/3, the one
 * way left to load code at run time, raises out_of_memory in a snapshot, as
 * it does when the loader fails. The plain module loads as before.
 *
 * AtomVM's loader aborts the VM on code it does not understand (an opcode or
 * operand of a newer compiler), after printing what it met. The link also
 * routes abort() through here, which first names the module being loaded, so
 * that the build's snapshot step (or a request, without one) says which
 * module AtomVM cannot load.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <globalcontext.h>
#include <iff.h>
#include <module.h>

Module *__real_module_new_from_iff_binary(GlobalContext *global, const void *iff_binary, unsigned long size);
void __real_abort(void);

static const void *loading_binary;
static unsigned long loading_size;

// noinline: the callers must call this function, which the snapshot replaces, not copies of it.
__attribute__((noinline, export_name("elixir-workers.snapshot.zero.module_new_from_iff_binary"))) Module *__wrap_module_new_from_iff_binary(GlobalContext *global, const void *iff_binary, unsigned long size)
{
    loading_binary = iff_binary;
    loading_size = size;
    Module *module = __real_module_new_from_iff_binary(global, iff_binary, size);
    loading_binary = NULL;
    return module;
}

/**
 * @brief Writes the name of the module being loaded (the first atom of its AtU8 chunk) to stderr.
 */
static void report_loading_module(void)
{
    unsigned long offsets[MAX_OFFS] = { 0 };
    unsigned long sizes[MAX_SIZES] = { 0 };
    scan_iff(loading_binary, (int) loading_size, offsets, sizes);
    const uint8_t *atoms = (const uint8_t *) loading_binary + offsets[AT8U];
    // AtU8: an 8-byte chunk header, a 32-bit atom count, then <length, bytes> per atom
    if (offsets[AT8U] == 0 || sizes[AT8U] < 13) {
        fprintf(stderr, "atomvm-wasi: AtomVM could not load a module (its atom table is unreadable)\n");
        return;
    }
    int length = atoms[IFF_SECTION_HEADER_SIZE + 4];
    fprintf(stderr, "atomvm-wasi: AtomVM could not load module %.*s: its loader stopped on code it does not know (the line above says what)\n",
        length, (const char *) atoms + IFF_SECTION_HEADER_SIZE + 5);
}

void __wrap_abort(void)
{
    if (loading_binary != NULL) {
        report_loading_module();
    }
    __real_abort();
}
