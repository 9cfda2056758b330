/* ZFY_INFO layouts (see zfy.h) and the check of a GetZFYInfo answer against the chosen one. */
#ifndef EVIDOCK_ZFY_LAYOUT_H
#define EVIDOCK_ZFY_LAYOUT_H
#include <stddef.h>

#include "zfy.h"

/* Fills the probe's buffer past the layout's end; a library that writes there has another layout. */
#define ZFY_CANARY 0xA5
/* The probe's ZFY_INFO buffer: the longest layout plus room for the canary. */
#define ZFY_INFO_BUF 128

extern const char *const ZFY_FIELD_NAMES[ZFY_N_FIELDS];

/* NULL unless size is 89 or 94. */
const struct zfy_layout *zfy_layout_of(int size);

/* 1: every field is GBK text within its documented length, NUL-padded, and nothing was written
 * past the layout; 0: why says which field breaks it; -1: no GBK converter (why says so). */
int zfy_check_info(const unsigned char *buf, size_t bufsz, const struct zfy_layout *L, char *why, size_t whysz);

#endif
