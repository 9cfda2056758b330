/* The ZFY vendor interface (GA/T 947-style body-worn cameras) as the public headers and wrappers
 * declare it (ARCHITECTURE §6). Shared by the probe (which dlopens a vendor library) and the simulated
 * library. Where the public headers disagree, both forms are here and the profile chooses. */
#ifndef EVIDOCK_ZFY_H
#define EVIDOCK_ZFY_H

/* Result flags written to *iRet by every call. Vendors declare iRet as `int *`, `short *` or
 * `u16 *`: the probe passes a zeroed 4-byte buffer and reads it with zfy_flag_of(). */
enum zfy_flag {
    ZFY_CONNECT_OK = 1,
    ZFY_CONNECT_FAILED = 2,
    ZFY_PASSWORD_OK = 3,
    ZFY_PASSWORD_FAILED = 4,
    ZFY_TIME_SET_OK = 5,
    ZFY_TIME_SET_FAILED = 6,
    ZFY_MSDC_OK = 7,
    ZFY_MSDC_FAILED = 8
};

/* ZFY_INFO, packed GBK: serial, badge, officer name, unit code, unit name. Two layouts are in the
 * wild: 8/7/33/13/33 bytes (94, each field NUL-terminated; the more common one in public headers)
 * and 7/6/32/12/32 (89, fields exactly as long as their content may be, NUL-padded). */
#define ZFY_INFO_MAX 94
#define ZFY_N_FIELDS 5
struct zfy_layout {
    int size;                      /* 89 or 94 */
    int off[ZFY_N_FIELDS];
    int len[ZFY_N_FIELDS];         /* bytes in the struct */
    int maxtext[ZFY_N_FIELDS];     /* most GBK bytes of text: len - 1 with a terminator, else len */
};
extern const struct zfy_layout ZFY_LAYOUT_94, ZFY_LAYOUT_89;
enum { ZF_SERIAL, ZF_BADGE, ZF_NAME, ZF_UNIT_NO, ZF_UNIT_NAME };

/* Camera local time from GetDevTime (evidock extension): "YYYY-MM-DD HH:MM:SS"; from the
 * handle-based BC_GetDevTime: "YYYYMMDDhhmmss". A buffer of this size holds either. */
#define ZFY_TIME_BUF 64

/* iRet is `void *` here: the probe hands every function the same zeroed 4-byte buffer. */
typedef int (*zfy_init_device_fn)(char *IDCode, void *iRet);
typedef int (*zfy_get_info_fn)(void *info, char *sPwd, void *iRet);
typedef int (*zfy_write_info_fn)(void *info, char *sPwd, void *iRet);
typedef int (*zfy_sync_time_fn)(char *sPwd, void *iRet);
typedef int (*zfy_set_msdc_fn)(char *sPwd, void *iRet);
typedef int (*zfy_battery_fn)(int *Battery, char *sPwd, void *iRet);
typedef int (*zfy_resolution_fn)(int *Width, int *Height, char *sPwd, void *iRet);
/* Optional: release the USB connection (void or int in the headers; the result is not used). */
typedef void (*zfy_uninit_fn)(void *iRet);
/* Optional evidock extension: the public ZFY headers have no clock getter. */
typedef int (*zfy_get_time_fn)(char *timeStr, char *sPwd, void *iRet);
/* Optional handle-based variant (BC_*): probe, open, read the clock, close. */
typedef int (*bc_probe_fn)(char *IDCode);
typedef void *(*bc_init_fn)(char *IDCode);
typedef int (*bc_get_time_fn)(void *dev, char *sPwd, char *timestr);
typedef void (*bc_uninit_fn)(void *dev);

#endif
