/*
 * The file protocol on the task server's objects: /stats/tasks/NAME/task
 * (a task's totals), /stats/tasks/NAME/NO.VERSION (one thread's counters)
 * and listings of the directories. Each file's text is made when it is
 * opened, one "key value" line per counter, and read from that snapshot;
 * nothing here can be written.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4srv/file.h>

#include "../root/genfile.h"
#include "objects.h"

#define MAX_OPEN  32
#define TEXT_MAX  4096 /* bytes of one file; a listing of 64 tasks fits */
#define FILE_BITS 8    /* file handle = gen << FILE_BITS | index */

struct open_file {
    bool used;
    L4_Word_t gen;    /* bumped at each open, so a closed handle goes stale */
    L4_Word_t owner;  /* global ID of the opener: only it may use the handle */
    L4_Word_t object; /* checked at each use: a deleted object's files answer non_existent */
    L4_Word_t offset;
    size_t len;
    char *text;
};

static struct open_file files[MAX_OPEN];

/* ------------------------------------------------------------ the text */

static void put_thread_name(struct gentext *t, L4_ThreadId_t id, L4_Word_t type)
{
    gentext_put(t, "%lu.%lu %lu\n", L4_ThreadNo(id), L4_Version(id), type);
}

/* "name type" lines, as the root name service lists its directories. */
static void list(struct gentext *t, const struct obj *o)
{
    if (o->kind == OBJ_STATS_TASK) {
        gentext_put(t, "task %u\n", NAMING_FILE);
        if (!task_alive(o->task))
            return;
        put_thread_name(t, o->task->rm, NAMING_FILE);
        for (unsigned i = 0; i < TASK_MAX_THREADS; i++)
            if (!L4_IsNilThread(o->task->threads[i]))
                put_thread_name(t, o->task->threads[i], NAMING_FILE);
        return;
    }
    L4_Word_t type = o->kind == OBJ_TASKS_DIR ? NAMING_TASK : NAMING_DIRECTORY;
    for (unsigned i = 0; i < MAX_TASKS; i++)
        if (task_table[i].used)
            gentext_put(t, "%s %lu\n", task_table[i].name, type);
}

static void task_file(struct gentext *t, struct task *task)
{
    struct task_info info = task_statistics(task, TASK_MAX_THREADS);
    gentext_put(t, "name %s\n", task->name);
    if (task->state != TASK_NOT_STARTED)
        gentext_put(t, "id %lu.%lu\n", L4_ThreadNo(task->rm), L4_Version(task->rm));
    gentext_put(t, "path %s\ncmdline %s\n", task->path, task->cmdline);
    gentext_put(t, "state %s\nstatus %lu\nthreads %lu\n", task_state_name(info.state), info.status,
                info.threads);
    gentext_put(t, "cpu_us %lu\nipc_sent %lu\nipc_received %lu\npage_faults %lu\n", info.cpu_us,
                info.ipc_sent, info.ipc_received, info.faults);
    gentext_put(t, "resident_pages %lu\nswapped_pages %lu\n", info.resident, info.swapped);
}

static const char *thread_state(L4_Word_t result)
{
    static const char *const names[] = {
        [L4_SCHEDRESULT_ERROR] = "unknown",
        [L4_SCHEDRESULT_DEAD] = "dead",
        [L4_SCHEDRESULT_INACTIVE] = "inactive",
        [L4_SCHEDRESULT_RUNNING] = "running",
        [L4_SCHEDRESULT_PENDING_SEND] = "pending_send",
        [L4_SCHEDRESULT_SENDING] = "sending",
        [L4_SCHEDRESULT_WAITING] = "waiting",
        [L4_SCHEDRESULT_RECEIVING] = "receiving",
    };
    result &= 0xff;
    return result < sizeof(names) / sizeof(names[0]) ? names[result] : "unknown";
}

static void thread_file(struct gentext *t, const struct obj *o)
{
    bool rm = o->thread == TASK_MAX_THREADS;
    L4_ThreadId_t id = rm ? o->task->rm : o->task->threads[o->thread];
    L4_ThreadStats_t st = {0};
    L4_ThreadStats(id, &st);
    /* All "leave it" controls: L4_Schedule only reports the thread's state. */
    L4_Word_t state = L4_Schedule(id, ~0UL, ~0UL, ~0UL, ~0UL, NULL);
    gentext_put(t, "id %lu.%lu\ntask %s\nrole %s\n", L4_ThreadNo(id), L4_Version(id), o->task->name,
                rm ? "region_mapper" : "thread");
    gentext_put(t, "state %s\npriority %lu\n", thread_state(state), st.priority);
    gentext_put(t, "cpu_us %lu\nipc_sent %lu\nipc_received %lu\npage_faults %lu\n", st.cpu_us,
                st.ipc_sent, st.ipc_received, st.page_faults);
}

/* ----------------------------------------------------------- the table */

static L4_Word_t file_handle(unsigned i)
{
    return files[i].gen << FILE_BITS | i;
}

/*
 * The caller's open file named by handle, or an error; with live, only if
 * its object still exists (a file of a deleted task can still be closed).
 */
static int file_of(const struct srv_req *rq, L4_Word_t handle, bool live, struct open_file **f)
{
    struct obj o;
    L4_Word_t i = handle & ((1UL << FILE_BITS) - 1);
    if (i >= MAX_OPEN || !files[i].used || file_handle((unsigned) i) != handle ||
        files[i].owner != rq->client.raw || (live && !obj_decode(files[i].object, &o)))
        return L4SRV_ERR_NON_EXISTENT;
    *f = &files[i];
    return L4SRV_OK;
}

static int do_open(const struct srv_req *rq, L4_Word_t *handle)
{
    struct obj o;
    if (!srv_shape(rq, 2, 0))
        return L4SRV_ERR_INVALID_ARG;
    L4_Word_t flags = rq->w[1];
    if (flags == 0 || (flags & ~(FILE_OPEN_READ | FILE_OPEN_WRITE)))
        return L4SRV_ERR_INVALID_ARG;
    if (!obj_decode(rq->w[0], &o))
        return L4SRV_ERR_NON_EXISTENT;
    if (o.kind == OBJ_TASK)
        return L4SRV_ERR_INVALID_ARG; /* a task is no file: see the task-object calls */
    if (flags & FILE_OPEN_WRITE)
        return L4SRV_ERR_FILE_ACCESS; /* generated files and listings are read-only */
    unsigned i = 0;
    while (i < MAX_OPEN && files[i].used)
        i++;
    if (i == MAX_OPEN)
        return L4SRV_ERR_NO_MEM;
    struct gentext t = {.buf = malloc(TEXT_MAX), .cap = TEXT_MAX};
    if (!t.buf)
        return L4SRV_ERR_NO_MEM;
    if (o.kind == OBJ_TASK_FILE)
        task_file(&t, o.task);
    else if (o.kind == OBJ_THREAD_FILE)
        thread_file(&t, &o);
    else
        list(&t, &o);
    struct open_file *f = &files[i];
    *f = (struct open_file){.used = true,
                            .gen = f->gen + 1,
                            .owner = rq->client.raw,
                            .object = rq->w[0],
                            .len = t.len,
                            .text = t.buf};
    *handle = file_handle(i);
    return L4SRV_OK;
}

static void do_read(const struct srv_req *rq)
{
    struct open_file *f = NULL;
    int err = srv_shape(rq, 2, 0) ? file_of(rq, rq->w[0], true, &f) : L4SRV_ERR_INVALID_ARG;
    if (!err && (rq->w[1] == 0 || rq->w[1] > FILE_IO_MAX))
        err = L4SRV_ERR_INVALID_ARG;
    if (!err && f->offset >= f->len)
        err = L4SRV_ERR_END_OF_FILE;
    if (err) {
        srv_reply(rq, (L4_Word_t) err, 0, NULL, NULL, 0);
        return;
    }
    L4_Word_t n = f->len - f->offset < rq->w[1] ? f->len - f->offset : rq->w[1];
    if (srv_reply(rq, L4SRV_OK, 1, &n, f->text + f->offset, n))
        f->offset += n; /* only what the client received counts as read */
}

void taskfs_serve(const struct srv_req *rq)
{
    struct open_file *f = NULL;
    L4_Word_t word = 0;
    int err;
    switch (rq->label) {
    case FILE_OPEN:
        err = do_open(rq, &word);
        break;
    case FILE_READ:
        do_read(rq);
        return;
    case FILE_WRITE:
        err = !srv_shape(rq, 1, 1)                      ? L4SRV_ERR_INVALID_ARG
              : (err = file_of(rq, rq->w[0], true, &f)) ? err
                                                        : L4SRV_ERR_FILE_ACCESS;
        break;
    case FILE_SEEK:
        err = !srv_shape(rq, 3, 0) ? L4SRV_ERR_INVALID_ARG : file_of(rq, rq->w[0], true, &f);
        if (!err && !(err = genfile_seek(f->offset, f->len, rq->w[1], rq->w[2], &word)))
            f->offset = word;
        break;
    case FILE_SIZE:
        err = !srv_shape(rq, 1, 0) ? L4SRV_ERR_INVALID_ARG : file_of(rq, rq->w[0], true, &f);
        if (!err)
            word = f->len;
        break;
    default: /* FILE_CLOSE */
        err = !srv_shape(rq, 1, 0) ? L4SRV_ERR_INVALID_ARG : file_of(rq, rq->w[0], false, &f);
        if (!err) {
            free(f->text);
            f->text = NULL;
            f->used = false;
        }
        srv_reply(rq, (L4_Word_t) err, 0, NULL, NULL, 0);
        return;
    }
    srv_reply(rq, (L4_Word_t) err, err ? 0 : 1, &word, NULL, 0);
}

void taskfs_fini(void)
{
    for (unsigned i = 0; i < MAX_OPEN; i++)
        free(files[i].text);
    memset(files, 0, sizeof(files));
}
