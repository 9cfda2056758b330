/* The two ZFY_INFO layouts and the check every GetZFYInfo answer must pass. */
#include "zfy-layout.h"

#include <stdio.h>
#include <string.h>

#include "gbk.h"

const struct zfy_layout ZFY_LAYOUT_94 = {94, {0, 8, 15, 48, 61}, {8, 7, 33, 13, 33}, {7, 6, 32, 12, 32}};
const struct zfy_layout ZFY_LAYOUT_89 = {89, {0, 7, 13, 45, 57}, {7, 6, 32, 12, 32}, {7, 6, 32, 12, 32}};
const char *const ZFY_FIELD_NAMES[ZFY_N_FIELDS] = {"serial", "badge", "userName", "unitNo", "unitName"};

const struct zfy_layout *zfy_layout_of(int size)
{
    return size == 94 ? &ZFY_LAYOUT_94 : size == 89 ? &ZFY_LAYOUT_89 : NULL;
}

int zfy_check_info(const unsigned char *buf, size_t bufsz, const struct zfy_layout *L, char *why, size_t whysz)
{
    /* A library built for the longer layout writes past the shorter one: the canary shows it. */
    for (size_t i = (size_t)L->size; i < bufsz; i++) {
        if (buf[i] != ZFY_CANARY) {
            snprintf(why, whysz, "the library wrote past byte %d of the %d-byte ZFY_INFO", L->size, L->size);
            return 0;
        }
    }
    for (int f = 0; f < ZFY_N_FIELDS; f++) {
        const unsigned char *p = buf + L->off[f];
        size_t text = strnlen((const char *)p, (size_t)L->len[f]);
        if (text > (size_t)L->maxtext[f]) {
            snprintf(why, whysz, "%s (bytes %d-%d) has no terminator within %d bytes", ZFY_FIELD_NAMES[f], L->off[f],
                     L->off[f] + L->len[f] - 1, L->len[f]);
            return 0;
        }
        for (size_t i = text; i < (size_t)L->len[f]; i++) {
            if (p[i] != 0) {
                snprintf(why, whysz, "%s (bytes %d-%d) has bytes after its terminator", ZFY_FIELD_NAMES[f], L->off[f],
                         L->off[f] + L->len[f] - 1);
                return 0;
            }
        }
        int v = gbk_is_valid((const char *)p, text);
        if (v == GBK_UNAVAILABLE) {
            snprintf(why, whysz, "iconv has no GBK converter");
            return -1;
        }
        if (!v) {
            snprintf(why, whysz, "%s (bytes %d-%d) is not GBK text", ZFY_FIELD_NAMES[f], L->off[f], L->off[f] + L->len[f] - 1);
            return 0;
        }
    }
    return 1;
}
