/*
 * Client interface of the task server (seed 000) and its task objects
 * (seed 001): creating tasks from ELF images, forking, killing, threads,
 * scheduling settings, and what a task's threads find when they start.
 * Each stub returns 0 or an l4srv_error; the encoding is in
 * docs/protocols.md.
 *
 * A task is named by the global ID of its region mapper, the first thread
 * of its space; any other thread ID names just that thread.
 */
#ifndef L4SRV_TASK_H
#define L4SRV_TASK_H

#include <stddef.h>

#include <l4/types.h>
#include <l4srv/errors.h>
#include <l4srv/export.h>

#ifdef __cplusplus
extern "C" {
#endif

enum task_label {
    TASK_NEW = 0x5401,      /* string "path\0cmdline"; MR1 flags -> MR1 task, MR2 main thread */
    TASK_FORK,              /* MR1 ip, MR2 arg0, MR3 arg1 -> MR1 child task, MR2 its thread */
    TASK_EXEC,              /* string "path\0cmdline"; MR1 task (nil: the caller's own) */
    TASK_KILL,              /* MR1 thread or task */
    TASK_START_THREAD,      /* MR1 task, MR2 ip, MR3 sp (0: a guarded stack), MR4 arg0, MR5 arg1 */
    TASK_SET_STAT_INTERVAL, /* MR1 milliseconds */
    TASK_SET_TIMESLICE,     /* MR1 thread, MR2 microseconds */
    TASK_SET_PRIORITY,      /* MR1 thread, MR2 priority 0..255 */
    TASK_SET_PREEMPTION_DELAY, /* MR1 thread, MR2 microseconds */
    TASK_PING,                 /* MR1 task, MR2 timeout in ms -> ok or unresponsive */
    TASK_EXIT,                 /* from a task's own thread: MR1 status; never answered */
    TASK_WAIT,                 /* MR1 task -> MR1 state, MR2 status, once it has ended */
    TASK_INFO,                 /* MR1 task -> struct task_info in MR1.. */
    /* Seed 001's task objects (handles from mk_object in /tasks). */
    TASK_OBJ_START = 0x5420, /* MR1 handle, string "path\0cmdline" */
    TASK_OBJ_GETCMDLINE,     /* -> MR1 length, string: the caller's own command line */
    TASK_OBJ_STATE,          /* MR1 handle -> MR1 enum task_state */
    TASK_OBJ_EXISTS,         /* MR1 handle -> MR1 TASK_EXISTS or TASK_NONEXISTANT */
    TASK_OBJ_TID_TO_HANDLE,  /* MR1 thread -> MR1 handle */
    TASK_OBJ_HANDLE_TO_TID,  /* MR1 handle -> MR1 task */
};

/* TASK_NEW flags. */
#define TASK_LOAD_EAGER 1UL /* fill every page of the image before it starts */

/* Seed 001's constants. */
#define TASK_EXISTS      1
#define TASK_NONEXISTANT 0

enum task_state {
    TASK_NOT_STARTED = 0, /* a task object nobody started yet */
    TASK_STARTED,         /* running */
    TASK_EXITED,          /* called exit; the status says how */
    TASK_KILLED,          /* Kill, or its object was deleted */
    TASK_CRASHED,         /* a fault nobody could resolve; the status is the address */
};

#define TASK_CMDLINE_MAX 255 /* bytes of a command line, without its NUL */
#define TASK_PATH_MAX    255

/*
 * At a started thread's initial stack pointer (16-byte aligned; the entry
 * is called, so it is at the entry's %rsp + 8): what the thread is for.
 * The command line lies above it on the same stack. The entry's first
 * argument (%rdi) is the KIP, as on real L4.
 */
enum task_start_kind {
    TASK_STARTUP_MAIN = 1, /* New or Exec: run the program */
    TASK_STARTUP_FORK,     /* a forked child: arg0, arg1 from the parent's Fork */
    TASK_STARTUP_THREAD,   /* StartThread: arg0, arg1 from the caller */
};

struct task_startup {
    L4_Word_t kind;      /* enum task_start_kind */
    const char *cmdline; /* NUL-terminated, in the thread's own stack */
    L4_Word_t arg[2];
    L4_Word_t task;     /* raw ID of the task (its region mapper) */
    L4_Word_t image;    /* where the image's first byte lies in this space */
    L4_Word_t stack_lo; /* the lowest usable byte of this thread's stack */
};

/* What TASK_INFO tells about a task. */
struct task_info {
    L4_Word_t state; /* enum task_state */
    L4_Word_t status;
    L4_Word_t threads;
    L4_Word_t cpu_us; /* CPU time of its threads (deterministic mode: virtual) */
    L4_Word_t ipc_sent;
    L4_Word_t ipc_received;
    L4_Word_t faults;
    L4_Word_t resident; /* pages */
    L4_Word_t swapped;
};

L4SRV_API L4_ThreadId_t task_server(void);

L4SRV_API int task_new(const char *path, const char *cmdline, L4_Word_t flags, L4_ThreadId_t *task,
                       L4_ThreadId_t *main_thread);
L4SRV_API int task_fork(L4_Word_t ip, L4_Word_t arg0, L4_Word_t arg1, L4_ThreadId_t *child,
                        L4_ThreadId_t *child_thread);
L4SRV_API int task_exec(L4_ThreadId_t task, const char *path, const char *cmdline);
L4SRV_API int task_kill(L4_ThreadId_t thread_or_task);
L4SRV_API int task_start_thread(L4_ThreadId_t task, L4_Word_t ip, L4_Word_t sp, L4_Word_t arg0,
                                L4_Word_t arg1, L4_ThreadId_t *thread);
L4SRV_API int task_set_stat_interval(L4_Word_t ms);
L4SRV_API int task_set_timeslice(L4_ThreadId_t thread, L4_Word_t us);
L4SRV_API int task_set_priority(L4_ThreadId_t thread, L4_Word_t priority);
L4SRV_API int task_set_preemption_delay(L4_ThreadId_t thread, L4_Word_t us);
L4SRV_API int task_ping(L4_ThreadId_t task, L4_Word_t timeout_ms);
L4SRV_API int task_wait(L4_ThreadId_t task, L4_Word_t *state, L4_Word_t *status);
L4SRV_API int task_info(L4_ThreadId_t task, struct task_info *out);

/*
 * Seed 001's task objects. Make one with naming_mk_object(server, dir,
 * NAMING_TASK, name) where naming_lookup("/tasks") found (server, dir);
 * delete it with naming_delete, which kills the task. Each call goes to
 * the server that resolve named (task_server()). Only the object's maker
 * may start or delete it.
 */
/* Run path in a task object that has not started: errors as task_new, generic_error if started. */
L4SRV_API int task_obj_start(L4_ThreadId_t server, L4_Word_t handle, const char *path,
                             const char *cmdline);
/* The calling task's own command line, NUL-terminated in buf (cap bytes). */
L4SRV_API int task_obj_getcmdline(L4_ThreadId_t server, char *buf, size_t cap);
L4SRV_API int task_obj_state(L4_ThreadId_t server, L4_Word_t handle, L4_Word_t *state);
/* TASK_EXISTS or TASK_NONEXISTANT; never an error for a well-formed request. */
L4SRV_API int task_obj_exists(L4_ThreadId_t server, L4_Word_t handle, L4_Word_t *exists);
/* The object of the task any thread belongs to (or an ended task's ID names). */
L4SRV_API int task_obj_tid_to_handle(L4_ThreadId_t server, L4_ThreadId_t tid, L4_Word_t *handle);
/* The task's ID (its region mapper); non_existent until it started. */
L4SRV_API int task_obj_handle_to_tid(L4_ThreadId_t server, L4_Word_t handle, L4_ThreadId_t *tid);

#ifdef __cplusplus
}
#endif

#endif /* L4SRV_TASK_H */
