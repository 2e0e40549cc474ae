/*
 * Task objects (seed 001) and the task server's part of the namespace.
 * At boot the task server makes /tasks and /stats/tasks in the root name
 * service and binds both to itself, so a walk that reaches them continues
 * here. /tasks holds one task object per task record: mk_object(TASK)
 * makes one that has not started, start runs a program in it, delete
 * kills it. Tasks made by New or Fork appear there too, named after their
 * program. The file protocol on these objects is in taskfs.c.
 */
#include <stdio.h>
#include <string.h>

#include <l4/kdebug.h>
#include <l4/thread.h>
#include <l4srv/file.h>
#include <l4srv/naming.h>

#include "../root/path.h"
#include "objects.h"

#define KIND_OF(handle) ((handle) >> OBJ_KIND_SHIFT)
#define PAYLOAD(handle) ((handle) & ((1UL << OBJ_KIND_SHIFT) - 1))
#define SLOT_MASK       ((1UL << OBJ_SLOT_BITS) - 1)

/* ------------------------------------------------------------- handles */

L4_Word_t obj_handle(enum obj_kind kind, const struct task *t, unsigned thread)
{
    L4_Word_t head = (L4_Word_t) kind << OBJ_KIND_SHIFT;
    switch (kind) {
    case OBJ_TASKS_DIR:
    case OBJ_STATS_DIR:
        return head;
    case OBJ_THREAD_FILE:
        return head | (thread == TASK_MAX_THREADS ? t->rm : t->threads[thread]).raw;
    default:
        return head | (L4_Word_t) t->gen << OBJ_SLOT_BITS | (L4_Word_t) (t - task_table);
    }
}

bool obj_decode(L4_Word_t handle, struct obj *o)
{
    *o = (struct obj){.kind = (enum obj_kind) KIND_OF(handle)};
    switch (o->kind) {
    case OBJ_TASKS_DIR:
    case OBJ_STATS_DIR:
        return PAYLOAD(handle) == 0;
    case OBJ_TASK:
    case OBJ_STATS_TASK:
    case OBJ_TASK_FILE: {
        struct task *t = &task_table[handle & SLOT_MASK];
        o->task = t;
        return t->used && t->gen == PAYLOAD(handle) >> OBJ_SLOT_BITS;
    }
    case OBJ_THREAD_FILE: {
        L4_ThreadId_t tid = {.raw = PAYLOAD(handle)};
        o->task = L4_IsGlobalId(tid) ? task_of(tid, &o->thread) : NULL;
        return o->task != NULL;
    }
    }
    return false;
}

L4_Word_t obj_type(enum obj_kind kind)
{
    switch (kind) {
    case OBJ_TASK:
        return NAMING_TASK;
    case OBJ_TASK_FILE:
    case OBJ_THREAD_FILE:
        return NAMING_FILE;
    default:
        return NAMING_DIRECTORY;
    }
}

/* -------------------------------------------------------------- resolve */

/* The thread of t called "NO.VERSION", as traces print thread IDs. */
static bool find_thread(struct task *t, const char *name, size_t len, unsigned *slot)
{
    char want[32];
    for (unsigned i = 0; i <= TASK_MAX_THREADS && task_alive(t); i++) {
        L4_ThreadId_t id = i == TASK_MAX_THREADS ? t->rm : t->threads[i];
        if (L4_IsNilThread(id))
            continue;
        int n = snprintf(want, sizeof(want), "%lu.%lu", L4_ThreadNo(id), L4_Version(id));
        if ((size_t) n == len && !memcmp(want, name, len)) {
            *slot = i;
            return true;
        }
    }
    return false;
}

/* One step down from directory o by the component name; an error if there is none. */
static int step(struct obj *o, const char *name, size_t len)
{
    struct task *t;
    switch (o->kind) {
    case OBJ_TASKS_DIR:
    case OBJ_STATS_DIR:
        if (!(t = task_by_name(name, len)))
            return L4SRV_ERR_NON_EXISTENT;
        *o = (struct obj){.kind = o->kind == OBJ_TASKS_DIR ? OBJ_TASK : OBJ_STATS_TASK, .task = t};
        return L4SRV_OK;
    case OBJ_STATS_TASK:
        if (len == 4 && !memcmp(name, "task", 4)) {
            o->kind = OBJ_TASK_FILE;
            return L4SRV_OK;
        }
        if (!find_thread(o->task, name, len, &o->thread))
            return L4SRV_ERR_NON_EXISTENT;
        o->kind = OBJ_THREAD_FILE;
        return L4SRV_OK;
    default:
        return L4SRV_ERR_INVALID_PATH; /* a task or a file has nothing below it */
    }
}

static int resolve(const struct srv_req *rq, const char *path, L4_Word_t *out)
{
    struct obj o;
    if (!srv_shape(rq, 1, 1))
        return L4SRV_ERR_INVALID_ARG;
    /* Absolute paths start at the root name service, never here. */
    if (!path_valid(path, rq->len) || path[0] == '/')
        return L4SRV_ERR_INVALID_PATH;
    if (!obj_decode(rq->w[0], &o))
        return L4SRV_ERR_NON_EXISTENT;
    if (obj_type(o.kind) != NAMING_DIRECTORY)
        return L4SRV_ERR_INVALID_PATH;
    L4_Word_t parts = 0;
    for (size_t i = 0; i < rq->len; parts++) {
        size_t n = path_component(path, i, rq->len);
        int err = step(&o, path + i, n);
        if (err)
            return err;
        i += n + 1;
    }
    out[0] = L4_Myself().raw;
    out[1] = obj_handle(o.kind, o.task, o.thread);
    out[2] = parts;
    out[3] = obj_type(o.kind);
    return L4SRV_OK;
}

/* --------------------------------------------------- making and deleting */

static int mk_object(const struct srv_req *rq, const char *name, L4_Word_t *handle)
{
    struct obj dir;
    if (!srv_shape(rq, 2, 1))
        return L4SRV_ERR_INVALID_ARG;
    L4_Word_t type = rq->w[1];
    if (type == 0 || type >= NAMING_TYPE_COUNT)
        return L4SRV_ERR_INVALID_ARG;
    if (!path_valid_name(name, rq->len))
        return L4SRV_ERR_INVALID_PATH;
    if (!obj_decode(rq->w[0], &dir))
        return L4SRV_ERR_NON_EXISTENT;
    if (obj_type(dir.kind) != NAMING_DIRECTORY)
        return L4SRV_ERR_INVALID_ARG;
    if (dir.kind != OBJ_TASKS_DIR || type != NAMING_TASK)
        return L4SRV_ERR_FILE_ACCESS; /* /stats/tasks is ours to fill; /tasks takes tasks */
    if (task_by_name(name, rq->len))
        return L4SRV_ERR_EXISTS;
    struct task *t = task_alloc();
    if (!t)
        return L4SRV_ERR_NO_MEM;
    t->used = true;
    t->object = true;
    t->owner = rq->client.raw;
    t->state = TASK_NOT_STARTED;
    memcpy(t->name, name, rq->len);
    *handle = obj_handle(OBJ_TASK, t, 0);
    return L4SRV_OK;
}

/* The task object handle names, if the caller made it. */
static int owned_task(const struct srv_req *rq, L4_Word_t handle, struct task **t)
{
    struct obj o;
    if (!obj_decode(handle, &o))
        return L4SRV_ERR_NON_EXISTENT;
    if (o.kind != OBJ_TASK)
        return L4SRV_ERR_NO_PRIVILEGE; /* the directories and files are the system's */
    if (o.task->owner != rq->client.raw)
        return L4SRV_ERR_NO_PRIVILEGE;
    *t = o.task;
    return L4SRV_OK;
}

/* Seed 001: "to kill a task, delete the object associated with the handle". */
static int delete_object(const struct srv_req *rq)
{
    struct task *t;
    if (!srv_shape(rq, 1, 0))
        return L4SRV_ERR_INVALID_ARG;
    int err = owned_task(rq, rq->w[0], &t);
    if (err)
        return err;
    if (task_alive(t)) {
        char line[NAMING_NAME_MAX + 48];
        snprintf(line, sizeof(line), "task: %s deleted, so killed", t->name);
        L4_KDB_PrintString(line);
        task_end(t, TASK_KILLED, 0);
    }
    memset(t, 0, sizeof(*t)); /* the handle goes stale with the record */
    return L4SRV_OK;
}

/* ---------------------------------------------------------- task objects */

static int obj_start(const struct srv_req *rq, char *buf)
{
    struct task *t;
    const char *path, *cmdline;
    if (rq->u != 1 || !rq->has_str)
        return L4SRV_ERR_INVALID_ARG;
    int err = owned_task(rq, rq->w[0], &t);
    if (!err)
        err = task_split_request(rq, buf, &path, &cmdline);
    if (err)
        return err;
    if (t->state != TASK_NOT_STARTED)
        return L4SRV_ERR_GENERIC; /* started once already */
    err = task_launch(t, path, cmdline, 0);
    if (err) {
        /* As it was: an object that has not started, ready for another try. */
        struct task keep = *t;
        *t = (struct task){.used = true, .object = true, .gen = keep.gen, .owner = keep.owner};
        memcpy(t->name, keep.name, sizeof(t->name));
    }
    return err;
}

/* Any task object, live or ended, by handle. */
static struct task *task_object(L4_Word_t handle)
{
    struct obj o;
    return obj_decode(handle, &o) && o.kind == OBJ_TASK ? o.task : NULL;
}

static void obj_getcmdline(const struct srv_req *rq)
{
    unsigned slot;
    struct task *t = srv_shape(rq, 0, 0) ? task_of(rq->client, &slot) : NULL;
    if (!t) {
        int err = srv_shape(rq, 0, 0) ? L4SRV_ERR_NON_EXISTENT : L4SRV_ERR_INVALID_ARG;
        srv_reply(rq, (L4_Word_t) err, 0, NULL, NULL, 0);
        return;
    }
    L4_Word_t len = strlen(t->cmdline);
    srv_reply(rq, L4SRV_OK, 1, &len, t->cmdline, len);
}

/* The word-only task-object calls; 0 or an error, the answer in *out. */
static int obj_query(const struct srv_req *rq, L4_Word_t *out)
{
    if (!srv_shape(rq, 1, 0))
        return L4SRV_ERR_INVALID_ARG;
    struct task *t = task_object(rq->w[0]);
    switch (rq->label) {
    case TASK_OBJ_EXISTS:
        *out = t ? TASK_EXISTS : TASK_NONEXISTANT;
        return L4SRV_OK;
    case TASK_OBJ_STATE:
        if (!t)
            return L4SRV_ERR_NON_EXISTENT;
        *out = t->state;
        return L4SRV_OK;
    case TASK_OBJ_HANDLE_TO_TID:
        if (!t || t->state == TASK_NOT_STARTED)
            return L4SRV_ERR_NON_EXISTENT; /* no thread until it starts */
        *out = t->rm.raw;
        return L4SRV_OK;
    default: { /* TASK_OBJ_TID_TO_HANDLE: any thread of a live task, or an ended task's ID */
        unsigned slot;
        L4_ThreadId_t id = {.raw = rq->w[0]};
        if (!(t = task_of(id, &slot)) && !(t = task_record(id)))
            return L4SRV_ERR_NON_EXISTENT;
        *out = obj_handle(OBJ_TASK, t, 0);
        return L4SRV_OK;
    }
    }
}

/* ------------------------------------------------------------ dispatch */

bool objects_serve(const struct srv_req *rq, char *buf)
{
    L4_Word_t out[4] = {0};
    unsigned words = 1;
    int err;
    switch (rq->label) {
    case NAMING_RESOLVE:
        err = resolve(rq, buf, out);
        words = 4;
        break;
    case NAMING_MK_OBJECT:
        err = mk_object(rq, buf, out);
        break;
    case NAMING_DELETE:
        err = delete_object(rq);
        words = 0;
        break;
    case NAMING_REGISTER: {
        struct obj o;
        err = !srv_shape(rq, 3, 0)        ? L4SRV_ERR_INVALID_ARG
              : !obj_decode(rq->w[0], &o) ? L4SRV_ERR_NON_EXISTENT
                                          : L4SRV_ERR_INVALID_ARG; /* nothing here binds */
        break;
    }
    case FILE_OPEN:
    case FILE_READ:
    case FILE_WRITE:
    case FILE_SEEK:
    case FILE_SIZE:
    case FILE_CLOSE:
        taskfs_serve(rq);
        return true;
    case TASK_OBJ_START:
        err = obj_start(rq, buf);
        words = 0;
        break;
    case TASK_OBJ_GETCMDLINE:
        obj_getcmdline(rq);
        return true;
    case TASK_OBJ_STATE:
    case TASK_OBJ_EXISTS:
    case TASK_OBJ_TID_TO_HANDLE:
    case TASK_OBJ_HANDLE_TO_TID:
        err = obj_query(rq, out);
        break;
    default:
        return false;
    }
    srv_reply(rq, (L4_Word_t) err, err ? 0 : words, out, NULL, 0);
    return true;
}

/* ---------------------------------------------------------------- mount */

/* Make directory name in dir_path and bind it to us, answering as handle. */
static int mount(const char *dir_path, const char *name, L4_Word_t handle)
{
    struct naming_result dir;
    L4_Word_t made;
    int err = naming_lookup(dir_path, &dir);
    if (!err)
        err = naming_mk_object(dir.server, dir.handle, NAMING_DIRECTORY, name, &made);
    if (!err)
        err = naming_register(dir.server, made, L4_Myself(), handle);
    return err;
}

int objects_mount(void)
{
    int err = mount("/", "tasks", obj_handle(OBJ_TASKS_DIR, NULL, 0));
    return err ? err : mount("/stats", "tasks", obj_handle(OBJ_STATS_DIR, NULL, 0));
}

void objects_fini(void)
{
    taskfs_fini();
}
