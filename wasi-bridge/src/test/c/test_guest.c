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
 *
 * Rounds, needs and effects (docs/protocol.md, "Needs" and "Effects"):
 *
 *   /script        the request body is a script, a JSON object:
 *                    {"rounds": [[need, ...], ...], "states": [state, ...],
 *                     "effects": [effect, ...], "status": 200, "sleep_ms": 0}
 *                  on round r < length(rounds) it answers with the needs rounds[r]
 *                  and the state states[r] (default {"pass": r}); after the last
 *                  one it answers `status` with `effects` and the JSON body
 *                  {"round": r, "state": <state it got>, "results": <results it got>};
 *                  every pass first sleeps sleep_ms
 *   /env           200: {"env": …, "bindings": …, "cf": …} as the host sent them
 *   /chain?binding=B&key=K
 *                  follows a chain of KV keys, one round per key (each value names
 *                  the next key; the state carries the path): 200 "K -> k1 -> k2"
 *   /kv/list-all?binding=B&prefix=P&limit=N
 *                  pages through kv.list with its cursor, one round per page: 200
 *                  "<pages> pages: k1,k2,..."
 *   /kv/put-body?binding=B&key=K
 *                  200 "stored" with one effect: kv.put of the request body (UTF-8 text)
 *   /kv/raw?binding=B&key=K
 *                  kv.get with "as":"base64", then 200 with the decoded bytes as the
 *                  body, 404 when the key is absent, 500 with the result on error
 *
 * WASI errors (the read-only /app of docs/protocol.md; wasi-testsuite's dir_fd_op_failures):
 *
 *   /wasi/read-only
 *                  200: one line per call, "<call> <descriptor> <errno>", of calls that write,
 *                  resize or treat as a socket the preopened /app (fd 3), /app/app.avm opened
 *                  for reading, stdin or stdout, and a closed descriptor; and path_open of both
 *                  with write rights
 *   /wasi/aliased-write
 *                  one fd_write to stderr of 1024 iovecs that all point at the same 4 MiB of
 *                  dots (no newline), then 200 "<errno> <nwritten>"
 *
 * Memory:
 *
 *   /grow?mb=N     allocates and touches N MiB, one MiB at a time; abort() (a
 *                  trap) when malloc fails; 200 "grew N MiB"
 *   /grow?mb=N&once=1
 *                  the same with a single allocation of N MiB
 *
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
#include <wasi/api.h>

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
    long round;
    struct span state;
    struct span results;
    struct span env;
    struct span bindings;
    struct span cf;
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
        } else if (span_is(k, "\"round\"")) {
            req->round = strtol(value, NULL, 10);
        } else if (span_is(k, "\"state\"")) {
            req->state = (struct span) { value, (size_t) (after_value - value) };
        } else if (span_is(k, "\"results\"")) {
            req->results = (struct span) { value, (size_t) (after_value - value) };
        } else if (span_is(k, "\"env\"")) {
            req->env = (struct span) { value, (size_t) (after_value - value) };
        } else if (span_is(k, "\"bindings\"")) {
            req->bindings = (struct span) { value, (size_t) (after_value - value) };
        } else if (span_is(k, "\"cf\"")) {
            req->cf = (struct span) { value, (size_t) (after_value - value) };
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

/* ---- JSON helpers for the rounds routes */

static const struct span NONE = { NULL, 0 };

static int span_is_null(struct span s)
{
    return !s.p || span_is(s, "null");
}

/* The raw value of `key` in the JSON object `obj`, or NONE. */
static struct span json_get(struct span obj, const char *key)
{
    if (!obj.p) {
        return NONE;
    }
    const char *end = obj.p + obj.n;
    const char *p = skip_ws(obj.p, end);
    if (p >= end || *p != '{') {
        return NONE;
    }
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') {
        return NONE;
    }
    size_t key_len = strlen(key);
    for (;;) {
        p = skip_ws(p, end);
        const char *k = p;
        const char *after_key = scan_string(p, end);
        if (!after_key) {
            return NONE;
        }
        p = skip_ws(after_key, end);
        if (p >= end || *p != ':') {
            return NONE;
        }
        const char *v = skip_ws(p + 1, end);
        const char *after_v = scan_value(v, end, 0);
        if (!after_v) {
            return NONE;
        }
        if ((size_t) (after_key - k) == key_len + 2 && memcmp(k + 1, key, key_len) == 0) {
            return (struct span) { v, (size_t) (after_v - v) };
        }
        p = skip_ws(after_v, end);
        if (p < end && *p == ',') {
            p++;
        } else {
            return NONE;
        }
    }
}

/* The item at `index` of the JSON array `arr` (NONE when there is none); *count gets the length
 * (-1 when `arr` is not an array). */
static struct span json_item(struct span arr, long index, long *count)
{
    struct span found = NONE;
    *count = -1;
    if (!arr.p) {
        return NONE;
    }
    const char *end = arr.p + arr.n;
    const char *p = skip_ws(arr.p, end);
    if (p >= end || *p != '[') {
        return NONE;
    }
    p = skip_ws(p + 1, end);
    if (p < end && *p == ']') {
        *count = 0;
        return NONE;
    }
    long n = 0;
    for (;;) {
        p = skip_ws(p, end);
        const char *after = scan_value(p, end, 0);
        if (!after) {
            return NONE;
        }
        if (n == index) {
            found = (struct span) { p, (size_t) (after - p) };
        }
        n++;
        p = skip_ws(after, end);
        if (p < end && *p == ',') {
            p++;
        } else if (p < end && *p == ']') {
            *count = n;
            return found;
        } else {
            return NONE;
        }
    }
}

static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char) cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char) (0xc0 | (cp >> 6));
        out[1] = (char) (0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char) (0xe0 | (cp >> 12));
        out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char) (0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char) (0xf0 | (cp >> 18));
    out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char) (0x80 | (cp & 0x3f));
    return 4;
}

static long hex4(const char *p)
{
    char digits[5] = { p[0], p[1], p[2], p[3], 0 };
    char *stop;
    long v = strtol(digits, &stop, 16);
    return *stop ? -1 : v;
}

/* Decodes the JSON string `s` into out (NUL-terminated); its length, or -1. */
static long json_string(struct span s, char *out, size_t cap)
{
    if (!s.p || s.n < 2 || s.p[0] != '"' || cap == 0) {
        return -1;
    }
    const char *p = s.p + 1;
    const char *end = s.p + s.n - 1;
    size_t n = 0;
    while (p < end) {
        char utf8[4];
        size_t len = 1;
        utf8[0] = *p++;
        if (utf8[0] == '\\' && p < end) {
            char e = *p++;
            switch (e) {
                case 'n':
                    utf8[0] = '\n';
                    break;
                case 't':
                    utf8[0] = '\t';
                    break;
                case 'r':
                    utf8[0] = '\r';
                    break;
                case 'b':
                    utf8[0] = '\b';
                    break;
                case 'f':
                    utf8[0] = '\f';
                    break;
                case 'u': {
                    if (end - p < 4 || hex4(p) < 0) {
                        return -1;
                    }
                    unsigned long cp = (unsigned long) hex4(p);
                    p += 4;
                    if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u'
                        && hex4(p + 2) >= 0xdc00 && hex4(p + 2) < 0xe000) {
                        cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned long) hex4(p + 2) - 0xdc00);
                        p += 6;
                    }
                    len = put_utf8(utf8, cp);
                    break;
                }
                default:
                    utf8[0] = e;
            }
        }
        if (n + len >= cap) {
            return -1;
        }
        memcpy(out + n, utf8, len);
        n += len;
    }
    out[n] = '\0';
    return (long) n;
}

/* Appends s (n bytes of UTF-8) as a JSON string. */
static void buf_json_string(struct buf *b, const char *s, size_t n)
{
    buf_str(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = { '\\', (char) c };
            buf_add(b, esc, 2);
        } else if (c < 0x20) {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            buf_str(b, esc);
        } else {
            buf_add(b, &s[i], 1);
        }
    }
    buf_str(b, "\"");
}

static void buf_raw_or(struct buf *b, struct span s, const char *otherwise)
{
    if (s.p) {
        buf_add(b, s.p, s.n);
    } else {
        buf_str(b, otherwise);
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* The percent-decoded value of query parameter `name` of the URL (a raw JSON string). */
static int query_param(struct span url_json, const char *name, char *out, size_t cap)
{
    char url[2048];
    if (json_string(url_json, url, sizeof(url)) < 0) {
        return 0;
    }
    char *hash = strchr(url, '#');
    if (hash) {
        *hash = '\0';
    }
    char *q = strchr(url, '?');
    if (!q) {
        return 0;
    }
    size_t name_len = strlen(name);
    for (char *p = q + 1; *p;) {
        char *amp = strchr(p, '&');
        char *stop = amp ? amp : p + strlen(p);
        if (strncmp(p, name, name_len) == 0 && (p + name_len == stop || p[name_len] == '=')) {
            const char *v = p + name_len == stop ? stop : p + name_len + 1;
            size_t n = 0;
            while (v < stop && n + 1 < cap) {
                if (*v == '%' && stop - v >= 3 && hex_digit(v[1]) >= 0 && hex_digit(v[2]) >= 0) {
                    out[n++] = (char) (hex_digit(v[1]) * 16 + hex_digit(v[2]));
                    v += 3;
                } else {
                    out[n++] = *v == '+' ? ' ' : *v;
                    v++;
                }
            }
            out[n] = '\0';
            return 1;
        }
        if (!amp) {
            break;
        }
        p = amp + 1;
    }
    return 0;
}

static void respond_json(int status, const struct buf *body, struct span effects)
{
    char text[64];
    struct buf out = { 0 };
    snprintf(text, sizeof(text), "{\"v\":1,\"status\":%d", status);
    buf_str(&out, text);
    buf_str(&out, ",\"headers\":[[\"content-type\",\"application/json\"]]");
    if (effects.p) {
        buf_str(&out, ",\"effects\":");
        buf_add(&out, effects.p, effects.n);
    }
    snprintf(text, sizeof(text), ",\"body_size\":%zu}\n", body->n);
    buf_str(&out, text);
    write_all(1, out.p, out.n);
    write_all(1, body->p, body->n);
}

static void respond_needs(struct span needs, struct span state)
{
    struct buf out = { 0 };
    buf_str(&out, "{\"v\":1,\"needs\":");
    buf_add(&out, needs.p, needs.n);
    buf_str(&out, ",\"state\":");
    buf_raw_or(&out, state, "null");
    buf_str(&out, ",\"body_size\":0}\n");
    write_all(1, out.p, out.n);
}

/* ---- rounds routes */

static void route_script(const struct request *req)
{
    struct span script = { (const char *) req->body, req->body_len };
    const char *start = skip_ws(script.p, script.p + script.n);
    if (start >= script.p + script.n || *start != '{') {
        respond_text(400, "script: the body is not a JSON object\n");
        return;
    }
    struct span sleep_ms = json_get(script, "sleep_ms");
    if (sleep_ms.p) {
        long ms = strtol(sleep_ms.p, NULL, 10);
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    long rounds = 0;
    struct span needs = json_item(json_get(script, "rounds"), req->round, &rounds);
    if (rounds < 0) {
        rounds = 0;
    }
    if (req->round < rounds) {
        long states = 0;
        struct span state = json_item(json_get(script, "states"), req->round, &states);
        char pass[64];
        if (!state.p) {
            snprintf(pass, sizeof(pass), "{\"pass\":%ld}", req->round);
            state = (struct span) { pass, strlen(pass) };
        }
        respond_needs(needs, state);
        return;
    }
    struct span status = json_get(script, "status");
    char text[32];
    struct buf body = { 0 };
    snprintf(text, sizeof(text), "{\"round\":%ld", req->round);
    buf_str(&body, text);
    buf_str(&body, ",\"state\":");
    buf_raw_or(&body, req->state, "null");
    buf_str(&body, ",\"results\":");
    buf_raw_or(&body, req->results, "{}");
    buf_str(&body, "}");
    respond_json(status.p ? (int) strtol(status.p, NULL, 10) : 200, &body, json_get(script, "effects"));
}

static void route_env(const struct request *req)
{
    struct buf body = { 0 };
    buf_str(&body, "{\"env\":");
    buf_raw_or(&body, req->env, "null");
    buf_str(&body, ",\"bindings\":");
    buf_raw_or(&body, req->bindings, "null");
    buf_str(&body, ",\"cf\":");
    buf_raw_or(&body, req->cf, "null");
    buf_str(&body, "}");
    respond_json(200, &body, NONE);
}

static void route_chain(const struct request *req)
{
    char binding[256];
    char key[1024];
    char path[8192];
    if (!query_param(req->url, "binding", binding, sizeof(binding))
        || !query_param(req->url, "key", key, sizeof(key))) {
        respond_text(400, "chain: binding and key are required\n");
        return;
    }
    if (req->round == 0) {
        snprintf(path, sizeof(path), "%s", key);
    } else {
        char id[32];
        snprintf(id, sizeof(id), "c%ld", req->round - 1);
        struct span result = json_get(req->results, id);
        struct span ok = json_get(result, "ok");
        if (json_string(req->state, path, sizeof(path)) < 0) {
            respond_text(500, "chain: the state is not the path string\n");
            return;
        }
        if (!ok.p) {
            struct buf body = { 0 };
            buf_str(&body, "chain: ");
            buf_raw_or(&body, result, "no result");
            buf_add(&body, "", 1);
            respond_text(500, body.p);
            return;
        }
        if (span_is_null(ok)) {
            respond_text(200, path);
            return;
        }
        if (json_string(ok, key, sizeof(key)) < 0) {
            respond_text(500, "chain: a value is not a string\n");
            return;
        }
        size_t used = strlen(path);
        snprintf(path + used, sizeof(path) - used, " -> %s", key);
    }
    char text[32];
    struct buf needs = { 0 };
    snprintf(text, sizeof(text), "[{\"id\":\"c%ld\"", req->round);
    buf_str(&needs, text);
    buf_str(&needs, ",\"type\":\"kv.get\",\"binding\":");
    buf_json_string(&needs, binding, strlen(binding));
    buf_str(&needs, ",\"key\":");
    buf_json_string(&needs, key, strlen(key));
    buf_str(&needs, "}]");
    struct buf state = { 0 };
    buf_json_string(&state, path, strlen(path));
    respond_needs((struct span) { needs.p, needs.n }, (struct span) { state.p, state.n });
}

static void route_kv_list_all(const struct request *req)
{
    char binding[256];
    char prefix[1024] = "";
    char limit[32] = "1000";
    char names[8192] = "";
    if (!query_param(req->url, "binding", binding, sizeof(binding))) {
        respond_text(400, "kv/list-all: binding is required\n");
        return;
    }
    query_param(req->url, "prefix", prefix, sizeof(prefix));
    query_param(req->url, "limit", limit, sizeof(limit));
    char cursor[1024] = "";
    if (req->round > 0) {
        char id[32];
        snprintf(id, sizeof(id), "l%ld", req->round - 1);
        struct span result = json_get(req->results, id);
        struct span ok = json_get(result, "ok");
        if (json_string(req->state, names, sizeof(names)) < 0 || !ok.p || span_is_null(ok)) {
            struct buf body = { 0 };
            buf_str(&body, "kv/list-all: ");
            buf_raw_or(&body, result, "no result");
            buf_add(&body, "", 1);
            respond_text(500, body.p);
            return;
        }
        long count = 0;
        json_item(json_get(ok, "keys"), 0, &count);
        for (long i = 0; i < count; i++) {
            char name[1024];
            long n = 0;
            struct span key = json_item(json_get(ok, "keys"), i, &n);
            if (json_string(json_get(key, "name"), name, sizeof(name)) < 0) {
                respond_text(500, "kv/list-all: a key has no name\n");
                return;
            }
            size_t used = strlen(names);
            snprintf(names + used, sizeof(names) - used, "%s%s", used ? "," : "", name);
        }
        if (span_is(json_get(ok, "list_complete"), "true")) {
            char text[sizeof(names) + 32];
            snprintf(text, sizeof(text), "%ld pages: %s", req->round, names);
            respond_text(200, text);
            return;
        }
        if (json_string(json_get(ok, "cursor"), cursor, sizeof(cursor)) < 0) {
            respond_text(500, "kv/list-all: an incomplete list without a cursor\n");
            return;
        }
    }
    char text[64];
    struct buf needs = { 0 };
    snprintf(text, sizeof(text), "[{\"id\":\"l%ld\",\"type\":\"kv.list\",\"limit\":%ld", req->round,
        strtol(limit, NULL, 10));
    buf_str(&needs, text);
    buf_str(&needs, ",\"binding\":");
    buf_json_string(&needs, binding, strlen(binding));
    if (prefix[0]) {
        buf_str(&needs, ",\"prefix\":");
        buf_json_string(&needs, prefix, strlen(prefix));
    }
    if (cursor[0]) {
        buf_str(&needs, ",\"cursor\":");
        buf_json_string(&needs, cursor, strlen(cursor));
    }
    buf_str(&needs, "}]");
    struct buf state = { 0 };
    buf_json_string(&state, names, strlen(names));
    respond_needs((struct span) { needs.p, needs.n }, (struct span) { state.p, state.n });
}

/* Writes s as a JSON string straight to fd, escaping only what must be. */
static void write_json_string(int fd, const char *s, size_t n)
{
    write_all(fd, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c == '"' || c == '\\' || c < 0x20) {
            write_all(fd, s + run, i - run);
            char esc[8];
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            write_all(fd, esc, strlen(esc));
            run = i + 1;
        }
    }
    write_all(fd, s + run, n - run);
    write_all(fd, "\"", 1);
}

/* Streams its frame: a 25 MiB body must not be copied several times in 128 MiB. */
static void route_kv_put_body(const struct request *req)
{
    char binding[256];
    char key[1024];
    if (!query_param(req->url, "binding", binding, sizeof(binding))
        || !query_param(req->url, "key", key, sizeof(key))) {
        respond_text(400, "kv/put-body: binding and key are required\n");
        return;
    }
    static const char head[] = "{\"v\":1,\"status\":200,\"headers\":[[\"content-type\","
                               "\"application/json\"]],\"effects\":[{\"type\":\"kv.put\",\"binding\":";
    write_all(1, head, sizeof(head) - 1);
    write_json_string(1, binding, strlen(binding));
    write_all(1, ",\"key\":", 7);
    write_json_string(1, key, strlen(key));
    write_all(1, ",\"value\":", 9);
    write_json_string(1, (const char *) req->body, req->body_len);
    static const char tail[] = "}],\"body_size\":8}\n\"stored\"";
    write_all(1, tail, sizeof(tail) - 1);
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
        return 62;
    }
    if (c == '/' || c == '_') {
        return 63;
    }
    return -1;
}

static void route_kv_raw(const struct request *req)
{
    char binding[256];
    char key[1024];
    if (!query_param(req->url, "binding", binding, sizeof(binding))
        || !query_param(req->url, "key", key, sizeof(key))) {
        respond_text(400, "kv/raw: binding and key are required\n");
        return;
    }
    if (req->round == 0) {
        struct buf needs = { 0 };
        buf_str(&needs, "[{\"id\":\"raw\",\"type\":\"kv.get\",\"as\":\"base64\",\"binding\":");
        buf_json_string(&needs, binding, strlen(binding));
        buf_str(&needs, ",\"key\":");
        buf_json_string(&needs, key, strlen(key));
        buf_str(&needs, "}]");
        respond_needs((struct span) { needs.p, needs.n }, NONE);
        return;
    }
    struct span result = json_get(req->results, "raw");
    struct span ok = json_get(result, "ok");
    if (!ok.p) {
        struct buf body = { 0 };
        buf_raw_or(&body, result, "no result");
        buf_add(&body, "", 1);
        respond_text(500, body.p);
        return;
    }
    if (span_is_null(ok)) {
        respond_text(404, "absent\n");
        return;
    }
    char *text = malloc(ok.n + 1);
    long n = json_string(ok, text, ok.n + 1);
    if (!text || n < 0) {
        respond_text(500, "kv/raw: the value is not a string\n");
        return;
    }
    unsigned char *bytes = malloc((size_t) n + 1);
    size_t out = 0;
    unsigned long acc = 0;
    int bits = 0;
    for (long i = 0; i < n; i++) {
        int v = base64_value(text[i]);
        if (v < 0) {
            continue; /* padding */
        }
        acc = (acc << 6) | (unsigned long) v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes[out++] = (unsigned char) (acc >> bits);
        }
    }
    respond_bytes(200, bytes, out);
}

/* ---- memory */

static void *volatile keep_alive;

static void route_grow(const struct request *req)
{
    char text[64];
    long mb = query_param(req->url, "mb", text, sizeof(text)) ? strtol(text, NULL, 10) : 0;
    int once = query_param(req->url, "once", text, sizeof(text));
    if (mb < 0 || mb >= 4096) {
        respond_text(400, "grow: mb must be 0..4095\n");
        return;
    }
    size_t chunk = once ? (size_t) mb << 20 : (size_t) 1 << 20;
    long chunks = once ? 1 : mb;
    for (long i = 0; i < chunks; i++) {
        volatile unsigned char *p = malloc(chunk);
        if (!p) {
            fprintf(stderr, "test guest: out of memory after %ld MiB\n", once ? 0 : i);
            abort();
        }
        for (size_t o = 0; o < chunk; o += 4096) {
            p[o] = (unsigned char) i;
        }
        keep_alive = (void *) p;
    }
    snprintf(text, sizeof(text), "grew %ld MiB\n", mb);
    respond_text(200, text);
}

/*
 * What earlier runs left in this instance's memory: a host that lends one memory to several runs
 * (a module importing env.memory) must hand it over as a fresh instance would have it. Counts
 * the runs this memory has seen and the non-zero bytes of a scratch area, then dirties both.
 * Both are statics, not malloc'd: wasi-libc's malloc grows the memory for 64 KiB or not depending
 * on its version (from 2024 on, its first heap ends at __heap_end, the linked size), and a memory
 * that grew is not lent again.
 */
static unsigned runs_in_this_memory;
static volatile unsigned char residue_scratch[64 * 1024];

static void route_residue(void)
{
    runs_in_this_memory++;
    size_t dirty = 0;
    for (size_t i = 0; i < sizeof(residue_scratch); i++) {
        dirty += residue_scratch[i] != 0;
        residue_scratch[i] = 0xa5;
    }
    char text[64];
    snprintf(text, sizeof(text), "runs %u, dirty %zu\n", runs_in_this_memory, dirty);
    respond_text(200, text);
}

/* ---- WASI errors */

#define APP_FD 3
#define CLOSED_FD 99

static void line_errno(struct buf *b, const char *call, const char *target, int err)
{
    char text[96];
    snprintf(text, sizeof(text), "%s %s %d\n", call, target, err);
    buf_str(b, text);
}

static void route_wasi_read_only(void)
{
    static const char name[] = "app.avm";
    __wasi_fd_t file;
    __wasi_rights_t read = __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK;
    if (__wasi_path_open(APP_FD, 0, name, 0, read, 0, 0, &file) != 0) {
        respond_text(500, "cannot open /app/app.avm for reading\n");
        return;
    }
    const struct
    {
        const char *name;
        __wasi_fd_t fd;
    } targets[] = { { "dir", APP_FD }, { "file", file }, { "stdin", 0 }, { "stdout", 1 },
        { "closed", CLOSED_FD } };
    struct buf b = { 0 };
    char byte = 'x';
    __wasi_ciovec_t iov = { (const uint8_t *) &byte, 1 };
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        __wasi_fd_t fd = targets[i].fd;
        const char *t = targets[i].name;
        __wasi_size_t n;
        if (fd != 1) { /* a pwrite to stdout would break the frame if a host took it */
            line_errno(&b, "fd_pwrite", t, __wasi_fd_pwrite(fd, &iov, 1, 0, &n));
        }
        line_errno(&b, "fd_allocate", t, __wasi_fd_allocate(fd, 0, 1));
        line_errno(&b, "fd_filestat_set_size", t, __wasi_fd_filestat_set_size(fd, 0));
        line_errno(&b, "sock_shutdown", t, __wasi_sock_shutdown(fd, __WASI_SDFLAGS_WR));
    }
    __wasi_fd_t opened;
    line_errno(&b, "path_open", "dir-for-writing",
        __wasi_path_open(APP_FD, 0, ".", __WASI_OFLAGS_DIRECTORY,
            __WASI_RIGHTS_FD_READDIR | __WASI_RIGHTS_FD_WRITE, 0, 0, &opened));
    line_errno(&b, "path_open", "file-for-writing",
        __wasi_path_open(APP_FD, 0, name, 0, read | __WASI_RIGHTS_FD_WRITE, 0, 0, &opened));
    line_errno(&b, "path_open", "dir-for-reading",
        __wasi_path_open(
            APP_FD, 0, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0, &opened));
    respond_bytes(200, b.p, b.n);
}

static void route_wasi_aliased_write(void)
{
    enum
    {
        SIZE = 4 << 20,
        COUNT = 1024
    };
    uint8_t *block = malloc(SIZE);
    static __wasi_ciovec_t iovs[COUNT];
    if (!block) {
        respond_text(500, "no memory for the block\n");
        return;
    }
    memset(block, '.', SIZE);
    for (size_t i = 0; i < COUNT; i++) {
        iovs[i].buf = block;
        iovs[i].buf_len = SIZE;
    }
    __wasi_size_t written = 0;
    int err = __wasi_fd_write(2, iovs, COUNT, &written);
    char text[64];
    snprintf(text, sizeof(text), "%d %lu\n", err, (unsigned long) written);
    respond_text(200, text);
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
    } else if (strcmp(path, "/script") == 0) {
        route_script(&req);
    } else if (strcmp(path, "/env") == 0) {
        route_env(&req);
    } else if (strcmp(path, "/chain") == 0) {
        route_chain(&req);
    } else if (strcmp(path, "/kv/list-all") == 0) {
        route_kv_list_all(&req);
    } else if (strcmp(path, "/kv/put-body") == 0) {
        route_kv_put_body(&req);
    } else if (strcmp(path, "/kv/raw") == 0) {
        route_kv_raw(&req);
    } else if (strcmp(path, "/residue") == 0) {
        route_residue();
    } else if (strcmp(path, "/grow") == 0) {
        route_grow(&req);
    } else if (strcmp(path, "/wasi/read-only") == 0) {
        route_wasi_read_only();
    } else if (strcmp(path, "/wasi/aliased-write") == 0) {
        route_wasi_aliased_write();
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
