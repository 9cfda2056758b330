/* One JSON object per line on the probe's private stdout, and the watchdog that ends a hung probe. */
#ifndef EVIDOCK_JSONOUT_H
#define EVIDOCK_JSONOUT_H
#include <stddef.h>

#define EXIT_PROBE_TIMEOUT 124

typedef struct {
    char *buf;
    size_t len, cap;
} jline;

/* Keeps the real stdout for JSON and points fd 1 at stderr, so whatever a vendor library
 * prints cannot corrupt the JSON stream. Call before dlopen. */
void out_init(void);

void jl_begin(jline *j, const char *cmd, int ok);
void jl_int(jline *j, const char *key, long v);
/* s may hold any bytes: invalid UTF-8 becomes \ufffd, control characters are escaped. */
void jl_str(jline *j, const char *key, const char *s);
/* Closes the object, writes it as one line and frees the buffer. */
void jl_emit(jline *j);

/* After ms milliseconds the process prints {"cmd":<current>,"ok":false,"error":"timeout"} and exits 124. */
void watchdog_start(long ms);
void watchdog_current(const char *cmd); /* cmd must be a string literal or otherwise live forever */
/* Exits with code; the watchdog still bounds library destructors run by exit(). */
_Noreturn void out_finish(int code);

#endif
