/*
 * The log service: a thread of the root task registered as /services/log.
 * Each line it is sent goes into the kernel trace and is appended to
 * /logs/system, which anyone may read. It keeps nothing but that file.
 */
#include <l4/kdebug.h>
#include <l4srv/file.h>
#include <l4srv/log.h>
#include <l4srv/naming.h>

#include "root.h"
#include "server.h"

/* Set before the service answers its first request, then only read by its thread. */
static L4_ThreadId_t file_server;
static L4_Word_t log_file;

static int open_log_file(void)
{
    struct naming_result logs;
    L4_Word_t object;
    int err = naming_lookup("/logs", &logs);
    if (!err)
        err = naming_mk_object(logs.server, logs.handle, NAMING_FILE, "system", &object);
    if (!err)
        err = file_open(logs.server, object, FILE_OPEN_WRITE, &log_file);
    file_server = logs.server;
    return err;
}

static int log_line(const struct srv_req *rq, char *buf)
{
    if (rq->label != LOG_WRITE || !srv_shape(rq, 0, 1) || rq->len == 0)
        return L4SRV_ERR_INVALID_ARG;
    /* One line per request: control characters would forge or break lines. */
    for (size_t i = 0; i < rq->len; i++)
        if ((unsigned char) buf[i] < 0x20 || buf[i] == 0x7f)
            buf[i] = '?';
    buf[rq->len] = '\n';
    buf[rq->len + 1] = 0;
    char note[LOG_LINE_MAX + 8] = "log: ";
    for (size_t i = 0; i < rq->len; i++)
        note[5 + i] = buf[i];
    note[5 + rq->len] = 0;
    L4_KDB_PrintString(note);
    size_t put;
    return file_write(file_server, log_file, buf, rq->len + 1, &put);
}

void log_service(void *kip)
{
    (void) kip;
    static char buf[LOG_LINE_MAX + 2]; /* the line, its newline and a NUL */
    service_ready(service_register("/services", NAMING_SERVICE, "log", 0) == 0 &&
                  open_log_file() == 0);
    struct srv_req rq;
    for (;;) {
        srv_receive(&rq, buf, LOG_LINE_MAX);
        int err = log_line(&rq, buf);
        srv_reply(&rq, (L4_Word_t) err, 0, NULL, NULL, 0);
    }
}
