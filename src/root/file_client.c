/*
 * Client stubs of the file protocol and the log service. They only send
 * requests; whatever a file is, its server keeps it.
 */
#include <l4srv/file.h>
#include <l4srv/log.h>

#include "client.h"

/* A request whose reply carries exactly one word, returned through *out. */
static int call_word(L4_ThreadId_t server, const struct client_msg *rq, L4_Word_t *out)
{
    struct client_msg rp;
    int err = client_call(server, rq, &rp, NULL, 0);
    if (err)
        return err;
    if (rp.u != 1)
        return L4SRV_ERR_GENERIC;
    *out = rp.w[0];
    return 0;
}

int file_open(L4_ThreadId_t server, L4_Word_t object, L4_Word_t flags, L4_Word_t *file)
{
    struct client_msg rq = {.label = FILE_OPEN, .u = 2, .w = {object, flags}};
    return call_word(server, &rq, file);
}

int file_read(L4_ThreadId_t server, L4_Word_t file, void *buf, size_t len, size_t *got)
{
    if (len == 0 || len > FILE_IO_MAX)
        return L4SRV_ERR_INVALID_ARG;
    struct client_msg rq = {.label = FILE_READ, .u = 2, .w = {file, len}};
    struct client_msg rp;
    int err = client_call(server, &rq, &rp, buf, len);
    if (err)
        return err;
    if (rp.u != 1 || !rp.str || rp.len != rp.w[0])
        return L4SRV_ERR_GENERIC;
    *got = rp.len;
    return 0;
}

int file_write(L4_ThreadId_t server, L4_Word_t file, const void *buf, size_t len, size_t *put)
{
    if (len > FILE_IO_MAX)
        return L4SRV_ERR_INVALID_ARG;
    struct client_msg rq = {.label = FILE_WRITE, .u = 1, .w = {file}, .str = buf, .len = len};
    L4_Word_t n;
    int err = call_word(server, &rq, &n);
    if (!err)
        *put = n;
    return err;
}

int file_seek(L4_ThreadId_t server, L4_Word_t file, long offset, L4_Word_t whence, L4_Word_t *pos)
{
    struct client_msg rq = {.label = FILE_SEEK, .u = 3, .w = {file, (L4_Word_t) offset, whence}};
    return call_word(server, &rq, pos);
}

int file_size(L4_ThreadId_t server, L4_Word_t file, L4_Word_t *size)
{
    struct client_msg rq = {.label = FILE_SIZE, .u = 1, .w = {file}};
    return call_word(server, &rq, size);
}

int file_close(L4_ThreadId_t server, L4_Word_t file)
{
    struct client_msg rq = {.label = FILE_CLOSE, .u = 1, .w = {file}};
    struct client_msg rp;
    return client_call(server, &rq, &rp, NULL, 0);
}

int log_write(L4_ThreadId_t server, const char *line)
{
    size_t len = client_strlen(line, LOG_LINE_MAX);
    if (len > LOG_LINE_MAX)
        return L4SRV_ERR_INVALID_ARG;
    struct client_msg rq = {.label = LOG_WRITE, .u = 0, .str = line, .len = len};
    struct client_msg rp;
    return client_call(server, &rq, &rp, NULL, 0);
}
