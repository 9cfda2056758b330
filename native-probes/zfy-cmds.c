/* zfy-probe commands: one vendor call (or two, for write-info) and one JSON line each. */
#define _GNU_SOURCE
#include "zfy-cmds.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gbk.h"
#include "jsonout.h"

static char default_pwd[] = "000000";
struct zfy_session zs = {.pwd = default_pwd};

const struct wi_field WI_FIELDS[] = {
    {"--serial", offsetof(ZFY_INFO, cSerial), sizeof zs.wi.cSerial},
    {"--badge", offsetof(ZFY_INFO, userNo), sizeof zs.wi.userNo},
    {"--user-name", offsetof(ZFY_INFO, userName), sizeof zs.wi.userName},
    {"--unit-no", offsetof(ZFY_INFO, unitNo), sizeof zs.wi.unitNo},
    {"--unit-name", offsetof(ZFY_INFO, unitName), sizeof zs.wi.unitName},
};
const size_t N_WI = sizeof WI_FIELDS / sizeof WI_FIELDS[0];

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
    jl_int(&j, "flag", flag);
    jl_str(&j, "error", e);
    jl_emit(&j);
    return 0;
}

static int do_init(void)
{
    memset(zs.idcode, 0, sizeof zs.idcode);
    zs.connect_flag = 0;
    int rc = zs.init(zs.idcode, &zs.connect_flag);
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

static int cmd_info(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    ZFY_INFO info;
    memset(&info, 0, sizeof info);
    int flag = 0, rc = zs.get_info(&info, zs.pwd, &flag);
    if (!call_ok(rc, flag))
        return fail(cmd, flag, NULL);
    const struct { const char *key; const char *field; size_t size; } f[] = {
        {"serial", info.cSerial, sizeof info.cSerial}, {"badge", info.userNo, sizeof info.userNo},
        {"userName", info.userName, sizeof info.userName}, {"unitNo", info.unitNo, sizeof info.unitNo},
        {"unitName", info.unitName, sizeof info.unitName},
    };
    char utf8[5][3 * sizeof info.userName + 1];
    for (size_t i = 0; i < 5; i++)
        if (gbk_to_utf8(f[i].field, f[i].size, utf8[i], sizeof utf8[i]) == GBK_UNAVAILABLE)
            return fail(cmd, flag, "iconv has no GBK converter");
    jline j;
    jl_begin(&j, cmd, 1);
    jl_int(&j, "flag", flag);
    for (size_t i = 0; i < 5; i++)
        jl_str(&j, f[i].key, utf8[i]);
    jl_emit(&j);
    return 1;
}

static int cmd_write_info(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    ZFY_INFO info;
    memset(&info, 0, sizeof info);
    int flag = 0, rc = zs.get_info(&info, zs.pwd, &flag);
    if (!call_ok(rc, flag))
        return fail(cmd, flag, NULL);
    for (size_t i = 0; i < N_WI; i++)
        if (zs.wi_given & (1u << i))
            memcpy((char *)&info + WI_FIELDS[i].off, (char *)&zs.wi + WI_FIELDS[i].off, WI_FIELDS[i].size);
    flag = 0;
    rc = zs.write_info(&info, zs.pwd, &flag);
    if (!call_ok(rc, flag))
        return fail(cmd, flag, NULL);
    jline j;
    jl_begin(&j, cmd, 1);
    jl_int(&j, "flag", flag);
    jl_emit(&j);
    return 1;
}

/* Commands whose only answer is the flag. */
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

static int cmd_sync_time(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    int flag = 0, rc = zs.sync_time(zs.idcode, zs.pwd, &flag);
    return answer_flag(cmd, rc, flag);
}

static int cmd_msdc(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    int flag = 0, rc = zs.set_msdc(zs.pwd, &flag);
    return answer_flag(cmd, rc, flag);
}

static int cmd_battery(const char *cmd)
{
    if (!ensure_connected(cmd))
        return 0;
    int percent = -1, flag = 0, rc = zs.battery(&percent, zs.pwd, &flag);
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
    int w = 0, h = 0, flag = 0, rc = zs.resolution(&w, &h, zs.pwd, &flag);
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

/* offsetSeconds = camera clock − host clock, reading the camera's wall time in the probe's TZ. */
static int cmd_time(const char *cmd)
{
    if (!zs.get_time) {
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
    int flag = 0;
    double before = now_s();
    int rc = zs.get_time(buf, zs.pwd, &flag);
    double host = (before + now_s()) / 2;
    buf[sizeof buf - 1] = '\0';
    if (!call_ok(rc, flag))
        return fail(cmd, flag, NULL);
    struct tm tm;
    int n = -1;
    memset(&tm, 0, sizeof tm);
    if (sscanf(buf, "%4d-%2d-%2d %2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19 || buf[19] != '\0' || tm.tm_mon < 1 ||
        tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 60)
        return fail(cmd, flag, "camera time is not YYYY-MM-DD HH:MM:SS");
    char cam[24];
    snprintf(cam, sizeof cam, "%.19s", buf);
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
    jl_int(&j, "flag", flag);
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
