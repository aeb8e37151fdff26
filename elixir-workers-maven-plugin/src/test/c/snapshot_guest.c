/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/*
 * A small guest for the snapshot tests (SnapshotterTest), shaped like atomvm.wasm: a WASI command
 * run as `guest /app/app.avm [mode]` that speaks the contract's frames, plus an initialisation
 * export `guest_preinit`.
 *
 * Initialisation reads /app/app.avm into memory (through wasi-libc's preopens, which a
 * constructor registers), builds a table from it, counts the constructor runs and leaves most of
 * a large buffer zero (so the snapshot must skip zero runs). Every request then answers one line
 * of JSON: whether it was pre-initialised, a checksum of the state, how often the constructors
 * ran, the request size, 8 fresh random bytes, how many runs this memory has seen and how many
 * bytes of a fresh allocation were not zero (1 and 0 unless a host lends memory it did not zero),
 * and what `loader` answers. The plain module does the same initialisation inside `_start`, so
 * both answer the same apart from the random bytes and `loader`.
 *
 * `loader` stands for AtomVM's module loader: exported under the snapshot tool's
 * zero-in-the-snapshot prefix, it returns 0 there, and `parse_table`, which only it calls, is
 * emptied.
 *
 * Modes (third argument), for failures: "trap" traps in the initialisation, "exit" exits with
 * status 3, "stdout" writes to stdout. Like atomvm.wasm it exports __wasm_call_ctors (see the
 * tests' link flags) and runs the constructors itself when they have not run (ensure_constructors
 * in atomvm-wasi's main.c): wasi-libc's _start runs them itself from 2024 on and not before, and
 * with such a libc the snapshot's no-op constructor is what keeps the count at one.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <wasi/api.h>

extern void __wasm_call_ctors(void);

#define BIG (256 * 1024)
#define HEADROOM (512 * 1024)
#define SCRATCH (64 * 1024)

// volatile: the optimiser would otherwise evaluate the constructor at compile time.
static volatile int constructor_runs;
static bool initialised;
static uint8_t *app;
static size_t app_size;
static uint32_t table[256];
static uint8_t *big;
static int runs_in_this_memory;

__attribute__((constructor)) static void count_constructor(void)
{
    constructor_runs++;
}

static const char *mode(void)
{
    static char buf[256];
    __wasi_size_t argc, size;
    if (__wasi_args_sizes_get(&argc, &size) != 0 || argc < 3 || size > sizeof(buf)) {
        return "";
    }
    char *argv[16];
    if (argc > 16 || __wasi_args_get((uint8_t **) argv, (uint8_t *) buf) != 0) {
        return "";
    }
    return argv[2];
}

static void initialise(void)
{
    const char *m = mode();
    if (strcmp(m, "trap") == 0) {
        __builtin_trap();
    }
    if (strcmp(m, "exit") == 0) {
        fprintf(stderr, "guest: asked to exit\n");
        exit(3);
    }
    if (strcmp(m, "stdout") == 0) {
        fputs("noise", stdout);
        fflush(stdout);
    }
    FILE *f = fopen("/app/app.avm", "rb");
    if (f == NULL) {
        fprintf(stderr, "guest: cannot open /app/app.avm\n");
        exit(2);
    }
    app = malloc(1 << 20);
    app_size = fread(app, 1, 1 << 20, f);
    fclose(f);
    for (size_t i = 0; i < app_size; i++) {
        table[app[i]] = table[app[i]] * 31 + (uint32_t) i;
    }
    big = calloc(BIG, 1);
    for (int i = 0; i < BIG; i += 4096) {
        big[i] = (uint8_t) (i / 4096 + 1);
    }
    // room for the requests' allocations, as atomvm.wasm leaves (volatile: kept by the optimiser)
    void *volatile headroom = malloc(HEADROOM);
    free(headroom);
    initialised = true;
}

// The tests also build it under atomvm.wasm's export name (-DGUEST_INIT_EXPORT=...).
#ifndef GUEST_INIT_EXPORT
#define GUEST_INIT_EXPORT "guest_preinit"
#endif

__attribute__((export_name(GUEST_INIT_EXPORT))) void guest_preinit(void)
{
    __wasm_call_ctors();
    initialise();
}

__attribute__((noinline)) static uint32_t parse_table(uint32_t seed)
{
    uint32_t sum = seed;
    for (int i = 0; i < 256; i++) {
        sum = sum * 2654435761u + table[i];
    }
    return sum | 1;
}

// noinline: main() must call the export, not a copy of it.
__attribute__((noinline, export_name("elixir-workers.snapshot.zero.loader"))) uint32_t loader(uint32_t seed)
{
    return parse_table(seed);
}

static uint32_t checksum(void)
{
    uint32_t sum = (uint32_t) app_size;
    for (int i = 0; i < 256; i++) {
        sum = sum * 33 + table[i];
    }
    for (int i = 0; i < BIG; i++) {
        sum = sum * 7 + big[i];
    }
    return sum;
}

int main(void)
{
    bool pre = initialised;
    if (constructor_runs == 0) {
        __wasm_call_ctors();
    }
    if (!pre) {
        initialise();
    }
    size_t request = 0;
    char buf[4096];
    ssize_t n;
    while ((n = read(0, buf, sizeof(buf))) > 0) {
        request += (size_t) n;
    }
    // What earlier runs left: a host lending one memory to several runs must zero it in between.
    runs_in_this_memory++;
    volatile uint8_t *scratch = malloc(SCRATCH);
    if (scratch == NULL) {
        return 1;
    }
    size_t dirty = 0;
    for (size_t i = 0; i < SCRATCH; i++) {
        dirty += scratch[i] != 0;
        scratch[i] = 0xa5;
    }
    uint8_t random[8];
    if (getentropy(random, sizeof(random)) != 0) {
        return 1;
    }
    char body[256];
    int len = snprintf(body, sizeof(body),
        "{\"preinitialised\":%s,\"checksum\":%u,\"constructors\":%d,\"request\":%zu,"
        "\"random\":\"%02x%02x%02x%02x%02x%02x%02x%02x\",\"runs\":%d,\"dirty\":%zu,\"loader\":%u}",
        pre ? "true" : "false", checksum(), constructor_runs, request, random[0], random[1],
        random[2], random[3], random[4], random[5], random[6], random[7], runs_in_this_memory, dirty,
        loader(7));
    char head[128];
    int head_len = snprintf(head, sizeof(head),
        "{\"v\":1,\"status\":200,\"headers\":[[\"content-type\",\"application/json\"]],\"body_size\":%d}\n", len);
    if (write(1, head, (size_t) head_len) != head_len || write(1, body, (size_t) len) != len) {
        return 1;
    }
    return 0;
}
