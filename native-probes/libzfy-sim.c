/* libzfy-sim: the ZFY vendor interface over a directory-backed camera, so zfy-probe is tested for real.
 * The camera is $ZFY_SIM_DIR; its state is $ZFY_SIM_DIR/zfy-state.ini, `key=value` lines in UTF-8:
 * serial badge name unitNo unitName password clockOffset battery width height msdc hang, infoHex
 * (raw ZFY_INFO bytes GetZFYInfo returns verbatim, to play a misbehaving vendor) and uninitCount
 * (when present, counted up by each UnInit_Device).
 * Signatures as the public headers declare them (zfy.h). Build variants, one per header family:
 *   -DZFY_SIM_LAYOUT=89     the 7/6/32/12/32 ZFY_INFO (default 94: 8/7/33/13/33)
 *   -DZFY_SIM_IRET16        iRet is `short *` (default `int *`)
 *   -DZFY_SIM_NO_GETDEVTIME without evidock's GetDevTime extension (as the public headers)
 *   -DZFY_SIM_BC_CLOCK      with the handle-based BC_ProbeDevEx/BC_InitDevEx/BC_GetDevTime/BC_UnInitDevEx
 *   -DZFY_SIM_UNINIT_LOWER  exports Uninit_Device instead of UnInit_Device */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gbk.h"
#include "zfy-layout.h"
#include "zfy.h"

#ifndef ZFY_SIM_LAYOUT
#define ZFY_SIM_LAYOUT 94
#endif
#if ZFY_SIM_LAYOUT == 89
#define SIM_LAYOUT (&ZFY_LAYOUT_89)
#else
#define SIM_LAYOUT (&ZFY_LAYOUT_94)
#endif
#ifdef ZFY_SIM_IRET16
typedef short iret_t;
#else
typedef int iret_t;
#endif

#define API __attribute__((visibility("default")))
#define STATE_FILE "zfy-state.ini"

typedef struct {
    char key[32];
    char val[256];
} kv;

typedef struct {
    kv kv[64];
    int n;
    char dir[PATH_MAX];
} state;

static int connected; /* Init_Device succeeded in this process */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static void set(state *st, const char *key, const char *val)
{
    int i;
    for (i = 0; i < st->n && strcmp(st->kv[i].key, key) != 0; i++)
        ;
    if (i == st->n) {
        if (st->n == (int)(sizeof st->kv / sizeof st->kv[0]))
            return;
        st->n++;
        snprintf(st->kv[i].key, sizeof st->kv[i].key, "%s", key);
    }
    snprintf(st->kv[i].val, sizeof st->kv[i].val, "%s", val);
}

static const char *get(const state *st, const char *key, const char *def)
{
    for (int i = 0; i < st->n; i++)
        if (strcmp(st->kv[i].key, key) == 0)
            return st->kv[i].val;
    return def;
}

static long get_long(const state *st, const char *key, long def)
{
    const char *v = get(st, key, NULL);
    char *end;
    if (!v || !*v)
        return def;
    long n = strtol(v, &end, 10);
    return *end == '\0' ? n : def;
}

static int load_state(state *st)
{
    memset(st, 0, sizeof *st);
    const char *dir = getenv("ZFY_SIM_DIR");
    char path[PATH_MAX + 32];
    if (!dir || !*dir || strlen(dir) >= sizeof st->dir)
        return -1;
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    snprintf(path, sizeof path, "%s/" STATE_FILE, dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (!strchr(line, '\n') && !feof(f)) { /* over-long line: ignore it whole */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        char *s = trim(line);
        char *eq = strchr(s, '=');
        if (*s == '#' || *s == ';' || !eq)
            continue;
        *eq = '\0';
        set(st, trim(s), trim(eq + 1));
    }
    fclose(f);
    return 0;
}

/* Atomic rewrite: temp file, fsync, rename over the state file, fsync the directory. */
static int save_state(const state *st)
{
    char path[PATH_MAX + 32], tmp[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/" STATE_FILE, st->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    for (int i = 0; i < st->n; i++)
        fprintf(f, "%s=%s\n", st->kv[i].key, st->kv[i].val);
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    int d = open(st->dir, O_RDONLY | O_DIRECTORY);
    if (d >= 0) {
        fsync(d);
        close(d);
    }
    return 0;
}

/* Every call starts here: no camera → flag 2; hang=1 → never returns (the probe's watchdog must act). */
static int begin(state *st, iret_t *iRet, int need_connection)
{
    if (load_state(st) != 0) {
        *iRet = ZFY_CONNECT_FAILED;
        return 0;
    }
    if (get_long(st, "hang", 0) == 1)
        for (;;)
            pause();
    if (need_connection && !connected) {
        *iRet = ZFY_CONNECT_FAILED;
        return 0;
    }
    return 1;
}

static int check_password(const state *st, const char *sPwd, iret_t *iRet)
{
    int ok = sPwd && strcmp(sPwd, get(st, "password", "000000")) == 0;
    *iRet = ok ? ZFY_PASSWORD_OK : ZFY_PASSWORD_FAILED;
    return ok;
}

#define GUARD(iRet)                                                                                \
    iret_t iret_sink_;                                                                             \
    if (!(iRet))                                                                                   \
        (iRet) = &iret_sink_;                                                                      \
    *(iRet) = 0

API int Init_Device(char *IDCode, iret_t *iRet)
{
    GUARD(iRet);
    state st;
    if (!begin(&st, iRet, 0))
        return 0;
    connected = 1;
    if (IDCode)
        snprintf(IDCode, 8, "%.7s", get(&st, "serial", ""));
    *iRet = ZFY_CONNECT_OK;
    return 1;
}

#ifdef ZFY_SIM_UNINIT_LOWER
#define UNINIT_NAME Uninit_Device
#else
#define UNINIT_NAME UnInit_Device
#endif
API int UNINIT_NAME(iret_t *iRet)
{
    connected = 0;
    state st;
    if (load_state(&st) == 0 && get(&st, "uninitCount", NULL)) {
        char n[24];
        snprintf(n, sizeof n, "%ld", get_long(&st, "uninitCount", 0) + 1);
        set(&st, "uninitCount", n);
        save_state(&st);
    }
    if (iRet)
        *iRet = ZFY_CONNECT_OK;
    return 1;
}

static const char *const STATE_KEYS[ZFY_N_FIELDS] = {"serial", "badge", "name", "unitNo", "unitName"};

API int GetZFYInfo(void *info, char *sPwd, iret_t *iRet)
{
    GUARD(iRet);
    state st;
    if (!info || !begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    const struct zfy_layout *L = SIM_LAYOUT;
    unsigned char *out = info;
    memset(out, 0, (size_t)L->size);
    const char *hex = get(&st, "infoHex", NULL);
    if (hex) { /* raw struct bytes, to play a vendor that leaves fields unterminated or not GBK */
        for (size_t i = 0; i < (size_t)L->size && hex[2 * i] && hex[2 * i + 1]; i++) {
            unsigned b;
            if (sscanf(hex + 2 * i, "%2x", &b) != 1)
                break;
            out[i] = (unsigned char)b;
        }
        return 1;
    }
    /* Over-long values are cut at a character boundary, as a camera's fixed fields would. */
    for (int f = 0; f < ZFY_N_FIELDS; f++) {
        char tmp[64];
        utf8_to_gbk(get(&st, STATE_KEYS[f], ""), tmp, (size_t)L->maxtext[f] + 1, 1);
        memcpy(out + L->off[f], tmp, strlen(tmp));
    }
    return 1;
}

API int WriteZFYInfo(void *info, char *sPwd, iret_t *iRet)
{
    GUARD(iRet);
    state st;
    if (!info || !begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    const struct zfy_layout *L = SIM_LAYOUT;
    for (int f = 0; f < ZFY_N_FIELDS; f++) {
        char v[3 * 33 + 1];
        gbk_to_utf8((const char *)info + L->off[f], (size_t)L->len[f], v, sizeof v);
        set(&st, STATE_KEYS[f], v);
    }
    return save_state(&st) == 0;
}

/* No device argument (the public headers' form): the library talks to the one camera it opened. */
API int SyncDevTime(char *sPwd, iret_t *iRet)
{
    GUARD(iRet);
    state st;
    if (!begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    set(&st, "clockOffset", "0");
    if (save_state(&st) != 0) {
        *iRet = ZFY_TIME_SET_FAILED;
        return 0;
    }
    *iRet = ZFY_TIME_SET_OK;
    return 1;
}

API int SetMSDC(char *sPwd, iret_t *iRet)
{
    GUARD(iRet);
    state st;
    if (!begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    set(&st, "msdc", "1");
    if (save_state(&st) != 0) {
        *iRet = ZFY_MSDC_FAILED;
        return 0;
    }
    *iRet = ZFY_MSDC_OK;
    return 1;
}

API int ReadDeviceBatteryDumpEnergy(int *Battery, char *sPwd, iret_t *iRet)
{
    GUARD(iRet);
    state st;
    if (!Battery || !begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    *Battery = (int)get_long(&st, "battery", 100);
    return 1;
}

API int ReadDeviceResolution(int *Width, int *Height, char *sPwd, iret_t *iRet)
{
    GUARD(iRet);
    state st;
    if (!Width || !Height || !begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    *Width = (int)get_long(&st, "width", 1920);
    *Height = (int)get_long(&st, "height", 1080);
    return 1;
}

/* The camera's clock: the host's plus clockOffset, shown in local time. */
__attribute__((unused)) static void camera_time(const state *st, const char *fmt, char *out, size_t outsz)
{
    time_t t = time(NULL) + (time_t)get_long(st, "clockOffset", 0);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, outsz, fmt, &tm);
}

#if !defined(ZFY_SIM_NO_GETDEVTIME) && !defined(ZFY_SIM_BC_CLOCK)
/* evidock extension: "YYYY-MM-DD HH:MM:SS". */
API int GetDevTime(char *timeStr, char *sPwd, iret_t *iRet)
{
    GUARD(iRet);
    state st;
    if (!timeStr || !begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    camera_time(&st, "%Y-%m-%d %H:%M:%S", timeStr, 20);
    return 1;
}
#endif

#ifdef ZFY_SIM_BC_CLOCK
/* The handle-based family: BC_SUCCESS 0 / BC_FAILED -1 here; the probe trusts the time string only. */
static int bc_handle;

API int BC_ProbeDevEx(char *IDCode)
{
    state st;
    if (load_state(&st) != 0)
        return -1;
    if (IDCode)
        snprintf(IDCode, 6, "ZFYSM");
    return 0;
}

API void *BC_InitDevEx(char *IDCode)
{
    (void)IDCode;
    state st;
    return load_state(&st) == 0 ? &bc_handle : NULL;
}

API int BC_GetDevTime(void *dev, char *sPwd, char *timestr)
{
    state st;
    if (dev != &bc_handle || !timestr || load_state(&st) != 0 || !sPwd || strcmp(sPwd, get(&st, "password", "000000")) != 0)
        return -1;
    camera_time(&st, "%Y%m%d%H%M%S", timestr, 15);
    return 0;
}

API void BC_UnInitDevEx(void *dev) { (void)dev; }
#endif
