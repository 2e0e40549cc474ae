/*
 * Kernel stacks: a thread whose stack lies in its window (pager-mapped, as
 * every MM-paged task's is) may lose its stack pages while it waits inside
 * the kernel. It must get them back through its pager as ordinary user
 * page faults once it returns, with its IPC intact; the kernel itself must
 * never fault on them.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define PAGE         4096UL
#define STACK_LOG2   16 /* the thread's window stack: 64 KiB, one fpage */
#define STACK_SIZE   (1UL << STACK_LOG2)
#define STACK_OFFSET 0x100000UL /* where it lies in the thread's window */
#define NEAR_GUARD   4096UL     /* SP this far above the guard page, for near_guard */
#define MAX_FAULTS   64

#define LABEL_CALL   0x7001 /* the blocker's call: MR1 its SP, MR2 = 42 */
#define LABEL_REPLY  0x7002 /* the answer it waits for: 11, 22, 33 */
#define LABEL_REPORT 0x7003 /* what it saw: tag, from, MR1..3, damaged stack words */
#define LABEL_GO     0x7004 /* root -> partner: take the blocker's message now */

/* How a test case treats its blocker. */
struct plan {
    bool in_send;    /* it calls the partner, which is not receiving yet */
    bool near_guard; /* it calls with SP just above its stack's guard page */
    bool handler;    /* the root is its exception handler */
};

/* One run's state: the root, the blocker and the partner share it (host memory). */
static struct {
    struct plan plan;
    L4_ThreadId_t t, partner;
    L4_Word_t lo, hi; /* the blocker's window stack */
    L4_Word_t frames; /* the root's pages behind it (physical window) */
    volatile L4_Word_t sp, mark;
    L4_Word_t partner_got[3]; /* the partner's view of the blocker's message */
    L4_MsgTag_t partner_tag;
    unsigned nfaults;
    L4_Word_t fault_addr[MAX_FAULTS], fault_access[MAX_FAULTS];
} ks;

static void sleep_forever(void)
{
    for (;;)
        L4_Sleep(L4_Never);
}

static inline L4_Word_t current_sp(void)
{
    L4_Word_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    return sp;
}

/* ------------------------------------------------------------ the blocker */

/*
 * Fill a marker on the stack, make the one IPC the plan says (blocking in
 * the kernel), then check everything it got and report it to the root.
 */
static __attribute__((noinline)) void call_and_report(void)
{
    volatile L4_Word_t mark[64];
    for (unsigned i = 0; i < 64; i++)
        mark[i] = 0x5eed0000UL + i;
    ks.mark = (L4_Word_t) &mark[0];
    ks.sp = current_sp();
    L4_ThreadId_t partner = ks.plan.in_send ? ks.partner : h_root();
    L4_Word_t w[2] = {ks.sp, 42};
    h_load_words(LABEL_CALL, 2, w);
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Ipc(partner, partner, L4_Timeouts(L4_Never, L4_Never), &from);
    L4_Word_t got[3];
    L4_StoreMRs(1, 3, got);
    L4_Word_t damaged = 0;
    for (unsigned i = 0; i < 64; i++)
        damaged += mark[i] != 0x5eed0000UL + i;
    mark[0] = 0; /* a write to the marker's page */
    L4_Word_t r[6] = {tag.raw, from.raw, got[0], got[1], got[2], damaged};
    h_load_words(LABEL_REPORT, 6, r);
    L4_Call(h_root());
    sleep_forever();
}

static void blocker(void *kip)
{
    (void) kip;
    if (ks.plan.handler)
        L4_Set_ExceptionHandler(h_root());
    if (!ks.plan.near_guard)
        call_and_report();
    /* Down to just above the guard page, where no kernel frame would fit. */
    volatile char *room = __builtin_alloca(current_sp() - (ks.lo + NEAR_GUARD));
    room[0] = 1;
    call_and_report();
}

/* The partner of a call in its send phase: it receives only when told. */
static void partner_fn(void *kip)
{
    (void) kip;
    L4_Receive(h_root());
    L4_Accept(L4_UntypedWordsAcceptor);
    ks.partner_tag = L4_Receive(ks.t);
    L4_StoreMRs(1, 2, ks.partner_got);
    L4_Word_t w[3] = {11, 22, 33};
    h_load_words(LABEL_REPLY, 3, w);
    L4_Send(ks.t);
    sleep_forever();
}

/* -------------------------------------------------------------- the root */

/* The root's stack page behind the blocker's stack page at addr. */
static L4_Word_t frame_of(L4_Word_t addr)
{
    return ks.frames + ((addr & ~(PAGE - 1)) - ks.lo);
}

/*
 * Create the blocker in a new space, paged by the root, on a window stack
 * with a guard page below; map the whole stack at its first fault.
 */
static bool start_blocker(const struct plan *plan)
{
    memset(&ks, 0, sizeof(ks));
    ks.plan = *plan;
    L4_Fpage_t frames = L4_Sigma0_GetAny(h_sigma0(), STACK_LOG2, L4_CompleteAddressSpace);
    if (L4_IsNilFpage(frames)) {
        h_fail_at(__FILE__, __LINE__, "sigma0 has no 64 KiB for the stack");
        return false;
    }
    ks.frames = L4_Address(frames);
    if (plan->in_send)
        ks.partner = h_spawn(1, partner_fn, NULL);
    ks.t = h_new_space(0, L4_nilthread, NULL);
    ks.lo = h_window(ks.t, NULL) + STACK_OFFSET;
    ks.hi = ks.lo + STACK_SIZE;
    H_EQ(h_window_stack(ks.t, ks.lo, ks.hi), ks.hi);
    h_start_sp(ks.t, blocker, ks.hi);
    struct h_fault f;
    if (!h_expect_pagefault(ks.t, &f))
        return false;
    H_CHECK(f.addr >= ks.lo && f.addr < ks.hi);
    L4_MapItem_t item =
        L4_MapItem(L4_FpageAddRights(L4_FpageLog2(ks.frames, STACK_LOG2), L4_ReadWriteOnly), ks.lo);
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.t = 2;
    L4_Set_MsgTag(tag);
    L4_LoadMRs(1, 2, item.raw);
    H_IPC_OK(L4_Send_Timeout(ks.t, H_MEM_WAIT));
    return true;
}

/* The blocker's call has reached the root: it now waits for the reply, in the kernel. */
static bool receive_call(void)
{
    struct h_fault f;
    L4_MsgTag_t tag = h_receive_fault(ks.t, &f);
    if (L4_IpcFailed(tag) || L4_Label(tag) != LABEL_CALL) {
        h_fail_at(__FILE__, __LINE__, "want the blocker's call, got tag 0x%lx", tag.raw);
        return false;
    }
    H_EQ(L4_UntypedWords(tag), 2);
    return true;
}

/* Take the blocker's stack away: every right, or (write_only) just writing. */
static void revoke_stack(bool write_only)
{
    L4_Word_t rights = write_only ? L4_Writable : L4_FullyAccessible;
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(ks.frames, STACK_LOG2), rights));
}

static void send_reply(void)
{
    L4_Word_t w[3] = {11, 22, 33};
    h_load_words(LABEL_REPLY, 3, w);
    H_IPC_OK(L4_Send_Timeout(ks.t, H_MEM_WAIT));
}

/*
 * Be the blocker's pager until its report comes: map back the root's own
 * page behind each faulting stack page (its contents must survive), and
 * record every fault. Returns the report's words, or false.
 */
static bool serve_until_report(L4_Word_t r[6])
{
    for (;;) {
        struct h_fault f;
        L4_MsgTag_t tag = h_receive_fault(ks.t, &f);
        if (h_is_pagefault(tag)) {
            if (ks.nfaults < MAX_FAULTS) {
                ks.fault_addr[ks.nfaults] = f.addr;
                ks.fault_access[ks.nfaults] = f.access;
            }
            ks.nfaults++;
            if (f.addr < ks.lo || f.addr >= ks.hi) {
                h_fail_at(__FILE__, __LINE__, "fault outside the stack at 0x%lx", f.addr);
                return false;
            }
            h_reply_map(ks.t, frame_of(f.addr), L4_ReadWriteOnly, f.addr & ~(PAGE - 1));
            continue;
        }
        if (L4_IpcFailed(tag) || L4_Label(tag) != LABEL_REPORT || L4_UntypedWords(tag) != 6) {
            h_fail_at(__FILE__, __LINE__, "want the blocker's report, got tag 0x%lx (error 0x%lx)",
                      tag.raw, L4_IpcFailed(tag) ? L4_ErrorCode() : 0);
            return false;
        }
        L4_StoreMRs(1, 6, r);
        return true;
    }
}

/*
 * The report must show the reply intact (tag, sender, words) and the
 * stack undamaged; the faults on the way must be the blocker's own stack
 * pages, the marker's page among them, and with write_only all of them
 * writes.
 */
static void check_report(const L4_Word_t r[6], L4_ThreadId_t replier, bool write_only)
{
    L4_MsgTag_t tag = {.raw = r[0]};
    H_EQ(L4_Label(tag), LABEL_REPLY);
    H_EQ(L4_UntypedWords(tag), 3);
    H_EQ(L4_TypedWords(tag), 0);
    H_CHECK(!L4_IpcFailed(tag));
    H_EQ(r[1], replier.raw);
    H_EQ(r[2], 11);
    H_EQ(r[3], 22);
    H_EQ(r[4], 33);
    H_EQ(r[5], 0);
    H_CHECK(ks.nfaults > 0);
    bool marker_page = false;
    for (unsigned i = 0; i < ks.nfaults && i < MAX_FAULTS; i++) {
        if (write_only)
            H_EQ(ks.fault_access[i], L4_Writable);
        marker_page |= (ks.fault_addr[i] & ~(PAGE - 1)) == (ks.mark & ~(PAGE - 1));
    }
    H_CHECK(marker_page);
}

/* ---------------------------------------------------------- the receive */

static int body_receive(void *arg)
{
    bool write_only = arg != NULL;
    struct plan plan = {0};
    if (!start_blocker(&plan) || !receive_call())
        return 1;
    struct l4sim_stats before = h_stats();
    revoke_stack(write_only);
    send_reply();
    L4_Word_t r[6];
    if (serve_until_report(r))
        check_report(r, h_root(), write_only);
    H_EQ(h_stats().exceptions, before.exceptions);
    return 0;
}

static void stack_unmapped_during_a_receive_is_faulted_back_by_the_user(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_receive, NULL), 0);
}

static void stack_made_read_only_during_a_receive_gets_write_faults(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_receive, (void *) 1), 0);
}

/* -------------------------------------------------------- the send phase */

static int body_send(void *arg)
{
    bool write_only = arg != NULL;
    struct plan plan = {.in_send = true};
    if (!start_blocker(&plan))
        return 1;
    if (!h_wait_state(ks.t, H_STATE_SENDING))
        return 1;
    revoke_stack(write_only);
    h_load_words(LABEL_GO, 0, NULL);
    H_IPC_OK(L4_Send_Timeout(ks.partner, H_MEM_WAIT));
    L4_Word_t r[6];
    if (serve_until_report(r))
        check_report(r, ks.partner, write_only);
    /* The message it was sending arrived whole, too. */
    H_EQ(L4_Label(ks.partner_tag), LABEL_CALL);
    H_EQ(ks.partner_got[0], ks.sp);
    H_EQ(ks.partner_got[1], 42);
    return 0;
}

static void stack_unmapped_while_sending_a_call_is_faulted_back_by_the_user(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_send, NULL), 0);
}

static void stack_made_read_only_while_sending_a_call_gets_write_faults(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_send, (void *) 1), 0);
}

/* ----------------------------------------------------------- halted */

static int body_halted(void *arg)
{
    (void) arg;
    struct plan plan = {0};
    if (!start_blocker(&plan) || !receive_call())
        return 1;
    L4_Stop(ks.t); /* inside the kernel: it halts once its IPC is done */
    send_reply();
    /* Halted, it sends nothing: not even a fault. */
    H_IPC_FAILS(L4_Receive_Timeout(ks.t, L4_TimePeriod(10 * 1000)), H_ERR_RECV(L4_IpcErrTimeout));
    revoke_stack(false);
    H_CHECK(h_state(ks.t) & H_STATE_HALTED);
    L4_Start(ks.t);
    L4_Word_t r[6];
    if (serve_until_report(r))
        check_report(r, h_root(), false);
    return 0;
}

static void stack_unmapped_while_halted_after_a_receive_is_faulted_back(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_halted, NULL), 0);
}

/* -------------------------------------------------------- near the guard */

static int body_near_guard(void *arg)
{
    (void) arg;
    struct plan plan = {.near_guard = true};
    if (!start_blocker(&plan) || !receive_call())
        return 1;
    H_CHECK(ks.sp < ks.lo + NEAR_GUARD);
    revoke_stack(false);
    send_reply();
    L4_Word_t r[6];
    if (serve_until_report(r))
        check_report(r, h_root(), false);
    H_EQ(h_stats().exceptions, 0); /* the kernel never reached the guard page */
    return 0;
}

static void a_call_just_above_the_guard_page_is_no_stack_overflow(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_near_guard, NULL), 0);
}

/* -------------------------------------------------------- refused faults */

struct capture {
    int saved, fd;
};

static void capture_stderr(struct capture *c)
{
    fflush(stderr);
    c->fd = memfd_create("stderr", MFD_CLOEXEC);
    c->saved = dup(2);
    dup2(c->fd, 2);
}

static void release_stderr(struct capture *c, char *buf, size_t size)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    ssize_t n = pread(c->fd, buf, size - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    close(c->fd);
}

/* Signal the root from wherever the thread is restarted. */
static void restarted_here(void *kip)
{
    (void) kip;
    h_signal_root();
    sleep_forever();
}

static int body_refused(void *arg)
{
    bool handler = arg != NULL;
    struct plan plan = {.handler = handler};
    struct capture cap = {-1, -1};
    if (!start_blocker(&plan) || !receive_call())
        return 1;
    if (!handler)
        capture_stderr(&cap);
    revoke_stack(false);
    send_reply();
    struct h_fault f;
    if (h_expect_pagefault(ks.t, &f))
        H_CHECK(f.addr >= ks.lo && f.addr < ks.hi);
    L4_LoadMR(0, 0); /* an empty answer maps nothing */
    H_IPC_OK(L4_Send_Timeout(ks.t, H_MEM_WAIT));
    if (handler) {
        struct h_fault e;
        if (h_expect_exception(ks.t, &e)) {
            H_EQ(e.addr, f.addr);
            H_EQ(e.access, f.access);
        }
        L4_LoadMR(0, 0); /* fewer than two words: it stays halted */
        H_IPC_OK(L4_Send_Timeout(ks.t, H_MEM_WAIT));
    }
    for (int i = 0; i < 100000 && h_stats().exceptions < 1; i++)
        L4_Sleep(L4_TimePeriod(200));
    H_EQ(h_stats().exceptions, 1);
    h_wait_state(ks.t, H_STATE_HALTED);
    if (!handler) {
        char msg[1024], want[96];
        release_stderr(&cap, msg, sizeof(msg));
        snprintf(want, sizeof(want), "thread %lu.%lu: page fault its pager did not resolve",
                 L4_ThreadNo(ks.t), L4_Version(ks.t));
        if (!strstr(msg, want) || !strstr(msg, "halted"))
            h_fail_at(__FILE__, __LINE__, "stderr lacks '%s ... halted': %s", want, msg);
    }
    /* Halted as after any refused fault, not dead: it can be started again. */
    L4_Start_SpIp(ks.t, h_stack(), (L4_Word_t) restarted_here);
    h_wait_signal(ks.t);
    return 0;
}

static void refused_stack_fault_after_a_receive_raises_an_exception(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_refused, (void *) 1), 0);
}

static void refused_stack_fault_after_a_receive_without_handler_halts_it(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_refused, NULL), 0);
}

/* ------------------------------------------------------------- killing */

/* The system goes on: a fresh space with an echo server answers. */
static void check_system_alive(void)
{
    L4_ThreadId_t echo = h_spawn_space(2, h_echo_server, NULL);
    h_ping(echo, 77);
}

static int body_kill_in_fault(void *arg)
{
    (void) arg;
    struct plan plan = {0};
    if (!start_blocker(&plan) || !receive_call())
        return 1;
    revoke_stack(false);
    send_reply();
    struct h_fault f;
    if (h_expect_pagefault(ks.t, &f))
        H_CHECK(f.addr >= ks.lo && f.addr < ks.hi);
    h_delete(ks.t); /* while it waits for the answer */
    check_system_alive();
    return 0;
}

static void killed_while_waiting_for_its_stack_fault_answer(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_kill_in_fault, NULL), 0);
}

static int body_kill_blocked(void *arg)
{
    (void) arg;
    struct plan plan = {0};
    if (!start_blocker(&plan) || !receive_call())
        return 1;
    revoke_stack(false);
    uint64_t faults = h_stats().page_faults;
    h_delete(ks.t); /* it leaves from the kernel: no stack page is needed */
    H_EQ(h_stats().page_faults, faults);
    check_system_alive();
    return 0;
}

static void killed_while_blocked_with_its_stack_unmapped(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_kill_blocked, NULL), 0);
}

/* --------------------------------------------------------------- churn */

#define CHURN_CALLS  300
#define CHURN_UNMAPS 20     /* and at least as many unmaps meanwhile */
#define CHURN_MAX    100000 /* calls, whatever the clock did */

static volatile int churn_done;
static atomic_uint churn_served, churn_unmaps;

/* The blocker's pager in the churn: maps back the root's page behind each stack page. */
static void churn_pager(void *kip)
{
    (void) kip;
    for (;;) {
        struct h_fault f;
        L4_MsgTag_t tag = h_receive_fault(L4_anythread, &f);
        if (!h_is_pagefault(tag))
            continue;
        bool ours = f.addr >= ks.lo && f.addr < ks.hi;
        atomic_fetch_add(&churn_served, 1);
        h_reply_map(f.from, ours ? frame_of(f.addr) : 0, L4_ReadWriteOnly, f.addr & ~(PAGE - 1));
    }
}

/* Like a pager's clock: keep taking the stack away, alternately all of it and its write right. */
static void churn_clock(void *kip)
{
    (void) kip;
    for (unsigned i = 0; !churn_done; i++) {
        revoke_stack(i % 2);
        atomic_fetch_add(&churn_unmaps, 1);
        L4_Sleep(L4_TimePeriod(20));
    }
    h_signal_root();
    sleep_forever();
}

/*
 * Call the echo server CHURN_CALLS times, and on until the clock has taken
 * the stack CHURN_UNMAPS times, checking every answer; report the bad ones.
 */
static void churn_caller(void *kip)
{
    (void) kip;
    L4_ThreadId_t echo = ks.partner;
    L4_Word_t bad = 0;
    for (L4_Word_t i = 0;
         i < CHURN_MAX && (i < CHURN_CALLS || atomic_load(&churn_unmaps) < CHURN_UNMAPS); i++) {
        volatile L4_Word_t local = i * 3;
        h_load_words(0x10, 1, &i);
        L4_MsgTag_t tag = L4_Call(echo);
        L4_Word_t got;
        L4_StoreMR(1, &got);
        bad += L4_IpcFailed(tag) || L4_Label(tag) != 0x11 || got != i || local != i * 3;
    }
    L4_Word_t r[1] = {bad};
    h_load_words(LABEL_REPORT, 1, r);
    L4_Send(h_root());
    sleep_forever();
}

static int body_churn(void *arg)
{
    (void) arg;
    memset(&ks, 0, sizeof(ks));
    churn_done = 0;
    atomic_store(&churn_served, 0);
    atomic_store(&churn_unmaps, 0);
    L4_Fpage_t frames = L4_Sigma0_GetAny(h_sigma0(), STACK_LOG2, L4_CompleteAddressSpace);
    if (L4_IsNilFpage(frames))
        return 1;
    ks.frames = L4_Address(frames);
    ks.partner = h_spawn(1, h_echo_server, NULL);
    L4_ThreadId_t pager = h_spawn(2, churn_pager, NULL);
    ks.t = h_new_space(0, pager, NULL);
    ks.lo = h_window(ks.t, NULL) + STACK_OFFSET;
    ks.hi = ks.lo + STACK_SIZE;
    H_EQ(h_window_stack(ks.t, ks.lo, ks.hi), ks.hi);
    L4_ThreadId_t clock = h_spawn(3, churn_clock, NULL);
    h_start_sp(ks.t, churn_caller, ks.hi);
    L4_MsgTag_t tag = L4_Receive_Timeout(ks.t, L4_TimePeriod(120UL * 1000 * 1000));
    H_IPC_OK(tag);
    H_EQ(L4_Label(tag), LABEL_REPORT);
    L4_Word_t bad = ~0UL;
    L4_StoreMR(1, &bad);
    H_EQ(bad, 0);
    churn_done = 1;
    h_wait_signal(clock);
    /* The clock really took the stack away while the caller was in the kernel. */
    H_CHECK(atomic_load(&churn_unmaps) >= CHURN_UNMAPS);
    H_CHECK(atomic_load(&churn_served) > 1);
    return 0;
}

static void stack_taken_again_and_again_during_many_calls(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1; /* in every pass; the next test runs free */
    assert_int_equal(h_run_config(&cfg, body_churn, NULL), 0);
}

static void stack_taken_again_and_again_during_many_calls_free_running(void **state)
{
    (void) state;
    assert_int_equal(h_run_free(body_churn, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stack_unmapped_during_a_receive_is_faulted_back_by_the_user),
        cmocka_unit_test(stack_made_read_only_during_a_receive_gets_write_faults),
        cmocka_unit_test(stack_unmapped_while_sending_a_call_is_faulted_back_by_the_user),
        cmocka_unit_test(stack_made_read_only_while_sending_a_call_gets_write_faults),
        cmocka_unit_test(stack_unmapped_while_halted_after_a_receive_is_faulted_back),
        cmocka_unit_test(a_call_just_above_the_guard_page_is_no_stack_overflow),
        cmocka_unit_test(refused_stack_fault_after_a_receive_raises_an_exception),
        cmocka_unit_test(refused_stack_fault_after_a_receive_without_handler_halts_it),
        cmocka_unit_test(killed_while_waiting_for_its_stack_fault_answer),
        cmocka_unit_test(killed_while_blocked_with_its_stack_unmapped),
        cmocka_unit_test(stack_taken_again_and_again_during_many_calls),
        cmocka_unit_test(stack_taken_again_and_again_during_many_calls_free_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
