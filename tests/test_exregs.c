/*
 * ExchangeRegisters: state and registers, user-defined handle and pager, halt
 * and resume (also of oneself), restart at a new IP and SP, invalid threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

struct regs {
    L4_ThreadId_t result;
    L4_Word_t control, sp, ip, flags, handle;
    L4_ThreadId_t pager;
};

/* ExchangeRegisters with only the d bit: read everything, change nothing. */
static struct regs read_regs(L4_ThreadId_t t)
{
    struct regs r;
    memset(&r, 0, sizeof(r));
    r.result = L4_ExchangeRegisters(t, L4_EXREGS_DELIVER_FLAG, 0, 0, 0, 0, L4_nilthread, &r.control,
                                    &r.sp, &r.ip, &r.flags, &r.handle, &r.pager);
    return r;
}

/* ---------------------------------------------------------------- state */

static void block_forever(void *kip)
{
    (void) kip;
    L4_Receive(h_sigma0());
}

static void send_to_root(void *kip)
{
    (void) kip;
    L4_LoadMR(0, 0);
    L4_Send(h_root());
}

static void just_return(void *kip)
{
    (void) kip;
}

static L4_Word_t start_sp;

static int body_read_state(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t rcv = h_tid(0, 1);
    H_EQ(L4_ThreadControl(rcv, me, me, me, h_root_utcb(rcv)), 1);
    start_sp = h_stack();
    L4_LoadMR(0, 2);
    L4_LoadMR(1, (L4_Word_t) block_forever);
    L4_LoadMR(2, start_sp);
    H_IPC_OK(L4_Send(rcv));
    h_wait_state(rcv, H_STATE_RECEIVING);
    struct regs r = read_regs(rcv);
    H_EQ(r.control & 7, H_STATE_RECEIVING);
    H_EQ(r.ip, (L4_Word_t) block_forever);
    H_EQ(r.sp, start_sp);
    H_EQ(r.pager.raw, me.raw);
    /* The result is the other form of the ID. */
    H_EQ(r.result.raw, (L4_Word_t) h_root_utcb(rcv));
    H_EQ(read_regs(r.result).result.raw, rcv.raw);

    L4_ThreadId_t snd = h_spawn(1, send_to_root, NULL);
    h_wait_state(snd, H_STATE_SENDING);
    H_EQ(read_regs(snd).control & 7, H_STATE_SENDING);
    H_IPC_OK(L4_Receive(snd));

    L4_ThreadId_t ret = h_spawn(2, just_return, NULL);
    h_wait_state(ret, H_STATE_HALTED);
    H_EQ(read_regs(ret).control & 7, H_STATE_HALTED);

    /* A thread of another space is named by its global ID either way. */
    L4_ThreadId_t other = h_spawn_space(3, block_forever, NULL);
    h_wait_state(other, H_STATE_RECEIVING);
    H_EQ(read_regs(other).result.raw, other.raw);
    /* Reading does not disturb: the receiver still receives. */
    H_EQ(read_regs(rcv).control & 7, H_STATE_RECEIVING);
    return 0;
}

static void exchange_registers_reads_state_and_registers(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_read_state, NULL), 0);
}

/* ------------------------------------------------------ handle, pager */

static struct {
    L4_Word_t handle_seen, pager_seen;
} tcr;

/* Report the TCRs as the thread sees them, set its handle, and repeat on request. */
static void report_tcrs(void *kip)
{
    (void) kip;
    for (;;) {
        tcr.handle_seen = L4_UserDefinedHandle();
        tcr.pager_seen = L4_Pager().raw;
        L4_Set_UserDefinedHandle(tcr.handle_seen + 1);
        h_signal_root();
        L4_Receive(h_root());
    }
}

static int body_handle_pager(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t t = h_tid(0, 1);
    H_EQ(L4_ThreadControl(t, me, me, me, h_root_utcb(t)), 1);
    H_EQ(L4_UserDefinedHandleOf(t), 0);
    L4_Set_UserDefinedHandleOf(t, 0x1234);
    H_EQ(L4_UserDefinedHandleOf(t), 0x1234);
    H_EQ(L4_PagerOf(t).raw, me.raw);
    h_start(t, report_tcrs);
    h_wait_signal(t);
    H_EQ(tcr.handle_seen, 0x1234);
    H_EQ(tcr.pager_seen, me.raw);
    /* The thread's own change is visible from outside. */
    H_EQ(L4_UserDefinedHandleOf(t), 0x1235);

    /* Set both from outside while it waits; it sees them on its next turn. */
    h_wait_state(t, H_STATE_RECEIVING);
    L4_Word_t old_handle = 0;
    L4_ThreadId_t old_pager = L4_nilthread;
    L4_ExchangeRegisters(t, L4_EXREGS_UHANDLE_FLAG | L4_EXREGS_PAGER_FLAG, 0, 0, 0, 0x77,
                         h_sigma0(), NULL, NULL, NULL, NULL, &old_handle, &old_pager);
    H_EQ(old_handle, 0x1235);
    H_EQ(old_pager.raw, me.raw);
    H_EQ(L4_PagerOf(t).raw, h_sigma0().raw);
    L4_LoadMR(0, 0);
    H_IPC_OK(L4_Send(t));
    h_wait_signal(t);
    H_EQ(tcr.handle_seen, 0x77);
    H_EQ(tcr.pager_seen, h_sigma0().raw);
    /* The pager is just a register now: setting it back works too. */
    L4_Set_PagerOf(t, me);
    H_EQ(L4_PagerOf(t).raw, me.raw);
    return 0;
}

static void user_defined_handle_and_pager_are_set_and_read(void **state)
{
    (void) state;
    memset(&tcr, 0, sizeof(tcr));
    assert_int_equal(h_run(body_handle_pager, NULL), 0);
}

/* ------------------------------------------------------- halt / resume */

static volatile unsigned long spins;

static void spin(void *kip)
{
    (void) kip;
    for (;;)
        spins++;
}

static unsigned long spins_now(void)
{
    return __atomic_load_n(&spins, __ATOMIC_RELAXED);
}

/* Wait (bounded) until the spinner has moved past `than`. */
static bool spins_past(unsigned long than)
{
    for (int i = 0; i < 20000; i++) {
        if (spins_now() > than)
            return true;
        h_host_sleep_us(500);
    }
    return false;
}

static int body_halt_resume(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn(0, spin, NULL);
    H_CHECK(spins_past(0));
    L4_ThreadState_t st = L4_Stop(t);
    H_CHECK(!L4_ThreadWasHalted(st));
    H_CHECK(!L4_ThreadWasIpcing(st));
    unsigned long halted_at = spins_now();
    h_host_sleep_us(20000);
    H_EQ(spins_now(), halted_at);
    H_EQ(h_state(t), H_STATE_HALTED);
    /* Stopping a stopped thread reports it halted. */
    H_CHECK(L4_ThreadWasHalted(L4_Stop(t)));
    H_EQ(spins_now(), halted_at);

    L4_Start(t);
    H_CHECK(spins_past(halted_at));
    H_EQ(h_state(t), 0);

    /* Once more, with the raw control word: h + H halts, h alone resumes. */
    L4_Word_t old = 0;
    L4_ExchangeRegisters(t, L4_EXREGS_HALTFLAG_FLAG | L4_EXREGS_HALT_FLAG, 0, 0, 0, 0, L4_nilthread,
                         &old, NULL, NULL, NULL, NULL, NULL);
    H_EQ(old & 7, 0);
    halted_at = spins_now();
    h_host_sleep_us(10000);
    H_EQ(spins_now(), halted_at);
    L4_ExchangeRegisters(t, L4_EXREGS_HALTFLAG_FLAG, 0, 0, 0, 0, L4_nilthread, &old, NULL, NULL,
                         NULL, NULL, NULL);
    H_EQ(old & 7, H_STATE_HALTED);
    H_CHECK(spins_past(halted_at));
    /* Without h the halt bit is ignored. */
    L4_ExchangeRegisters(t, L4_EXREGS_HALT_FLAG, 0, 0, 0, 0, L4_nilthread, &old, NULL, NULL, NULL,
                         NULL, NULL);
    H_CHECK(spins_past(spins_now()));
    L4_Stop(t);
    return 0;
}

static void halted_thread_stops_running_until_resumed(void **state)
{
    (void) state;
    spins = 0;
    /* The victim spins in user code: only free-running mode lets us run too. */
    assert_int_equal(h_run_free(body_halt_resume, NULL), 0);
}

static struct {
    L4_Word_t local_addr;
    int ran;
} restarted;

static void say_where(void *kip)
{
    (void) kip;
    int local = 0;
    restarted.local_addr = (L4_Word_t) &local;
    restarted.ran = 1;
    h_signal_root();
}

static int body_restart(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn(0, spin, NULL);
    H_CHECK(spins_past(0));
    L4_Stop(t);
    unsigned long halted_at = spins_now();

    /* New IP and SP without resuming: it stays halted. */
    L4_Word_t sp = h_stack();
    L4_ExchangeRegisters(t, L4_EXREGS_SP_FLAG | L4_EXREGS_IP_FLAG, sp, (L4_Word_t) say_where, 0, 0,
                         L4_nilthread, NULL, NULL, NULL, NULL, NULL, NULL);
    h_host_sleep_us(10000);
    H_EQ(restarted.ran, 0);
    H_EQ(h_state(t) & H_STATE_HALTED, H_STATE_HALTED);
    L4_Start(t);
    h_wait_signal(t);
    H_EQ(restarted.ran, 1);
    H_CHECK(restarted.local_addr < sp && restarted.local_addr > sp - 64 * 1024);
    H_EQ(spins_now(), halted_at);

    /* L4_Start_SpIp does both at once, here on a thread halted after returning. */
    h_wait_state(t, H_STATE_HALTED);
    restarted.ran = 0;
    sp = h_stack();
    L4_Start_SpIp(t, sp, (L4_Word_t) say_where);
    h_wait_signal(t);
    H_EQ(restarted.ran, 1);
    H_CHECK(restarted.local_addr < sp && restarted.local_addr > sp - 64 * 1024);
    return 0;
}

static void halted_thread_restarts_at_new_ip_and_sp(void **state)
{
    (void) state;
    spins = 0;
    memset(&restarted, 0, sizeof(restarted));
    /* The victim spins in user code: only free-running mode lets us run too. */
    assert_int_equal(h_run_free(body_restart, NULL), 0);
}

/* A thread stopped before its start message runs only once resumed. */
static volatile int early_ran;

static void mark_ran(void *kip)
{
    (void) kip;
    early_ran = 1;
}

static int body_stop_before_start(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    L4_Word_t utcb = L4_MyLocalId().raw + L4_UtcbSize(L4_GetKernelInterface());
    H_EQ(L4_ThreadControl(t, me, me, me, (void *) utcb), 1);
    L4_ThreadState_t st = L4_Stop(t);
    H_CHECK(L4_ThreadWasHalted(st));
    /* The start message arrives, but the thread stays halted. */
    L4_Word_t words[2] = {(L4_Word_t) mark_ran, h_stack()};
    h_load_words(0, 2, words);
    H_IPC_OK(L4_Send(t));
    for (int i = 0; i < 200; i++)
        L4_Sleep(L4_TimePeriod(100));
    H_EQ(early_ran, 0);
    H_CHECK(L4_ThreadWasHalted(L4_Stop(t)));
    /* Resumed, it runs where the start message said. */
    L4_Start(t);
    H_CHECK(h_wait_flag(&early_ran));
    return 0;
}

static void thread_stopped_before_its_start_runs_only_when_resumed(void **state)
{
    (void) state;
    early_ran = 0;
    assert_int_equal(h_run(body_stop_before_start, NULL), 0);
}

static volatile int self_halt_passed;

static void halt_myself(void *kip)
{
    (void) kip;
    h_signal_root();
    L4_Stop(L4_Myself());
    self_halt_passed = 1;
    h_signal_root();
}

static int body_self_halt(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn(0, halt_myself, NULL);
    h_wait_signal(t);
    h_wait_state(t, H_STATE_HALTED);
    h_host_sleep_us(10000);
    H_EQ(self_halt_passed, 0);
    L4_Start(t);
    h_wait_signal(t);
    H_EQ(self_halt_passed, 1);
    return 0;
}

static void thread_can_halt_itself(void **state)
{
    (void) state;
    self_halt_passed = 0;
    assert_int_equal(h_run(body_self_halt, NULL), 0);
}

/* -------------------------------------------------------------- errors */

static struct regs other_space_view;

static void exregs_root_thread(void *kip)
{
    (void) kip;
    other_space_view = read_regs(h_tid(0, 1));
    other_space_view.flags = L4_ErrorCode();
    h_signal_root();
}

static int body_invalid(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    const L4_ThreadId_t bad[] = {
        L4_nilthread,
        L4_anythread,
        L4_anylocalthread,
        h_tid(7, 1),
        L4_GlobalId(L4_ThreadNo(echo), 2),
        L4_GlobalId(100000, 1),
        {.raw = (L4_Word_t) h_root_utcb(h_tid(7, 1))},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        L4_Word_t old_control = 0xdead;
        L4_ThreadId_t r =
            L4_ExchangeRegisters(bad[i], L4_EXREGS_DELIVER_FLAG | L4_EXREGS_UHANDLE_FLAG, 0, 0, 0,
                                 5, L4_nilthread, &old_control, NULL, NULL, NULL, NULL, NULL);
        H_CHECK(L4_IsNilThread(r));
        H_EQ(L4_ErrorCode(), L4_ErrInvalidThread);
        H_EQ(old_control, 0);
    }
    H_EQ(L4_UserDefinedHandleOf(echo), 0);
    h_ping(echo, 1);

    /* A thread of another space may not touch the root's threads. */
    L4_ThreadId_t t = h_spawn_space(1, exregs_root_thread, NULL);
    h_wait_signal(t);
    H_CHECK(L4_IsNilThread(other_space_view.result));
    H_EQ(other_space_view.flags, L4_ErrInvalidThread);
    h_ping(echo, 2);
    return 0;
}

static void exchange_registers_on_invalid_thread_returns_nil(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_invalid, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exchange_registers_reads_state_and_registers),
        cmocka_unit_test(user_defined_handle_and_pager_are_set_and_read),
        cmocka_unit_test(halted_thread_stops_running_until_resumed),
        cmocka_unit_test(halted_thread_restarts_at_new_ip_and_sp),
        cmocka_unit_test(thread_stopped_before_its_start_runs_only_when_resumed),
        cmocka_unit_test(thread_can_halt_itself),
        cmocka_unit_test(exchange_registers_on_invalid_thread_returns_nil),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
