/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Heaps that only grow, for a VM that serves one request, and what happens
 * when memory runs out.
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
 * fragments often cost less than many at once; hello 0.32 -> 0.37 ms.) A heap
 * larger than the request's minimum waits proportionally more checks: a
 * collection copies the whole heap, and a loop over a growing list would
 * otherwise copy all of it every FRAGMENT_CHECKS iterations.
 *
 * After every call that returns through `deallocate` and every NIF call,
 * AtomVM collects at once if the heap has fragments (a FORCE_SHRINK check of
 * nothing, with x[0] as the only root). A loop that calls a NIF with a
 * literal argument (`[:binary.copy("x", 1024) | acc]`) was then collected,
 * all of its live data copied, on every iteration, and shrunk to fit: the
 * time grew with the square of the data, and a list that would have filled
 * the memory in a second took minutes (the host's time limit answered). Those
 * checks follow the fragment rule above too.
 *
 * The link routes the checks here (-Wl,--wrap, CMakeLists.txt): when there is
 * room for what is asked, nothing happens; otherwise AtomVM collects and
 * grows the heap, never to shrink it. Explicit requests (FORCE_SHRINK with no
 * roots: erlang:garbage_collect/0, hibernation, a GC signal) are passed on
 * unchanged, and after a collection AtomVM still trims a large heap that
 * ended up mostly free.
 *
 * Out of memory: the request's process has a heap limit
 * (heap_policy_limit_request_heap(), from REQUEST_MEMORY_BYTES), so that a
 * request that keeps growing stops while a collection still fits, not after
 * thrashing the last megabytes. When a collection is refused (the limit) or
 * fails (malloc), a binary cannot be allocated, or the memory has grown past
 * REQUEST_MEMORY_BYTES (binaries live outside the heap), the VM does not go on: the
 * callers of AtomVM's allocators do not all check (binary:copy/2 writes
 * through the invalid term), and a handler catching `out_of_memory` would
 * have no memory to answer with. It says so on stderr, asks the host for
 * memory past REQUEST_MEMORY_BYTES, as a request that kept growing would
 * have (a host that caps memory there refuses it, one that checks the size
 * afterwards sees it: both answer "the worker ran out of memory"), and exits
 * with status 1.
 */

#include <context.h>
#include <memory.h>
#include <term.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "heap_policy.h"

#define WASM_PAGE_BYTES 65536u

enum MemoryGCResult __real_memory_ensure_free_with_roots(
    Context *ctx, size_t size, size_t num_roots, term *roots, enum MemoryAllocMode alloc_mode);
enum MemoryGCResult __wrap_memory_ensure_free_with_roots(
    Context *ctx, size_t size, size_t num_roots, term *roots, enum MemoryAllocMode alloc_mode);
term __real_term_alloc_refc_binary(size_t size, bool is_const, Heap *heap, GlobalContext *glb);
term __wrap_term_alloc_refc_binary(size_t size, bool is_const, Heap *heap, GlobalContext *glb);

#define FRAGMENT_CHECKS 64
// A heap of this many words (the request's minimum, main.c) waits FRAGMENT_CHECKS checks; a larger
// one proportionally longer, so that collecting it, which copies all of it, costs the same per check.
#define FRAGMENT_CHECKS_HEAP_WORDS 16384

/**
 * Whether `ctx` has had fragments for FRAGMENT_CHECKS checks in a row, more for a large heap
 * (then starts counting again).
 */
static bool too_many_fragment_checks(Context *ctx)
{
    static Context *counted;
    static size_t checks;
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
    size_t heap_words = memory_heap_youngest_size(&ctx->heap);
    size_t scale = heap_words > FRAGMENT_CHECKS_HEAP_WORDS ? heap_words / FRAGMENT_CHECKS_HEAP_WORDS : 1;
    if (++checks < FRAGMENT_CHECKS * scale) {
        return false;
    }
    checks = 0;
    return true;
}

/** Ends the instance as out of memory (see the top of this file). */
static _Noreturn void out_of_memory(const char *what, size_t bytes)
{
    fprintf(stderr, "atomvm-wasi: out of memory: %s (%zu bytes)\n", what, bytes);
    size_t pages = __builtin_wasm_memory_size(0);
    size_t past_limit = REQUEST_MEMORY_BYTES / WASM_PAGE_BYTES + 1;
    if (pages < past_limit) {
        __builtin_wasm_memory_grow(0, past_limit - pages);
    }
    exit(EXIT_FAILURE);
}

void heap_policy_limit_request_heap(Context *ctx)
{
    size_t in_use = __builtin_wasm_memory_size(0) * WASM_PAGE_BYTES;
    size_t left = in_use < REQUEST_MEMORY_BYTES ? REQUEST_MEMORY_BYTES - in_use : 0;
    ctx->has_max_heap_size = 1;
    ctx->max_heap_size = left / 2 / sizeof(term);
}

/**
 * Ends the instance as out of memory once linear memory has grown past REQUEST_MEMORY_BYTES: a
 * host that does not cap it (the JavaScript host looks at its size after the run) would let a
 * list of binaries, which live outside the heap and its limit, take gigabytes first.
 */
static void check_memory_size(void)
{
    size_t pages = __builtin_wasm_memory_size(0);
    if (UNLIKELY(pages > REQUEST_MEMORY_BYTES / WASM_PAGE_BYTES)) {
        out_of_memory("the memory grew past its limit", pages * WASM_PAGE_BYTES);
    }
}

// The checks AtomVM makes once a call has returned, when the heap has fragments.
static bool after_a_call(Context *ctx, size_t size, size_t num_roots, enum MemoryAllocMode alloc_mode)
{
    return alloc_mode == MEMORY_FORCE_SHRINK && size == 0 && num_roots == 1 && ctx->heap.root->next != NULL;
}

enum MemoryGCResult __wrap_memory_ensure_free_with_roots(
    Context *ctx, size_t size, size_t num_roots, term *roots, enum MemoryAllocMode alloc_mode)
{
    if (alloc_mode == MEMORY_CAN_SHRINK || alloc_mode == MEMORY_NO_SHRINK || after_a_call(ctx, size, num_roots, alloc_mode)) {
        if (context_avail_free_memory(ctx) >= size && !too_many_fragment_checks(ctx)) {
            return MEMORY_GC_OK;
        }
        alloc_mode = MEMORY_NO_SHRINK;
    }
    enum MemoryGCResult result = __real_memory_ensure_free_with_roots(ctx, size, num_roots, roots, alloc_mode);
    if (UNLIKELY(result == MEMORY_GC_DENIED_ALLOCATION)) {
        out_of_memory("the request's heap would outgrow its limit", ctx->max_heap_size * sizeof(term));
    }
    if (UNLIKELY(result == MEMORY_GC_ERROR_FAILED_ALLOCATION)) {
        out_of_memory("a heap could not be allocated", memory_heap_memory_size(&ctx->heap) * sizeof(term));
    }
    check_memory_size();
    return result;
}

term __wrap_term_alloc_refc_binary(size_t size, bool is_const, Heap *heap, GlobalContext *glb)
{
    term binary = __real_term_alloc_refc_binary(size, is_const, heap, glb);
    if (UNLIKELY(term_is_invalid_term(binary))) {
        out_of_memory("a binary could not be allocated", size);
    }
    check_memory_size();
    return binary;
}
