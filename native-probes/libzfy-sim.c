/* libzfy-sim: the ZFY vendor interface over a directory-backed camera, so zfy-probe is tested for real.
 * The camera is $ZFY_SIM_DIR; its state is $ZFY_SIM_DIR/zfy-state.ini, `key=value` lines in UTF-8:
 * serial badge name unitNo unitName password clockOffset battery width height msdc hang, and infoHex
 * (raw ZFY_INFO bytes GetZFYInfo returns verbatim, to play a misbehaving vendor).
 * Built with -DZFY_SIM_NO_GETDEVTIME it lacks the optional GetDevTime, like a real vendor library. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gbk.h"
#include "zfy.h"

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
static int begin(state *st, int *iRet, int need_connection)
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

static int check_password(const state *st, const char *sPwd, int *iRet)
{
    int ok = sPwd && strcmp(sPwd, get(st, "password", "000000")) == 0;
    *iRet = ok ? ZFY_PASSWORD_OK : ZFY_PASSWORD_FAILED;
    return ok;
}

#define GUARD(iRet)                                                                                \
    int iret_sink_;                                                                                \
    if (!(iRet))                                                                                   \
        (iRet) = &iret_sink_;                                                                      \
    *(iRet) = 0

API int Init_Device(char *IDCode, int *iRet)
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

API void UnInit_Device(int *iRet)
{
    connected = 0;
    if (iRet)
        *iRet = ZFY_CONNECT_OK;
}

API int GetZFYInfo(ZFY_INFO *info, char *sPwd, int *iRet)
{
    GUARD(iRet);
    state st;
    if (!info || !begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    const char *hex = get(&st, "infoHex", NULL);
    if (hex) { /* raw struct bytes, to play a vendor that leaves fields unterminated or not GBK */
        memset(info, 0, sizeof *info);
        for (size_t i = 0; i < sizeof *info && hex[2 * i] && hex[2 * i + 1]; i++) {
            unsigned b;
            if (sscanf(hex + 2 * i, "%2x", &b) != 1)
                break;
            ((unsigned char *)info)[i] = (unsigned char)b;
        }
        return 1;
    }
    /* Over-long values are cut at a character boundary, as a camera's fixed fields would. */
    utf8_to_gbk(get(&st, "serial", ""), info->cSerial, sizeof info->cSerial, 1);
    utf8_to_gbk(get(&st, "badge", ""), info->userNo, sizeof info->userNo, 1);
    utf8_to_gbk(get(&st, "name", ""), info->userName, sizeof info->userName, 1);
    utf8_to_gbk(get(&st, "unitNo", ""), info->unitNo, sizeof info->unitNo, 1);
    utf8_to_gbk(get(&st, "unitName", ""), info->unitName, sizeof info->unitName, 1);
    return 1;
}

API int WriteZFYInfo(ZFY_INFO *info, char *sPwd, int *iRet)
{
    GUARD(iRet);
    state st;
    if (!info || !begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    char v[3 * sizeof info->userName + 1];
    gbk_to_utf8(info->cSerial, sizeof info->cSerial, v, sizeof v);
    set(&st, "serial", v);
    gbk_to_utf8(info->userNo, sizeof info->userNo, v, sizeof v);
    set(&st, "badge", v);
    gbk_to_utf8(info->userName, sizeof info->userName, v, sizeof v);
    set(&st, "name", v);
    gbk_to_utf8(info->unitNo, sizeof info->unitNo, v, sizeof v);
    set(&st, "unitNo", v);
    gbk_to_utf8(info->unitName, sizeof info->unitName, v, sizeof v);
    set(&st, "unitName", v);
    return save_state(&st) == 0;
}

API int SyncDevTime(char *IDCode, char *sPwd, int *iRet)
{
    GUARD(iRet);
    state st;
    if (!begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    char serial[8];
    snprintf(serial, sizeof serial, "%.7s", get(&st, "serial", ""));
    if ((IDCode && *IDCode && strcmp(IDCode, serial) != 0)) {
        *iRet = ZFY_TIME_SET_FAILED; /* the ID from Init_Device names another camera */
        return 0;
    }
    set(&st, "clockOffset", "0");
    if (save_state(&st) != 0) {
        *iRet = ZFY_TIME_SET_FAILED;
        return 0;
    }
    *iRet = ZFY_TIME_SET_OK;
    return 1;
}

API int SetMSDC(char *sPwd, int *iRet)
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

API int ReadDeviceBatteryDumpEnergy(int *Battery, char *sPwd, int *iRet)
{
    GUARD(iRet);
    state st;
    if (!Battery || !begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    *Battery = (int)get_long(&st, "battery", 100);
    return 1;
}

API int ReadDeviceResolution(int *Width, int *Height, char *sPwd, int *iRet)
{
    GUARD(iRet);
    state st;
    if (!Width || !Height || !begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    *Width = (int)get_long(&st, "width", 1920);
    *Height = (int)get_long(&st, "height", 1080);
    return 1;
}

#ifndef ZFY_SIM_NO_GETDEVTIME
/* evidock extension: the camera's clock is the host's plus clockOffset, shown in local time. */
API int GetDevTime(char *timeStr, char *sPwd, int *iRet)
{
    GUARD(iRet);
    state st;
    if (!timeStr || !begin(&st, iRet, 1) || !check_password(&st, sPwd, iRet))
        return 0;
    time_t t = time(NULL) + (time_t)get_long(&st, "clockOffset", 0);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(timeStr, 20, "%Y-%m-%d %H:%M:%S", &tm);
    return 1;
}
#endif
