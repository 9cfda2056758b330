/* zfy-probe commands: one vendor call (or two, for write-info) and one JSON line each. */
#define _GNU_SOURCE
#include "zfy-cmds.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gbk.h"
#include "jsonout.h"

static char default_pwd[] = "000000";
struct zfy_session zs = {.pwd = default_pwd, .layout = &ZFY_LAYOUT_94};

const char *const WI_OPTS[ZFY_N_FIELDS] = {"--serial", "--badge", "--user-name", "--unit-no", "--unit-name"};

/* The result flag's buffer: 4 zeroed bytes, whatever width the vendor declared. */
typedef struct {
    unsigned char b[4];
} iret_t;

/* A library that wrote a 16-bit flag left the upper two bytes zero (x86 is little-endian), so the
 * low half read as int16 is its flag (a `short` -1 stays -1); otherwise it wrote all 32 bits. */
static int flag_of(const iret_t *r)
{
    if (r->b[2] == 0 && r->b[3] == 0)
        return (int16_t)(uint16_t)(r->b[0] | r->b[1] << 8);
    int32_t v;
    memcpy(&v, r->b, 4);
    return v;
}

static const char *flag_error(int flag)
{
    switch (flag) {
    case ZFY_CONNECT_FAILED: return "connect failed";
    case ZFY_PASSWORD_FAILED: return "password failed";
    case ZFY_TIME_SET_FAILED: return "time set failed";
    case ZFY_MSDC_FAILED: return "mass storage failed";
    default: return NULL;
    }
}

/* A call succeeded when it returned 1 and its flag does not contradict that. */
static int call_ok(int rc, int flag) { return rc == 1 && flag_error(flag) == NULL; }

static int fail(const char *cmd, int flag, const char *msg)
{
    char buf[96];
    const char *e = msg ? msg : flag_error(flag);
    if (!e) {
        snprintf(buf, sizeof buf, "call failed (flag %d)", flag);
        e = buf;
    }
    jline j;
    jl_begin(&j, cmd, 0);
    if (flag >= 0)
        jl_int(&j, "flag", flag);
    jl_str(&j, "error", e);
    jl_emit(&j);
    return 0;
}

static int answer_flag(const char *cmd, int rc, int flag)
{
    if (!call_ok(rc, flag))
        return fail(cmd, flag, NULL);
    jline j;
    jl_begin(&j, cmd, 1);
    jl_int(&j, "flag", flag);
    jl_emit(&j);
    return 1;
}

static int do_init(void)
{
    iret_t r = {{0}};
    memset(zs.idcode, 0, sizeof zs.idcode);
    int rc = zs.init(zs.idcode, &r);
    zs.connect_flag = flag_of(&r);
    zs.idcode[sizeof zs.idcode - 1] = '\0';
    zs.connected = call_ok(rc, zs.connect_flag) ? 1 : -1;
    return zs.connected == 1;
}

/* The SDK needs Init_Device once per process before any other call. */
static int ensure_connected(const char *cmd)
{
    if (zs.connected == 0)
        do_init();
    return zs.connected == 1 ? 1 : fail(cmd, zs.connect_flag, NULL);
}

static int cmd_init(const char *cmd)
{
    if (!do_init())
        return fail(cmd, zs.connect_flag, NULL);
    jline j;
    jl_begin(&j, cmd, 1);
    jl_int(&j, "flag", zs.connect_flag);
    jl_str(&j, "idCode", zs.idcode);
    jl_emit(&j);
    return 1;
}

/* GetZFYInfo into a buffer laid out as the profile says, checked before anything is believed. */
static int read_info(const char *cmd, unsigned char *buf, int *flag)
{
    const struct zfy_layout *L = zs.layout;
    memset(buf, 0, ZFY_INFO_BUF);
    memset(buf + L->size, ZFY_CANARY, ZFY_INFO_BUF - (size_t)L->size);
    iret_t r = {{0}};
    int rc = zs.get_info(buf, zs.pwd, &r);
    *flag = flag_of(&r);
    if (!call_ok(rc, *flag))
        return fail(cmd, *flag, NULL);
    char why[160], msg[240];
    int ok = zfy_check_info(buf, ZFY_INFO_BUF, L, why, sizeof why);
    if (ok < 0)
        return fail(cmd, *flag, why);
    if (!ok) {
        snprintf(msg, sizeof msg, "zfy-layout: GetZFYInfo's answer does not fit the %d-byte ZFY_INFO: %s", L->size, why);
        return fail(cmd, *flag, msg);
    }
    return 1;
}

static int cmd_info(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    unsigned char buf[ZFY_INFO_BUF];
    int flag;
    if (!read_info(cmd, buf, &flag))
        return 0;
    const struct zfy_layout *L = zs.layout;
    char utf8[ZFY_N_FIELDS][3 * 33 + 1];
    for (int i = 0; i < ZFY_N_FIELDS; i++)
        gbk_to_utf8((const char *)buf + L->off[i], (size_t)L->len[i], utf8[i], sizeof utf8[i]);
    jline j;
    jl_begin(&j, cmd, 1);
    jl_int(&j, "flag", flag);
    jl_int(&j, "layout", L->size);
    for (int i = 0; i < ZFY_N_FIELDS; i++)
        jl_str(&j, ZFY_FIELD_NAMES[i], utf8[i]);
    jl_emit(&j);
    return 1;
}

/* UTF-8 → a GBK field of the layout: up to maxtext bytes, NUL-padded to the field's length. */
static int encode_field(const char *text, int f, unsigned char *dst)
{
    const struct zfy_layout *L = zs.layout;
    char tmp[64];
    int rc = utf8_to_gbk(text, tmp, (size_t)L->maxtext[f] + 1, 0);
    if (rc != GBK_OK)
        return rc;
    memset(dst, 0, (size_t)L->len[f]);
    memcpy(dst, tmp, strlen(tmp));
    return GBK_OK;
}

const char *check_write_info(char *msg, size_t msgsz)
{
    unsigned char field[64];
    for (int f = 0; f < ZFY_N_FIELDS; f++) {
        if (!zs.wi_text[f])
            continue;
        int rc = encode_field(zs.wi_text[f], f, field);
        if (rc == GBK_TOO_LONG)
            snprintf(msg, msgsz, "%s does not fit in %d bytes of GBK", WI_OPTS[f], zs.layout->maxtext[f]);
        else if (rc == GBK_UNREPRESENTABLE)
            snprintf(msg, msgsz, "%s is not valid UTF-8 or has characters GBK cannot represent", WI_OPTS[f]);
        else if (rc != GBK_OK)
            snprintf(msg, msgsz, "iconv has no GBK converter");
        if (rc != GBK_OK)
            return msg;
    }
    return NULL;
}

static int cmd_write_info(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    unsigned char buf[ZFY_INFO_BUF];
    int flag;
    if (!read_info(cmd, buf, &flag)) /* the fields not given keep the camera's values */
        return 0;
    for (int f = 0; f < ZFY_N_FIELDS; f++)
        if (zs.wi_text[f])
            encode_field(zs.wi_text[f], f, buf + zs.layout->off[f]); /* checked in main */
    iret_t r = {{0}};
    int rc = zs.write_info(buf, zs.pwd, &r);
    return answer_flag(cmd, rc, flag_of(&r));
}

static int cmd_sync_time(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    iret_t r = {{0}};
    int rc = zs.sync_time(zs.pwd, &r);
    return answer_flag(cmd, rc, flag_of(&r));
}

static int cmd_msdc(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    iret_t r = {{0}};
    int rc = zs.set_msdc(zs.pwd, &r);
    return answer_flag(cmd, rc, flag_of(&r));
}

static int cmd_battery(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    int percent = -1;
    iret_t r = {{0}};
    int rc = zs.battery(&percent, zs.pwd, &r), flag = flag_of(&r);
    if (!call_ok(rc, flag))
        return fail(cmd, flag, NULL);
    jline j;
    jl_begin(&j, cmd, 1);
    jl_int(&j, "flag", flag);
    jl_int(&j, "percent", percent);
    jl_emit(&j);
    return 1;
}

static int cmd_resolution(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    int w = 0, h = 0;
    iret_t r = {{0}};
    int rc = zs.resolution(&w, &h, zs.pwd, &r), flag = flag_of(&r);
    if (!call_ok(rc, flag))
        return fail(cmd, flag, NULL);
    jline j;
    jl_begin(&j, cmd, 1);
    jl_int(&j, "flag", flag);
    jl_int(&j, "width", w);
    jl_int(&j, "height", h);
    jl_emit(&j);
    return 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* "YYYY-MM-DD HH:MM:SS" (GetDevTime) or "YYYYMMDDhhmmss" (BC_GetDevTime), nothing after it. */
static int parse_camera_time(const char *s, struct tm *tm)
{
    int n = -1;
    memset(tm, 0, sizeof *tm);
    int got = sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%n", &tm->tm_year, &tm->tm_mon, &tm->tm_mday, &tm->tm_hour, &tm->tm_min,
                     &tm->tm_sec, &n);
    if (got != 6 || n != 19) {
        n = -1;
        for (int i = 0; i < 14; i++)
            if (s[i] < '0' || s[i] > '9')
                return 0;
        got = sscanf(s, "%4d%2d%2d%2d%2d%2d%n", &tm->tm_year, &tm->tm_mon, &tm->tm_mday, &tm->tm_hour, &tm->tm_min,
                     &tm->tm_sec, &n);
        if (got != 6 || n != 14)
            return 0;
    }
    return s[n] == '\0' && tm->tm_mon >= 1 && tm->tm_mon <= 12 && tm->tm_mday >= 1 && tm->tm_mday <= 31 &&
           tm->tm_hour <= 23 && tm->tm_min <= 59 && tm->tm_sec <= 60;
}

/* BC_ProbeDevEx → BC_InitDevEx → BC_GetDevTime → BC_UnInitDevEx; 1 when a time string came back. */
static int bc_read_time(char *buf)
{
    char idcode[64];
    memset(idcode, 0, sizeof idcode);
    zs.bc_probe(idcode);
    void *dev = zs.bc_init(idcode);
    if (!dev)
        return 0;
    zs.bc_get_time(dev, zs.pwd, buf);
    zs.bc_uninit(dev);
    return 1;
}

/* offsetSeconds = camera clock − host clock, reading the camera's wall time in the probe's TZ. */
static int cmd_time(const char *cmd)
{
    int bc = zs.bc_probe && zs.bc_init && zs.bc_get_time && zs.bc_uninit;
    if (!zs.get_time && !bc) {
        jline j;
        jl_begin(&j, cmd, 0);
        jl_str(&j, "error", "unsupported");
        jl_emit(&j);
        return 0;
    }
    if (!ensure_connected(cmd))
        return 0;
    char buf[ZFY_TIME_BUF];
    memset(buf, 0, sizeof buf);
    int flag = -1;
    double before = now_s(), host;
    if (zs.get_time) {
        iret_t r = {{0}};
        int rc = zs.get_time(buf, zs.pwd, &r);
        flag = flag_of(&r);
        host = (before + now_s()) / 2;
        if (!call_ok(rc, flag))
            return fail(cmd, flag, NULL);
    } else {
        /* BC_* answers with its return value only; the time string is the proof it worked. */
        if (!bc_read_time(buf))
            return fail(cmd, -1, "BC_InitDevEx found no device");
        host = (before + now_s()) / 2;
    }
    buf[sizeof buf - 1] = '\0';
    struct tm tm;
    if (!parse_camera_time(buf, &tm))
        return fail(cmd, flag, "camera time is not YYYY-MM-DD HH:MM:SS or YYYYMMDDhhmmss");
    char cam[64];
    snprintf(cam, sizeof cam, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    time_t cam_t = mktime(&tm);
    time_t host_t = (time_t)host;
    struct tm g;
    char iso[40], stamp[24];
    gmtime_r(&host_t, &g);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &g);
    snprintf(iso, sizeof iso, "%s.%03dZ", stamp, (int)((host - (double)host_t) * 1000));
    jline j;
    jl_begin(&j, cmd, 1);
    if (flag >= 0)
        jl_int(&j, "flag", flag);
    jl_str(&j, "getter", zs.get_time ? "GetDevTime" : "BC_GetDevTime");
    jl_str(&j, "cameraTime", cam);
    jl_str(&j, "hostTime", iso);
    /* The camera shows whole seconds: its true time lies in [cam_t, cam_t + 1). */
    double d = (double)cam_t + 0.5 - host;
    jl_int(&j, "offsetSeconds", (long)(d >= 0 ? d + 0.5 : d - 0.5));
    jl_emit(&j);
    return 1;
}

const struct zfy_command COMMANDS[] = {
    {"init", 0, cmd_init},
    {"info", S_INFO, cmd_info},
    {"write-info", S_INFO | S_WRITE, cmd_write_info},
    {"sync-time", S_SYNC, cmd_sync_time},
    {"msdc", S_MSDC, cmd_msdc},
    {"battery", S_BATT, cmd_battery},
    {"resolution", S_RES, cmd_resolution},
    {"time", 0, cmd_time},
};
const size_t N_COMMANDS = sizeof COMMANDS / sizeof COMMANDS[0];
