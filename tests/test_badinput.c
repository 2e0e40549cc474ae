/*
 * Bad input: odd timeouts, invalid and stale IDs in every system call, calls
 * from host threads, garbage buffers; each gives the X.2 error, nothing breaks.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static L4_Time_t raw_time(L4_Word16_t raw)
{
    L4_Time_t t;
    t.raw = raw;
    return t;
}

/* A point in time: e, c, m as in X.2. */
static L4_Time_t point(unsigned e, unsigned c, unsigned m)
{
    return raw_time((L4_Word16_t) (0x8000u | (e << 11) | (c << 10) | m));
}

static void block_forever(void *kip)
{
    (void) kip;
    L4_Receive(h_sigma0());
}

/* ------------------------------------------------------------- timeouts */

static int body_timeouts(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    L4_ThreadId_t busy = h_spawn(1, block_forever, NULL);
    h_wait_state(busy, H_STATE_RECEIVING);
    L4_ThreadId_t from;

    /* Points in the near future (at most 2^(e+11) us away) expire like timeouts. */
    static const unsigned es[] = {0, 2}, ms[] = {0, 1, 1023};
    for (unsigned i = 0; i < 2; i++)
        for (unsigned c = 0; c < 2; c++)
            for (unsigned k = 0; k < 3; k++) {
                L4_Time_t p = point(es[i], c, ms[k]);
                H_IPC_FAILS(L4_Wait_Timeout(p, &from), H_ERR_RECV(L4_IpcErrTimeout));
                L4_LoadMR(0, 0);
                H_IPC_FAILS(L4_Send_Timeout(busy, p), H_ERR_SEND(L4_IpcErrTimeout));
            }
    /* Every period with m = 0 is the zero timeout. */
    for (unsigned e = 0; e < 32; e++) {
        L4_Time_t z = raw_time((L4_Word16_t) (e << 10));
        if (e == 0)
            continue; /* that is never */
        H_IPC_FAILS(L4_Wait_Timeout(z, &from), H_ERR_RECV(L4_IpcErrTimeout));
        L4_LoadMR(0, 0);
        H_IPC_FAILS(L4_Send_Timeout(busy, z), H_ERR_SEND(L4_IpcErrTimeout));
    }
    /* Huge periods and far points do not overflow: the partner answers first. */
    static const L4_Word16_t far[] = {0x7fff, 0x7c01, 0xffff, 0xf800, 0xfbff};
    for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
        L4_Word_t w = i;
        h_load_words(1, 1, &w);
        L4_MsgTag_t tag = L4_Call_Timeouts(echo, raw_time(far[i]), raw_time(far[i]));
        H_IPC_OK(tag);
        L4_Word_t got = ~0UL;
        L4_StoreMR(1, &got);
        H_EQ(got, i);
    }
    /* Bits above the two timeouts are ignored. */
    L4_Word_t w = 7;
    h_load_words(1, 1, &w);
    H_IPC_OK(L4_Ipc(echo, echo, 0xdead000000000000UL | L4_Timeouts(L4_Never, L4_Never), NULL));
    /* XferTimeouts bounds only the page faults of string transfers: for
     * untyped words garbage there changes nothing. */
    L4_Set_XferTimeouts(~0UL);
    h_ping(echo, 8);
    L4_Set_XferTimeouts(0);
    return 0;
}

static void odd_timeout_encodings_expire_or_wait_as_encoded(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_timeouts, NULL), 0);
}

/* ------------------------------------------------------- invalid thread IDs */

/* Every system call naming t fails with the X.2 error; the echo server still answers. */
static void expect_rejected_everywhere(const char *what, L4_ThreadId_t t, L4_ThreadId_t echo)
{
    unsigned before = h_failures();
    bool special = L4_IsNilThread(t) || L4_IsThreadEqual(t, L4_anythread) ||
                   L4_IsThreadEqual(t, L4_anylocalthread);
    if (!L4_IsNilThread(t)) {
        L4_LoadMR(0, 0);
        H_IPC_FAILS(L4_Send_Timeout(t, L4_ZeroTime), H_ERR_SEND(L4_IpcErrNonExistingPartner));
        L4_LoadMR(0, 0);
        H_IPC_FAILS(L4_Call(t), H_ERR_SEND(L4_IpcErrNonExistingPartner));
    }
    if (!special)
        H_IPC_FAILS(L4_Receive(t), H_ERR_RECV(L4_IpcErrNonExistingPartner));

    L4_Word_t old = 0xdead;
    L4_ThreadId_t r = L4_ExchangeRegisters(t, L4_EXREGS_DELIVER_FLAG, 0, 0, 0, 0, L4_nilthread,
                                           &old, NULL, NULL, NULL, NULL, NULL);
    H_CHECK(L4_IsNilThread(r));
    H_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    H_EQ(L4_Schedule(t, ~0UL, ~0UL, 10, ~0UL, NULL), L4_SCHEDRESULT_ERROR);
    H_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    H_EQ(L4_ThreadControl(t, L4_nilthread, L4_nilthread, L4_nilthread, (void *) ~0UL), 0);
    H_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
    H_EQ(
        L4_SpaceControl(t, 0, H_SPACE_KIP_AREA(), L4_FpageLog2(0x200000UL, 14), L4_nilthread, NULL),
        0);
    H_EQ(L4_ErrorCode(), L4_ErrInvalidSpace);
    L4_ThreadSwitch(t);
    h_ping(echo, L4_ThreadNo(t));
    if (h_failures() != before)
        h_fail_at(__FILE__, __LINE__, "... for %s (%lx)", what, t.raw);
}

static int body_invalid_ids(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    void *kip = L4_GetKernelInterface();
    L4_Word_t base = h_user_base();
    struct {
        const char *what;
        L4_ThreadId_t id;
    } bad[] = {
        {"nilthread", L4_nilthread},
        {"anythread", L4_anythread},
        {"anylocalthread", L4_anylocalthread},
        {"never created", h_tid(9, 1)},
        {"wrong version", L4_GlobalId(L4_ThreadNo(echo), 3)},
        {"version 0x3f", L4_GlobalId(L4_ThreadNo(echo), 0x3f)},
        {"sigma1", L4_GlobalId(base + 1, 1)},
        {"system thread", L4_GlobalId(L4_ThreadIdSystemBase(kip), 1)},
        {"thread 0", L4_GlobalId(0, 1)},
        {"past the last", L4_GlobalId(base + 1024, 1)},
        {"largest number", L4_GlobalId(0xffffffffUL, 0xffffffffUL)},
        {"free local ID", {.raw = (L4_Word_t) h_root_utcb(h_tid(9, 1))}},
        {"misaligned local ID", {.raw = 0x100000UL + 1024 + 0x40}},
        {"local ID outside the area", {.raw = 0x40UL}},
        {"local ID far outside", {.raw = ~0UL << 7}},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_rejected_everywhere(bad[i].what, bad[i].id, echo);
    return 0;
}

static void invalid_thread_ids_fail_in_every_system_call(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_invalid_ids, NULL), 0);
}

static int body_stale(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    L4_ThreadId_t v1 = h_spawn_v(1, 1, h_echo_server, NULL);
    h_ping(v1, 1);
    h_delete(v1);
    expect_rejected_everywhere("deleted", v1, echo);
    L4_ThreadId_t v2 = h_spawn_v(1, 2, h_echo_server, NULL);
    expect_rejected_everywhere("replaced", v1, echo);
    h_ping(v2, 2);
    /* A stale ID of a thread in another space, whose space died with it. */
    L4_ThreadId_t other = h_spawn_space(2, h_echo_server, NULL);
    h_ping(other, 3);
    h_delete(other);
    expect_rejected_everywhere("deleted, other space", other, echo);
    return 0;
}

static void stale_versions_fail_in_every_system_call(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_stale, NULL), 0);
}

/* -------------------------------------------------------- host threads */

struct host_results {
    L4_Word_t ipc_failed, thread_control, space_control, schedule, exregs_nil;
    void *kip;
};

static void host_calls(struct host_results *r)
{
    L4_ThreadId_t someone = L4_GlobalId(40, 1);
    L4_LoadMR(0, 0);
    r->ipc_failed = L4_IpcFailed(L4_Send(someone));
    r->ipc_failed &= L4_IpcFailed(L4_Receive(someone));
    r->ipc_failed &= L4_IpcFailed(L4_Wait(&someone));
    r->thread_control = L4_ThreadControl(someone, someone, someone, someone, (void *) 0x100000);
    r->space_control = L4_SpaceControl(someone, 0, L4_Nilpage, L4_Nilpage, L4_nilthread, NULL);
    r->schedule = L4_Schedule(someone, ~0UL, ~0UL, ~0UL, ~0UL, NULL);
    r->exregs_nil =
        L4_IsNilThread(L4_ExchangeRegisters(someone, L4_EXREGS_DELIVER_FLAG, 0, 0, 0, 0,
                                            L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL));
    L4_ThreadSwitch(someone);
    L4_Yield();
    (void) L4_SystemClock();
    r->kip = L4_GetKernelInterface();
}

static struct host_results in_run;

static void *host_thread(void *arg)
{
    host_calls(arg);
    return NULL;
}

static int body_host_thread(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    pthread_t p;
    H_EQ(pthread_create(&p, NULL, host_thread, &in_run), 0);
    H_EQ(pthread_join(p, NULL), 0);
    h_ping(echo, 1);
    H_EQ(in_run.ipc_failed, 1);
    H_EQ(in_run.thread_control, 0);
    H_EQ(in_run.space_control, 0);
    H_EQ(in_run.schedule, L4_SCHEDRESULT_ERROR);
    H_EQ(in_run.exregs_nil, 1);
    H_EQ(in_run.kip, (L4_Word_t) L4_GetKernelInterface());
    return 0;
}

static void system_calls_from_host_threads_fail_softly(void **state)
{
    (void) state;
    /* No system at all. */
    struct host_results r;
    memset(&r, 0, sizeof(r));
    host_calls(&r);
    assert_int_equal(r.ipc_failed, 1);
    assert_int_equal(r.thread_control, 0);
    assert_int_equal(r.space_control, 0);
    assert_int_equal(r.schedule, L4_SCHEDRESULT_ERROR);
    assert_int_equal(r.exregs_nil, 1);
    assert_null(r.kip);
    /* A plain pthread during a run. */
    memset(&in_run, 0, sizeof(in_run));
    assert_int_equal(h_run(body_host_thread, NULL), 0);
}

/* ------------------------------------------------------ garbage buffers */

struct garbage {
    L4_Word_t br[L4SIM_NUM_BRS];
    L4_Word_t error;
};

static void receive_into_garbage(void *kip)
{
    (void) kip;
    struct garbage *g = h_arg();
    L4_LoadBRs(0, L4SIM_NUM_BRS, g->br);
    L4_MsgTag_t tag = L4_Receive(h_root());
    g->error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    h_signal_root();
}

static char payload[] = "twenty-four bytes long!";
static const char read_only[64] = "a constant buffer";

static struct garbage cases[6];
static char spare[2][64];

static int body_garbage(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    memset(cases, 0, sizeof(cases));
    for (unsigned i = 0; i < 6; i++)
        cases[i].br[0] = 1;                      /* accept strings */
    cases[0].br[1] = 0x8;                        /* a map item where a buffer should be */
    cases[1].br[1] = (64UL << 10) | (29UL << 4); /* 30 substrings, all null */
    cases[2].br[1] = (64UL << 10) | (31UL << 4); /* 32 substrings: past BR32 */
    cases[3].br[1] = 64UL << 10;                 /* a null buffer */
    cases[4].br[1] = 64UL << 10;                 /* a read-only buffer */
    cases[4].br[2] = (L4_Word_t) read_only;
    cases[5].br[1] = (8UL << 10) | 1; /* too small; the next buffer is not used instead */
    cases[5].br[2] = (L4_Word_t) spare[0];
    cases[5].br[3] = 64UL << 10;
    cases[5].br[4] = (L4_Word_t) spare[1];
    const L4_Word_t send_err[] = {
        H_ERR_SEND(L4_IpcErrMsgOverflow),        H_ERR_SEND(L4_IpcErrMsgOverflow),
        H_ERR_SEND(L4_IpcErrMsgOverflow),        H_ERR_SEND(L4_IpcErrMsgOverflow),
        H_ERR_SEND(L4_IpcErrXferTimeoutPartner), H_ERR_SEND(L4_IpcErrMsgOverflow),
    };
    const L4_Word_t recv_err[] = {
        H_ERR_RECV(L4_IpcErrMsgOverflow),        H_ERR_RECV(L4_IpcErrMsgOverflow),
        H_ERR_RECV(L4_IpcErrMsgOverflow),        H_ERR_RECV(L4_IpcErrMsgOverflow),
        H_ERR_RECV(L4_IpcErrXferTimeoutInvoker), H_ERR_RECV(L4_IpcErrMsgOverflow),
    };
    for (unsigned i = 0; i < 6; i++) {
        L4_ThreadId_t r = h_spawn(1 + i, receive_into_garbage, &cases[i]);
        h_wait_state(r, H_STATE_RECEIVING);
        L4_StringItem_t s = L4_StringItem(sizeof(payload), payload);
        L4_MsgTag_t tag = L4_Niltag;
        tag.X.t = 2;
        L4_Set_MsgTag(tag);
        L4_LoadMRs(1, 2, s.raw);
        L4_MsgTag_t got = L4_Send(r);
        H_CHECK(L4_IpcFailed(got));
        if (L4_ErrorCode() != send_err[i])
            h_fail_at(__FILE__, __LINE__, "case %u: send error 0x%lx, want 0x%lx", i,
                      L4_ErrorCode(), send_err[i]);
        h_wait_signal(r);
        if (cases[i].error != recv_err[i])
            h_fail_at(__FILE__, __LINE__, "case %u: receive error 0x%lx, want 0x%lx", i,
                      cases[i].error, recv_err[i]);
        h_ping(echo, i);
    }
    H_CHECK(strcmp(read_only, "a constant buffer") == 0);
    H_EQ(spare[0][0], 0);
    H_EQ(spare[1][0], 0);

    /* A string longer than the kernel takes at all (4 MiB) is refused up front. */
    L4_StringItem_t s = L4_StringItem(1, payload);
    s.raw[0] = (8UL << 20) << 10;
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.t = 2;
    L4_Set_MsgTag(tag);
    L4_LoadMRs(1, 2, s.raw);
    H_IPC_FAILS(L4_Send(echo), H_ERR_SEND(L4_IpcErrMsgOverflow));
    h_ping(echo, 99);
    return 0;
}

static void garbage_receive_buffers_give_errors_not_crashes(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_garbage, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(odd_timeout_encodings_expire_or_wait_as_encoded),
        cmocka_unit_test(invalid_thread_ids_fail_in_every_system_call),
        cmocka_unit_test(stale_versions_fail_in_every_system_call),
        cmocka_unit_test(system_calls_from_host_threads_fail_softly),
        cmocka_unit_test(garbage_receive_buffers_give_errors_not_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
