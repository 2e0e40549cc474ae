/*
 * Schedule, ThreadSwitch and the clock: parameters set and read back, privilege
 * and priority rules, reported states, yielding, SystemClock and L4_Sleep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

/* Schedule with no changes: the thread's state, *old its time control. */
static L4_Word_t sched_read(L4_ThreadId_t t, L4_Word_t *old)
{
    return L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, old);
}

static void block_forever(void *kip)
{
    (void) kip;
    L4_Receive(h_sigma0());
}

/* ------------------------------------------------------------ parameters */

static int body_time_control(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn(0, block_forever, NULL);
    L4_Time_t slice, quantum;
    /* The kernel's default: a 10 ms time slice, no total quantum. */
    H_CHECK(L4_Timeslice(t, &slice, &quantum) != L4_SCHEDRESULT_ERROR);
    H_EQ(L4_TimePeriodUsec(slice), 10000);
    H_EQ(quantum.raw, L4_Never.raw);

    H_CHECK(L4_Set_Timeslice(t, L4_TimePeriod(5000), L4_TimePeriod(100000)) !=
            L4_SCHEDRESULT_ERROR);
    H_CHECK(L4_Timeslice(t, &slice, &quantum) != L4_SCHEDRESULT_ERROR);
    H_EQ(slice.raw, L4_TimePeriod(5000).raw);
    H_EQ(quantum.raw, L4_TimePeriod(100000).raw);

    /* Schedule hands back the time control it replaced. */
    L4_Word_t old = 0;
    L4_Word_t next = ((L4_Word_t) L4_TimePeriod(2000).raw << 16) | L4_Never.raw;
    H_CHECK(L4_Schedule(t, next, ~0UL, ~0UL, ~0UL, &old) != L4_SCHEDRESULT_ERROR);
    H_EQ(old, ((L4_Word_t) L4_TimePeriod(5000).raw << 16) | L4_TimePeriod(100000).raw);
    H_CHECK(sched_read(t, &old) != L4_SCHEDRESULT_ERROR);
    H_EQ(old, next);

    /* Priority and preemption delay are accepted and leave the time control alone. */
    H_CHECK(L4_Set_Priority(t, 42) != L4_SCHEDRESULT_ERROR);
    H_CHECK(L4_Set_PreemptionDelay(t, 60, 500) != L4_SCHEDRESULT_ERROR);
    H_CHECK(sched_read(t, &old) != L4_SCHEDRESULT_ERROR);
    H_EQ(old, next);
    /* The processor: only number 0 exists. */
    H_CHECK(L4_Set_ProcessorNo(t, 0) != L4_SCHEDRESULT_ERROR);
    H_EQ(L4_Set_ProcessorNo(t, 1), L4_SCHEDRESULT_ERROR);
    H_EQ(L4_ErrorCode(), L4_ErrInvalidParam);
    return 0;
}

static void schedule_sets_and_reads_back_time_control(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_time_control, NULL), 0);
}

/*
 * L4_ThreadStats (an l4sim extension) reports every parameter Schedule
 * stores. t's stats must show exactly these values.
 */
static void expect_sched_stats_at(int line, L4_ThreadId_t t, L4_Word_t prio, L4_Time_t slice,
                                  L4_Time_t quantum, L4_Word_t sensitive, L4_Word_t delay)
{
    L4_ThreadStats_t st;
    memset(&st, 0xff, sizeof(st));
    if (!L4_ThreadStats(t, &st)) {
        h_fail_at(__FILE__, line, "L4_ThreadStats failed: error %lu", L4_ErrorCode());
        return;
    }
    if (st.priority != prio || st.timeslice.raw != slice.raw ||
        st.total_quantum.raw != quantum.raw || st.sensitive_prio != sensitive ||
        st.max_delay != delay)
        h_fail_at(__FILE__, line,
                  "stats: priority %lu slice 0x%x quantum 0x%x sensitive %lu delay %lu; want "
                  "%lu 0x%x 0x%x %lu %lu",
                  st.priority, st.timeslice.raw, st.total_quantum.raw, st.sensitive_prio,
                  st.max_delay, prio, slice.raw, quantum.raw, sensitive, delay);
}
#define expect_sched_stats(...) expect_sched_stats_at(__LINE__, __VA_ARGS__)

static int body_stats(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn(0, block_forever, NULL);
    /* The kernel's defaults: priority 100, a 10 ms slice, no quantum, no preemption delay. */
    expect_sched_stats(t, 100, L4_TimePeriod(10000), L4_Never, 0, 0);

    /* Each group alone changes only itself. */
    H_CHECK(L4_Set_Priority(t, 42) != L4_SCHEDRESULT_ERROR);
    expect_sched_stats(t, 42, L4_TimePeriod(10000), L4_Never, 0, 0);
    H_CHECK(L4_Set_Timeslice(t, L4_TimePeriod(3000), L4_TimePeriod(200000)) !=
            L4_SCHEDRESULT_ERROR);
    expect_sched_stats(t, 42, L4_TimePeriod(3000), L4_TimePeriod(200000), 0, 0);
    H_CHECK(L4_Set_PreemptionDelay(t, 60, 500) != L4_SCHEDRESULT_ERROR);
    expect_sched_stats(t, 42, L4_TimePeriod(3000), L4_TimePeriod(200000), 60, 500);

    /* All at once; Schedule hands back the time control it replaced. */
    L4_Word_t old = 0;
    L4_Word_t time = ((L4_Word_t) L4_TimePeriod(7000).raw << 16) | L4_Never.raw;
    H_CHECK(L4_Schedule(t, time, ~0UL, 7, (90UL << 16) | 1234, &old) != L4_SCHEDRESULT_ERROR);
    H_EQ(old, ((L4_Word_t) L4_TimePeriod(3000).raw << 16) | L4_TimePeriod(200000).raw);
    expect_sched_stats(t, 7, L4_TimePeriod(7000), L4_Never, 90, 1234);

    /* ~0 everywhere changes nothing; neither does a refused call. */
    H_CHECK(sched_read(t, &old) != L4_SCHEDRESULT_ERROR);
    H_EQ(old, time);
    H_EQ(L4_Schedule(t, 0x1234, ~0UL, 101, 0x10001, &old), L4_SCHEDRESULT_ERROR);
    H_EQ(L4_ErrorCode(), L4_ErrInvalidParam);
    expect_sched_stats(t, 7, L4_TimePeriod(7000), L4_Never, 90, 1234);

    /* Only an active thread has stats: an inactive, a deleted or no thread at all. */
    L4_ThreadStats_t st;
    L4_ThreadId_t me = L4_Myself(), inactive = h_tid(1, 1);
    H_EQ(L4_ThreadControl(inactive, me, me, L4_nilthread, h_root_utcb(inactive)), 1);
    const L4_ThreadId_t bad[] = {inactive, L4_nilthread, h_tid(5, 1),
                                 L4_GlobalId(L4_ThreadNo(t), 2)};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        H_EQ(L4_ThreadStats(bad[i], &st), 0);
        H_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    }
    return 0;
}

static void thread_stats_report_what_schedule_stored(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_stats, NULL), 0);
}

/* A thread with priority p may give others at most p: Schedule reads priorities only that way. */
static struct {
    L4_Word_t at_own, above_own, above_error;
} prio_probe;

static void probe_priority(void *kip)
{
    (void) kip;
    L4_ThreadId_t other = h_tid(1, 1);
    prio_probe.at_own = L4_Set_Priority(other, 42);
    prio_probe.above_own = L4_Set_Priority(other, 43);
    prio_probe.above_error = L4_ErrorCode();
    h_signal_root();
}

static int body_priority(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t t = h_tid(0, 1);
    H_EQ(L4_ThreadControl(t, me, me, me, h_root_utcb(t)), 1);
    h_spawn(1, block_forever, NULL);
    /* The root has the default priority 100: not more. */
    H_EQ(L4_Set_Priority(t, 101), L4_SCHEDRESULT_ERROR);
    H_EQ(L4_ErrorCode(), L4_ErrInvalidParam);
    H_EQ(L4_Set_Priority(t, 255), L4_SCHEDRESULT_ERROR);
    H_EQ(L4_ErrorCode(), L4_ErrInvalidParam);
    H_EQ(L4_Set_Priority(me, 101), L4_SCHEDRESULT_ERROR);
    H_EQ(L4_ErrorCode(), L4_ErrInvalidParam);
    H_CHECK(L4_Set_Priority(t, 100) != L4_SCHEDRESULT_ERROR);
    H_CHECK(L4_Set_Priority(t, 42) != L4_SCHEDRESULT_ERROR);
    h_start(t, probe_priority);
    h_wait_signal(t);
    H_CHECK(prio_probe.at_own != L4_SCHEDRESULT_ERROR);
    H_EQ(prio_probe.above_own, L4_SCHEDRESULT_ERROR);
    H_EQ(prio_probe.above_error, L4_ErrInvalidParam);
    return 0;
}

static void priority_above_the_callers_is_refused(void **state)
{
    (void) state;
    memset(&prio_probe, 0, sizeof(prio_probe));
    assert_int_equal(h_run(body_priority, NULL), 0);
}

/* ------------------------------------------------------------- privilege */

static struct {
    L4_Word_t foreign, foreign_error, own, own_time, stats, stats_error;
} unpriv;

static void schedule_from_other_space(void *kip)
{
    (void) kip;
    unpriv.foreign = L4_Set_Priority(h_tid(1, 1), 10);
    unpriv.foreign_error = L4_ErrorCode();
    unpriv.own = L4_Set_Timeslice(h_tid(2, 1), L4_TimePeriod(3000), L4_Never);
    /* Reading them back is privileged, even for the thread's own scheduler. */
    L4_ThreadStats_t st;
    unpriv.stats = L4_ThreadStats(h_tid(2, 1), &st);
    unpriv.stats_error = L4_ErrorCode();
    h_signal_root();
}

static int body_unprivileged(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t x = h_tid(0, 1);
    /* x lives in its own space; thread 1 is scheduled by the root, thread 2 by x. */
    h_spawn(1, block_forever, NULL);
    L4_ThreadId_t mine = h_tid(2, 1);
    H_EQ(L4_ThreadControl(x, x, me, L4_nilthread, (void *) ~0UL), 1);
    H_EQ(L4_ThreadControl(mine, me, x, L4_nilthread, h_root_utcb(mine)), 1);
    H_EQ(L4_SpaceControl(x, 0, H_SPACE_KIP_AREA(),
                         L4_FpageLog2(H_SPACE_UTCB_BASE, H_SPACE_UTCB_LOG2), L4_nilthread, NULL),
         1);
    H_EQ(L4_ThreadControl(x, x, me, me, (void *) H_SPACE_UTCB_BASE), 1);
    h_start(x, schedule_from_other_space);
    h_wait_signal(x);
    H_EQ(unpriv.foreign, L4_SCHEDRESULT_ERROR);
    H_EQ(unpriv.foreign_error, L4_ErrNoPrivilege);
    H_CHECK(unpriv.own != L4_SCHEDRESULT_ERROR);
    H_EQ(unpriv.stats, 0);
    H_EQ(unpriv.stats_error, L4_ErrNoPrivilege);
    L4_Time_t slice, quantum;
    H_CHECK(L4_Timeslice(mine, &slice, &quantum) != L4_SCHEDRESULT_ERROR);
    H_EQ(slice.raw, L4_TimePeriod(3000).raw);
    return 0;
}

static void schedule_from_unprivileged_non_scheduler_is_refused(void **state)
{
    (void) state;
    memset(&unpriv, 0, sizeof(unpriv));
    assert_int_equal(h_run(body_unprivileged, NULL), 0);
}

/* ----------------------------------------------------------------- state */

static void send_to_root(void *kip)
{
    (void) kip;
    L4_LoadMR(0, 0);
    L4_Send(h_root());
}

static volatile int spinning;

static void spin(void *kip)
{
    (void) kip;
    for (;;)
        __atomic_store_n(&spinning, 1, __ATOMIC_RELAXED);
}

static int body_states(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t inactive = h_tid(0, 1);
    H_EQ(L4_ThreadControl(inactive, me, me, L4_nilthread, h_root_utcb(inactive)), 1);
    H_EQ(sched_read(inactive, NULL), L4_SCHEDRESULT_INACTIVE);

    L4_ThreadId_t rcv = h_spawn(1, block_forever, NULL);
    h_wait_state(rcv, H_STATE_RECEIVING);
    H_EQ(sched_read(rcv, NULL), L4_SCHEDRESULT_WAITING);

    L4_ThreadId_t snd = h_spawn(2, send_to_root, NULL);
    h_wait_state(snd, H_STATE_SENDING);
    H_EQ(sched_read(snd, NULL), L4_SCHEDRESULT_PENDING_SEND);

    L4_ThreadId_t run = h_spawn(3, spin, NULL);
    h_wait_flag(&spinning);
    H_EQ(sched_read(run, NULL), L4_SCHEDRESULT_RUNNING);
    L4_Stop(run);
    H_EQ(sched_read(me, NULL), L4_SCHEDRESULT_RUNNING);
    return 0;
}

static void schedule_reports_thread_states(void **state)
{
    (void) state;
    spinning = 0;
    /* A thread spinning in user code is part of it: free-running mode only. */
    assert_int_equal(h_run_free(body_states, NULL), 0);
}

static int body_invalid(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    const L4_ThreadId_t bad[] = {
        L4_nilthread,
        L4_anythread,
        h_tid(5, 1),
        L4_GlobalId(L4_ThreadNo(echo), 2),
        L4_GlobalId(100000, 1),
        {.raw = (L4_Word_t) h_root_utcb(h_tid(5, 1))},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        L4_Word_t old = 0xdead;
        H_EQ(L4_Schedule(bad[i], 0x1000, ~0UL, 5, ~0UL, &old), L4_SCHEDRESULT_ERROR);
        H_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
        H_EQ(old, 0);
    }
    h_ping(echo, 1);
    return 0;
}

static void schedule_on_invalid_thread_fails(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_invalid, NULL), 0);
}

/* ------------------------------------------------------- switch and time */

static int body_switch(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    L4_Yield();
    L4_ThreadSwitch(L4_nilthread);
    L4_ThreadSwitch(echo);
    L4_ThreadSwitch(L4_Myself());
    L4_ThreadSwitch(h_tid(9, 1));
    L4_ThreadSwitch(L4_anythread);
    for (int i = 0; i < 100; i++)
        L4_Yield();
    h_ping(echo, 1);
    return 0;
}

static void thread_switch_and_yield_return(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_switch, NULL), 0);
}

static int body_clock(void *arg)
{
    (void) arg;
    L4_Clock_t first = L4_SystemClock(), prev = first;
    for (int i = 0; i < 1000; i++) {
        L4_Clock_t now = L4_SystemClock();
        H_CHECK(now.raw >= prev.raw);
        prev = now;
    }
    /* It advances: wait (bounded) until it does. */
    for (int i = 0; i < 10000 && L4_SystemClock().raw == first.raw; i++)
        h_host_sleep_us(100);
    H_CHECK(L4_SystemClock().raw > first.raw);
    /* In microseconds: a 10 ms host sleep reads as 10 ms to 10 s (even under
     * valgrind), where a clock in nanoseconds or milliseconds would be off
     * by a factor of 1000. */
    L4_Clock_t before = L4_SystemClock();
    h_host_sleep_us(10000);
    L4_Word64_t elapsed = L4_SystemClock().raw - before.raw;
    H_CHECK(elapsed >= 10000);
    H_CHECK(elapsed < 10000000);
    return 0;
}

static void system_clock_increases(void **state)
{
    /* Host time passing moves the free-running clock; virtual time is test_det's. */
    (void) state;
    assert_int_equal(h_run_free(body_clock, NULL), 0);
}

static int body_sleep(void *arg)
{
    (void) arg;
    L4_Clock_t before = L4_SystemClock();
    L4_Sleep(L4_TimePeriod(10000));
    L4_Clock_t after = L4_SystemClock();
    H_CHECK(after.raw - before.raw >= 10000);
    /* L4_Sleep is a receive from oneself that times out. */
    H_EQ(L4_ErrorCode(), H_ERR_RECV(L4_IpcErrTimeout));
    /* Zero sleeps return at once; the system works afterwards. */
    L4_Sleep(L4_ZeroTime);
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    h_ping(echo, 1);
    return 0;
}

static void sleep_lasts_at_least_its_period(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_sleep, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schedule_sets_and_reads_back_time_control),
        cmocka_unit_test(thread_stats_report_what_schedule_stored),
        cmocka_unit_test(priority_above_the_callers_is_refused),
        cmocka_unit_test(schedule_from_unprivileged_non_scheduler_is_refused),
        cmocka_unit_test(schedule_reports_thread_states),
        cmocka_unit_test(schedule_on_invalid_thread_fails),
        cmocka_unit_test(thread_switch_and_yield_return),
        cmocka_unit_test(system_clock_increases),
        cmocka_unit_test(sleep_lasts_at_least_its_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
