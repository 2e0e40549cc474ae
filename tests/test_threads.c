/*
 * ThreadControl: inactive and active threads, the start protocol (message and
 * ExchangeRegisters), halting on return, deletion, modifying an active
 * thread, and every error it reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define LONG_WAIT L4_TimePeriod(5UL * 1000 * 1000)

/* ThreadControl must fail with err. */
#define EXPECT_TC_ERROR(dest, space, sched, pager, utcb, err)                                      \
    do {                                                                                           \
        L4_Word_t r_ = L4_ThreadControl((dest), (space), (sched), (pager), (void *) (utcb));       \
        L4_Word_t e_ = L4_ErrorCode();                                                             \
        if (r_ != 0 || e_ != (L4_Word_t) (err))                                                    \
            h_fail_at(__FILE__, __LINE__, "ThreadControl(%s): result %lu error %lu, want 0/%lu",   \
                      #dest, r_, e_, (L4_Word_t) (err));                                           \
    } while (0)

static int run_ok(int (*body)(void *))
{
    return h_run(body, NULL);
}

/* Tell the root we ran, with one word. */
static void say_hello(void *kip)
{
    (void) kip;
    L4_Word_t w = 0x4e110;
    h_load_words(1, 1, &w);
    H_IPC_OK(L4_Send(h_root()));
}

/* Receive the hello of t (with a long but finite timeout, so a bug fails instead of hanging). */
static void expect_hello(L4_ThreadId_t t)
{
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, t, L4_Timeouts(L4_Never, LONG_WAIT), &from);
    H_IPC_OK(tag);
    L4_Word_t w = 0;
    L4_StoreMR(1, &w);
    H_EQ(L4_Label(tag), 1);
    H_EQ(w, 0x4e110);
}

/* ------------------------------------------------------------- creation */

static int body_create_inactive(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    H_EQ(L4_ThreadControl(t, me, me, L4_nilthread, h_root_utcb(t)), 1);
    H_EQ(L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, NULL), L4_SCHEDRESULT_INACTIVE);
    /* It exists (a zero-timeout send times out) but runs nothing. */
    L4_LoadMR(0, 0);
    H_IPC_FAILS(L4_Send_Timeout(t, L4_ZeroTime), H_ERR_SEND(L4_IpcErrTimeout));
    H_EQ(L4_LocalIdOf(t).raw, (L4_Word_t) h_root_utcb(t));
    H_EQ(L4_GlobalIdOf(L4_LocalIdOf(t)).raw, t.raw);

    /* Giving it a pager activates it; then it waits for its start message. */
    H_EQ(L4_ThreadControl(t, me, L4_nilthread, me, (void *) ~0UL), 1);
    H_CHECK(L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, NULL) != L4_SCHEDRESULT_INACTIVE);
    H_EQ(L4_PagerOf(t).raw, me.raw);
    h_start(t, say_hello);
    expect_hello(t);
    return 0;
}

static void create_without_pager_is_inactive_until_given_one(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_create_inactive), 0);
}

static int body_create_active(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    H_EQ(L4_ThreadControl(t, me, me, me, h_root_utcb(t)), 1);
    H_CHECK(L4_Schedule(t, ~0UL, ~0UL, ~0UL, ~0UL, NULL) != L4_SCHEDRESULT_INACTIVE);
    /* Active threads wait for the start message in a receive from their pager. */
    h_wait_state(t, H_STATE_RECEIVING);
    H_CHECK(L4_ThreadWasHalted((L4_ThreadState_t){h_state(t)}) ||
            L4_ThreadWasReceiving((L4_ThreadState_t){h_state(t)}));
    h_start(t, say_hello);
    expect_hello(t);
    return 0;
}

static void create_with_pager_is_active_and_waits_for_start(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_create_active), 0);
}

/* ------------------------------------------------------- start message */

static struct {
    L4_Word_t kip, local_addr, stack_top;
    L4_Word_t global, local;
} started;

static void record_start(void *kip)
{
    int local = 0;
    started.kip = (L4_Word_t) kip;
    started.local_addr = (L4_Word_t) &local;
    started.global = L4_MyGlobalId().raw;
    started.local = L4_MyLocalId().raw;
    L4_LoadMR(0, 0);
    L4_Send(h_root());
}

static int body_start_message(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    H_EQ(L4_ThreadControl(t, me, me, me, h_root_utcb(t)), 1);
    started.stack_top = h_stack();
    L4_LoadMR(0, 2);
    L4_LoadMR(1, (L4_Word_t) record_start);
    L4_LoadMR(2, started.stack_top);
    H_IPC_OK(L4_Send(t));
    H_IPC_OK(L4_Receive_Timeout(t, LONG_WAIT));
    H_EQ(started.kip, (L4_Word_t) L4_GetKernelInterface());
    H_CHECK(started.local_addr < started.stack_top);
    H_CHECK(started.local_addr > started.stack_top - 64 * 1024);
    H_EQ(started.global, t.raw);
    H_EQ(started.local, (L4_Word_t) h_root_utcb(t));
    return 0;
}

static void start_message_sets_ip_and_sp(void **state)
{
    (void) state;
    memset(&started, 0, sizeof(started));
    assert_int_equal(run_ok(body_start_message), 0);
}

/* Messages that are not start messages (u < 2) leave the thread waiting. */
static int body_short_start_message(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    H_EQ(L4_ThreadControl(t, me, me, me, h_root_utcb(t)), 1);
    L4_LoadMR(0, 1);
    L4_LoadMR(1, (L4_Word_t) say_hello);
    H_IPC_OK(L4_Send(t));
    h_start(t, say_hello);
    expect_hello(t);
    return 0;
}

static void start_message_with_too_few_words_is_ignored(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_short_start_message), 0);
}

/*
 * A start message whose IP has no code, or whose SP is not memory (one a
 * fault injection corrupted, say), is that thread's exception: it halts,
 * the simulator carries on, and the thread can be started again.
 */
static int body_wild_start(void *arg)
{
    bool wild_stack = arg != NULL;
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    H_EQ(L4_ThreadControl(t, me, me, me, h_root_utcb(t)), 1);
    L4_LoadMR(0, 2);
    L4_LoadMR(1, wild_stack ? (L4_Word_t) say_hello : 0x10);
    L4_LoadMR(2, wild_stack ? 0x2000 : h_stack());
    H_IPC_OK(L4_Send(t));
    for (int i = 0; i < 100000 && h_stats().exceptions == 0; i++)
        L4_Sleep(L4_TimePeriod(200));
    H_EQ(h_stats().exceptions, 1);
    h_wait_state(t, H_STATE_HALTED);
    L4_Start_SpIp(t, h_stack(), (L4_Word_t) say_hello);
    expect_hello(t);
    return 0;
}

static void start_at_an_ip_with_no_code_halts_only_that_thread(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_wild_start, NULL), 0);
}

static void start_on_a_stack_that_is_not_memory_halts_only_that_thread(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_wild_start, (void *) 1), 0);
}

static int body_start_exregs_waiting(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    H_EQ(L4_ThreadControl(t, me, me, me, h_root_utcb(t)), 1);
    h_wait_state(t, H_STATE_RECEIVING);
    L4_Start_SpIp(t, h_stack(), (L4_Word_t) say_hello);
    expect_hello(t);
    return 0;
}

static void start_via_exchange_registers_while_waiting_for_start(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_start_exregs_waiting), 0);
}

/* No waiting: ExchangeRegisters right after ThreadControl, before the host thread runs. */
static int body_start_exregs_at_once(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    for (unsigned i = 0; i < 10 && !h_failures(); i++) {
        L4_ThreadId_t t = h_tid(i, 1);
        H_EQ(L4_ThreadControl(t, me, me, me, h_root_utcb(t)), 1);
        L4_Start_SpIp(t, h_stack(), (L4_Word_t) say_hello);
        expect_hello(t);
    }
    return 0;
}

static void start_via_exchange_registers_right_after_create(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_start_exregs_at_once), 0);
}

/* ------------------------------------------------------ halt on return */

static void say_hello_and_return(void *kip)
{
    say_hello(kip);
}

static int body_returned_is_halted(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn(0, say_hello_and_return, NULL);
    expect_hello(t);
    h_wait_state(t, H_STATE_HALTED);
    L4_ThreadState_t st = L4_Stop(t);
    H_CHECK(L4_ThreadWasHalted(st));
    H_CHECK(!L4_ThreadWasIpcing(st));
    /* A halted thread can be started again at a new IP. */
    L4_Start_SpIp(t, h_stack(), (L4_Word_t) say_hello);
    expect_hello(t);
    return 0;
}

static void thread_whose_function_returns_is_halted(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_returned_is_halted), 0);
}

/* ------------------------------------------------------------- deletion */

static int body_delete_and_reuse(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t v1 = h_spawn_v(0, 1, h_echo_server, NULL);
    h_ping(v1, 1);
    h_delete(v1);

    /* The old ID names nothing now. */
    L4_LoadMR(0, 0);
    H_IPC_FAILS(L4_Send(v1), H_ERR_SEND(L4_IpcErrNonExistingPartner));
    H_IPC_FAILS(L4_Receive(v1), H_ERR_RECV(L4_IpcErrNonExistingPartner));
    H_IPC_FAILS(L4_Call(v1), H_ERR_SEND(L4_IpcErrNonExistingPartner));

    /* The slot (thread number and UTCB) is free for a new version. */
    L4_ThreadId_t v2 = h_spawn_v(0, 2, h_echo_server, NULL);
    H_EQ(L4_ThreadNo(v2), L4_ThreadNo(v1));
    h_ping(v2, 2);
    L4_LoadMR(0, 0);
    H_IPC_FAILS(L4_Send_Timeout(v1, L4_ZeroTime), H_ERR_SEND(L4_IpcErrNonExistingPartner));
    /* Neither changed nor deleted through the stale ID. */
    EXPECT_TC_ERROR(v1, me, me, me, ~0UL, L4_ErrInvalidThread);
    EXPECT_TC_ERROR(v1, L4_nilthread, L4_nilthread, L4_nilthread, ~0UL, L4_ErrInvalidThread);
    h_ping(v2, 3);

    /* An inactive thread can be deleted too. */
    L4_ThreadId_t idle = h_tid(1, 1);
    H_EQ(L4_ThreadControl(idle, me, me, L4_nilthread, h_root_utcb(idle)), 1);
    h_delete(idle);
    H_EQ(L4_ThreadControl(idle, me, me, L4_nilthread, h_root_utcb(idle)), 1);
    return 0;
}

static void delete_frees_the_slot_for_a_new_version(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_delete_and_reuse), 0);
}

static void delete_myself(void *kip)
{
    (void) kip;
    L4_LoadMR(0, 0);
    H_IPC_OK(L4_Send(h_root()));
    L4_ThreadControl(L4_Myself(), L4_nilthread, L4_nilthread, L4_nilthread, (void *) ~0UL);
    h_fail_at(__FILE__, __LINE__, "ThreadControl deleting the caller returned (error %lu)",
              L4_ErrorCode());
}

static int body_self_delete(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t t = h_spawn(0, delete_myself, NULL);
    H_IPC_OK(L4_Receive(t));
    /* Deletion completes asynchronously; wait until the slot can be taken again. */
    L4_ThreadId_t v2 = h_tid(0, 2);
    bool created = false;
    for (int i = 0; i < 20000 && !created; i++) {
        created = L4_ThreadControl(v2, me, me, me, h_root_utcb(v2)) == 1;
        if (!created) {
            H_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
            h_host_sleep_us(500);
        }
    }
    H_CHECK(created);
    L4_LoadMR(0, 0);
    H_IPC_FAILS(L4_Send(t), H_ERR_SEND(L4_IpcErrNonExistingPartner));
    if (created) {
        h_start(v2, h_echo_server);
        h_ping(v2, 7);
    }
    return 0;
}

static void thread_can_delete_itself(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_self_delete), 0);
}

/* The root returns right after a thread deleted itself; shutdown must not hang. */
static int body_self_delete_then_return(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn(0, delete_myself, NULL);
    H_IPC_OK(L4_Receive(t));
    return 0;
}

static void shutdown_right_after_self_deletion_completes(void **state)
{
    (void) state;
    int tasks = h_settled_tasks(1); /* an earlier run's detached thread may still be leaving */
    for (int i = 0; i < 20; i++)
        assert_int_equal(run_ok(body_self_delete_then_return), 0);
    assert_int_equal(h_settled_tasks(tasks), tasks);
}

static volatile unsigned long spins;

static void spin(void *kip)
{
    (void) kip;
    for (;;)
        spins++;
}

static int body_delete_running(void *arg)
{
    (void) arg;
    for (unsigned i = 0; i < 20 && !h_failures(); i++) {
        spins = 0;
        L4_ThreadId_t t = h_spawn_v(0, 1 + i, spin, NULL);
        for (int k = 0; k < 20000 && spins == 0; k++)
            h_host_sleep_us(100);
        H_CHECK(spins != 0);
        if (i % 2)
            L4_Stop(t); /* odd rounds: delete it halted */
        h_delete(t);
        unsigned long after = spins;
        h_host_sleep_us(2000);
        H_EQ(spins, after);
    }
    return 0;
}

static void deleting_running_and_halted_threads(void **state)
{
    (void) state;
    /* Threads spinning in user code are deleted: free-running mode only. */
    assert_int_equal(h_run_free(body_delete_running, NULL), 0);
}

/* A thread that lives in system calls which take the kernel's control lock. */
static void busy_in_system_calls(void *kip)
{
    (void) kip;
    L4_ThreadId_t me = L4_Myself();
    for (;;) {
        L4_Schedule(me, ~0UL, ~0UL, ~0UL, ~0UL, NULL);
        L4_UserDefinedHandleOf(me);
        L4_ThreadControl(me, me, me, L4_nilthread, (void *) ~0UL);
    }
}

static int body_delete_busy(void *arg)
{
    (void) arg;
    for (unsigned i = 0; i < 50 && !h_failures(); i++) {
        L4_ThreadId_t t = h_spawn_v(0, 1 + i, busy_in_system_calls, NULL);
        h_host_sleep_us(100 * (i % 4));
        h_delete(t);
        L4_LoadMR(0, 0);
        H_IPC_FAILS(L4_Send_Timeout(t, L4_ZeroTime), H_ERR_SEND(L4_IpcErrNonExistingPartner));
    }
    return 0;
}

static void deleting_a_thread_busy_in_system_calls(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_delete_busy), 0);
}

static void delete_the_busy_thread(void *kip)
{
    (void) kip;
    h_delete(h_tid(0, 1));
}

/* The root returns while another thread is deleting a third one. */
static int body_shutdown_during_delete(void *arg)
{
    (void) arg;
    h_spawn(0, busy_in_system_calls, NULL);
    h_spawn(1, delete_the_busy_thread, NULL);
    return 0;
}

/* Two threads delete each other at once, many times: nobody may hang. */
static volatile int mutual_go;

static void delete_my_twin(void *kip)
{
    (void) kip;
    L4_ThreadId_t me = L4_Myself(),
                  twin = h_tid(L4_ThreadNo(me) == L4_ThreadNo(h_tid(0, 1)) ? 1 : 0, L4_Version(me));
    while (!mutual_go)
        L4_Yield();
    L4_ThreadControl(twin, L4_nilthread, L4_nilthread, L4_nilthread, (void *) -1);
    for (;;)
        L4_Sleep(L4_Never);
}

static int body_mutual_delete(void *arg)
{
    (void) arg;
    for (L4_Word_t round = 1; round <= 50; round++) {
        mutual_go = 0;
        L4_ThreadId_t a = h_spawn_v(0, round, delete_my_twin, NULL);
        L4_ThreadId_t b = h_spawn_v(1, round, delete_my_twin, NULL);
        mutual_go = 1;
        /* Each deletes the other; whichever survives, the root deletes. */
        h_host_sleep_us(200 * (round % 4));
        L4_ThreadControl(a, L4_nilthread, L4_nilthread, L4_nilthread, (void *) -1);
        L4_ThreadControl(b, L4_nilthread, L4_nilthread, L4_nilthread, (void *) -1);
        L4_LoadMR(0, 0);
        H_IPC_FAILS(L4_Send_Timeout(a, L4_ZeroTime), H_ERR_SEND(L4_IpcErrNonExistingPartner));
        L4_LoadMR(0, 0);
        H_IPC_FAILS(L4_Send_Timeout(b, L4_ZeroTime), H_ERR_SEND(L4_IpcErrNonExistingPartner));
    }
    return 0;
}

static void two_threads_deleting_each_other_both_go(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_mutual_delete), 0);
}

static void shutdown_while_a_thread_deletes_another(void **state)
{
    (void) state;
    int tasks = h_settled_tasks(1); /* an earlier run's detached thread may still be leaving */
    for (int i = 0; i < 20; i++)
        assert_int_equal(run_ok(body_shutdown_during_delete), 0);
    assert_int_equal(h_settled_tasks(tasks), tasks);
}

/* ------------------------------------------- modifying an active thread */

/* Write and read back the word at each address the root sends (MR1); report it (label 2). */
static void touch_on_request(void *kip)
{
    (void) kip;
    for (;;) {
        if (L4_IpcFailed(L4_Receive(h_root())))
            continue;
        L4_Word_t addr = 0;
        L4_StoreMR(1, &addr);
        volatile L4_Word_t *p = (volatile L4_Word_t *) addr;
        *p = addr ^ 0x5a5a;
        L4_Word_t back = *p;
        h_load_words(2, 1, &back);
        L4_Send(h_root());
    }
}

/* A scheduler: sets the priority of MR1's thread to MR2; answers the result and the error. */
static void schedule_on_request(void *kip)
{
    (void) kip;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    while (L4_IpcSucceeded(tag)) {
        L4_Word_t w[2] = {0, 0};
        L4_StoreMRs(1, 2, w);
        L4_Word_t out[2];
        out[0] = L4_Set_Priority((L4_ThreadId_t){.raw = w[0]}, w[1]);
        out[1] = out[0] == L4_SCHEDRESULT_ERROR ? L4_ErrorCode() : 0;
        h_load_words(0, 2, out);
        tag = L4_ReplyWait(from, &from);
    }
}

/* Have scheduler s give t priority prio: Schedule's result; *error its ErrorCode (0 if it worked).
 */
static L4_Word_t schedule_via(L4_ThreadId_t s, L4_ThreadId_t t, L4_Word_t prio, L4_Word_t *error)
{
    L4_Word_t w[2] = {t.raw, prio}, out[2] = {0, ~0UL};
    h_load_words(0, 2, w);
    H_IPC_OK(L4_Call_Timeouts(s, LONG_WAIT, LONG_WAIT));
    L4_StoreMRs(1, 2, out);
    *error = out[1];
    return out[0];
}

static L4_Word_t priority_of(L4_ThreadId_t t)
{
    L4_ThreadStats_t st = {0};
    H_EQ(L4_ThreadStats(t, &st), 1);
    return st.priority;
}

/* t's report of a touch of addr: the value it wrote must have stuck. */
static void expect_touched(L4_ThreadId_t t, L4_Word_t addr)
{
    L4_MsgTag_t tag = L4_Receive_Timeout(t, LONG_WAIT);
    H_IPC_OK(tag);
    L4_Word_t back = 0;
    L4_StoreMR(1, &back);
    H_EQ(L4_Label(tag), 2);
    H_EQ(back, addr ^ 0x5a5a);
}

/*
 * ThreadControl on an active, running thread with a new scheduler and a new
 * pager: from then on only the new scheduler may call Schedule for it (X.2:
 * the scheduler or a privileged thread), and its next page fault goes to
 * the new pager.
 */
static int body_modify_active(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    /* Both schedulers live in spaces of their own: no privilege to hide behind. */
    L4_ThreadId_t old_sched = h_spawn_space(0, schedule_on_request, NULL);
    L4_ThreadId_t new_sched = h_spawn_space(1, schedule_on_request, NULL);
    L4_ThreadId_t new_pager = h_spawn(2, h_pager_server, NULL);
    L4_ThreadId_t t = h_tid(3, 1);
    H_EQ(L4_ThreadControl(t, t, old_sched, L4_nilthread, (void *) ~0UL), 1);
    H_EQ(L4_SpaceControl(t, 0, H_SPACE_KIP_AREA(),
                         L4_FpageLog2(H_SPACE_UTCB_BASE, H_SPACE_UTCB_LOG2), L4_nilthread, NULL),
         1);
    H_EQ(L4_ThreadControl(t, t, old_sched, me, (void *) H_SPACE_UTCB_BASE), 1);
    H_CHECK(h_start(t, touch_on_request));
    L4_Word_t base = h_window(t, NULL);

    /* Before: the old scheduler rules, and t's faults come to the root. */
    L4_Word_t err = 0;
    H_CHECK(schedule_via(old_sched, t, 50, &err) != L4_SCHEDRESULT_ERROR);
    H_EQ(schedule_via(new_sched, t, 60, &err), L4_SCHEDRESULT_ERROR);
    H_EQ(err, L4_ErrNoPrivilege);
    H_EQ(priority_of(t), 50);
    L4_Word_t addr = base + 0x10000;
    h_load_words(0, 1, &addr);
    H_IPC_OK(L4_Send_Timeout(t, LONG_WAIT));
    struct h_fault f;
    if (h_expect_pagefault(t, &f)) {
        H_EQ(f.addr, addr);
        h_reply_map(t, h_sigma0_page(), L4_FullyAccessible, addr & ~0xfffUL);
    }
    expect_touched(t, addr);

    /* Modify t while it is active and waits for the root. */
    h_wait_state(t, H_STATE_RECEIVING);
    H_EQ(L4_ThreadControl(t, t, new_sched, new_pager, (void *) ~0UL), 1);
    H_EQ(L4_PagerOf(t).raw, new_pager.raw);
    H_EQ(schedule_via(old_sched, t, 70, &err), L4_SCHEDRESULT_ERROR);
    H_EQ(err, L4_ErrNoPrivilege);
    H_CHECK(schedule_via(new_sched, t, 80, &err) != L4_SCHEDRESULT_ERROR);
    H_EQ(priority_of(t), 80);
    /* The next fault goes to the new pager; the root only gets the report. */
    addr = base + 0x20000;
    h_load_words(0, 1, &addr);
    H_IPC_OK(L4_Send_Timeout(t, LONG_WAIT));
    expect_touched(t, addr);
    H_EQ(h_pager_served(), 1);

    /* Nil scheduler and pager leave both as they are. */
    H_EQ(L4_ThreadControl(t, t, L4_nilthread, L4_nilthread, (void *) ~0UL), 1);
    H_EQ(L4_PagerOf(t).raw, new_pager.raw);
    H_CHECK(schedule_via(new_sched, t, 81, &err) != L4_SCHEDRESULT_ERROR);
    H_EQ(schedule_via(old_sched, t, 82, &err), L4_SCHEDRESULT_ERROR);
    H_EQ(priority_of(t), 81);
    return 0;
}

static void modifying_an_active_thread_changes_its_scheduler_and_pager(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_modify_active), 0);
}

/* --------------------------------------------------------------- errors */

static struct {
    L4_Word_t create_result, create_error;
    L4_Word_t delete_result, delete_error;
    L4_Word_t modify_result, modify_error;
} unpriv;

static void try_thread_control(void *kip)
{
    (void) kip;
    L4_ThreadId_t me = L4_Myself(), other = h_tid(5, 1);
    unpriv.create_result = L4_ThreadControl(other, me, me, me, (void *) (H_SPACE_UTCB_BASE + 1024));
    unpriv.create_error = L4_ErrorCode();
    unpriv.delete_result =
        L4_ThreadControl(h_root(), L4_nilthread, L4_nilthread, L4_nilthread, (void *) ~0UL);
    unpriv.delete_error = L4_ErrorCode();
    unpriv.modify_result = L4_ThreadControl(me, me, me, me, (void *) ~0UL);
    unpriv.modify_error = L4_ErrorCode();
    L4_LoadMR(0, 0);
    L4_Send(h_root());
}

static int body_no_privilege(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn_space(0, try_thread_control, NULL);
    L4_ThreadId_t from = L4_nilthread;
    H_IPC_OK(L4_Ipc(L4_nilthread, t, L4_Timeouts(L4_Never, LONG_WAIT), &from));
    H_EQ(from.raw, t.raw); /* another space: seen by its global ID */
    H_EQ(unpriv.create_result, 0);
    H_EQ(unpriv.create_error, L4_ErrNoPrivilege);
    H_EQ(unpriv.delete_result, 0);
    H_EQ(unpriv.delete_error, L4_ErrNoPrivilege);
    H_EQ(unpriv.modify_result, 0);
    H_EQ(unpriv.modify_error, L4_ErrNoPrivilege);
    /* Nothing was created, the root still exists. */
    L4_LoadMR(0, 0);
    H_IPC_FAILS(L4_Send_Timeout(h_tid(5, 1), L4_ZeroTime), H_ERR_SEND(L4_IpcErrNonExistingPartner));
    return 0;
}

static void thread_control_from_another_space_fails_with_no_privilege(void **state)
{
    (void) state;
    memset(&unpriv, 0, sizeof(unpriv));
    assert_int_equal(run_ok(body_no_privilege), 0);
}

static int body_invalid_thread(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    void *free_utcb = h_root_utcb(h_tid(9, 1));
    L4_Word_t base = h_user_base();
    void *kip = L4_GetKernelInterface();
    L4_Word_t max_no = base + 1024; /* the default max_threads */

    EXPECT_TC_ERROR(L4_nilthread, me, me, me, free_utcb, L4_ErrInvalidThread);
    EXPECT_TC_ERROR(L4_anythread, me, me, me, free_utcb, L4_ErrInvalidThread);
    EXPECT_TC_ERROR(L4_anylocalthread, me, me, me, free_utcb, L4_ErrInvalidThread);
    /* A local ID, even that of an existing thread. */
    EXPECT_TC_ERROR(L4_LocalIdOf(echo), me, me, me, free_utcb, L4_ErrInvalidThread);
    EXPECT_TC_ERROR(((L4_ThreadId_t){.raw = (L4_Word_t) free_utcb}), me, me, me, free_utcb,
                    L4_ErrInvalidThread);
    /* sigma0 and sigma1 belong to the kernel: neither created, changed nor deleted. */
    EXPECT_TC_ERROR(L4_GlobalId(base, 1), me, me, me, free_utcb, L4_ErrInvalidThread);
    EXPECT_TC_ERROR(L4_GlobalId(base, 1), L4_nilthread, L4_nilthread, L4_nilthread, ~0UL,
                    L4_ErrInvalidThread);
    EXPECT_TC_ERROR(L4_GlobalId(base + 1, 1), me, me, me, free_utcb, L4_ErrInvalidThread);
    EXPECT_TC_ERROR(L4_GlobalId(base + 1, 1), L4_nilthread, L4_nilthread, L4_nilthread, ~0UL,
                    L4_ErrInvalidThread);
    /* System threads and numbers past the last one. */
    EXPECT_TC_ERROR(L4_GlobalId(L4_ThreadIdSystemBase(kip), 1), me, me, me, free_utcb,
                    L4_ErrInvalidThread);
    EXPECT_TC_ERROR(L4_GlobalId(max_no, 1), me, me, me, free_utcb, L4_ErrInvalidThread);
    EXPECT_TC_ERROR(L4_GlobalId(0xffffffffUL, 1), me, me, me, free_utcb, L4_ErrInvalidThread);
    /* An existing thread named with the wrong version: not modified, not deleted. */
    L4_ThreadId_t wrong = L4_GlobalId(L4_ThreadNo(echo), 2);
    EXPECT_TC_ERROR(wrong, me, me, me, ~0UL, L4_ErrInvalidThread);
    EXPECT_TC_ERROR(wrong, L4_nilthread, L4_nilthread, L4_nilthread, ~0UL, L4_ErrInvalidThread);
    EXPECT_TC_ERROR(wrong, me, me, me, free_utcb, L4_ErrInvalidThread);
    h_ping(echo, 1);
    return 0;
}

static void thread_control_rejects_invalid_threads(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_invalid_thread), 0);
}

static int body_delete_unknown(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    EXPECT_TC_ERROR(h_tid(1, 1), L4_nilthread, L4_nilthread, L4_nilthread, ~0UL,
                    L4_ErrInvalidThread);
    L4_ThreadId_t t = h_spawn(2, h_echo_server, NULL);
    h_delete(t);
    EXPECT_TC_ERROR(t, L4_nilthread, L4_nilthread, L4_nilthread, ~0UL, L4_ErrInvalidThread);
    h_ping(echo, 3);
    return 0;
}

static void deleting_an_unknown_thread_fails_with_invalid_thread(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_delete_unknown), 0);
}

static int body_invalid_space(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    L4_ThreadId_t t = h_tid(1, 1);
    void *utcb = h_root_utcb(t);
    EXPECT_TC_ERROR(t, h_tid(7, 1), me, me, utcb, L4_ErrInvalidSpace);
    EXPECT_TC_ERROR(t, L4_GlobalId(L4_ThreadNo(echo), 5), me, me, utcb, L4_ErrInvalidSpace);
    EXPECT_TC_ERROR(t, L4_LocalIdOf(echo), me, me, utcb, L4_ErrInvalidSpace);
    EXPECT_TC_ERROR(t, L4_anythread, me, me, utcb, L4_ErrInvalidSpace);
    /* Moving an existing thread to another space is refused. */
    L4_ThreadId_t other = h_spawn_space(2, h_echo_server, NULL);
    EXPECT_TC_ERROR(echo, other, me, me, ~0UL, L4_ErrInvalidSpace);
    h_ping(echo, 1);
    h_ping(other, 2);
    /* Nothing was created by the failed calls. */
    L4_LoadMR(0, 0);
    H_IPC_FAILS(L4_Send_Timeout(t, L4_ZeroTime), H_ERR_SEND(L4_IpcErrNonExistingPartner));
    return 0;
}

static void thread_control_rejects_invalid_spaces(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_invalid_space), 0);
}

static int body_invalid_scheduler(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    L4_ThreadId_t t = h_tid(1, 1);
    void *utcb = h_root_utcb(t);
    EXPECT_TC_ERROR(t, me, h_tid(7, 1), me, utcb, L4_ErrInvalidScheduler);
    EXPECT_TC_ERROR(t, me, L4_nilthread, me, utcb, L4_ErrInvalidScheduler);
    EXPECT_TC_ERROR(t, me, L4_GlobalId(L4_ThreadNo(echo), 3), me, utcb, L4_ErrInvalidScheduler);
    EXPECT_TC_ERROR(echo, me, h_tid(7, 1), L4_nilthread, ~0UL, L4_ErrInvalidScheduler);
    h_ping(echo, 1);
    /* A valid scheduler other than the caller is fine. */
    H_EQ(L4_ThreadControl(t, me, echo, me, utcb), 1);
    return 0;
}

static void thread_control_rejects_invalid_schedulers(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_invalid_scheduler), 0);
}

static int body_utcb_errors(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    void *kip = L4_GetKernelInterface();
    L4_Word_t utcb_size = L4_UtcbSize(kip);
    L4_ThreadId_t t = h_tid(1, 1);
    L4_Word_t good = (L4_Word_t) h_root_utcb(t);
    L4_Word_t area_end = H_SPACE_UTCB_BASE + (1UL << 20); /* the root space: 1024 UTCBs */

    EXPECT_TC_ERROR(t, me, me, me, area_end, L4_ErrUtcbArea);
    EXPECT_TC_ERROR(t, me, me, me, area_end + utcb_size, L4_ErrUtcbArea);
    EXPECT_TC_ERROR(t, me, me, me, H_SPACE_UTCB_BASE - utcb_size, L4_ErrUtcbArea);
    EXPECT_TC_ERROR(t, me, me, me, 0, L4_ErrUtcbArea);
    EXPECT_TC_ERROR(t, me, me, me, good + 8, L4_ErrUtcbArea);
    EXPECT_TC_ERROR(t, me, me, me, good + utcb_size / 2, L4_ErrUtcbArea);
    /* Taken: the root's own UTCB and the echo thread's. */
    EXPECT_TC_ERROR(t, me, me, me, H_SPACE_UTCB_BASE, L4_ErrUtcbArea);
    EXPECT_TC_ERROR(t, me, me, me, h_root_utcb(echo), L4_ErrUtcbArea);
    /* An active thread needs a UTCB. */
    EXPECT_TC_ERROR(t, me, me, me, ~0UL, L4_ErrUtcbArea);
    /* A new space has no UTCB area until SpaceControl. */
    EXPECT_TC_ERROR(t, t, me, L4_nilthread, H_SPACE_UTCB_BASE, L4_ErrUtcbArea);
    /* An active thread's UTCB cannot move. */
    EXPECT_TC_ERROR(echo, me, L4_nilthread, L4_nilthread, good, L4_ErrUtcbArea);
    h_ping(echo, 1);

    /* Nothing half-created: the good location still works. */
    H_EQ(L4_ThreadControl(t, me, me, me, (void *) good), 1);
    h_start(t, h_echo_server);
    h_ping(t, 2);
    /* The last slot of the area is valid. */
    L4_ThreadId_t last = h_tid(2, 1);
    H_EQ(L4_ThreadControl(last, me, me, me, (void *) (area_end - utcb_size)), 1);
    h_start(last, h_echo_server);
    h_ping(last, 3);
    return 0;
}

static void thread_control_rejects_bad_utcb_locations(void **state)
{
    (void) state;
    assert_int_equal(run_ok(body_utcb_errors), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_without_pager_is_inactive_until_given_one),
        cmocka_unit_test(create_with_pager_is_active_and_waits_for_start),
        cmocka_unit_test(start_message_sets_ip_and_sp),
        cmocka_unit_test(start_message_with_too_few_words_is_ignored),
        cmocka_unit_test(start_at_an_ip_with_no_code_halts_only_that_thread),
        cmocka_unit_test(start_on_a_stack_that_is_not_memory_halts_only_that_thread),
        cmocka_unit_test(start_via_exchange_registers_while_waiting_for_start),
        cmocka_unit_test(start_via_exchange_registers_right_after_create),
        cmocka_unit_test(thread_whose_function_returns_is_halted),
        cmocka_unit_test(delete_frees_the_slot_for_a_new_version),
        cmocka_unit_test(thread_can_delete_itself),
        cmocka_unit_test(shutdown_right_after_self_deletion_completes),
        cmocka_unit_test(two_threads_deleting_each_other_both_go),
        cmocka_unit_test(deleting_running_and_halted_threads),
        cmocka_unit_test(deleting_a_thread_busy_in_system_calls),
        cmocka_unit_test(shutdown_while_a_thread_deletes_another),
        cmocka_unit_test(modifying_an_active_thread_changes_its_scheduler_and_pager),
        cmocka_unit_test(thread_control_from_another_space_fails_with_no_privilege),
        cmocka_unit_test(thread_control_rejects_invalid_threads),
        cmocka_unit_test(deleting_an_unknown_thread_fails_with_invalid_thread),
        cmocka_unit_test(thread_control_rejects_invalid_spaces),
        cmocka_unit_test(thread_control_rejects_invalid_schedulers),
        cmocka_unit_test(thread_control_rejects_bad_utcb_locations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
