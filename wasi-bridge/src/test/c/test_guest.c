/*
 * This file is part of elixir-workers.
 *
 * Copyright 2026 the elixir-workers authors
 *
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file test_guest.c
 * @brief A WASI command that speaks the guest-host contract (docs/protocol.md, v1) for the tests
 * of the hosts, and misbehaves on request.
 *
 * @details It reads the request frame from stdin and routes by the URL's path:
 *
 *   /echo          200: body = request body; x-echo-method, x-echo-url and one
 *                  x-echo-<name> per request header (repeats kept); two set-cookie
 *   /file          200: the bytes of /app/app.avm (path_open, fd_filestat_get,
 *                  fd_pread, fd_seek, fd_read)
 *   /dir           200: the names in /app, one per line (fd_readdir)
 *   /missing       200: "ENOENT" when /app/missing does not exist
 *   /args          200: argv joined by spaces
 *   /random        200: 16 random bytes in hex
 *   /time          200: seconds since the epoch
 *   /sleep         200 after sleeping 20 ms (poll_oneoff)
 *   /sleep-forever sleeps for an hour
 *   /stderr        logs two lines to stderr, then 200 "logged"
 *   /big           200: 4 MiB of a byte pattern
 *   /trap          __builtin_trap()
 *   /oob           reads outside linear memory
 *   /loop          loops forever
 *   /garbage       writes bytes that are not a frame
 *   /partial       a head with body_size 10 and 5 body bytes
 *   /bad-status    status 99
 *   /exit          writes to stderr, then exits with status 3
 *   anything else  404
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADERS 128

/* A raw JSON token; strings include their quotes and escapes. */
struct span
{
    const char *p;
    size_t n;
};

struct request
{
    struct span method;
    struct span url;
    struct span names[MAX_HEADERS];
    struct span values[MAX_HEADERS];
    size_t header_count;
    long body_size;
    const unsigned char *body;
    size_t body_len;
};

/* ---- output */

static void write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            exit(70);
        }
        p += w;
        n -= (size_t) w;
    }
}

struct buf
{
    char *p;
    size_t n;
    size_t cap;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) {
            cap *= 2;
        }
        b->p = realloc(b->p, cap);
        if (!b->p) {
            exit(71);
        }
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* headers_json: a JSON list of [name, value] pairs, e.g. [["content-type","text/plain"]] */
static void respond_raw(int status, const char *headers_json, size_t headers_len, const void *body,
    size_t body_len)
{
    char head[128];
    struct buf out = { 0 };
    snprintf(head, sizeof(head), "{\"v\":1,\"status\":%d,\"headers\":", status);
    buf_str(&out, head);
    buf_add(&out, headers_json, headers_len);
    snprintf(head, sizeof(head), ",\"body_size\":%zu}\n", body_len);
    buf_str(&out, head);
    write_all(1, out.p, out.n);
    write_all(1, body, body_len);
}

static void respond_text(int status, const char *text)
{
    static const char headers[] = "[[\"content-type\",\"text/plain; charset=utf-8\"]]";
    respond_raw(status, headers, sizeof(headers) - 1, text, strlen(text));
}

static void respond_bytes(int status, const void *body, size_t n)
{
    static const char headers[] = "[[\"content-type\",\"application/octet-stream\"]]";
    respond_raw(status, headers, sizeof(headers) - 1, body, n);
}

/* ---- a small JSON scanner, enough for the request head */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
        p++;
    }
    return p;
}

/* p at the opening quote; returns the position after the closing quote, or NULL */
static const char *scan_string(const char *p, const char *end)
{
    if (p >= end || *p != '"') {
        return NULL;
    }
    for (p++; p < end; p++) {
        if (*p == '\\') {
            p++;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

static const char *scan_value(const char *p, const char *end, int depth)
{
    p = skip_ws(p, end);
    if (p >= end || depth > 64) {
        return NULL;
    }
    if (*p == '"') {
        return scan_string(p, end);
    }
    if (*p == '[' || *p == '{') {
        char close = *p == '[' ? ']' : '}';
        p = skip_ws(p + 1, end);
        if (p < end && *p == close) {
            return p + 1;
        }
        for (;;) {
            if (close == '}') {
                p = scan_string(skip_ws(p, end), end);
                if (!p) {
                    return NULL;
                }
                p = skip_ws(p, end);
                if (p >= end || *p != ':') {
                    return NULL;
                }
                p++;
            }
            p = scan_value(p, end, depth + 1);
            if (!p) {
                return NULL;
            }
            p = skip_ws(p, end);
            if (p < end && *p == ',') {
                p++;
            } else if (p < end && *p == close) {
                return p + 1;
            } else {
                return NULL;
            }
        }
    }
    while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' ' && *p != '\n') {
        p++;
    }
    return p;
}

static int span_is(struct span s, const char *quoted)
{
    return s.n == strlen(quoted) && memcmp(s.p, quoted, s.n) == 0;
}

static int parse_headers(const char *p, const char *end, struct request *req)
{
    p = skip_ws(p, end);
    if (p >= end || *p != '[') {
        return -1;
    }
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']') {
        return 0;
    }
    for (;;) {
        p = skip_ws(p, end);
        if (p >= end || *p != '[' || req->header_count >= MAX_HEADERS) {
            return -1;
        }
        const char *name = skip_ws(p + 1, end);
        const char *after_name = scan_string(name, end);
        if (!after_name) {
            return -1;
        }
        p = skip_ws(after_name, end);
        if (p >= end || *p != ',') {
            return -1;
        }
        const char *value = skip_ws(p + 1, end);
        const char *after_value = scan_string(value, end);
        if (!after_value) {
            return -1;
        }
        p = skip_ws(after_value, end);
        if (p >= end || *p != ']') {
            return -1;
        }
        req->names[req->header_count] = (struct span) { name, (size_t) (after_name - name) };
        req->values[req->header_count] = (struct span) { value, (size_t) (after_value - value) };
        req->header_count++;
        p = skip_ws(p + 1, end);
        if (p < end && *p == ',') {
            p++;
        } else if (p < end && *p == ']') {
            return 0;
        } else {
            return -1;
        }
    }
}

static int parse_request(const unsigned char *frame, size_t n, struct request *req)
{
    const char *start = (const char *) frame;
    const char *nl = memchr(start, '\n', n);
    if (!nl) {
        return -1;
    }
    const char *p = skip_ws(start, nl);
    if (p >= nl || *p != '{') {
        return -1;
    }
    p++;
    req->body_size = -1;
    for (;;) {
        p = skip_ws(p, nl);
        const char *key = p;
        const char *after_key = scan_string(p, nl);
        if (!after_key) {
            return -1;
        }
        struct span k = { key, (size_t) (after_key - key) };
        p = skip_ws(after_key, nl);
        if (p >= nl || *p != ':') {
            return -1;
        }
        const char *value = skip_ws(p + 1, nl);
        const char *after_value = scan_value(value, nl, 0);
        if (!after_value) {
            return -1;
        }
        if (span_is(k, "\"method\"")) {
            req->method = (struct span) { value, (size_t) (after_value - value) };
        } else if (span_is(k, "\"url\"")) {
            req->url = (struct span) { value, (size_t) (after_value - value) };
        } else if (span_is(k, "\"headers\"")) {
            if (parse_headers(value, after_value, req) != 0) {
                return -1;
            }
        } else if (span_is(k, "\"body_size\"")) {
            req->body_size = strtol(value, NULL, 10);
        }
        p = skip_ws(after_value, nl);
        if (p < nl && *p == ',') {
            p++;
        } else if (p < nl && *p == '}') {
            break;
        } else {
            return -1;
        }
    }
    req->body = (const unsigned char *) nl + 1;
    req->body_len = n - (size_t) (nl + 1 - start);
    if (req->body_size < 0 || (size_t) req->body_size != req->body_len || !req->method.p
        || !req->url.p) {
        return -1;
    }
    return 0;
}

/* The path of the URL (a raw JSON string), without query; written to out. */
static void url_path(struct span url, char *out, size_t cap)
{
    const char *p = url.p + 1;
    const char *end = url.p + url.n - 1;
    const char *scheme = NULL;
    for (const char *q = p; q + 2 < end; q++) {
        if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
            scheme = q;
            break;
        }
    }
    if (scheme) {
        p = scheme + 3;
        while (p < end && *p != '/') {
            p++;
        }
    }
    size_t n = 0;
    while (p < end && *p != '?' && *p != '#' && n + 1 < cap) {
        out[n++] = *p++;
    }
    out[n] = '\0';
    if (n == 0 && cap > 1) {
        out[0] = '/';
        out[1] = '\0';
    }
}

static unsigned char *read_stdin(size_t *len)
{
    size_t cap = 4096;
    size_t n = 0;
    unsigned char *data = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            data = realloc(data, cap);
        }
        if (!data) {
            exit(72);
        }
        ssize_t r = read(0, data + n, cap - n);
        if (r < 0) {
            exit(73);
        }
        if (r == 0) {
            break;
        }
        n += (size_t) r;
    }
    *len = n;
    return data;
}

/* ---- routes */

static void route_echo(const struct request *req)
{
    struct buf h = { 0 };
    buf_str(&h, "[[\"content-type\",\"application/octet-stream\"],[\"x-echo-method\",");
    buf_add(&h, req->method.p, req->method.n);
    buf_str(&h, "],[\"x-echo-url\",");
    buf_add(&h, req->url.p, req->url.n);
    buf_str(&h, "],[\"set-cookie\",\"a=1\"],[\"set-cookie\",\"b=2\"]");
    for (size_t i = 0; i < req->header_count; i++) {
        buf_str(&h, ",[\"x-echo-");
        buf_add(&h, req->names[i].p + 1, req->names[i].n - 1);
        buf_str(&h, ",");
        buf_add(&h, req->values[i].p, req->values[i].n);
        buf_str(&h, "]");
    }
    buf_str(&h, "]");
    respond_raw(200, h.p, h.n, req->body, req->body_len);
}

static void route_file(void)
{
    int fd = open("/app/app.avm", O_RDONLY);
    if (fd < 0) {
        respond_text(500, "open /app/app.avm failed\n");
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        respond_text(500, "fstat failed\n");
        return;
    }
    off_t end = lseek(fd, 0, SEEK_END);
    if (end != st.st_size || lseek(fd, 0, SEEK_SET) != 0) {
        respond_text(500, "lseek disagrees with fstat\n");
        return;
    }
    size_t size = (size_t) st.st_size;
    unsigned char *data = malloc(size + 1);
    size_t n = 0;
    while (n < size) {
        ssize_t r = read(fd, data + n, size - n);
        if (r <= 0) {
            break;
        }
        n += (size_t) r;
    }
    unsigned char first[4] = { 0 };
    ssize_t pr = pread(fd, first, sizeof(first), 0);
    size_t want = size < sizeof(first) ? size : sizeof(first);
    if (n != size || pr != (ssize_t) want || memcmp(first, data, want) != 0) {
        respond_text(500, "read and pread disagree\n");
        return;
    }
    close(fd);
    respond_bytes(200, data, size);
}

static void route_dir(void)
{
    DIR *dir = opendir("/app");
    if (!dir) {
        respond_text(500, "opendir /app failed\n");
        return;
    }
    struct buf out = { 0 };
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        buf_str(&out, entry->d_name);
        buf_str(&out, "\n");
    }
    closedir(dir);
    buf_add(&out, "", 1);
    respond_text(200, out.p);
}

static void route_missing(void)
{
    struct stat st;
    if (stat("/app/missing", &st) == 0) {
        respond_text(500, "exists\n");
    } else {
        respond_text(200, errno == ENOENT ? "ENOENT" : strerror(errno));
    }
}

static void route_args(int argc, char **argv)
{
    struct buf out = { 0 };
    for (int i = 0; i < argc; i++) {
        if (i > 0) {
            buf_str(&out, " ");
        }
        buf_str(&out, argv[i]);
    }
    buf_add(&out, "", 1);
    respond_text(200, out.p);
}

static void route_random(void)
{
    unsigned char bytes[16];
    char hex[33];
    if (getentropy(bytes, sizeof(bytes)) != 0) {
        respond_text(500, "getentropy failed\n");
        return;
    }
    for (size_t i = 0; i < sizeof(bytes); i++) {
        snprintf(hex + 2 * i, 3, "%02x", bytes[i]);
    }
    respond_text(200, hex);
}

static void route_time(void)
{
    char text[32];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(text, sizeof(text), "%lld", (long long) ts.tv_sec);
    respond_text(200, text);
}

static void route_sleep(void)
{
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    respond_text(200, "slept\n");
}

static void route_big(void)
{
    size_t n = 4 * 1024 * 1024;
    unsigned char *data = malloc(n);
    for (size_t i = 0; i < n; i++) {
        data[i] = (unsigned char) (i * 31 + 7);
    }
    respond_bytes(200, data, n);
}

int main(int argc, char **argv)
{
    size_t len;
    unsigned char *frame = read_stdin(&len);
    struct request req = { 0 };
    if (parse_request(frame, len, &req) != 0) {
        fprintf(stderr, "test guest: could not parse the request frame\n");
        return 2;
    }
    char path[256];
    url_path(req.url, path, sizeof(path));

    if (strcmp(path, "/echo") == 0) {
        route_echo(&req);
    } else if (strcmp(path, "/file") == 0) {
        route_file();
    } else if (strcmp(path, "/dir") == 0) {
        route_dir();
    } else if (strcmp(path, "/missing") == 0) {
        route_missing();
    } else if (strcmp(path, "/args") == 0) {
        route_args(argc, argv);
    } else if (strcmp(path, "/random") == 0) {
        route_random();
    } else if (strcmp(path, "/time") == 0) {
        route_time();
    } else if (strcmp(path, "/sleep") == 0) {
        route_sleep();
    } else if (strcmp(path, "/sleep-forever") == 0) {
        sleep(3600);
        respond_text(200, "woke up\n");
    } else if (strcmp(path, "/stderr") == 0) {
        fprintf(stderr, "hello from the guest\n");
        fprintf(stderr, "second line without newline");
        respond_text(200, "logged\n");
    } else if (strcmp(path, "/big") == 0) {
        route_big();
    } else if (strcmp(path, "/trap") == 0) {
        __builtin_trap();
    } else if (strcmp(path, "/oob") == 0) {
        volatile int *far = (volatile int *) (uintptr_t) 0xfffffff0u;
        return *far;
    } else if (strcmp(path, "/loop") == 0) {
        volatile unsigned long spins = 0;
        for (;;) {
            spins++;
        }
    } else if (strcmp(path, "/garbage") == 0) {
        static const char garbage[] = "this is not a frame\n";
        write_all(1, garbage, sizeof(garbage) - 1);
    } else if (strcmp(path, "/partial") == 0) {
        static const char partial[] = "{\"v\":1,\"status\":200,\"headers\":[],\"body_size\":10}\n12345";
        write_all(1, partial, sizeof(partial) - 1);
    } else if (strcmp(path, "/bad-status") == 0) {
        respond_text(99, "too low\n");
    } else if (strcmp(path, "/exit") == 0) {
        fprintf(stderr, "about to exit with status 3\n");
        exit(3);
    } else {
        char text[300];
        snprintf(text, sizeof(text), "not found: %s\n", path);
        respond_text(404, text);
    }
    return 0;
}
