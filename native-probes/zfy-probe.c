/* zfy-probe: dlopens a ZFY vendor library and answers each command as one JSON line on stdout.
 * Exit 0 all commands ok, 1 some failed, 2 usage/dlopen/dlsym error, 124 watchdog timeout. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbk.h"
#include "jsonout.h"
#include "zfy-cmds.h"

static const char USAGE[] =
    "usage: zfy-probe --lib PATH [--password P] [--timeout-ms N] [--info-layout 89|94] COMMAND...\n"
    "commands: init info sync-time msdc battery resolution time write-info\n"
    "write-info fields (UTF-8, omitted ones keep their value):\n"
    "  --serial S --badge B --user-name N --unit-no U --unit-name N\n";

static _Noreturn void fatal(const char *stage, const char *msg)
{
    jline j;
    jl_begin(&j, stage, 0);
    jl_str(&j, "error", msg);
    jl_emit(&j);
    fprintf(stderr, "zfy-probe: %s\n", msg);
    if (strcmp(stage, "usage") == 0)
        fputs(USAGE, stderr);
    exit(2);
}

static void *need_sym(void *h, const char *name)
{
    dlerror();
    void *p = dlsym(h, name);
    if (!p) {
        char msg[512];
        const char *e = dlerror();
        snprintf(msg, sizeof msg, "dlsym %s failed: %s", name, e ? e : "symbol is NULL");
        fatal("load", msg);
    }
    return p;
}

static void load(const char *lib, unsigned syms)
{
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        char msg[1024];
        snprintf(msg, sizeof msg, "dlopen failed: %s", dlerror());
        fatal("load", msg);
    }
    zs.init = (zfy_init_device_fn)need_sym(h, "Init_Device");
    if (syms & S_INFO) zs.get_info = (zfy_get_info_fn)need_sym(h, "GetZFYInfo");
    if (syms & S_WRITE) zs.write_info = (zfy_write_info_fn)need_sym(h, "WriteZFYInfo");
    if (syms & S_SYNC) zs.sync_time = (zfy_sync_time_fn)need_sym(h, "SyncDevTime");
    if (syms & S_MSDC) zs.set_msdc = (zfy_set_msdc_fn)need_sym(h, "SetMSDC");
    if (syms & S_BATT) zs.battery = (zfy_battery_fn)need_sym(h, "ReadDeviceBatteryDumpEnergy");
    if (syms & S_RES) zs.resolution = (zfy_resolution_fn)need_sym(h, "ReadDeviceResolution");
    /* Optional, used where present: a clock getter (evidock's GetDevTime or the handle-based
     * BC_ set), and the release of the connection under either spelling found in the headers. */
    zs.get_time = (zfy_get_time_fn)dlsym(h, "GetDevTime");
    zs.bc_probe = (bc_probe_fn)dlsym(h, "BC_ProbeDevEx");
    zs.bc_init = (bc_init_fn)dlsym(h, "BC_InitDevEx");
    zs.bc_get_time = (bc_get_time_fn)dlsym(h, "BC_GetDevTime");
    zs.bc_uninit = (bc_uninit_fn)dlsym(h, "BC_UnInitDevEx");
    zs.uninit = (zfy_uninit_fn)dlsym(h, "UnInit_Device");
    if (!zs.uninit)
        zs.uninit = (zfy_uninit_fn)dlsym(h, "Uninit_Device");
}

int main(int argc, char **argv)
{
    out_init();
    const char *lib = NULL;
    long timeout_ms = 5000;
    const struct zfy_command **cmds = calloc((size_t)argc, sizeof *cmds);
    size_t ncmds = 0;
    unsigned syms = 0;
    int wi_given = 0;
    char msg[256];
    if (!cmds)
        fatal("usage", "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) == 0) {
            if (i + 1 >= argc) {
                snprintf(msg, sizeof msg, "option %.64s needs a value", a);
                fatal("usage", msg);
            }
            char *v = argv[++i];
            size_t k;
            for (k = 0; k < ZFY_N_FIELDS && strcmp(a, WI_OPTS[k]) != 0; k++)
                ;
            if (k < ZFY_N_FIELDS) {
                zs.wi_text[k] = v;
                wi_given = 1;
            } else if (strcmp(a, "--info-layout") == 0) {
                zs.layout = zfy_layout_of(strcmp(v, "89") == 0 ? 89 : strcmp(v, "94") == 0 ? 94 : 0);
                if (!zs.layout)
                    fatal("usage", "--info-layout must be 89 or 94");
            } else if (strcmp(a, "--lib") == 0) {
                lib = v;
            } else if (strcmp(a, "--password") == 0) {
                zs.pwd = v; /* argv strings are writable */
            } else if (strcmp(a, "--timeout-ms") == 0) {
                char *end;
                timeout_ms = strtol(v, &end, 10);
                if (*v == '\0' || *end != '\0' || timeout_ms < 1 || timeout_ms > 86400000L)
                    fatal("usage", "--timeout-ms must be an integer from 1 to 86400000");
            } else {
                snprintf(msg, sizeof msg, "unknown option %.64s", a);
                fatal("usage", msg);
            }
            continue;
        }
        size_t k;
        for (k = 0; k < N_COMMANDS && strcmp(a, COMMANDS[k].name) != 0; k++)
            ;
        if (k == N_COMMANDS) {
            snprintf(msg, sizeof msg, "unknown command %.64s", a);
            fatal("usage", msg);
        }
        cmds[ncmds++] = &COMMANDS[k];
        syms |= COMMANDS[k].syms;
    }
    if (!lib)
        fatal("usage", "--lib PATH is required");
    if (ncmds == 0)
        fatal("usage", "no command given");
    if (wi_given && !(syms & S_WRITE))
        fatal("usage", "write-info fields given without the write-info command");
    if ((syms & S_WRITE) && !wi_given)
        fatal("usage", "write-info needs at least one of --serial --badge --user-name --unit-no --unit-name");
    if (check_write_info(msg, sizeof msg))
        fatal("usage", msg);

    watchdog_start(timeout_ms); /* before dlopen: library constructors may hang too */
    load(lib, syms);

    int all_ok = 1;
    for (size_t i = 0; i < ncmds; i++) {
        watchdog_current(cmds[i]->name);
        if (!cmds[i]->run(cmds[i]->name))
            all_ok = 0;
    }
    if (zs.connected == 1 && zs.uninit) {
        int flag = 0; /* 4 zeroed bytes, as for every iRet */
        watchdog_current("uninit");
        zs.uninit(&flag);
    }
    free(cmds);
    out_finish(all_ok ? 0 : 1);
}