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
 */

#include <globalcontext.h>
#include <module.h>

Module *__real_module_new_from_iff_binary(GlobalContext *global, const void *iff_binary, unsigned long size);

// noinline: the callers must call this function, which the snapshot replaces, not copies of it.
__attribute__((noinline, export_name("elixir-workers.snapshot.zero.module_new_from_iff_binary"))) Module *__wrap_module_new_from_iff_binary(GlobalContext *global, const void *iff_binary, unsigned long size)
{
    return __real_module_new_from_iff_binary(global, iff_binary, size);
}
