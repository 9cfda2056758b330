/* The probe's commands: each calls the vendor library and writes exactly one JSON line. */
#ifndef EVIDOCK_ZFY_CMDS_H
#define EVIDOCK_ZFY_CMDS_H
#include <stddef.h>

#include "zfy-layout.h"
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
    zfy_uninit_fn uninit;     /* optional: UnInit_Device or Uninit_Device */
    zfy_get_time_fn get_time; /* optional evidock extension GetDevTime */
    bc_probe_fn bc_probe;     /* optional handle-based clock: all four or none */
    bc_init_fn bc_init;
    bc_get_time_fn bc_get_time;
    bc_uninit_fn bc_uninit;
    char *pwd;                /* writable, as the SDK's char * asks */
    char idcode[256];         /* from Init_Device */
    int connected;            /* 0 not tried, 1 connected, -1 failed */
    int connect_flag;
    const struct zfy_layout *layout; /* --info-layout 89|94 (the profile's zfy.infoLayout) */
    const char *wi_text[ZFY_N_FIELDS]; /* write-info values as given (UTF-8); NULL keeps the camera's */
};
extern struct zfy_session zs;

/* --serial --badge --user-name --unit-no --unit-name, in ZFY_INFO field order. */
extern const char *const WI_OPTS[ZFY_N_FIELDS];

struct zfy_command {
    const char *name;
    unsigned syms;
    int (*run)(const char *name); /* 1 ok, 0 failed (its JSON line says why) */
};
extern const struct zfy_command COMMANDS[];
extern const size_t N_COMMANDS;

/* Checks the write-info values fit the chosen layout; NULL when they do, else a usage message. */
const char *check_write_info(char *msg, size_t msgsz);

#endif
