/*
 * Inside the task server: the handles of its part of the namespace, which
 * objects.c (naming and task objects) and taskfs.c (the file protocol on
 * /stats/tasks) share.
 *
 * A handle is kind << 60 | payload. The two directories have no payload;
 * a task, its /stats directory and its task file carry the record's
 * generation and slot (gen << 6 | slot), so a reused record never answers
 * an old handle; a thread file carries the thread's global ID, which no
 * other thread has while it lives (thread number << 32 | version: it fits
 * the 60 bits while thread numbers stay below 2^28, as l4sim's do).
 */
#ifndef TASKSERVER_OBJECTS_H
#define TASKSERVER_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>

#include <l4/types.h>

#include "../root/server.h"
#include "taskserver.h"

enum obj_kind {
    OBJ_TASKS_DIR = 1, /* /tasks */
    OBJ_STATS_DIR,     /* /stats/tasks */
    OBJ_TASK,          /* /tasks/NAME: a task object */
    OBJ_STATS_TASK,    /* /stats/tasks/NAME: a directory */
    OBJ_TASK_FILE,     /* /stats/tasks/NAME/task */
    OBJ_THREAD_FILE,   /* /stats/tasks/NAME/NO.VERSION, one per live thread */
};

#define OBJ_KIND_SHIFT 60
#define OBJ_SLOT_BITS  6 /* MAX_TASKS is 64 */

struct obj {
    enum obj_kind kind;
    struct task *task; /* NULL for the two directories */
    unsigned thread;   /* OBJ_THREAD_FILE: the slot, or TASK_MAX_THREADS for the rm */
};

/* The object a handle names now; false for a forged or stale handle. */
bool obj_decode(L4_Word_t handle, struct obj *o);
L4_Word_t obj_handle(enum obj_kind kind, const struct task *t, unsigned thread);
/* The naming type the object answers to (NAMING_DIRECTORY, NAMING_TASK, NAMING_FILE). */
L4_Word_t obj_type(enum obj_kind kind);

/* The file protocol on our objects (taskfs.c). */
void taskfs_serve(const struct srv_req *rq);
void taskfs_fini(void);

#endif /* TASKSERVER_OBJECTS_H */
