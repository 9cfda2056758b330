/* GBK <-> UTF-8 with iconv(3): the vendor structs carry GBK, everything evidock reads is UTF-8. */
#ifndef EVIDOCK_GBK_H
#define EVIDOCK_GBK_H
#include <stddef.h>

#define GBK_OK 0
#define GBK_UNAVAILABLE (-1) /* iconv has no GBK converter on this system */
#define GBK_UNREPRESENTABLE (-2)
#define GBK_TOO_LONG (-3)

/* Decodes at most inmax bytes of a NUL-terminated GBK field into NUL-terminated UTF-8.
 * Bytes that are not valid GBK become U+FFFD, so the result is always valid UTF-8.
 * outsz >= 3 * inmax + 1 never truncates. */
int gbk_to_utf8(const char *in, size_t inmax, char *out, size_t outsz);

/* 1 when the n bytes are valid GBK (ASCII included), 0 when not, GBK_UNAVAILABLE without iconv's GBK. */
int gbk_is_valid(const char *in, size_t n);

/* Encodes NUL-terminated UTF-8 into a GBK field of outsz bytes (room for the NUL included).
 * With truncate != 0 an over-long value is cut at a character boundary instead of failing. */
int utf8_to_gbk(const char *in, char *out, size_t outsz, int truncate);

#endif
