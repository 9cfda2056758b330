#include "gbk.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

int gbk_to_utf8(const char *in, size_t inmax, char *out, size_t outsz)
{
    if (outsz == 0)
        return GBK_TOO_LONG;
    out[0] = '\0';
    iconv_t cd = iconv_open("UTF-8", "GBK");
    if (cd == (iconv_t)-1)
        return GBK_UNAVAILABLE;
    /* A vendor may fill a field to the last byte without a NUL: never read past inmax. */
    char *ip = (char *)in;
    size_t il = strnlen(in, inmax);
    char *op = out;
    size_t ol = outsz - 1;
    int rc = GBK_OK;
    while (il > 0) {
        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
            break;
        if (errno == EILSEQ || errno == EINVAL) {
            if (ol < 3) {
                rc = GBK_TOO_LONG;
                break;
            }
            memcpy(op, "\xEF\xBF\xBD", 3); /* U+FFFD, then resynchronise one byte on */
            op += 3;
            ol -= 3;
            ip++;
            il--;
        } else {
            rc = GBK_TOO_LONG;
            break;
        }
    }
    *op = '\0';
    iconv_close(cd);
    return rc;
}

int utf8_to_gbk(const char *in, char *out, size_t outsz, int truncate)
{
    if (outsz == 0)
        return GBK_TOO_LONG;
    memset(out, 0, outsz);
    iconv_t cd = iconv_open("GBK", "UTF-8");
    if (cd == (iconv_t)-1)
        return GBK_UNAVAILABLE;
    char *ip = (char *)in;
    size_t il = strlen(in);
    char *op = out;
    size_t ol = outsz - 1;
    int rc = GBK_OK;
    /* On E2BIG iconv stops after the last whole character that fits. */
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
        if (errno == E2BIG)
            rc = truncate ? GBK_OK : GBK_TOO_LONG;
        else
            rc = GBK_UNREPRESENTABLE;
    }
    iconv_close(cd);
    if (rc != GBK_OK)
        memset(out, 0, outsz);
    else
        *op = '\0';
    return rc;
}

int gbk_is_valid(const char *in, size_t n)
{
    iconv_t cd = iconv_open("UTF-8", "GBK");
    if (cd == (iconv_t)-1)
        return GBK_UNAVAILABLE;
    char out[256];
    char *ip = (char *)in;
    size_t il = n;
    int ok = 1;
    while (il > 0) {
        char *op = out;
        size_t ol = sizeof out;
        if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
            break;
        if (errno != E2BIG) { /* EILSEQ, or EINVAL: a lead byte without its trail byte */
            ok = 0;
            break;
        }
    }
    iconv_close(cd);
    return ok;
}
