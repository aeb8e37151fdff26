/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Heaps that only grow, for a VM that serves one request.
 *
 * Before allocating, AtomVM's interpreter and BIFs check that the process heap
 * has room and allow the check to shrink the heap (MEMORY_CAN_SHRINK): when
 * much of the heap is free, the process is collected into a smaller one. That
 * suits long-lived processes on a microcontroller. A worker's instance lives
 * for one request and its memory goes away with it; shrinking only buys more
 * collections later, and with a minimum heap size (the request's process gets
 * one, see main.c) AtomVM collects again at nearly every check, since a fresh
 * minimum-size heap is mostly free.
 *
 * A check also collects whenever the heap has fragments, and every literal the
 * code loads (a constant list, map or binary) is decoded into a fragment: a
 * hello request loads about fifty and was collected after each one.
 * Fragments are an ordinary part of the heap (the next collection copies what
 * is live out of them and frees them), so nothing requires them gone at once;
 * but a loop that loads a literal must not pile them up, so a process is
 * collected after FRAGMENT_CHECKS checks in a row that found fragments.
 * (Collecting only once the fragments outgrow the heap was slower: a
 * collection looks up every pointer in the list of fragments, so a few
 * fragments often cost less than many at once; hello 0.32 -> 0.37 ms.)
 *
 * The link routes the checks here (-Wl,--wrap, CMakeLists.txt): when there is
 * room for what is asked, nothing happens; otherwise AtomVM collects and
 * grows the heap, never to shrink it. Explicit requests (FORCE_SHRINK:
 * erlang:garbage_collect/0, hibernation, fragments left by a NIF) are passed
 * on unchanged, and after a collection AtomVM still trims a large heap that
 * ended up mostly free.
 */

#include <context.h>
#include <memory.h>

#include <stdbool.h>

enum MemoryGCResult __real_memory_ensure_free_with_roots(
    Context *ctx, size_t size, size_t num_roots, term *roots, enum MemoryAllocMode alloc_mode);
enum MemoryGCResult __wrap_memory_ensure_free_with_roots(
    Context *ctx, size_t size, size_t num_roots, term *roots, enum MemoryAllocMode alloc_mode);

#define FRAGMENT_CHECKS 64

/** Whether `ctx` has had fragments for FRAGMENT_CHECKS checks in a row (then starts counting again). */
static bool too_many_fragment_checks(Context *ctx)
{
    static Context *counted;
    static unsigned checks;
    if (ctx->heap.root->next == NULL) {
        if (counted == ctx) {
            checks = 0;
        }
        return false;
    }
    if (counted != ctx) {
        counted = ctx;
        checks = 0;
    }
    if (++checks < FRAGMENT_CHECKS) {
        return false;
    }
    checks = 0;
    return true;
}

enum MemoryGCResult __wrap_memory_ensure_free_with_roots(
    Context *ctx, size_t size, size_t num_roots, term *roots, enum MemoryAllocMode alloc_mode)
{
    if (alloc_mode == MEMORY_CAN_SHRINK || alloc_mode == MEMORY_NO_SHRINK) {
        if (context_avail_free_memory(ctx) >= size && !too_many_fragment_checks(ctx)) {
            return MEMORY_GC_OK;
        }
        alloc_mode = MEMORY_NO_SHRINK;
    }
    return __real_memory_ensure_free_with_roots(ctx, size, num_roots, roots, alloc_mode);
}
