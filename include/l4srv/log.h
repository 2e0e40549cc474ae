/*
 * Client interface of the log service, which registers itself as
 * /services/log: each line goes to the kernel trace and to /logs/system.
 */
#ifndef L4SRV_LOG_H
#define L4SRV_LOG_H

#include <l4/types.h>
#include <l4srv/errors.h>
#include <l4srv/export.h>

#ifdef __cplusplus
extern "C" {
#endif

enum log_label {
    LOG_WRITE = 0x4c01,
};

#define LOG_LINE_MAX 200 /* bytes in one line */

/* Append one line (no newline needed) through the log service at server. */
L4SRV_API int log_write(L4_ThreadId_t server, const char *line);

#ifdef __cplusplus
}
#endif

#endif /* L4SRV_LOG_H */
