/*
 * Demo "kill": a task dies while others wait on it. The root task starts
 * the ticker program; one thread calls the ticker's main thread, one waits
 * to receive from it, and the root task waits in task_wait. A fourth
 * thread kills the task; each waiter's result shows how the kernel and the
 * task server end a wait on the dead, and the figures before and after
 * show the task's memory and threads reclaimed.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <l4/ipc.h>
#include <l4/message.h>
#include <l4/schedule.h>
#include <l4/thread.h>
#include <l4srv/ids.h>
#include <l4srv/mm.h>
#include <l4srv/system.h>
#include <l4srv/task.h>

#include "demo.h"
#include "demo_sys.h"

/* The demo's threads in the root task's space, root + these. */
enum { CALLER = L4SRV_FIRST_FREE, RECEIVER, KILLER };

#define PROGRAM      "ticker"
#define WAITER_LIMIT L4_TimePeriod(2000 * 1000) /* a waiter gives up after this */
#define DONE_LIMIT   L4_TimePeriod(3000 * 1000) /* the root waits this long for a report */
#define RUN_FOR      L4_TimePeriod(150 * 1000)  /* the ticker runs this long before the kill */
#define LABEL_DONE   0x6b01
#define LABEL_PING   0x6b02

static struct kill_demo {
    L4_ThreadId_t task, main;
    char name[64];                       /* the task's name in /tasks and /stats/tasks */
    L4_Word_t call_error, receive_error; /* ErrorCode of the waiters' IPC */
    int caller_phase;                    /* where the caller waits: 0 send, 1 receive */
    atomic_bool called, received, killed;
    int kill_err;
    enum demo_outcome outcome;
} kd;

static void report_error(const char *what, int err)
{
    printf("    -> %s failed: %s; the demo reports it and carries on\n", what, l4srv_strerror(err));
    demo_recovered(&kd.outcome);
}

static void wrong(const char *what)
{
    printf("    -> WRONG RESULT: %s\n", what);
    kd.outcome = DEMO_FAILED;
}

static L4_ThreadId_t demo_thread(int offset)
{
    return l4srv_id((enum l4srv_thread) offset);
}

/* Tell the root task this thread is done (the results are in kd already). */
static void report_done(void)
{
    L4_LoadMR(0, (L4_Word_t) LABEL_DONE << 16);
    L4_Send_Timeout(L4_GlobalId(l4srv_root_threadno(), 1), DONE_LIMIT);
}

static void caller(void *kip)
{
    (void) kip;
    L4_LoadMR(0, (L4_Word_t) LABEL_PING << 16);
    L4_MsgTag_t tag = L4_Call_Timeouts(kd.main, WAITER_LIMIT, WAITER_LIMIT);
    kd.call_error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    atomic_store(&kd.called, true);
    report_done();
}

static void receiver(void *kip)
{
    (void) kip;
    L4_MsgTag_t tag = L4_Receive_Timeout(kd.main, WAITER_LIMIT);
    kd.receive_error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    atomic_store(&kd.received, true);
    report_done();
}

/* Schedule's view of a thread: what it is doing now. */
static L4_Word_t state_of(L4_ThreadId_t t)
{
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, NULL);
}

static const char *state_name(L4_Word_t s)
{
    static const char *const names[] = {"error",        "dead",    "inactive", "running",
                                        "pending_send", "sending", "waiting",  "receiving"};
    return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

#define STATE(s) (1u << (s))

/* Give the CPU away until t is in one of the states of want, for a bounded while; its last state.
 */
static L4_Word_t await_state(L4_ThreadId_t t, unsigned want)
{
    L4_Word_t s = state_of(t);
    for (int i = 0; i < 1000 && !(STATE(s) & want); i++) {
        if (i < 900)
            L4_Yield();
        else
            L4_Sleep(L4_TimePeriod(1000));
        s = state_of(t);
    }
    return s;
}

static void killer(void *kip)
{
    (void) kip;
    L4_ThreadId_t root = L4_GlobalId(l4srv_root_threadno(), 1);
    /* Once the root task's call waits for its reply, the task server holds its task_wait. */
    await_state(root, STATE(L4_SCHEDRESULT_WAITING));
    narrate("Thread %lu kills the task: task_kill(%lu.%lu), label 0x%x. The task server asks "
            "the MM server\n"
            "    to delete each thread (MM_DEREGISTER_THREAD, 0x4d13), the region mapper last: "
            "with the\n"
            "    space's last thread its frames go back to the free list. Then it answers the "
            "waiters.",
            L4_ThreadNo(L4_Myself()), L4_ThreadNo(kd.task), L4_Version(kd.task), TASK_KILL);
    kd.kill_err = task_kill(kd.task);
    atomic_store(&kd.killed, true);
    report_done();
}

static bool spawn(int offset, void (*fn)(void *kip))
{
    return l4srv_spawn_local(demo_thread(offset), fn, L4_Pager(), L4SRV_STACK_SIZE) != 0;
}

/* Wait for a helper's report; its results are valid once its flag is set. */
static bool collect(int offset, atomic_bool *flag)
{
    L4_MsgTag_t tag = L4_Receive_Timeout(demo_thread(offset), DONE_LIMIT);
    if (L4_IpcFailed(tag) && !atomic_load(flag)) {
        printf("    -> thread %lu did not report: %s\n", L4_ThreadNo(demo_thread(offset)),
               L4_IpcErrorCode_String(L4_ErrorCode()));
        demo_recovered(&kd.outcome);
        return false;
    }
    return true;
}

static bool memory_figures(struct mm_stats *st)
{
    int err = GUARDED(mm_stats(st));
    if (err) {
        report_error("MM_STATS", err);
        return false;
    }
    printf("    -> MM server: %llu frames in use, %llu free; %llu spaces, %llu threads "
           "registered\n",
           (unsigned long long) st->frames_used, (unsigned long long) st->frames_free,
           (unsigned long long) st->spaces, (unsigned long long) st->threads);
    return true;
}

static bool task_figures(struct task_info *info)
{
    int err = GUARDED(task_info(kd.task, info));
    if (err) {
        report_error("task_info", err);
        return false;
    }
    static const char *const states[] = {"not_started", "started", "exited", "killed", "crashed"};
    printf("    -> task_info: state %s, threads %lu (besides the region mapper), resident pages "
           "%lu%s\n",
           info->state < 5 ? states[info->state] : "?", info->threads, info->resident,
           info->state == TASK_STARTED ? "" : " (its last sample)");
    return true;
}

/*
 * The task's directory in /stats/tasks: its task file and one file per
 * live thread. Returns how many entries it has, or -1.
 */
static int show_stats_dir(void)
{
    char path[128], listing[512];
    size_t len;
    if (!kd.name[0])
        return -1; /* /stats/tasks could not be read */
    snprintf(path, sizeof(path), "/stats/tasks/%s", kd.name);
    int err = demo_read_path(path, listing, sizeof(listing), &len);
    if (err) {
        report_error(path, err);
        return -1;
    }
    int entries = 0;
    printf("    -> %s lists:", path);
    for (char *line = listing; *line; entries++) {
        size_t n = strcspn(line, "\n");
        printf(" %.*s", (int) strcspn(line, " \n"), line);
        line += n + (line[n] == '\n');
    }
    printf("\n");
    return entries;
}

/* The name the task server gave the task: the only entry of /stats/tasks. */
static void find_name(void)
{
    char listing[512];
    size_t len;
    int err = demo_read_path("/stats/tasks", listing, sizeof(listing), &len);
    if (err) {
        report_error("/stats/tasks", err);
        return;
    }
    if (!strncmp(listing, PROGRAM "-", strlen(PROGRAM) + 1))
        snprintf(kd.name, sizeof(kd.name), "%.*s", (int) strcspn(listing, " \n"), listing);
    else
        wrong("/stats/tasks does not list the ticker");
}

static bool start_ticker(void)
{
    narrate("The root task starts /modules/" PROGRAM " as a task (task_new, label 0x%x). The "
            "task server\n"
            "    gets a new space from the MM server (MM_NEW_AS), starts the task's region "
            "mapper and\n"
            "    its main thread, which touches one more heap page every 100 ms.",
            TASK_NEW);
    int err = GUARDED(task_new("/modules/" PROGRAM, PROGRAM " 64", 0, &kd.task, &kd.main));
    if (err) {
        report_error("task_new", err);
        return false;
    }
    find_name();
    printf("    -> task %s: region mapper %lu.%lu (the task's ID), main thread %lu.%lu\n",
           kd.name[0] ? kd.name : "(name unknown)", L4_ThreadNo(kd.task), L4_Version(kd.task),
           L4_ThreadNo(kd.main), L4_Version(kd.main));
    return true;
}

static void line_up_waiters(void)
{
    narrate("Two threads of the root task wait on the ticker's main thread %lu:\n"
            "    thread %lu calls it (L4_Call): the ticker never receives from it, so the "
            "kernel keeps\n"
            "    the caller queued in its send phase; thread %lu receives from it alone (a "
            "closed receive).",
            L4_ThreadNo(kd.main), L4_ThreadNo(demo_thread(CALLER)),
            L4_ThreadNo(demo_thread(RECEIVER)));
    if (!spawn(CALLER, caller) || !spawn(RECEIVER, receiver)) {
        wrong("the waiters could not be started");
        return;
    }
    L4_Word_t c = await_state(demo_thread(CALLER),
                              STATE(L4_SCHEDRESULT_PENDING_SEND) | STATE(L4_SCHEDRESULT_WAITING));
    L4_Word_t r = await_state(demo_thread(RECEIVER), STATE(L4_SCHEDRESULT_WAITING));
    printf("    -> Schedule says: thread %lu is %s, thread %lu is %s\n",
           L4_ThreadNo(demo_thread(CALLER)), state_name(c), L4_ThreadNo(demo_thread(RECEIVER)),
           state_name(r));
    kd.caller_phase = 0;
    if (c == L4_SCHEDRESULT_WAITING) {
        /* The ticker never receives from it: only a lost message ends that send phase. */
        printf("    -> thread %lu's message was lost on the way, so it waits for a reply "
               "instead\n",
               L4_ThreadNo(demo_thread(CALLER)));
        kd.caller_phase = 1;
        demo_recovered(&kd.outcome);
    } else if (c != L4_SCHEDRESULT_PENDING_SEND) {
        wrong("the caller is not blocked on the ticker");
    }
    if (r != L4_SCHEDRESULT_WAITING)
        wrong("the receiver is not blocked on the ticker");
}

/* Returns whether the task is known to be dead (task_kill or task_wait said so). */
static bool wait_and_kill(void)
{
    narrate("The root task waits for the task to end (task_wait, label 0x%x): the task server "
            "holds\n"
            "    the request without answering. Thread %lu will kill the task meanwhile.",
            TASK_WAIT, L4_ThreadNo(demo_thread(KILLER)));
    if (!spawn(KILLER, killer)) {
        wrong("the killer could not be started");
        return false;
    }
    L4_Word_t state = 0, status = 0;
    int err = GUARDED(task_wait(kd.task, &state, &status));
    if (err)
        report_error("task_wait", err);
    bool killed = collect(KILLER, &kd.killed);
    bool called = collect(CALLER, &kd.called);
    bool received = collect(RECEIVER, &kd.received);

    narrate("What each waiter got:");
    if (!err) {
        printf("    root task (task_wait):   answered, state %lu (%s), status %lu\n", state,
               state == TASK_KILLED ? "TASK_KILLED" : "not killed", status);
        if (state != TASK_KILLED)
            wrong("task_wait did not say killed");
    }
    if (killed) {
        printf("    thread %lu (task_kill):   %s\n", L4_ThreadNo(demo_thread(KILLER)),
               kd.kill_err ? l4srv_strerror(kd.kill_err) : "ok");
        if (kd.kill_err)
            report_error("task_kill", kd.kill_err);
    }
    bool kill_done = killed && !kd.kill_err;
    if (called) {
        printf("    thread %lu (L4_Call):     %s (error code 0x%lx)\n",
               L4_ThreadNo(demo_thread(CALLER)), L4_IpcErrorCode_String(kd.call_error),
               kd.call_error);
        if (kill_done && kd.call_error != L4_IpcErrorEncode(kd.caller_phase, L4_IpcErrAborted, 0))
            wrong("the blocked caller's IPC was not aborted");
    }
    if (received) {
        printf("    thread %lu (L4_Receive):  %s (error code 0x%lx)\n",
               L4_ThreadNo(demo_thread(RECEIVER)), L4_IpcErrorCode_String(kd.receive_error),
               kd.receive_error);
        if (kill_done && kd.receive_error != L4_IpcErrorEncode(1, L4_IpcErrAborted, 0))
            wrong("the closed receiver was not aborted in its receive phase");
    }
    if (kill_done || (!err && state == TASK_KILLED)) {
        printf("    The kernel ends both IPCs when their partner is deleted: 'aborted' is its "
               "word for it.\n");
        return true;
    }
    printf("    -> the kill was not confirmed (a lost message), so the checks on the dead task "
           "are skipped\n");
    demo_recovered(&kd.outcome);
    return false;
}

static void call_the_dead(void)
{
    narrate("A new call to thread %lu.%lu fails at once: the kernel no longer has such a "
            "thread.",
            L4_ThreadNo(kd.main), L4_Version(kd.main));
    L4_LoadMR(0, (L4_Word_t) LABEL_PING << 16);
    L4_MsgTag_t tag = L4_Call_Timeouts(kd.main, L4_TimePeriod(10 * 1000), L4_TimePeriod(10 * 1000));
    L4_Word_t code = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    printf("    -> %s (error code 0x%lx)\n", L4_IpcErrorCode_String(code), code);
    if (code != L4_IpcErrorEncode(0, L4_IpcErrNonExistingPartner, 0))
        wrong("a call to the dead thread did not fail with non-existing partner");
}

static int kill_app(void *arg)
{
    (void) arg;
    narrate("The root task starts a watchdog, thread %lu: a call of the root task that gets no "
            "answer\n"
            "    for a second (a lost message) is canceled with ExchangeRegisters and reported.",
            l4srv_root_threadno() + DEMO_WATCHDOG_OFFSET);
    if (!demo_watchdog_start())
        return DEMO_FAILED;
    narrate("Before the task: the MM server's figures (MM_STATS).");
    struct mm_stats before, during, after;
    bool have_before = memory_figures(&before);
    if (!start_ticker()) {
        demo_guard_rest();
        return (int) kd.outcome;
    }

    L4_Sleep(RUN_FOR);
    narrate("The ticker has run for 150 ms. What the servers say about it now:");
    struct task_info info;
    bool have_during = memory_figures(&during);
    task_figures(&info);
    if (show_stats_dir() == 1)
        wrong("/stats/tasks shows no thread of the running task");
    if (have_before && have_during && during.frames_used <= before.frames_used)
        wrong("the running task holds no frames");

    line_up_waiters();
    if (!wait_and_kill()) {
        demo_guard_rest();
        return (int) kd.outcome;
    }
    call_the_dead();

    narrate("What is left of the task: its record, and nothing else.");
    bool have_after = memory_figures(&after);
    if (have_before && have_after) {
        printf("    -> frames in use: %llu before the task, %llu while it ran, %llu after the "
               "kill\n",
               (unsigned long long) before.frames_used, (unsigned long long) during.frames_used,
               (unsigned long long) after.frames_used);
        if (after.frames_used != before.frames_used || after.spaces != before.spaces)
            wrong("the task's frames or space were not reclaimed");
    }
    if (task_figures(&info) && (info.state != TASK_KILLED || info.threads != 0))
        wrong("task_info does not show a killed task without threads");
    if (show_stats_dir() > 1)
        wrong("/stats/tasks still lists threads of the dead task");
    struct mm_space_stats space;
    int err = GUARDED(mm_space_stats(kd.main, &space));
    printf("    -> mm_space_stats(%lu.%lu): %s\n", L4_ThreadNo(kd.main), L4_Version(kd.main),
           err ? l4srv_strerror(err) : "the space still exists");
    if (err == L4SRV_ERR_IPC)
        report_error("MM_SPACE_STATS", err);
    else if (err != L4SRV_ERR_NON_EXISTENT)
        wrong("the MM server still has the dead task's space");
    demo_guard_rest();
    return (int) kd.outcome;
}

static int run(const struct demo_options *opt, struct demo_result *res)
{
    const char *images = demo_image_dir_with("kill", PROGRAM);
    if (!images) { /* nothing to run: no summary either */
        *res = (struct demo_result){.outcome = DEMO_FAILED};
        return 1;
    }
    struct l4sim_config cfg;
    demo_begin(opt, &cfg, "l4sim demo kill: a task dies while others wait on it.");
    memset(&kd, 0, sizeof(kd));
    struct l4srv_options sys = {.modules_dir = images};
    int rc = demo_run_system(&cfg, &sys, kill_app, NULL);
    narrate("Shutdown: the kernel ends the servers and the demo's threads.");
    return demo_finish("kill", &cfg, rc, res);
}

const struct demo demo_kill = {
    .name = "kill",
    .summary = "kill a task while others wait on it: each waiter's result, memory reclaimed",
    .run = run,
};
