/*
 * Deterministic mode: the same seed gives the same run (trace hash and all),
 * different seeds explore different interleavings, a deadlock is reported
 * with the blocked threads, virtual time makes long timeouts instant, the
 * policies honour priorities and timeslices, and every kernel entry (a
 * page fault too, ThreadSwitch once) is one scheduling decision taking
 * one entry's time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#include <l4/kdebug.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define CLIENTS 4
#define CALLS   3

/* The order in which the server saw the clients' calls, as digits. */
static char arrivals[CLIENTS * CALLS + 1];

static void order_server(void *kip)
{
    (void) kip;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (unsigned n = 0;; n++) {
        L4_Word_t who;
        L4_StoreMR(1, &who);
        if (n < CLIENTS * CALLS)
            arrivals[n] = (char) ('0' + who);
        L4_LoadMR(0, 0);
        tag = L4_ReplyWait(from, &from);
        (void) tag;
    }
}

static L4_ThreadId_t server;

static void order_client(void *kip)
{
    (void) kip;
    L4_Word_t me = (L4_Word_t) h_arg();
    for (int i = 0; i < CALLS; i++) {
        L4_MsgTag_t tag = L4_Niltag;
        tag.X.u = 1;
        L4_LoadMR(0, tag.raw);
        L4_LoadMR(1, me);
        H_IPC_OK(L4_Call(server));
    }
    h_signal_root();
}

/* Several clients call one server: the order of arrival is the race. */
static int racy_program(void *arg)
{
    (void) arg;
    server = h_spawn(0, order_server, NULL);
    L4_ThreadId_t clients[CLIENTS];
    for (L4_Word_t c = 0; c < CLIENTS; c++)
        clients[c] = h_spawn(1 + (unsigned) c, order_client, (void *) c);
    for (int c = 0; c < CLIENTS; c++)
        h_wait_signal(clients[c]);
    return 0;
}

static struct l4sim_stats run_seeded(int (*body)(void *), uint64_t seed, int *result)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.seed = seed;
    memset(arrivals, 0, sizeof(arrivals));
    *result = h_run_config(&cfg, body, NULL);
    struct l4sim_stats st;
    l4sim_get_stats(&st);
    return st;
}

static void same_seed_gives_identical_trace_hash(void **state)
{
    (void) state;
    int r1, r2;
    struct l4sim_stats a = run_seeded(racy_program, 42, &r1);
    char first[sizeof(arrivals)];
    memcpy(first, arrivals, sizeof(first));
    struct l4sim_stats b = run_seeded(racy_program, 42, &r2);
    assert_int_equal(r1, 0);
    assert_int_equal(r2, 0);
    assert_true(a.trace_events > 0);
    assert_int_equal(a.trace_hash, b.trace_hash);
    assert_int_equal(a.trace_events, b.trace_events);
    assert_int_equal(a.sched_decisions, b.sched_decisions);
    assert_int_equal(a.virtual_time_us, b.virtual_time_us);
    assert_string_equal(first, arrivals);
    assert_int_equal(a.seed, 42);
}

static void fifty_seeds_give_more_than_one_order_of_arrival(void **state)
{
    (void) state;
    char seen[50][sizeof(arrivals)];
    unsigned distinct = 0, distinct_hashes = 0;
    uint64_t hashes[50];
    for (uint64_t seed = 1; seed <= 50; seed++) {
        int r;
        struct l4sim_stats st = run_seeded(racy_program, seed, &r);
        assert_int_equal(r, 0);
        assert_int_equal(strlen(arrivals), CLIENTS * CALLS);
        bool is_new = true, hash_new = true;
        for (unsigned i = 0; i < distinct; i++)
            is_new = is_new && strcmp(seen[i], arrivals) != 0;
        for (unsigned i = 0; i < distinct_hashes; i++)
            hash_new = hash_new && hashes[i] != st.trace_hash;
        if (is_new)
            memcpy(seen[distinct++], arrivals, sizeof(arrivals));
        if (hash_new)
            hashes[distinct_hashes++] = st.trace_hash;
    }
    assert_true(distinct > 1);
    assert_true(distinct_hashes > 1);
}

/* Two threads each wait for the other before sending: nobody ever sends. */
static L4_ThreadId_t twin[2];

static void wait_for_twin(void *kip)
{
    (void) kip;
    L4_Word_t me = (L4_Word_t) h_arg();
    L4_Receive(twin[1 - me]);
}

static int deadlocking_program(void *arg)
{
    (void) arg;
    twin[0] = h_tid(0, 1);
    twin[1] = h_tid(1, 1);
    h_spawn(0, wait_for_twin, (void *) 0);
    h_spawn(1, wait_for_twin, (void *) 1);
    L4_Receive(twin[0]); /* and the root waits too */
    return 0;
}

static void deadlock_is_reported_not_hung(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.seed = 7;
    /* stderr names the blocked threads; send it to a file we can read. */
    char path[] = "/tmp/l4sim-deadlock-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    int r = l4sim_run(&cfg, deadlocking_program, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    struct l4sim_stats st;
    l4sim_get_stats(&st);
    char text[4096] = {0};
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    unlink(path);
    assert_int_equal(r, L4SIM_DEADLOCK);
    assert_true(st.deadlocked);
    assert_true(n > 0);
    assert_non_null(strstr(text, "deadlock at virtual time "));
    assert_non_null(strstr(text, " (seed 7): every thread waits forever"));
    assert_non_null(strstr(text, "thread 35.1 waits to receive from 36.1"));
    assert_non_null(strstr(text, "thread 36.1 waits to receive from 35.1"));
    assert_non_null(strstr(text, "thread 34.1 waits to receive from 35.1"));
}

static int long_timeout_program(void *arg)
{
    (void) arg;
    L4_Clock_t before = L4_SystemClock();
    L4_MsgTag_t tag = L4_Receive_Timeout(h_sigma0(), L4_TimePeriod(10 * 1000 * 1000));
    L4_Clock_t after = L4_SystemClock();
    H_IPC_FAILS(tag, H_ERR_RECV(L4_IpcErrTimeout));
    /* 10 s encodes as 610 << 14 µs: X.2 periods have a 10-bit mantissa. */
    H_CHECK(after.raw - before.raw >= 610UL << 14);
    return 0;
}

static void ten_second_virtual_timeout_takes_no_wall_time(void **state)
{
    (void) state;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int r;
    struct l4sim_stats st = run_seeded(long_timeout_program, 3, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(r, 0);
    assert_true(st.virtual_time_us >= 610UL << 14);
    /* The issue asks for this one wall-clock check: 10 s of virtual time
     * within 100 ms (valgrind slows everything ~50x, so it gets 5 s). */
    double wall = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(wall < (RUNNING_ON_VALGRIND ? 5.0 : 0.1));
}

/*
 * The seed sweep: the racy program under 100 seeds (10 under valgrind),
 * every call answered, every run ending cleanly and replayable.
 */
static void racy_program_survives_a_hundred_seeds(void **state)
{
    (void) state;
    uint64_t seeds = RUNNING_ON_VALGRIND ? 10 : 100;
    for (uint64_t seed = 1000; seed < 1000 + seeds; seed++) {
        int r;
        struct l4sim_stats st = run_seeded(racy_program, seed, &r);
        if (r != 0 || strlen(arrivals) != CLIENTS * CALLS || st.deadlocked)
            fail_msg("seed %llu failed: replay with L4SIM_DETERMINISTIC=1 L4SIM_SEED=%llu",
                     (unsigned long long) seed, (unsigned long long) seed);
        assert_int_equal(st.mappings, 0);
    }
}

static void round_robin_policy_is_deterministic_too(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.policy = L4SIM_POLICY_RR;
    cfg.seed = 1;
    assert_int_equal(h_run_config(&cfg, racy_program, NULL), 0);
    struct l4sim_stats a;
    l4sim_get_stats(&a);
    cfg.seed = 99; /* round-robin does not draw on the PRNG */
    assert_int_equal(h_run_config(&cfg, racy_program, NULL), 0);
    struct l4sim_stats b;
    l4sim_get_stats(&b);
    assert_int_equal(a.trace_hash, b.trace_hash);
}

/* ------------------------------------------------- scheduler behaviour */

/*
 * Workers for the policy tests: each reports ready with a Call (so it is
 * blocked in the receive phase when the root answers), then notes its
 * mark and enters the kernel (L4_SystemClock) `rounds` times, and signals
 * the root. The log is the order in which the CPU went to them.
 */
#define SCHED_LOG_MAX 2048
static char sched_log[SCHED_LOG_MAX + 1];
static unsigned sched_log_len;
static unsigned sched_rounds;

static void marking_worker(void *kip)
{
    (void) kip;
    char mark = (char) (uintptr_t) h_arg();
    L4_LoadMR(0, 0);
    H_IPC_OK(L4_Call(h_root()));
    for (unsigned i = 0; i < sched_rounds; i++) {
        if (sched_log_len < SCHED_LOG_MAX)
            sched_log[sched_log_len++] = mark;
        L4_SystemClock();
    }
    h_signal_root();
}

struct workers {
    unsigned count;
    char marks[3];
    L4_Word_t priority[3];  /* 0: leave the default */
    L4_Word_t timeslice_us; /* 0: leave the default */
};

/* Start the workers, let them all go at once (in the order given), wait for each. */
static int run_workers(void *arg)
{
    const struct workers *w = arg;
    L4_ThreadId_t t[3];
    for (unsigned i = 0; i < w->count; i++) {
        t[i] = h_spawn(i, marking_worker, (void *) (uintptr_t) w->marks[i]);
        if (w->priority[i])
            H_CHECK(L4_Set_Priority(t[i], w->priority[i]) != 0);
        if (w->timeslice_us)
            H_CHECK(L4_Set_Timeslice(t[i], L4_TimePeriod(w->timeslice_us), L4_Never) != 0);
    }
    for (unsigned i = 0; i < w->count; i++)
        H_IPC_OK(L4_Receive(t[i]));
    for (unsigned i = 0; i < w->count; i++) {
        L4_LoadMR(0, 0);
        H_IPC_OK(L4_Reply(t[i]));
    }
    for (unsigned i = 0; i < w->count; i++)
        h_wait_signal(t[i]);
    return 0;
}

static void run_policy(enum l4sim_policy policy, uint64_t seed, const struct workers *w,
                       unsigned rounds)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.policy = policy;
    cfg.seed = seed;
    sched_rounds = rounds;
    sched_log_len = 0;
    memset(sched_log, 0, sizeof(sched_log));
    assert_int_equal(h_run_config(&cfg, run_workers, (void *) w), 0);
    assert_int_equal(sched_log_len, w->count * rounds);
}

/*
 * Random policy: the workers are let go lowest priority first, yet the
 * higher priority always runs all its rounds before a lower one gets the
 * CPU. With equal priorities the same program interleaves.
 */
static void random_policy_runs_higher_priority_first(void **state)
{
    (void) state;
    const struct workers ranked = {3, {'l', 'm', 'h'}, {50, 75, 100}, 0};
    const struct workers equal = {3, {'l', 'm', 'h'}, {0, 0, 0}, 0};
    unsigned interleaved = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        run_policy(L4SIM_POLICY_RANDOM, seed, &ranked, 5);
        if (strcmp(sched_log, "hhhhhmmmmmlllll") != 0)
            fail_msg("seed %llu: the CPU went %s", (unsigned long long) seed, sched_log);
        run_policy(L4SIM_POLICY_RANDOM, seed, &equal, 5);
        interleaved += strcmp(sched_log, "hhhhhmmmmmlllll") != 0;
    }
    assert_true(interleaved > 0);
}

/* The lengths of the runs of one mark in the log; returns how many runs. */
static unsigned log_runs(unsigned *len, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < sched_log_len; i++) {
        if (i == 0 || sched_log[i] != sched_log[i - 1]) {
            if (n == max)
                return n + 1;
            len[n++] = 0;
        }
        len[n - 1]++;
    }
    return n;
}

/*
 * Round-robin with a 100 µs timeslice: two threads that do nothing but
 * enter the kernel (1 µs each) take turns, about 100 entries at a time.
 */
static void round_robin_alternates_every_timeslice(void **state)
{
    (void) state;
    const struct workers w = {2, {'a', 'b'}, {0, 0}, 100};
    run_policy(L4SIM_POLICY_RR, 1, &w, 500);
    unsigned len[16];
    unsigned runs = log_runs(len, 16);
    assert_in_range(runs, 9, 11);
    assert_int_equal(sched_log[0], 'a');    /* the longest ready goes first */
    for (unsigned i = 0; i + 1 < runs; i++) /* the last run of each may be short */
        if (len[i] < 90 || len[i] > 110)
            fail_msg("run %u of %u lasted %u kernel entries, not about 100: %s", i, runs, len[i],
                     sched_log);
}

/* With the default timeslice (10 ms) nobody is switched out during a short run. */
static void round_robin_default_slice_outlasts_a_short_run(void **state)
{
    (void) state;
    const struct workers w = {2, {'a', 'b'}, {0, 0}, 0};
    run_policy(L4SIM_POLICY_RR, 1, &w, 200);
    unsigned len[4];
    assert_int_equal(log_runs(len, 4), 2);
    assert_int_equal(len[0], 200);
}

/* ------------------------------------------------------- virtual time */

static L4_Word_t clock_steps[10];

static int read_the_clock(void *arg)
{
    (void) arg;
    L4_Word_t last = L4_SystemClock().raw;
    for (unsigned i = 0; i < 10; i++) {
        L4_Word_t now = L4_SystemClock().raw;
        clock_steps[i] = now - last;
        last = now;
    }
    return 0;
}

/* A lone thread's clock readings are one kernel entry apart: the configured cost. */
static void clock_advances_by_the_entry_cost(void **state)
{
    (void) state;
    for (unsigned cost = 1; cost <= 5; cost += 4) {
        struct l4sim_config cfg;
        l4sim_config_init(&cfg);
        cfg.deterministic = 1;
        cfg.seed = 5;
        cfg.kernel_entry_cost_us = cost;
        assert_int_equal(h_run_config(&cfg, read_the_clock, NULL), 0);
        for (unsigned i = 0; i < 10; i++)
            assert_int_equal(clock_steps[i], cost);
    }
}

static L4_Word_t switch_time, switch_decisions;

static int switch_between_clock_readings(void *arg)
{
    (void) arg;
    uint64_t decisions = h_stats().sched_decisions;
    L4_Word_t before = L4_SystemClock().raw;
    L4_ThreadSwitch(L4_nilthread);
    L4_Word_t after = L4_SystemClock().raw;
    switch_decisions = h_stats().sched_decisions - decisions;
    switch_time = after - before;
    return 0;
}

/* ThreadSwitch is one kernel entry: one decision (a yield) and one entry's time. */
static void thread_switch_is_one_kernel_entry(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.seed = 5;
    assert_int_equal(h_run_config(&cfg, switch_between_clock_readings, NULL), 0);
    assert_int_equal(switch_time, 2);      /* its entry and the second reading's */
    assert_int_equal(switch_decisions, 3); /* both readings and the switch */
}

/* ------------------------------------------- a fault is a kernel entry */

static char fault_trace[1 << 16];
static size_t fault_trace_len;

/* The trace sink: may run in the SIGSEGV handler, so only memcpy. */
static void keep_trace(const char *line, size_t len, void *ctx)
{
    (void) ctx;
    if (fault_trace_len + len + 1 < sizeof(fault_trace)) {
        memcpy(fault_trace + fault_trace_len, line, len);
        fault_trace_len += len;
        fault_trace[fault_trace_len++] = '\n';
        fault_trace[fault_trace_len] = 0;
    }
}

/* The time of the first trace line containing what, or -1. */
static long trace_time_of(const char *what)
{
    const char *hit = strstr(fault_trace, what);
    if (!hit)
        return -1;
    while (hit > fault_trace && hit[-1] != '\n')
        hit--;
    return strncmp(hit, "t=", 2) == 0 ? strtol(hit + 2, NULL, 10) : -1;
}

/*
 * Note, then touch a page of its own window that nobody mapped. (No note
 * after it: memcheck misjudges kdb_print_part's large frame on a heap
 * stack that took a fault; see docs/design.md, open problems.)
 */
static void note_then_touch(void *kip)
{
    (void) kip;
    L4_Word_t base = h_window(L4_Myself(), NULL);
    L4_KDB_PrintString("before the touch");
    *(volatile L4_Word_t *) (base + 0x10000) = 1;
    h_signal_root();
}

static void note_often(void *kip)
{
    (void) kip;
    for (int i = 0; i < 40; i++)
        L4_KDB_PrintString("bystander");
    h_signal_root();
}

/* The root pages thread 35 (h_tid(0)); with a bystander, thread 36 notes meanwhile. */
static int toucher_program(void *arg)
{
    bool bystander = arg != NULL;
    L4_ThreadId_t t = h_spawn_paged(0, L4_nilthread, note_then_touch, NULL);
    L4_ThreadId_t b = bystander ? h_spawn(1, note_often, NULL) : L4_nilthread;
    L4_ThreadId_t from;
    unsigned served = 0;
    L4_MsgTag_t tag = h_serve_faults(t, &from, &served);
    H_EQ(L4_Label(tag), H_LABEL_SIGNAL);
    H_EQ(served, 1);
    if (bystander)
        h_wait_signal(b);
    return 0;
}

static void run_toucher(uint64_t seed, unsigned cost, bool bystander)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.seed = seed;
    cfg.kernel_entry_cost_us = cost;
    cfg.trace_sink = keep_trace;
    fault_trace_len = 0;
    fault_trace[0] = 0;
    assert_int_equal(h_run_config(&cfg, toucher_program, bystander ? &cfg : NULL), 0);
}

/* Nothing else is ready when the thread faults: the fault takes exactly one entry's time. */
static void page_fault_takes_a_kernel_entry_of_virtual_time(void **state)
{
    (void) state;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        run_toucher(seed, 5, false);
        long before = trace_time_of("note 35.1 before the touch");
        long fault = trace_time_of("pagefault 35.1 -> 34.1");
        assert_true(before > 0);
        if (fault - before != 5)
            fail_msg("seed %llu: note at t=%ld, page fault at t=%ld", (unsigned long long) seed,
                     before, fault);
    }
}

/*
 * With a bystander ready, the fault is a scheduling decision like any
 * kernel entry: for some seeds the bystander runs between the faulting
 * thread's last system call and its page-fault message.
 */
static void page_fault_is_a_scheduling_point(void **state)
{
    (void) state;
    unsigned preempted = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        run_toucher(seed, 1, true);
        const char *before = strstr(fault_trace, "note 35.1 before the touch");
        const char *fault = strstr(fault_trace, "pagefault 35.1 -> 34.1");
        assert_non_null(before);
        assert_non_null(fault);
        const char *bystander = strstr(before, "note 36.1 bystander");
        preempted += bystander && bystander < fault;
    }
    assert_true(preempted > 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_gives_identical_trace_hash),
        cmocka_unit_test(fifty_seeds_give_more_than_one_order_of_arrival),
        cmocka_unit_test(deadlock_is_reported_not_hung),
        cmocka_unit_test(ten_second_virtual_timeout_takes_no_wall_time),
        cmocka_unit_test(racy_program_survives_a_hundred_seeds),
        cmocka_unit_test(round_robin_policy_is_deterministic_too),
        cmocka_unit_test(random_policy_runs_higher_priority_first),
        cmocka_unit_test(round_robin_alternates_every_timeslice),
        cmocka_unit_test(round_robin_default_slice_outlasts_a_short_run),
        cmocka_unit_test(clock_advances_by_the_entry_cost),
        cmocka_unit_test(thread_switch_is_one_kernel_entry),
        cmocka_unit_test(page_fault_takes_a_kernel_entry_of_virtual_time),
        cmocka_unit_test(page_fault_is_a_scheduling_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
