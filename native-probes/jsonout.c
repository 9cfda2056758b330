#include "jsonout.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int out_fd = 1;
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static int finished;   /* guarded by out_mu */
static int final_code; /* guarded by out_mu */
static _Atomic(const char *) current_cmd = "load";
static long timeout_ms;

void out_init(void)
{
    int fd = dup(1);
    if (fd < 0 || dup2(2, 1) < 0) {
        perror("zfy-probe: dup");
        exit(2);
    }
    out_fd = fd;
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(out_fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return; /* reader gone: nothing useful left to do with the line */
        }
        p += w;
        n -= (size_t)w;
    }
}

static void put(jline *j, const char *s, size_t n)
{
    if (j->len + n + 1 > j->cap) {
        size_t cap = j->cap ? j->cap : 256;
        while (cap < j->len + n + 1)
            cap *= 2;
        char *b = realloc(j->buf, cap);
        if (!b) {
            perror("zfy-probe: realloc");
            abort();
        }
        j->buf = b;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

static void puts_(jline *j, const char *s) { put(j, s, strlen(s)); }

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one (overlongs, surrogates included). */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; }
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static void put_escaped(jline *j, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    char esc[8];
    put(j, "\"", 1);
    while (*s) {
        unsigned c = *s;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(j, esc, 2);
            s++;
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            puts_(j, esc);
            s++;
        } else {
            size_t n = utf8_seq(s);
            if (n == 0) {
                puts_(j, "\\ufffd");
                s++;
            } else {
                put(j, (const char *)s, n);
                s += n;
            }
        }
    }
    put(j, "\"", 1);
}

void jl_begin(jline *j, const char *cmd, int ok)
{
    j->buf = NULL;
    j->len = j->cap = 0;
    puts_(j, "{\"cmd\":");
    put_escaped(j, cmd);
    puts_(j, ok ? ",\"ok\":true" : ",\"ok\":false");
}

void jl_int(jline *j, const char *key, long v)
{
    char num[32];
    put(j, ",", 1);
    put_escaped(j, key);
    snprintf(num, sizeof num, ":%ld", v);
    puts_(j, num);
}

void jl_str(jline *j, const char *key, const char *s)
{
    put(j, ",", 1);
    put_escaped(j, key);
    put(j, ":", 1);
    put_escaped(j, s);
}

void jl_emit(jline *j)
{
    puts_(j, "}\n");
    pthread_mutex_lock(&out_mu);
    write_all(j->buf, j->len);
    pthread_mutex_unlock(&out_mu);
    free(j->buf);
    j->buf = NULL;
    j->len = j->cap = 0;
}

void watchdog_current(const char *cmd) { atomic_store(&current_cmd, cmd); }

static void *watchdog(void *arg)
{
    (void)arg;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += timeout_ms / 1000;
    t.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
        ;
    pthread_mutex_lock(&out_mu);
    if (finished)
        _exit(final_code); /* the answer is out; only exit-time destructors were still running */
    /* A stack buffer, no malloc: the hung thread may hold the allocator's lock. Command names are
     * our own literals, so they need no escaping. */
    char line[160];
    int n = snprintf(line, sizeof line, "{\"cmd\":\"%s\",\"ok\":false,\"error\":\"timeout\",\"timeoutMs\":%ld}\n",
                     atomic_load(&current_cmd), timeout_ms);
    if (n > 0)
        write_all(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    _exit(EXIT_PROBE_TIMEOUT);
}

void watchdog_start(long ms)
{
    timeout_ms = ms;
    pthread_t th;
    int err = pthread_create(&th, NULL, watchdog, NULL);
    if (err != 0) {
        fprintf(stderr, "zfy-probe: pthread_create: %s\n", strerror(err));
        exit(2);
    }
    pthread_detach(th);
}

void out_finish(int code)
{
    pthread_mutex_lock(&out_mu);
    finished = 1;
    final_code = code;
    pthread_mutex_unlock(&out_mu);
    exit(code);
}
