/*
 * The task service (seed 000): a thread of the root task that starts the
 * backing store at boot, then creates, forks, execs and kills tasks. Each
 * task is a space made by the MM server whose first thread is its region
 * mapper; the task server creates the other threads and tells the region
 * mapper to start them. The protocol is in docs/protocols.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/ipc.h>
#include <l4/kdebug.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/sigma0.h>
#include <l4/space.h>
#include <l4/thread.h>
#include <l4srv/call.h>
#include <l4srv/faultpoint.h>
#include <l4srv/file.h>
#include <l4srv/ids.h>
#include <l4srv/mm.h>

#include "../mmserver/start.h"
#include "../root/server.h"
#include "start.h"
#include "taskserver.h"

#define TASK_READY 0x5400 /* task service -> root: started, with the store's state in MR1 */
#define TASK_MOUNT 0x543f /* root -> task service: the name service runs, mount our part */
#define TASK_AUDIT 0x543e /* root -> task service: -> MR1 ended tasks with a space, MR2 one */

/* Thread numbers for tasks, counted from the root task's. */
#define THREAD_FIRST 256
#define THREAD_COUNT 512
#define MAX_WAITERS  64

struct waiter {
    struct srv_req rq; /* the TASK_WAIT still to be answered */
    struct task *task;
};

/* All of it belongs to the task server's thread. */
static struct {
    struct l4srv_options options;
    L4_ThreadId_t root;
    uint64_t generations; /* handed out so far: each use of a record gets the next */
    uint8_t thread_used[THREAD_COUNT];
    uint8_t thread_version[THREAD_COUNT];
    struct waiter waiters[MAX_WAITERS];
    uint64_t ended;
    L4_Word_t stat_interval_ms;
} ts;

/* ---------------------------------------------------------- threads */

static L4_ThreadId_t thread_alloc(void)
{
    for (unsigned i = 0; i < THREAD_COUNT; i++)
        if (!ts.thread_used[i]) {
            ts.thread_used[i] = 1;
            /* A fresh version for each use: an old ID never names the new thread. Versions
             * 1..63 keep the low six bits nonzero, which global IDs need. */
            ts.thread_version[i] = (uint8_t) (ts.thread_version[i] % 63 + 1);
            return L4_GlobalId(l4srv_root_threadno() + THREAD_FIRST + i, ts.thread_version[i]);
        }
    return L4_nilthread;
}

static void thread_free(L4_ThreadId_t t)
{
    L4_Word_t i = L4_ThreadNo(t) - l4srv_root_threadno() - THREAD_FIRST;
    if (i < THREAD_COUNT)
        ts.thread_used[i] = 0;
}

/* ------------------------------------------------------------ tasks */

struct task task_table[MAX_TASKS];

bool task_alive(const struct task *t)
{
    return t->used && t->rm_state;
}

struct task *task_of(L4_ThreadId_t id, unsigned *thread)
{
    for (unsigned i = 0; i < MAX_TASKS; i++) {
        struct task *t = &task_table[i];
        if (!task_alive(t))
            continue;
        if (t->rm.raw == id.raw) {
            *thread = TASK_MAX_THREADS;
            return t;
        }
        for (unsigned j = 0; j < TASK_MAX_THREADS; j++)
            if (t->threads[j].raw == id.raw && !L4_IsNilThread(id)) {
                *thread = j;
                return t;
            }
    }
    return NULL;
}

struct task *task_record(L4_ThreadId_t rm)
{
    for (unsigned i = 0; i < MAX_TASKS; i++)
        if (task_table[i].used && task_table[i].rm.raw == rm.raw && !L4_IsNilThread(rm))
            return &task_table[i];
    return NULL;
}

/*
 * A free record, or else the one that ended longest ago, unless it is an
 * object its owner keeps; zeroed, with the next generation.
 */
struct task *task_alloc(void)
{
    struct task *pick = NULL;
    for (unsigned i = 0; i < MAX_TASKS && !(pick && !pick->used); i++) {
        struct task *t = &task_table[i];
        if (!t->used)
            pick = t;
        else if (!task_alive(t) && !t->object && (!pick || t->ended_at < pick->ended_at))
            pick = t;
    }
    if (!pick)
        return NULL;
    *pick = (struct task){.gen = ++ts.generations};
    return pick;
}

struct task *task_by_name(const char *name, size_t len)
{
    for (unsigned i = 0; i < MAX_TASKS; i++) {
        struct task *t = &task_table[i];
        if (t->used && strlen(t->name) == len && !memcmp(t->name, name, len))
            return t;
    }
    return NULL;
}

void task_auto_name(struct task *t, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    /* A user may have taken program-gen by hand: the next number will do. */
    unsigned long n = t->gen;
    do
        snprintf(t->name, sizeof(t->name), "%.40s-%lu", *base ? base : "task", n++);
    while (task_by_name(t->name, strlen(t->name)));
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    L4_KDB_PrintString(line);
}

static void answer_waiters(struct task *t)
{
    for (unsigned i = 0; i < MAX_WAITERS; i++) {
        struct waiter *w = &ts.waiters[i];
        if (w->task != t)
            continue;
        L4_Word_t out[2] = {t->state, t->status};
        srv_reply(&w->rq, L4SRV_OK, 2, out, NULL, 0);
        w->task = NULL;
    }
}

/*
 * The MM server must hear of every thread that goes, or the memory of an
 * ended task stays accounted to it for ever. A request or answer lost on
 * the way shows as unresponsive and is sent again; if the MM server had
 * carried it out, the repeat answers non_existent, which is as good.
 */
#define MM_DEREGISTER_TRIES 3

static void thread_delete(L4_ThreadId_t t)
{
    for (unsigned i = 0; i < MM_DEREGISTER_TRIES; i++)
        if (mm_deregister_thread(t) != L4SRV_ERR_UNRESPONSIVE)
            break;
    thread_free(t);
}

static void sample(struct task *t);

/* End t: every thread goes (the region mapper last, which takes the space with it). */
void task_end(struct task *t, enum task_state state, L4_Word_t status)
{
    if (task_alive(t))
        sample(t); /* its last statistics stay for Info */
    for (unsigned i = 0; i < TASK_MAX_THREADS; i++)
        if (!L4_IsNilThread(t->threads[i])) {
            thread_delete(t->threads[i]);
            t->threads[i] = L4_nilthread;
        }
    thread_delete(t->rm);
    if (t->image)
        elf_image_put(t->image);
    t->image = NULL;
    free(t->rm_state);
    t->rm_state = NULL;
    t->state = state;
    t->status = status;
    t->ended_at = ++ts.ended;
    answer_waiters(t);
}

/* --------------------------------------------------- region mapper calls */

struct rm_call {
    L4_Word_t label;
    unsigned u;
    L4_Word_t w[6];
    const char *str;
    size_t len;
};

static int rm_call(L4_ThreadId_t rm, const struct rm_call *c, L4_Word_t timeout_ms)
{
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_Set_MsgLabel(&msg, c->label);
    for (unsigned i = 0; i < c->u; i++)
        L4_MsgAppendWord(&msg, c->w[i]);
    if (c->str)
        L4_MsgAppendSimpleStringItem(&msg, L4_StringItem((int) c->len, (void *) c->str));
    L4_MsgLoad(&msg);
    L4_Time_t timeout = L4_TimePeriod(1000ULL * timeout_ms);
    L4_MsgTag_t tag = L4_Call_Timeouts(rm, timeout, timeout);
    if (L4_IpcFailed(tag))
        return L4_IpcErrorType(L4_ErrorCode()) == L4_IpcErrTimeout ? L4SRV_ERR_UNRESPONSIVE
                                                                   : L4SRV_ERR_IPC;
    return L4_Label(tag) < L4SRV_ERR_COUNT ? (int) L4_Label(tag) : L4SRV_ERR_GENERIC;
}

static int add_thread(struct task *t, unsigned *slot)
{
    unsigned i = 0;
    while (i < TASK_MAX_THREADS && !L4_IsNilThread(t->threads[i]))
        i++;
    if (i == TASK_MAX_THREADS)
        return L4SRV_ERR_NO_MEM;
    L4_ThreadId_t th = thread_alloc();
    if (L4_IsNilThread(th))
        return L4SRV_ERR_NO_MEM;
    L4_Word_t sp;
    int err = mm_register_thread(th, t->rm, MM_THREAD_NO_STACK, &sp);
    if (err) {
        thread_free(th);
        return err;
    }
    t->threads[i] = th;
    *slot = i;
    return L4SRV_OK;
}

/* Start thread slot of t through its region mapper; on failure the thread goes again. */
static int start_thread(struct task *t, unsigned slot, L4_Word_t kind, L4_Word_t ip, L4_Word_t sp,
                        L4_Word_t arg0, L4_Word_t arg1)
{
    struct rm_call c = {.label = RMI_START,
                        .u = 6,
                        .w = {t->threads[slot].raw, ip, sp, kind, arg0, arg1},
                        .str = t->cmdline,
                        .len = strlen(t->cmdline)};
    int err = rm_call(t->rm, &c, RM_CALL_TIMEOUT_MS);
    if (err) {
        thread_delete(t->threads[slot]);
        t->threads[slot] = L4_nilthread;
    }
    return err;
}

/* What the image may span: the window less the null guard, the stacks and their guards. */
static L4_Word_t image_room(L4_Word_t window)
{
    L4_Word_t reserved = 0x10000UL + 0x40000UL + MAIN_STACK_SIZE + 4 * PAGE_SIZE;
    return window > reserved ? window - reserved : 0;
}

/* Load image into t's space and start its main thread there. */
static int task_load(struct task *t, struct elf_image *image, L4_Word_t flags)
{
    struct rm_call load = {.label = RMI_LOAD, .u = 2, .w = {(L4_Word_t) image, flags}};
    int err = rm_call(t->rm, &load, RM_CALL_TIMEOUT_MS);
    unsigned slot;
    if (!err)
        err = add_thread(t, &slot);
    if (!err)
        err = start_thread(t, slot, TASK_STARTUP_MAIN,
                           t->rm_state->image_base + elf_image_entry(image), 0, 0, 0);
    return err;
}

/* A new space with a running region mapper; the caller fills it. */
static int task_shell(struct task *t)
{
    memset(t->threads, 0, sizeof(t->threads));
    t->rm = thread_alloc();
    t->rm_state = calloc(1, sizeof(*t->rm_state));
    if (L4_IsNilThread(t->rm) || !t->rm_state) {
        thread_free(t->rm);
        free(t->rm_state);
        t->rm_state = NULL;
        return L4SRV_ERR_NO_MEM;
    }
    L4_Word_t sp, ip;
    L4_Fpage_t utcbs;
    int err = mm_new_as(t->rm, 0, 0, L4_nilthread, &sp, &ip, &utcbs);
    if (err) {
        thread_free(t->rm);
        free(t->rm_state);
        t->rm_state = NULL;
        return err;
    }
    L4_Fpage_t window = L4_SpaceWindow(t->rm);
    struct rm_state *st = t->rm_state;
    st->server = L4_Myself();
    st->base = L4_Address(window);
    st->size = L4_Size(window);
    t->used = true;
    t->state = TASK_STARTED;
    t->status = 0;
    L4_Start_SpIp(t->rm, sp, (L4_Word_t) rm_main);
    struct rm_call init = {.label = RMI_INIT, .u = 1, .w = {(L4_Word_t) st}};
    err = rm_call(t->rm, &init, RM_CALL_TIMEOUT_MS);
    if (err)
        task_end(t, TASK_KILLED, 0);
    return err;
}

/* --------------------------------------------------------- operations */

int task_split_request(const struct srv_req *rq, char *buf, const char **path, const char **cmdline)
{
    if (!rq->has_str || !rq->len)
        return L4SRV_ERR_INVALID_ARG;
    buf[rq->len] = 0;
    size_t plen = strlen(buf);
    if (!plen || plen > TASK_PATH_MAX)
        return L4SRV_ERR_INVALID_PATH;
    *path = buf;
    *cmdline = plen < rq->len ? buf + plen + 1 : "";
    return strlen(*cmdline) > TASK_CMDLINE_MAX ? L4SRV_ERR_INVALID_ARG : L4SRV_OK;
}

int task_launch(struct task *t, const char *path, const char *cmdline, L4_Word_t flags)
{
    snprintf(t->path, sizeof(t->path), "%s", path);
    snprintf(t->cmdline, sizeof(t->cmdline), "%s", cmdline);
    bool was_used = t->used;
    int err = task_shell(t);
    if (err) {
        t->used = was_used;
        return err;
    }
    struct elf_image *image = NULL;
    err = loader_read(path, image_room(t->rm_state->size), &image);
    if (!err) {
        t->image = image;
        err = task_load(t, image, flags);
    }
    if (err) {
        task_end(t, TASK_KILLED, 0);
        return err;
    }
    note("task: started %s as task %s (%lx)", path, t->name, t->rm.raw);
    return L4SRV_OK;
}

static int op_new(const struct srv_req *rq, const char *path, const char *cmdline, L4_Word_t flags,
                  struct task **out)
{
    struct task *t = task_alloc();
    if (!t)
        return L4SRV_ERR_NO_MEM;
    t->owner = rq->client.raw;
    task_auto_name(t, path);
    int err = task_launch(t, path, cmdline, flags);
    if (err) {
        memset(t, 0, sizeof(*t)); /* it never was */
        return err;
    }
    *out = t;
    return L4SRV_OK;
}

/*
 * Fork (seed 000, at the memory level): a new space whose regions are
 * copy-on-write copies of the caller's at the same window offsets, a new
 * region mapper, and a main thread that starts at the caller's ip moved
 * to the child's window. Nothing continues after the call in the child.
 */
static int op_fork(const struct srv_req *rq, L4_Word_t *out)
{
    unsigned slot;
    struct task *parent = task_of(rq->client, &slot), *child;
    if (!parent)
        return L4SRV_ERR_NON_EXISTENT; /* only a task's own threads fork it */
    if (!(child = task_alloc()))       /* only now: it wipes the record it picks */
        return L4SRV_ERR_NO_MEM;
    child->owner = rq->client.raw;
    task_auto_name(child, parent->path);
    memcpy(child->path, parent->path, sizeof(child->path));
    memcpy(child->cmdline, parent->cmdline, sizeof(child->cmdline));
    int err = task_shell(child);
    if (err) {
        memset(child, 0, sizeof(*child));
        return err;
    }
    struct rm_state *ps = parent->rm_state, *cs = child->rm_state;
    L4_Word_t ip = rq->w[0];
    struct rm_call copy = {.label = RMI_FORK_COPY, .u = 1, .w = {(L4_Word_t) cs}};
    struct rm_call forked = {.label = RMI_FORKED, .u = 1, .w = {ps->image_base}};
    if (ip < ps->base || ip - ps->base >= ps->size)
        err = L4SRV_ERR_INVALID_ARG;
    if (!err)
        err = rm_call(parent->rm, &copy, RM_CALL_TIMEOUT_MS);
    if (!err) {
        child->image = elf_image_get(parent->image);
        err = mm_copy_space(parent->rm, child->rm);
    }
    if (!err)
        err = rm_call(child->rm, &forked, RM_CALL_TIMEOUT_MS);
    if (!err)
        err = add_thread(child, &slot);
    if (!err)
        err = start_thread(child, slot, TASK_STARTUP_FORK, ip - ps->base + cs->base, 0, rq->w[1],
                           rq->w[2]);
    if (err) {
        task_end(child, TASK_KILLED, 0);
        memset(child, 0, sizeof(*child));
        return err;
    }
    note("task %lx forked task %lx", parent->rm.raw, child->rm.raw);
    out[0] = child->rm.raw;
    out[1] = child->threads[slot].raw;
    return L4SRV_OK;
}

static int op_kill(L4_ThreadId_t id, enum task_state how, L4_Word_t status)
{
    unsigned slot;
    struct task *t = task_of(id, &slot);
    if (!t)
        return L4SRV_ERR_NON_EXISTENT;
    if (slot == TASK_MAX_THREADS) {
        task_end(t, how, status);
        return L4SRV_OK;
    }
    thread_delete(t->threads[slot]);
    t->threads[slot] = L4_nilthread;
    unsigned left = 0;
    for (unsigned i = 0; i < TASK_MAX_THREADS; i++)
        left += !L4_IsNilThread(t->threads[i]);
    if (!left) {
        task_end(t, TASK_EXITED, 0); /* its last thread is gone, and with it the task */
        return L4SRV_OK;
    }
    struct rm_call gone = {.label = RMI_THREAD_GONE, .u = 1, .w = {id.raw}};
    rm_call(t->rm, &gone, RM_CALL_TIMEOUT_MS); /* its stack; a hung rm keeps it till the end */
    return L4SRV_OK;
}

static int op_exec(struct task *t, const char *path, const char *cmdline)
{
    struct elf_image *image;
    int err = loader_read(path, image_room(t->rm_state->size), &image);
    if (err)
        return err;
    for (unsigned i = 0; i < TASK_MAX_THREADS; i++)
        if (!L4_IsNilThread(t->threads[i])) {
            thread_delete(t->threads[i]);
            t->threads[i] = L4_nilthread;
        }
    struct elf_image *old = t->image;
    t->image = image;
    snprintf(t->path, sizeof(t->path), "%s", path);
    snprintf(t->cmdline, sizeof(t->cmdline), "%s", cmdline);
    err = task_load(t, image, 0);
    if (err)
        task_end(t, TASK_KILLED, 0);
    /* Either the region mapper moved to the new image or it is gone. */
    elf_image_put(old);
    return err;
}

static int op_start_thread(const struct srv_req *rq, L4_Word_t *out)
{
    unsigned slot;
    struct task *t = task_of((L4_ThreadId_t){.raw = rq->w[0]}, &slot);
    if (!t)
        return L4SRV_ERR_NON_EXISTENT;
    int err = add_thread(t, &slot);
    if (!err)
        err = start_thread(t, slot, TASK_STARTUP_THREAD, rq->w[1], rq->w[2], rq->w[3], rq->w[4]);
    if (!err)
        out[0] = t->threads[slot].raw;
    return err;
}

/* The scheduling calls reach L4_Schedule; we are every task thread's scheduler. */
static int op_schedule(L4_Word_t label, L4_ThreadId_t id, L4_Word_t value)
{
    unsigned slot;
    if (!task_of(id, &slot))
        return L4SRV_ERR_NON_EXISTENT;
    L4_Word_t r;
    switch (label) {
    case TASK_SET_PRIORITY:
        if (value > 255)
            return L4SRV_ERR_INVALID_ARG;
        r = L4_Set_Priority(id, value);
        break;
    case TASK_SET_TIMESLICE:
        r = L4_Set_Timeslice(id, L4_TimePeriod(value), L4_Never);
        break;
    default:
        r = L4_Set_PreemptionDelay(id, 255, value);
        break;
    }
    return r ? L4SRV_OK : L4SRV_ERR_INVALID_ARG;
}

static int op_ping(L4_ThreadId_t id, L4_Word_t timeout_ms)
{
    unsigned slot;
    struct task *t = task_of(id, &slot);
    if (!t)
        return L4SRV_ERR_NON_EXISTENT;
    struct rm_call ping = {.label = RM_PING};
    return rm_call(t->rm, &ping, timeout_ms ? timeout_ms : 1);
}

/* What the kernel and the MM server count for thread t, added to *info. */
static void add_thread_stats(L4_ThreadId_t t, struct task_info *info)
{
    L4_ThreadStats_t st;
    if (!L4_ThreadStats(t, &st))
        return;
    info->cpu_us += st.cpu_us;
    info->ipc_sent += st.ipc_sent;
    info->ipc_received += st.ipc_received;
    info->faults += st.page_faults;
}

/* The statistics of a live task's threads (slot TASK_MAX_THREADS: all of them and its rm). */
static struct task_info measure(const struct task *t, unsigned slot)
{
    struct task_info info = {0};
    if (slot != TASK_MAX_THREADS) {
        info.threads = 1;
        add_thread_stats(t->threads[slot], &info);
    } else {
        add_thread_stats(t->rm, &info);
        for (unsigned i = 0; i < TASK_MAX_THREADS; i++)
            if (!L4_IsNilThread(t->threads[i])) {
                info.threads++;
                add_thread_stats(t->threads[i], &info);
            }
    }
    struct mm_space_stats st;
    if (!mm_space_stats(t->rm, &st)) {
        info.resident = st.resident;
        info.swapped = st.swapped;
    }
    return info;
}

static void sample(struct task *t)
{
    t->sample = measure(t, TASK_MAX_THREADS);
    t->sampled_at = L4_SystemClock().raw;
}

/*
 * With a statistic interval set, a task's totals are sampled at most that
 * often and the last sample is answered in between; an ended task keeps
 * its last one. A single thread's are always measured.
 */
struct task_info task_statistics(struct task *t, unsigned slot)
{
    struct task_info info;
    if (task_alive(t) && slot != TASK_MAX_THREADS) {
        info = measure(t, slot);
    } else {
        if (task_alive(t) && (!ts.stat_interval_ms || L4_SystemClock().raw - t->sampled_at >=
                                                          1000ULL * ts.stat_interval_ms))
            sample(t);
        info = t->sample;
    }
    if (!task_alive(t))
        info.threads = 0;
    info.state = t->state;
    info.status = t->status;
    return info;
}

const char *task_state_name(L4_Word_t state)
{
    static const char *const names[] = {
        [TASK_NOT_STARTED] = "not_started", [TASK_STARTED] = "started", [TASK_EXITED] = "exited",
        [TASK_KILLED] = "killed",           [TASK_CRASHED] = "crashed",
    };
    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

/* A task's statistics (id its task ID, even ended) or one live thread's (any other ID). */
static int op_info(L4_ThreadId_t id, L4_Word_t *out, unsigned *words)
{
    unsigned slot = TASK_MAX_THREADS;
    struct task *t = task_of(id, &slot);
    if (!t)
        t = task_record(id);
    if (!t)
        return L4SRV_ERR_NON_EXISTENT;
    struct task_info info = task_statistics(t, slot);
    memcpy(out, &info, sizeof(info));
    *words = sizeof(info) / sizeof(L4_Word_t);
    return L4SRV_OK;
}

/* A region mapper's report of a fault nobody can resolve: the task dies of it. */
static bool crashed(const struct srv_req *rq)
{
    unsigned slot;
    struct task *t = task_of(rq->client, &slot);
    if (!t || slot != TASK_MAX_THREADS || !srv_shape(rq, 4, 0))
        return false;
    note("task %lx crashed: %s at %lx (thread %lx, ip %lx)", t->rm.raw, rm_fault_name(rq->w[3]),
         rq->w[1], rq->w[0], rq->w[2]);
    task_end(t, TASK_CRASHED, rq->w[1]);
    return true;
}

/*
 * task/crash: a request from a task's thread (or its region mapper) finds
 * the task crashed instead, as if it had faulted fatally just before. The
 * request is never answered: its sender is gone with the task.
 */
static bool injected_crash(const struct srv_req *rq)
{
    unsigned slot;
    struct task *t = task_of(rq->client, &slot);
    if (!t || !l4srv_fault_for("task/crash", rq->client))
        return false;
    note("task %lx crashed: injected (task/crash)", t->rm.raw);
    task_end(t, TASK_CRASHED, 0);
    return true;
}

static bool park_waiter(const struct srv_req *rq, struct task *t)
{
    for (unsigned i = 0; i < MAX_WAITERS; i++)
        if (!ts.waiters[i].task) {
            ts.waiters[i] = (struct waiter){.rq = *rq, .task = t};
            return true;
        }
    return false;
}

/*
 * Every ended task's memory went back: the MM server knows no space of
 * its region mapper any more. A space it still has is a leak (a
 * deregistration lost on the way, say).
 */
static int op_audit(L4_Word_t *out)
{
    out[0] = 0;
    out[1] = L4_nilthread.raw;
    for (unsigned i = 0; i < MAX_TASKS; i++) {
        const struct task *t = &task_table[i];
        if (!t->used || task_alive(t) || L4_IsNilThread(t->rm))
            continue;
        struct mm_space_stats st;
        int err = mm_space_stats(t->rm, &st);
        if (err == L4SRV_ERR_NON_EXISTENT)
            continue;
        if (err)
            return err; /* the MM server cannot tell: no verdict */
        if (!out[0]++)
            out[1] = t->rm.raw;
    }
    return L4SRV_OK;
}

/* One request; false when the answer comes later (or never: the caller is gone). */
static bool handle(const struct srv_req *rq, char *buf, L4_Word_t *out, unsigned *words, int *err)
{
    const char *path, *cmdline;
    L4_ThreadId_t id = {.raw = rq->w[0]};
    *words = 0;
    *err = L4SRV_ERR_INVALID_ARG;
    switch (rq->label) {
    case TASK_NEW: {
        struct task *t;
        if (rq->u == 1 && !(*err = task_split_request(rq, buf, &path, &cmdline)) &&
            !(*err = op_new(rq, path, cmdline, rq->w[0], &t))) {
            out[0] = t->rm.raw;
            out[1] = t->threads[0].raw;
            *words = 2;
        }
        return true;
    }
    case TASK_FORK:
        if (srv_shape(rq, 3, 0))
            *err = op_fork(rq, out);
        *words = *err ? 0 : 2;
        return true;
    case TASK_EXEC: {
        unsigned slot;
        struct task *t = task_of(L4_IsNilThread(id) ? rq->client : id, &slot);
        if (rq->u != 1 || (*err = task_split_request(rq, buf, &path, &cmdline)))
            return true;
        if (!t) {
            *err = L4SRV_ERR_NON_EXISTENT;
            return true;
        }
        bool own = task_of(rq->client, &slot) == t;
        *err = op_exec(t, path, cmdline);
        return !own || *err; /* our caller's thread is gone if it worked */
    }
    case TASK_KILL:
    case TASK_EXIT: {
        if (!srv_shape(rq, 1, 0))
            return true;
        unsigned slot;
        bool own = rq->label == TASK_EXIT;
        if (own) {
            struct task *t = task_of(rq->client, &slot);
            if (!t) {
                *err = L4SRV_ERR_NON_EXISTENT;
                return true;
            }
            note("task %lx exited with status %lu", t->rm.raw, rq->w[0]);
            task_end(t, TASK_EXITED, rq->w[0]);
            return false;
        }
        unsigned victim_slot;
        struct task *mine = task_of(rq->client, &slot), *victim = task_of(id, &victim_slot);
        *err = op_kill(id, TASK_KILLED, 0);
        /* A thread that killed itself or its own task hears nothing: it is gone. */
        bool caller_gone =
            !*err && victim == mine && (id.raw == rq->client.raw || !task_alive(victim));
        return !caller_gone;
    }
    case TASK_START_THREAD:
        if (srv_shape(rq, 5, 0))
            *err = op_start_thread(rq, out);
        *words = *err ? 0 : 1;
        return true;
    case TASK_SET_STAT_INTERVAL:
        if (srv_shape(rq, 1, 0)) {
            ts.stat_interval_ms = rq->w[0];
            *err = L4SRV_OK;
        }
        return true;
    case TASK_SET_TIMESLICE:
    case TASK_SET_PRIORITY:
    case TASK_SET_PREEMPTION_DELAY:
        if (srv_shape(rq, 2, 0))
            *err = op_schedule(rq->label, id, rq->w[1]);
        return true;
    case TASK_PING:
        if (srv_shape(rq, 2, 0))
            *err = op_ping(id, rq->w[1]);
        return true;
    case TASK_WAIT: {
        struct task *t = srv_shape(rq, 1, 0) ? task_record(id) : NULL;
        *err = srv_shape(rq, 1, 0) ? L4SRV_ERR_NON_EXISTENT : L4SRV_ERR_INVALID_ARG;
        if (!t)
            return true;
        if (task_alive(t)) {
            if (park_waiter(rq, t))
                return false;
            *err = L4SRV_ERR_NO_MEM;
            return true;
        }
        out[0] = t->state;
        out[1] = t->status;
        *words = 2;
        *err = L4SRV_OK;
        return true;
    }
    case TASK_INFO:
        if (srv_shape(rq, 1, 0))
            *err = op_info(id, out, words);
        return true;
    case TASK_AUDIT:
        if (rq->client.raw != ts.root.raw) {
            *err = L4SRV_ERR_NO_PRIVILEGE;
            return true;
        }
        *err = op_audit(out);
        *words = 2;
        return true;
    case TASK_MOUNT:
        *err = rq->client.raw != ts.root.raw ? L4SRV_ERR_NO_PRIVILEGE : objects_mount();
        return true;
    default:
        return true;
    }
}

static void serve(void)
{
    /* Room for "path\0cmdline", a path, and a file write (refused, but it must land). */
    static char buf[FILE_IO_MAX + 1];
    for (;;) {
        struct srv_req rq;
        srv_receive(&rq, buf, sizeof(buf) - 1);
        if (rq.label == RMI_FAULT && crashed(&rq))
            continue; /* the region mapper that sent it is gone */
        if (injected_crash(&rq))
            continue;
        if (objects_serve(&rq, buf))
            continue;
        L4_Word_t out[sizeof(struct task_info) / sizeof(L4_Word_t)];
        unsigned words;
        int err;
        if (handle(&rq, buf, out, &words, &err))
            srv_reply(&rq, (L4_Word_t) err, words, out, NULL, 0);
    }
}

/* ------------------------------------------------------------ start-up */

static int start_backing_store(void)
{
    if (ts.options.no_swap) {
        L4_KDB_PrintString("task: no backing store (no_swap): pages cannot go out");
        return L4SRV_OK;
    }
    L4_Word_t slots = ts.options.swap_slots;
    if (!slots) {
        struct mm_stats st;
        if (mm_stats(&st))
            return L4SRV_ERR_UNRESPONSIVE;
        slots = 4 * st.frames_total;
    }
    L4_KDB_PrintString("task: starting the backing store");
    L4_ThreadId_t store = swap_start(slots);
    if (L4_IsNilThread(store))
        return L4SRV_ERR_IO;
    L4_KDB_PrintString("task: registering the backing store with the MM server");
    return mm_register_backingstore(store);
}

static void task_main(void *kip)
{
    (void) kip;
    int error = start_backing_store();
    L4_LoadMR(0, (L4_Word_t) TASK_READY << 16 | 1);
    L4_LoadMR(1, (L4_Word_t) error);
    L4_Send(ts.root);
    serve();
}

bool task_start(const struct l4srv_options *opt)
{
    memset(&ts, 0, sizeof(ts));
    memset(task_table, 0, sizeof(task_table));
    ts.options = *opt;
    ts.root = L4_Myself();
    L4_ThreadId_t task = l4srv_id(L4SRV_TASK);
    if (!l4srv_spawn_local(task, task_main, L4_Sigma0Id(L4_GetKernelInterface()), L4SRV_STACK_SIZE))
        return false;
    L4_MsgTag_t tag = L4_Receive(task);
    L4_Word_t error = L4SRV_ERR_IPC;
    if (L4_IpcSucceeded(tag) && L4_Label(tag) == TASK_READY)
        L4_StoreMR(1, &error);
    if (error)
        fprintf(stderr, "l4srv: the task service could not start the backing store: %s\n",
                l4srv_strerror((int) error));
    return error == L4SRV_OK;
}

int task_audit(L4_Word_t *leaked, L4_ThreadId_t *first)
{
    L4_LoadMR(0, (L4_Word_t) TASK_AUDIT << 16);
    L4_Time_t timeout = l4srv_call_timeout();
    L4_MsgTag_t tag = L4_Call_Timeouts(l4srv_id(L4SRV_TASK), timeout, timeout);
    if (L4_IpcFailed(tag))
        return l4srv_ipc_failure();
    if (L4_Label(tag))
        return L4_Label(tag) < L4SRV_ERR_COUNT ? (int) L4_Label(tag) : L4SRV_ERR_GENERIC;
    if (L4_UntypedWords(tag) < 2)
        return L4SRV_ERR_GENERIC;
    L4_StoreMR(1, leaked);
    L4_StoreMR(2, &first->raw);
    return L4SRV_OK;
}

int task_mount(void)
{
    L4_LoadMR(0, (L4_Word_t) TASK_MOUNT << 16);
    L4_Time_t timeout = l4srv_call_timeout();
    L4_MsgTag_t tag = L4_Call_Timeouts(l4srv_id(L4SRV_TASK), timeout, timeout);
    if (L4_IpcFailed(tag))
        return l4srv_ipc_failure();
    return L4_Label(tag) < L4SRV_ERR_COUNT ? (int) L4_Label(tag) : L4SRV_ERR_GENERIC;
}

/* After the run: the kernel took every thread; only our records are left. */
void task_fini(void)
{
    objects_fini();
    for (unsigned i = 0; i < MAX_TASKS; i++) {
        struct task *t = &task_table[i];
        if (!task_alive(t))
            continue;
        if (t->image)
            elf_image_put(t->image);
        free(t->rm_state);
        t->rm_state = NULL;
    }
    swap_fini();
}
