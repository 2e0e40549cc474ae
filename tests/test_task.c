/*
 * The task server (issue 6) against the project's own ELF test programs:
 * New of each program with its output checked, crashes, Exec, Kill during
 * IPC and during a page fault, Ping of a hung region mapper, the scheduling
 * calls, every refusal, and New/Kill repeated until leaks would show.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <l4/kdebug.h>
#include <l4sim/faults.h>
#include <l4srv/call.h>
#include <l4srv/mm.h>
#include <l4srv/task.h>

#include "harness.h"
#include "naming_util.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

static struct l4srv_options images = {.modules_dir = L4SIM_IMAGES_DIR};

/* The system log so far, for checking what programs printed. */
static char log_text[64 * 1024];

static bool logged(const char *needle)
{
    size_t len;
    if (u_read_path("/logs/system", log_text, sizeof(log_text), &len))
        return false;
    return strstr(log_text, needle) != NULL;
}

/* Run path with cmdline to its end; returns the state, the status in *status. */
static L4_Word_t run_program(const char *path, const char *cmdline, L4_Word_t flags,
                             L4_Word_t *status)
{
    L4_ThreadId_t task, main_thread;
    int err = task_new(path, cmdline, flags, &task, &main_thread);
    H_EQ(err, L4SRV_OK);
    if (err)
        return ~0UL;
    L4_Word_t state = ~0UL;
    H_EQ(task_wait(task, &state, status), L4SRV_OK);
    return state;
}

static void frames_balanced(const struct mm_stats *before)
{
    struct mm_stats now;
    H_EQ(mm_stats(&now), L4SRV_OK);
    H_EQ(now.frames_free, before->frames_free);
    H_EQ(now.swap_used, before->swap_used);
    H_EQ(now.spaces, before->spaces);
    H_EQ(now.threads, before->threads);
}

/* ------------------------------------------------------------ programs */

static int body_hello(void *arg)
{
    L4_Word_t flags = (L4_Word_t) arg, status = 99;
    struct mm_stats before;
    H_EQ(mm_stats(&before), L4SRV_OK);
    H_EQ(run_program("/modules/hello", "hello one two", flags, &status), TASK_EXITED);
    H_EQ(status, 0);
    H_CHECK(logged("hello, world"));
    H_CHECK(logged("one"));
    H_CHECK(logged("two"));
    frames_balanced(&before);
    return 0;
}

static void hello_on_demand(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_hello, (void *) 0), 0);
}

static void hello_eager(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_hello, (void *) TASK_LOAD_EAGER), 0);
}

static int body_heap(void *arg)
{
    (void) arg;
    L4_Word_t status = 99;
    H_EQ(run_program("/modules/heap", "heap 4", 0, &status), TASK_EXITED);
    H_EQ(status, 0);
    return 0;
}

static void heap_toucher(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_heap, NULL), 0);
}

/* More heap than RAM: the region mapper's anonymous pages go out and come back. */
static void heap_under_memory_pressure(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.phys_mem_size = 4UL << 20;
    struct l4srv_options opt = images;
    opt.swap_slots = 4096;
    assert_int_equal(h_run_system_config(&cfg, &opt, body_heap, NULL), 0);
}

static int body_threads(void *arg)
{
    (void) arg;
    L4_Word_t status = 99;
    H_EQ(run_program("/modules/threads", "threads", 0, &status), TASK_EXITED);
    H_EQ(status, 0);
    return 0;
}

static void threads_program(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_threads, NULL), 0);
}

static int body_fork(void *arg)
{
    (void) arg;
    struct mm_stats before;
    H_EQ(mm_stats(&before), L4SRV_OK);
    L4_Word_t status = 99;
    H_EQ(run_program("/modules/fork", "fork", 0, &status), TASK_EXITED);
    H_EQ(status, 0);
    frames_balanced(&before);
    return 0;
}

static void fork_program(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_fork, NULL), 0);
}

/* -------------------------------------------------------------- crashes */

struct crash_case {
    const char *cmdline;
    L4_Word_t state;
    const char *reason; /* in the trace, or NULL */
};

static int body_crash(void *arg)
{
    const struct crash_case *c = arg;
    struct mm_stats before;
    H_EQ(mm_stats(&before), L4SRV_OK);
    L4_Word_t status = 0;
    H_EQ(run_program("/modules/crash", c->cmdline, 0, &status), c->state);
    if (c->state == TASK_EXITED)
        H_EQ(status, 3);
    frames_balanced(&before);
    return 0;
}

static void crashes(void **state)
{
    (void) state;
    static const struct crash_case cases[] = {
        {"crash null", TASK_CRASHED, NULL},
        {"crash text", TASK_CRASHED, NULL},
        {"crash stack", TASK_CRASHED, NULL},
        {"crash exit3", TASK_EXITED, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(h_run_system(&images, body_crash, (void *) &cases[i]), 0);
}

/* ---------------------------------------------------------------- errors */

static int body_errors(void *arg)
{
    (void) arg;
    L4_ThreadId_t task, thread;
    H_EQ(task_new("/modules/missing", "", 0, &task, NULL), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_new("/modules", "", 0, &task, NULL), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_new("relative", "", 0, &task, NULL), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_new("", "", 0, &task, NULL), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_new("/modules/not-an-image.txt", "", 0, &task, NULL), L4SRV_ERR_BAD_IMAGE);
    char longline[TASK_CMDLINE_MAX + 2];
    memset(longline, 'x', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = 0;
    H_EQ(task_new("/modules/hello", longline, 0, &task, NULL), L4SRV_ERR_INVALID_ARG);

    L4_ThreadId_t unknown = L4_GlobalId(h_user_base() + 900, 1);
    H_EQ(task_kill(unknown), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_kill(L4_nilthread), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_ping(unknown, 10), L4SRV_ERR_NON_EXISTENT);
    L4_Word_t st;
    H_EQ(task_wait(unknown, &st, NULL), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_start_thread(unknown, 0x1000, 0, 0, 0, &thread), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_exec(unknown, "/modules/hello", ""), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_set_priority(unknown, 10), L4SRV_ERR_NON_EXISTENT);
    /* Fork is for a task's own threads: the root task has none of them. */
    H_EQ(task_fork(0x1000, 0, 0, &task, NULL), L4SRV_ERR_NON_EXISTENT);

    /* A dead task: kill, start thread and exec name nothing any more. */
    H_EQ(task_new("/modules/crash", "crash block", 0, &task, &thread), L4SRV_OK);
    H_EQ(task_exec(task, "/modules/missing", ""), L4SRV_ERR_INVALID_PATH);
    H_EQ(task_set_priority(thread, 300), L4SRV_ERR_INVALID_ARG);
    H_EQ(task_set_priority(thread, 50), L4SRV_OK);
    H_EQ(task_set_timeslice(thread, 5000), L4SRV_OK);
    H_EQ(task_set_preemption_delay(thread, 100), L4SRV_OK);
    H_EQ(task_set_stat_interval(100), L4SRV_OK);
    H_EQ(task_kill(task), L4SRV_OK);
    H_EQ(task_kill(task), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_kill(thread), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_start_thread(task, 0x1000, 0, 0, 0, &thread), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_ping(task, 10), L4SRV_ERR_NON_EXISTENT);
    H_EQ(task_wait(task, &st, NULL), L4SRV_OK);
    H_EQ(st, TASK_KILLED);
    return 0;
}

static void refusals(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_errors, NULL), 0);
}

/* Malformed requests: wrong word counts, strings where none belong, unknown labels. */
static int body_malformed(void *arg)
{
    (void) arg;
    L4_ThreadId_t ts = task_server();
    L4_Word_t w[6] = {0}, reply[4];
    H_EQ(u_raw_call(ts, TASK_NEW, 0, w, "/modules/hello", 15, reply), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ts, TASK_NEW, 1, w, NULL, 0, reply), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ts, TASK_KILL, 0, w, NULL, 0, reply), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ts, TASK_KILL, 1, w, "x", 1, reply), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ts, TASK_START_THREAD, 2, w, NULL, 0, reply), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ts, 0x54ff, 1, w, NULL, 0, reply), L4SRV_ERR_INVALID_ARG);
    H_EQ(u_raw_call(ts, TASK_PING, 1, w, NULL, 0, reply), L4SRV_ERR_INVALID_ARG);
    /* Its region mappers' labels mean nothing from anyone else. */
    H_EQ(u_raw_call(ts, 0x5290, 4, w, NULL, 0, reply), L4SRV_ERR_INVALID_ARG);
    return 0;
}

static void malformed_requests(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_malformed, NULL), 0);
}

/* ----------------------------------------------------- kill, exec, ping */

/* A client blocked in a call to a task that is killed gets an IPC error. */
static L4_ThreadId_t victim;

static void caller_of_victim(void *kip)
{
    (void) kip;
    L4_LoadMR(0, 0x7001UL << 16);
    L4_MsgTag_t tag = L4_Call(victim);
    H_CHECK(L4_IpcFailed(tag));
    L4_LoadMR(0, 0);
    L4_Send(h_root());
    for (;;)
        L4_Sleep(L4_Never);
}

static int body_kill_in_ipc(void *arg)
{
    (void) arg;
    struct mm_stats before;
    H_EQ(mm_stats(&before), L4SRV_OK);
    L4_ThreadId_t task;
    /* "crash block" waits for a message and never answers it. */
    H_EQ(task_new("/modules/crash", "crash block", 0, &task, &victim), L4SRV_OK);
    L4_ThreadId_t client = h_task(0, caller_of_victim, NULL);
    L4_Sleep(L4_TimePeriod(50000)); /* the client is inside its call now */
    H_EQ(task_kill(task), L4SRV_OK);
    H_IPC_OK(L4_Receive(client));
    H_EQ(mm_deregister_thread(client), L4SRV_OK);
    frames_balanced(&before);
    return 0;
}

static void kill_during_ipc(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_kill_in_ipc, NULL), 0);
}

/*
 * With its region mapper stopped, the next fault of a task blocks: "crash
 * block" touches fresh memory for each message, so a call makes it fault.
 */
static int body_kill_in_fault(void *arg)
{
    (void) arg;
    struct mm_stats before;
    H_EQ(mm_stats(&before), L4SRV_OK);
    L4_ThreadId_t task;
    H_EQ(task_new("/modules/crash", "crash block", 0, &task, &victim), L4SRV_OK);
    L4_Sleep(L4_TimePeriod(50000)); /* it waits for its first message now */
    L4_Stop(task);
    L4_ThreadId_t client = h_task(0, caller_of_victim, NULL);
    L4_Sleep(L4_TimePeriod(50000)); /* the victim took the call and faults */
    H_EQ(task_ping(task, 20), L4SRV_ERR_UNRESPONSIVE);
    H_EQ(task_kill(task), L4SRV_OK);
    L4_Word_t st;
    H_EQ(task_wait(task, &st, NULL), L4SRV_OK);
    H_EQ(st, TASK_KILLED);
    H_IPC_OK(L4_Receive(client));
    H_EQ(mm_deregister_thread(client), L4SRV_OK);
    frames_balanced(&before);
    return 0;
}

static void kill_during_page_fault(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_kill_in_fault, NULL), 0);
}

static int body_ping(void *arg)
{
    (void) arg;
    L4_ThreadId_t task;
    H_EQ(task_new("/modules/crash", "crash block", 0, &task, NULL), L4SRV_OK);
    H_EQ(task_ping(task, 100), L4SRV_OK);
    L4_Stop(task); /* a hung region mapper */
    H_EQ(task_ping(task, 100), L4SRV_ERR_UNRESPONSIVE);
    L4_Start(task);
    H_EQ(task_ping(task, 100), L4SRV_OK);
    struct task_info info;
    H_EQ(task_info(task, &info), L4SRV_OK);
    H_EQ(info.state, TASK_STARTED);
    H_EQ(info.threads, 1);
    H_CHECK(info.resident > 0);
    H_EQ(task_kill(task), L4SRV_OK);
    H_EQ(task_info(task, &info), L4SRV_OK);
    H_EQ(info.state, TASK_KILLED);
    H_EQ(info.threads, 0);
    return 0;
}

static void ping_hung_region_mapper(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_ping, NULL), 0);
}

static int body_exec(void *arg)
{
    (void) arg;
    L4_ThreadId_t task;
    H_EQ(task_new("/modules/crash", "crash block", 0, &task, NULL), L4SRV_OK);
    H_EQ(task_exec(task, "/modules/hello", "hello exec'd"), L4SRV_OK);
    L4_Word_t st = 0, status = 99;
    H_EQ(task_wait(task, &st, &status), L4SRV_OK);
    H_EQ(st, TASK_EXITED);
    H_EQ(status, 0);
    H_CHECK(logged("exec'd"));
    return 0;
}

static void exec_replaces_the_program(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_exec, NULL), 0);
}

/* ---------------------------------------------------------- statistics */

static int body_stats(void *arg)
{
    (void) arg;
    L4_ThreadId_t task, thread;
    L4_Word_t st, status;
    struct task_info info;
    /* A finished task keeps its last figures: 4 MiB touched is 1024 faults at least. */
    H_EQ(task_new("/modules/heap", "heap 4", 0, &task, NULL), L4SRV_OK);
    H_EQ(task_wait(task, &st, &status), L4SRV_OK);
    H_EQ(task_info(task, &info), L4SRV_OK);
    H_EQ(info.state, TASK_EXITED);
    H_EQ(info.threads, 0);
    H_CHECK(info.faults >= 1024);
    H_CHECK(info.ipc_sent > 0 && info.ipc_received > 0);
    H_CHECK(info.cpu_us > 0);

    /* With an interval, a task's figures change only once it has passed. */
    H_EQ(task_new("/modules/crash", "crash block", 0, &task, &thread), L4SRV_OK);
    H_EQ(task_set_stat_interval(60000), L4SRV_OK);
    struct task_info a, b, c;
    H_EQ(task_info(task, &a), L4SRV_OK);
    L4_LoadMR(0, 0);
    H_IPC_OK(L4_Send(thread)); /* it takes the message and touches fresh pages */
    L4_Sleep(L4_TimePeriod(10000));
    H_EQ(task_info(task, &b), L4SRV_OK);
    H_EQ(b.ipc_received, a.ipc_received);
    H_EQ(b.faults, a.faults);
    H_EQ(task_set_stat_interval(0), L4SRV_OK);
    H_EQ(task_info(task, &c), L4SRV_OK);
    H_CHECK(c.ipc_received > a.ipc_received);
    H_CHECK(c.faults > a.faults);
    H_CHECK(c.resident > a.resident);
    /* One thread's own figures. */
    H_EQ(task_info(thread, &b), L4SRV_OK);
    H_EQ(b.threads, 1);
    H_CHECK(b.ipc_received >= 1 && b.ipc_received <= c.ipc_received);
    H_EQ(task_kill(task), L4SRV_OK);
    H_EQ(task_info(L4_GlobalId(h_user_base() + 900, 1), &info), L4SRV_ERR_NON_EXISTENT);
    return 0;
}

static void statistics(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(&images, body_stats, NULL), 0);
}

/* ---------------------------------------------------------- no leaks */

static void new_and_kill(unsigned rounds)
{
    for (unsigned i = 0; i < rounds && !h_failures(); i++) {
        L4_ThreadId_t task;
        H_EQ(task_new("/modules/crash", "crash block", 0, &task, NULL), L4SRV_OK);
        H_EQ(task_kill(task), L4SRV_OK);
    }
}

static int body_repeat(void *arg)
{
    unsigned rounds = (unsigned) (L4_Word_t) arg;
    struct mm_stats before;
    struct l4sim_stats kbefore, kafter;
    H_EQ(mm_stats(&before), L4SRV_OK);
    l4sim_get_stats(&kbefore);
    /* glibc keeps the stacks of exited host threads for reuse: let that
     * cache fill before counting the process's host mappings. */
    new_and_kill(rounds / 10);
    int maps = h_count_host_maps();
    new_and_kill(rounds - rounds / 10);
    frames_balanced(&before);
    l4sim_get_stats(&kafter);
    H_EQ(kafter.mappings, kbefore.mappings);
    H_EQ(kafter.host_vmas, kbefore.host_vmas);
#ifndef __SANITIZE_ADDRESS__
    /* ASan maps shadow, allocator and fake-stack memory of its own as it
     * goes, and Valgrind its translations, so the process's map count is
     * only checked without them; the kernel's own count above still is. */
    if (!RUNNING_ON_VALGRIND)
        H_EQ(h_count_host_maps(), maps);
#else
    (void) maps;
#endif
    return 0;
}

static void new_kill_repeated(void **state)
{
    (void) state;
    int threads = h_settled_tasks(1);
    /* 1000 rounds; a tenth under Valgrind, which runs them 50 times slower. */
    unsigned rounds = RUNNING_ON_VALGRIND ? 100 : 1000;
    assert_int_equal(h_run_system(&images, body_repeat, (void *) (L4_Word_t) rounds), 0);
    assert_int_equal(h_settled_tasks(threads), threads);
}

/* ------------------------------------------------------ injected faults */

static uint64_t fired(const char *name)
{
    for (unsigned i = 0; i < l4sim_fault_point_count(); i++) {
        struct l4sim_fault_point p;
        if (l4sim_fault_point_get(i, &p) == 0 && !strcmp(p.name, name))
            return p.fired;
    }
    return ~0ULL;
}

static int body_elf_io_error(void *arg)
{
    (void) arg;
    struct mm_stats before;
    H_EQ(mm_stats(&before), L4SRV_OK);
    L4_ThreadId_t task;
    /* The first read of the image fails: New says so and leaves nothing behind. */
    H_EQ(task_new("/modules/hello", "hello", 0, &task, NULL), L4SRV_ERR_IO);
    H_EQ(fired("elf/read/io-error"), 1);
    frames_balanced(&before);
    /* The rule fired once; the next New reads the image and runs it. */
    L4_Word_t status = 99;
    H_EQ(run_program("/modules/hello", "hello", 0, &status), TASK_EXITED);
    H_EQ(status, 0);
    H_EQ(fired("elf/read/io-error"), 1);
    frames_balanced(&before);
    return 0;
}

static void injected_elf_read_error_fails_new_cleanly(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.faults = "elf/read/io-error:once";
    assert_int_equal(h_run_system_config(&cfg, &images, body_elf_io_error, NULL), 0);
}

/* The task server's word to the MM server that a thread has gone is lost
 * once: it asks again, and the ended task's memory still comes back. */
static int body_lost_deregistration(void *arg)
{
    (void) arg;
    struct mm_stats before;
    H_EQ(mm_stats(&before), L4SRV_OK);
    L4_Word_t status = 99;
    H_EQ(run_program("/modules/hello", "hello", 0, &status), TASK_EXITED);
    H_EQ(status, 0);
    H_EQ(fired("ipc/send/drop"), 1);
    frames_balanced(&before);
    return 0;
}

static void lost_deregistration_is_sent_again(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.faults = "ipc/send/drop:once,label=0x4d13"; /* MM_DEREGISTER_THREAD */
    assert_int_equal(h_run_system_config(&cfg, &images, body_lost_deregistration, NULL), 0);
}

static int body_task_crash(void *arg)
{
    (void) arg;
    struct mm_stats before;
    H_EQ(mm_stats(&before), L4SRV_OK);
    /* fork asks the task server for Fork: that request finds its task crashed. */
    L4_Word_t status = 99;
    H_EQ(run_program("/modules/fork", "fork", 0, &status), TASK_CRASHED);
    H_EQ(fired("task/crash"), 1);
    H_CHECK(!logged("fork: parent sees"));
    frames_balanced(&before);
    /* Once: the next run is untouched. */
    H_EQ(run_program("/modules/fork", "fork", 0, &status), TASK_EXITED);
    H_EQ(status, 0);
    frames_balanced(&before);
    return 0;
}

static void injected_task_crash_ends_the_asking_task(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.faults = "task/crash:once";
    assert_int_equal(h_run_system_config(&cfg, &images, body_task_crash, NULL), 0);
}

static int body_unanswered(void *arg)
{
    (void) arg;
    /* Short waits, so that a free-running (Valgrind) pass stays quick too. */
    unsigned old = l4srv_set_call_timeout(300);
    struct task_info info;
    /* The rules drop one request to each server: the sender sees success,
     * nobody answers, and the stub reports it instead of waiting for ever. */
    H_EQ(task_info(task_server(), &info), L4SRV_ERR_UNRESPONSIVE);
    L4_Word_t broken = 99;
    H_EQ(mm_audit(&broken), L4SRV_ERR_UNRESPONSIVE);
    H_EQ(fired("ipc/send/drop"), 2);
    /* Both servers are fine: the next requests are answered. */
    H_EQ(mm_audit(&broken), L4SRV_OK);
    H_EQ(broken, 0);
    L4_Word_t status = 99;
    H_EQ(run_program("/modules/hello", "hello", 0, &status), TASK_EXITED);
    H_EQ(l4srv_set_call_timeout(old), 300);
    return 0;
}

static void clients_report_a_server_that_does_not_answer(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.faults = "ipc/send/drop:src=root,dst=task,label=0x540d,once;"
                 "ipc/send/drop:src=root,dst=mm,label=0x4d22,once";
    assert_int_equal(h_run_system_config(&cfg, &images, body_unanswered, NULL), 0);
}

static int body_first_stats_dropped(void *arg)
{
    (void) arg;
    unsigned old = l4srv_set_call_timeout(300);
    struct mm_stats st;
    /* The boot's own MM_STATS went through: the rule was not live yet. */
    H_EQ(fired("ipc/send/drop"), 0);
    H_EQ(mm_stats(&st), L4SRV_ERR_UNRESPONSIVE);
    H_EQ(fired("ipc/send/drop"), 1);
    l4srv_set_call_timeout(old);
    return 0;
}

static void faults_wait_for_the_system_to_boot_unless_marked_boot(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.faults = "ipc/send/drop:src=root,dst=mm,label=0x4d20,once";
    assert_int_equal(h_run_system_config(&cfg, &images, body_first_stats_dropped, NULL), 0);
    /* Marked boot, the same rule drops the root's first MM_STATS, in its boot. */
    cfg.faults = "ipc/send/drop:src=root,dst=mm,label=0x4d20,once,boot";
    unsigned old = l4srv_set_call_timeout(300); /* the boot's wait, free-running too */
    assert_int_equal(l4srv_run(&cfg, &images, body_first_stats_dropped, NULL), L4SIM_BOOT_FAILED);
    l4srv_set_call_timeout(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_on_demand),
        cmocka_unit_test(hello_eager),
        cmocka_unit_test(heap_toucher),
        cmocka_unit_test(heap_under_memory_pressure),
        cmocka_unit_test(threads_program),
        cmocka_unit_test(fork_program),
        cmocka_unit_test(crashes),
        cmocka_unit_test(refusals),
        cmocka_unit_test(malformed_requests),
        cmocka_unit_test(kill_during_ipc),
        cmocka_unit_test(kill_during_page_fault),
        cmocka_unit_test(ping_hung_region_mapper),
        cmocka_unit_test(exec_replaces_the_program),
        cmocka_unit_test(statistics),
        cmocka_unit_test(new_kill_repeated),
        cmocka_unit_test(injected_elf_read_error_fails_new_cleanly),
        cmocka_unit_test(injected_task_crash_ends_the_asking_task),
        cmocka_unit_test(lost_deregistration_is_sent_again),
        cmocka_unit_test(clients_report_a_server_that_does_not_answer),
        cmocka_unit_test(faults_wait_for_the_system_to_boot_unless_marked_boot),
    };
    if (getenv("TEST_FILTER")) /* one case, when debugging: TEST_FILTER=kill_* */
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
