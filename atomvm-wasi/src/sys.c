/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file sys.c
 * @brief The sys_* layer of AtomVM for WASI preview1.
 *
 * @details One instance runs one request and exits. There are no threads, no
 * sockets, no ports and no event sources: the only input is stdin and the only
 * clock-driven wake-up is a timer, so polling means sleeping until the next
 * timer.
 */

#include <sys.h>

#include <avmpack.h>
#include <defaultatoms.h>
#include <globalcontext.h>
#include <iff.h>
#include <module.h>
#include <utils.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasi_sys.h"

/*
 * wasi-libc neither declares (see wasi_compat.h) nor defines tzset(): WASI has no time zones,
 * local time is UTC. Weak, so a libc that does define it wins.
 */
__attribute__((weak)) void tzset(void)
{
}

void sys_init_platform(GlobalContext *global)
{
    global->platform_data = NULL;
}

void sys_free_platform(GlobalContext *global)
{
    UNUSED(global);
}

void sys_poll_events(GlobalContext *glb, int timeout_ms)
{
    UNUSED(glb);

    if (timeout_ms == SYS_POLL_EVENTS_DO_NOT_WAIT) {
        return;
    }
    if (timeout_ms < 0) {
        // Every process waits for a message and no timer is pending. Nothing
        // outside the VM can send one on this platform, so the wait would
        // never end: stop here instead of hanging until the host's time limit.
        fprintf(stderr, "atomvm-wasi: every process is waiting for a message and nothing can send one\n");
        exit(EXIT_FAILURE);
    }

    struct timespec ts;
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (long) (timeout_ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void sys_listener_destroy(struct ListHead *item)
{
    UNUSED(item);
}

void sys_register_select_event(GlobalContext *global, ErlNifEvent event, bool is_write)
{
    UNUSED(global);
    UNUSED(event);
    UNUSED(is_write);
}

void sys_unregister_select_event(GlobalContext *global, ErlNifEvent event, bool is_write)
{
    UNUSED(global);
    UNUSED(event);
    UNUSED(is_write);
}

void sys_time(struct timespec *t)
{
    if (UNLIKELY(clock_gettime(CLOCK_REALTIME, t))) {
        fprintf(stderr, "atomvm-wasi: clock_gettime(CLOCK_REALTIME) failed\n");
        AVM_ABORT();
    }
}

void sys_monotonic_time(struct timespec *t)
{
    if (UNLIKELY(clock_gettime(CLOCK_MONOTONIC, t))) {
        fprintf(stderr, "atomvm-wasi: clock_gettime(CLOCK_MONOTONIC) failed\n");
        AVM_ABORT();
    }
}

uint64_t sys_monotonic_time_u64(void)
{
    struct timespec ts;
    sys_monotonic_time(&ts);
    return ((uint64_t) ts.tv_sec * 1000000000ULL) + (uint64_t) ts.tv_nsec;
}

uint64_t sys_monotonic_time_ms_to_u64(uint64_t ms)
{
    return ms * 1000000ULL;
}

uint64_t sys_monotonic_time_u64_to_ms(uint64_t t)
{
    return t / 1000000ULL;
}

void *wasi_sys_read_file(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        return NULL;
    }
    struct stat st;
    if (UNLIKELY(fstat(fd, &st) != 0 || st.st_size < 0)) {
        close(fd);
        return NULL;
    }
    size_t len = (size_t) st.st_size;
    // malloc aligns to 16 bytes: AVM packs and BEAM chunks are read as 32-bit words.
    uint8_t *data = malloc(len > 0 ? len : 1);
    if (IS_NULL_PTR(data)) {
        close(fd);
        return NULL;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            free(data);
            close(fd);
            return NULL;
        }
        done += (size_t) n;
    }
    close(fd);
    *size = len;
    return data;
}

enum OpenAVMResult sys_open_avm_from_file(
    GlobalContext *global, const char *path, struct AVMPackData **data)
{
    UNUSED(global);

    size_t size;
    void *file_data = wasi_sys_read_file(path, &size);
    if (IS_NULL_PTR(file_data)) {
        return errno == ENOMEM ? AVM_OPEN_FAILED_ALLOC : AVM_OPEN_CANNOT_OPEN;
    }
    if (UNLIKELY(size > UINT32_MAX || !avmpack_is_valid(file_data, (uint32_t) size))) {
        free(file_data);
        return AVM_OPEN_INVALID;
    }

    struct InMemoryAVMPack *pack = malloc(sizeof(struct InMemoryAVMPack));
    if (IS_NULL_PTR(pack)) {
        free(file_data);
        return AVM_OPEN_FAILED_ALLOC;
    }
    // in_memory_avm_pack_info frees the data together with the pack.
    avmpack_data_init(&pack->base, &in_memory_avm_pack_info);
    pack->base.data = file_data;

    *data = &pack->base;
    return AVM_OPEN_OK;
}

Module *sys_load_module_from_file(GlobalContext *global, const char *path)
{
    size_t size;
    void *beam = wasi_sys_read_file(path, &size);
    if (IS_NULL_PTR(beam)) {
        return NULL;
    }
    if (UNLIKELY(!iff_is_valid_beam(beam))) {
        fprintf(stderr, "%s is not a valid BEAM file.\n", path);
        free(beam);
        return NULL;
    }
    Module *new_module = module_new_from_iff_binary(global, beam, size);
    if (IS_NULL_PTR(new_module)) {
        free(beam);
        return NULL;
    }
    // The module refers to the file's bytes for as long as the VM runs; the
    // instance ends with the request, so they are never freed.
    new_module->module_platform_data = NULL;
    return new_module;
}

Context *sys_create_port(GlobalContext *glb, const char *driver_name, term opts)
{
    UNUSED(glb);
    UNUSED(driver_name);
    UNUSED(opts);
    return NULL;
}

term sys_get_info(Context *ctx, term key)
{
    UNUSED(ctx);
    UNUSED(key);
    return UNDEFINED_ATOM;
}
