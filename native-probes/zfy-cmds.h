/* The probe's commands: each calls the vendor library and writes exactly one JSON line. */
#ifndef EVIDOCK_ZFY_CMDS_H
#define EVIDOCK_ZFY_CMDS_H
#include <stddef.h>

#include "zfy.h"

/* Vendor symbols a command needs; load() resolves the union of them or fails with exit 2. */
enum { S_INFO = 1, S_WRITE = 2, S_SYNC = 4, S_MSDC = 8, S_BATT = 16, S_RES = 32 };

struct zfy_session {
    zfy_init_device_fn init;
    zfy_get_info_fn get_info;
    zfy_write_info_fn write_info;
    zfy_sync_time_fn sync_time;
    zfy_set_msdc_fn set_msdc;
    zfy_battery_fn battery;
    zfy_resolution_fn resolution;
    zfy_get_time_fn get_time; /* optional evidock extension */
    zfy_uninit_fn uninit;     /* optional */
    char *pwd;                /* writable, as the SDK's char * asks */
    char idcode[256];         /* from Init_Device, handed to SyncDevTime */
    int connected;            /* 0 not tried, 1 connected, -1 failed */
    int connect_flag;
    ZFY_INFO wi;              /* write-info values, already GBK */
    unsigned wi_given;        /* bit i set: WI_FIELDS[i] was given */
};
extern struct zfy_session zs;

struct wi_field {
    const char *opt;
    size_t off, size;
};
extern const struct wi_field WI_FIELDS[];
extern const size_t N_WI;

struct zfy_command {
    const char *name;
    unsigned syms;
    int (*run)(const char *name); /* 1 ok, 0 failed (its JSON line says why) */
};
extern const struct zfy_command COMMANDS[];
extern const size_t N_COMMANDS;

#endif
