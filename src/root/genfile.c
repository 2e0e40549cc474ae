/*
 * Generated files (genfile.h): formatted text and the seek rule, shared
 * by the name service's files and the task server's /stats/tasks.
 */
#include <stdarg.h>
#include <stdio.h>

#include <l4srv/errors.h>
#include <l4srv/file.h>

#include "genfile.h"

void gentext_put(struct gentext *t, const char *fmt, ...)
{
    if (t->len + 1 >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len = t->len + (size_t) n < t->cap ? t->len + (size_t) n : t->cap - 1;
}

int genfile_seek(L4_Word_t cur, L4_Word_t size, L4_Word_t offset, L4_Word_t whence, L4_Word_t *pos)
{
    long base, off = (long) offset, end = (long) size;
    switch (whence) {
    case FILE_SEEK_SET:
        base = 0;
        break;
    case FILE_SEEK_CUR:
        base = (long) cur;
        break;
    case FILE_SEEK_END:
        base = end;
        break;
    default:
        return L4SRV_ERR_INVALID_ARG;
    }
    if (off < -base || off > end - base)
        return L4SRV_ERR_INVALID_ARG;
    *pos = (L4_Word_t) (base + off);
    return L4SRV_OK;
}
