/*
 * Inside the task server: the task table, and the state each region
 * mapper shares with it. A region mapper is the task server's agent in a
 * task's space: it runs the task server's code on a thread of that space
 * and reads the host memory the task server prepared for it (the image,
 * the command line). Only IPC passes between them while both run.
 */
#ifndef TASKSERVER_H
#define TASKSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <l4/types.h>
#include <l4srv/naming.h>
#include <l4srv/rm.h>
#include <l4srv/task.h>

#include "elf.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)

#define RM_MAX_REGIONS     64
#define TASK_MAX_THREADS   16        /* threads of one task besides its region mapper */
#define MAIN_STACK_SIZE    0x80000UL /* 512 KiB below the region mapper */
#define THREAD_STACK       0x10000UL /* 64 KiB for each further thread */
#define RM_CALL_TIMEOUT_MS 2000      /* how long the task server waits for a region mapper */

/* ------------------------------------------------- region mapper state */

struct rm_region {
    L4_Word_t start, size; /* addresses in the task's space, page aligned */
    uint8_t kind;          /* enum rm_region_kind */
    uint8_t rights;
    bool guarded;        /* an unmapped page on both sides */
    L4_ThreadId_t owner; /* RM_REGION_STACK: the thread it is for (nil: the rm's own) */
};

/*
 * Written by the task server before the region mapper starts and read
 * back only after it is gone; in between the region mapper alone uses it.
 * Nothing in it is allocated by the region mapper, so killing it at any
 * instant leaves nothing half-freed.
 */
struct rm_state {
    L4_ThreadId_t self, server;
    L4_Word_t base, size;                    /* the window */
    struct elf_image *image;                 /* the program (a reference owned by the task) */
    L4_Word_t image_base;                    /* where the image's offset 0 lies */
    L4_ThreadId_t threads[TASK_MAX_THREADS]; /* the threads it pages */
    unsigned nregions;
    struct rm_region regions[RM_MAX_REGIONS];    /* sorted by start, never overlapping */
    uint64_t page[PAGE_SIZE / sizeof(uint64_t)]; /* one page being built */
};

/* Labels between the task server and a region mapper (docs/protocols.md). */
enum rm_internal_label {
    RMI_INIT = 0x5280, /* MR1 state: take it, answer ok */
    RMI_START,       /* MR1 thread, MR2 ip, MR3 sp, MR4 kind, MR5 arg0, MR6 arg1, string cmdline */
    RMI_THREAD_GONE, /* MR1 thread: forget it and free its stack */
    RMI_LOAD,        /* MR1 image, MR2 flags: drop every region but the rm's, attach the image */
    RMI_FORK_COPY,   /* MR1 child's state: copy our regions and image into it */
    RMI_FORKED,      /* MR1 parent's image base: we are a copy; rebase what relocations name */
    RMI_FAULT = 0x5290, /* rm -> server: MR1 thread, MR2 address, MR3 ip, MR4 enum rm_fault */
};

enum rm_fault {
    RM_FAULT_UNMAPPED = 1, /* in no region */
    RM_FAULT_RIGHTS,       /* an access the region does not allow */
    RM_FAULT_OVERFLOW,     /* the guard page of a stack */
    RM_FAULT_REFUSED,      /* the provider could not supply the page */
    RM_FAULT_OUTSIDE,      /* an exception: a touch outside the task's window */
};

void rm_main(void *kip);
const char *rm_fault_name(L4_Word_t reason);

/* The region table (regions.c); addresses are absolute. */
struct rm_region *rm_find(struct rm_state *st, L4_Word_t addr);
struct rm_region *rm_insert(struct rm_state *st, L4_Word_t start, L4_Word_t size, unsigned kind,
                            unsigned rights, bool guarded);
void rm_remove(struct rm_state *st, struct rm_region *r);
L4_Word_t rm_place(const struct rm_state *st, L4_Word_t size, bool guarded, L4_Word_t limit);
bool rm_in_guard(const struct rm_state *st, L4_Word_t addr);

/* ------------------------------------------------------------- tasks */

struct task {
    bool used;
    bool object;     /* made by mk_object: kept, even ended, until its owner deletes it */
    uint64_t gen;    /* unique to this use of the record; its handles carry it */
    L4_Word_t owner; /* global ID of the thread that made it (mk_object, New or Fork) */
    char name[NAMING_NAME_MAX + 1]; /* its entry in /tasks and /stats/tasks */
    enum task_state state;
    L4_Word_t status;
    L4_ThreadId_t rm; /* the task's ID */
    L4_ThreadId_t threads[TASK_MAX_THREADS];
    struct rm_state *rm_state;
    struct elf_image *image; /* the task's reference; the region mapper borrows it */
    char cmdline[TASK_CMDLINE_MAX + 1];
    char path[TASK_PATH_MAX + 1];
    uint64_t ended_at;       /* order of ending, for reusing the oldest slot first */
    struct task_info sample; /* the last statistics taken (TASK_INFO) */
    uint64_t sampled_at;     /* when, in µs of the system clock */
};

#define MAX_TASKS 64

/*
 * The task table and what the rest of the task server may do with it
 * (task.c). Everything here runs on the task server's thread alone.
 */
extern struct task task_table[MAX_TASKS];

struct srv_req;

bool task_alive(const struct task *t);
/* The live task id names (its region mapper), and which thread (TASK_MAX_THREADS: the rm). */
struct task *task_of(L4_ThreadId_t id, unsigned *thread);
/* The record of the task whose region mapper was rm, even ended; or NULL. */
struct task *task_record(L4_ThreadId_t rm);
/* The record called name (len bytes), or NULL. */
struct task *task_by_name(const char *name, size_t len);
/* A request's string "path\0cmdline", split in place (buf holds it) and checked. */
int task_split_request(const struct srv_req *rq, char *buf, const char **path,
                       const char **cmdline);
/* A fresh record with a new generation, or NULL if every one is live or kept. */
struct task *task_alloc(void);
/* Name t after the program at path (its last component) and its generation. */
void task_auto_name(struct task *t, const char *path);
/* Make t's space, load path into it and start it; on failure t holds no space. */
int task_launch(struct task *t, const char *path, const char *cmdline, L4_Word_t flags);
void task_end(struct task *t, enum task_state state, L4_Word_t status);
/* t's statistics (thread slot, or TASK_MAX_THREADS for the whole task), as TASK_INFO answers. */
struct task_info task_statistics(struct task *t, unsigned slot);
const char *task_state_name(L4_Word_t state);

/* Task objects and the task server's part of the namespace (objects.c). */
/* Serve rq if it is a naming, file or task-object request; false if not ours. */
bool objects_serve(const struct srv_req *rq, char *buf);
/* Make /tasks and /stats/tasks in the root name service, served by us. */
int objects_mount(void);
void objects_fini(void);

/* Loading an image through the name service and the file protocol (loader.c). */
int loader_read(const char *path, L4_Word_t room, struct elf_image **out);

#endif /* TASKSERVER_H */
