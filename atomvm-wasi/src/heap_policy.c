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
 * The link routes the checks here (-Wl,--wrap, CMakeLists.txt): they may
 * collect when the heap is full, never to shrink it. Explicit requests
 * (erlang:garbage_collect/0, hibernation) still shrink, and after a collection
 * AtomVM still trims a large heap that ended up mostly free.
 */

#include <context.h>
#include <memory.h>

enum MemoryGCResult __real_memory_ensure_free_with_roots(
    Context *ctx, size_t size, size_t num_roots, term *roots, enum MemoryAllocMode alloc_mode);
enum MemoryGCResult __wrap_memory_ensure_free_with_roots(
    Context *ctx, size_t size, size_t num_roots, term *roots, enum MemoryAllocMode alloc_mode);

enum MemoryGCResult __wrap_memory_ensure_free_with_roots(
    Context *ctx, size_t size, size_t num_roots, term *roots, enum MemoryAllocMode alloc_mode)
{
    if (alloc_mode == MEMORY_CAN_SHRINK) {
        alloc_mode = MEMORY_NO_SHRINK;
    }
    return __real_memory_ensure_free_with_roots(ctx, size, num_roots, roots, alloc_mode);
}
