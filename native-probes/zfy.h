/* The ZFY vendor interface (GA/T 947-style body-worn cameras) as evidock sees it.
 * Shared by the probe (which dlopens a vendor library) and the simulated library. */
#ifndef EVIDOCK_ZFY_H
#define EVIDOCK_ZFY_H

/* Result flags written to *iRet by every call. */
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

/* Packed exactly as the vendor header lays it out; strings are GBK, NUL-terminated. */
#pragma pack(push, 1)
typedef struct {
    char cSerial[8];   /* 7-char device number */
    char userNo[7];    /* 6-char badge number */
    char userName[33];
    char unitNo[13];   /* 12-char unit code */
    char unitName[33];
} ZFY_INFO;
#pragma pack(pop)

/* Camera local time as "YYYY-MM-DD HH:MM:SS": the buffer passed to GetDevTime holds at least this. */
#define ZFY_TIME_BUF 64

typedef int (*zfy_init_device_fn)(char *IDCode, int *iRet);
typedef int (*zfy_get_info_fn)(ZFY_INFO *info, char *sPwd, int *iRet);
typedef int (*zfy_write_info_fn)(ZFY_INFO *info, char *sPwd, int *iRet);
typedef int (*zfy_sync_time_fn)(char *IDCode, char *sPwd, int *iRet);
typedef int (*zfy_set_msdc_fn)(char *sPwd, int *iRet);
typedef int (*zfy_battery_fn)(int *Battery, char *sPwd, int *iRet);
typedef int (*zfy_resolution_fn)(int *Width, int *Height, char *sPwd, int *iRet);
/* evidock extension, optional: the vendor SDK has no clock getter. */
typedef int (*zfy_get_time_fn)(char *timeStr, char *sPwd, int *iRet);
/* Optional in vendor SDKs: release the USB connection. */
typedef void (*zfy_uninit_fn)(int *iRet);

#endif
