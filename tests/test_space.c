/*
 * SpaceControl: KIP and UTCB areas of a new space, their checks, the areas
 * being fixed once a thread is active, the redirector, and the privilege
 * and space errors; also the privilege rule of the other root-space calls,
 * ProcessorControl and MemoryControl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <l4/misc.h>

#include "harness.h"

#define KIP_AREA  L4_FpageLog2(0x1000UL, 12)
#define UTCB_AREA L4_FpageLog2(0x100000UL, 14)
#define LONG_WAIT L4_TimePeriod(5UL * 1000 * 1000)

/* SpaceControl must fail with err. */
#define EXPECT_SC_ERROR(space, kip, utcb, err)                                                     \
    do {                                                                                           \
        L4_Word_t r_ = L4_SpaceControl((space), 0, (kip), (utcb), L4_nilthread, NULL);             \
        L4_Word_t e_ = L4_ErrorCode();                                                             \
        if (r_ != 0 || e_ != (L4_Word_t) (err))                                                    \
            h_fail_at(__FILE__, __LINE__,                                                          \
                      "SpaceControl(%s, %s): result %lu error %lu, want 0/%lu", #kip, #utcb, r_,   \
                      e_, (L4_Word_t) (err));                                                      \
    } while (0)

#define EXPECT_SC_OK(space, kip, utcb)                                                             \
    do {                                                                                           \
        L4_Word_t r_ = L4_SpaceControl((space), 0, (kip), (utcb), L4_nilthread, NULL);             \
        if (r_ != 1)                                                                               \
            h_fail_at(__FILE__, __LINE__, "SpaceControl(%s, %s) failed: error %lu", #kip, #utcb,   \
                      L4_ErrorCode());                                                             \
    } while (0)

/* ThreadControl must return want, and fail with err when want is 0. */
#define EXPECT_TC(dest, space, sched, pager, utcb, want, err)                                      \
    do {                                                                                           \
        L4_Word_t r_ = L4_ThreadControl((dest), (space), (sched), (pager), (void *) (utcb));       \
        L4_Word_t e_ = r_ ? 0 : L4_ErrorCode();                                                    \
        if (r_ != (want) || e_ != (L4_Word_t) (err))                                               \
            h_fail_at(__FILE__, __LINE__, "ThreadControl(%s, utcb %s): result %lu error %lu",      \
                      #dest, #utcb, r_, e_);                                                       \
    } while (0)

static struct {
    L4_Word_t local, global, kip;
} inside;

/* Report what the thread sees of its space, then serve echoes. */
static void report_and_echo(void *kip)
{
    inside.local = L4_MyLocalId().raw;
    inside.global = L4_MyGlobalId().raw;
    inside.kip = (L4_Word_t) kip;
    L4_LoadMR(0, 0);
    L4_Send(h_root());
    h_echo_server(kip);
}

static int body_valid_areas(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    H_EQ(L4_ThreadControl(t, t, me, L4_nilthread, (void *) ~0UL), 1);
    EXPECT_SC_OK(t, KIP_AREA, UTCB_AREA);
    /* Until a thread is active the areas may change. */
    EXPECT_SC_OK(t, L4_FpageLog2(0x400000UL, 12), L4_FpageLog2(0x200000UL, 12));
    /* Only inside the new UTCB area (4 UTCBs at 2 MiB). */
    EXPECT_TC(t, t, me, me, 0x100000UL, 0, L4_ErrUtcbArea);
    EXPECT_TC(t, t, me, me, 0x201000UL, 0, L4_ErrUtcbArea);
    EXPECT_TC(t, t, me, me, 0x200c00UL, 1, 0);
    h_set_arg(t, NULL);
    h_start(t, report_and_echo);
    L4_ThreadId_t from = L4_nilthread;
    H_IPC_OK(L4_Ipc(L4_nilthread, t, L4_Timeouts(L4_Never, LONG_WAIT), &from));
    H_EQ(from.raw, t.raw);
    H_EQ(inside.local, 0x200c00UL);
    H_EQ(inside.global, t.raw);
    H_EQ(inside.kip, (L4_Word_t) L4_GetKernelInterface());
    h_ping(t, 1);

    /* A second thread of that space takes another slot of its area. */
    L4_ThreadId_t t2 = h_tid(1, 1);
    EXPECT_TC(t2, t, me, me, 0x200c00UL, 0, L4_ErrUtcbArea);
    EXPECT_TC(t2, t, me, me, 0x200000UL, 1, 0);
    h_start(t2, h_echo_server);
    h_ping(t2, 2);
    return 0;
}

static void space_control_sets_the_areas_of_a_new_space(void **state)
{
    (void) state;
    memset(&inside, 0, sizeof(inside));
    assert_int_equal(h_run(body_valid_areas, NULL), 0);
}

static int body_bad_areas(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    H_EQ(L4_ThreadControl(t, t, me, L4_nilthread, (void *) ~0UL), 1);
    /* The UTCB area must hold at least one UTCB (1 KiB). */
    EXPECT_SC_ERROR(t, KIP_AREA, L4_FpageLog2(0x100000UL, 9), L4_ErrUtcbArea);
    EXPECT_SC_ERROR(t, KIP_AREA, L4_Nilpage, L4_ErrUtcbArea);
    /* The KIP area must hold the KIP (4 KiB). */
    EXPECT_SC_ERROR(t, L4_FpageLog2(0x1000UL, 11), UTCB_AREA, L4_ErrKipArea);
    EXPECT_SC_ERROR(t, L4_Nilpage, UTCB_AREA, L4_ErrKipArea);
    /* The two must not overlap, whichever contains the other. */
    EXPECT_SC_ERROR(t, KIP_AREA, L4_FpageLog2(0, 16), L4_ErrKipArea);
    EXPECT_SC_ERROR(t, L4_FpageLog2(0x101000UL, 12), UTCB_AREA, L4_ErrKipArea);
    EXPECT_SC_ERROR(t, L4_FpageLog2(0x100000UL, 12), L4_FpageLog2(0x100000UL, 12), L4_ErrKipArea);
    /* Without areas no thread of the space can get a UTCB. */
    EXPECT_TC(t, t, me, me, 0x100000UL, 0, L4_ErrUtcbArea);
    /* After all that, valid areas still work. */
    EXPECT_SC_OK(t, KIP_AREA, UTCB_AREA);
    EXPECT_TC(t, t, me, me, 0x100000UL, 1, 0);
    h_start(t, h_echo_server);
    h_ping(t, 1);
    return 0;
}

static void space_control_rejects_bad_areas(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_bad_areas, NULL), 0);
}

static int body_fixed_after_activation(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn_space(0, h_echo_server, NULL);
    L4_Fpage_t kip = H_SPACE_KIP_AREA(), utcb = L4_FpageLog2(H_SPACE_UTCB_BASE, H_SPACE_UTCB_LOG2);
    EXPECT_SC_ERROR(t, kip, L4_FpageLog2(0x200000UL, 14), L4_ErrUtcbArea);
    EXPECT_SC_ERROR(t, kip, L4_FpageLog2(H_SPACE_UTCB_BASE, 12), L4_ErrUtcbArea);
    EXPECT_SC_ERROR(t, L4_Nilpage, L4_FpageLog2(0x200000UL, 14), L4_ErrUtcbArea);
    EXPECT_SC_ERROR(t, L4_FpageLog2(0x400000UL, 12), utcb, L4_ErrKipArea);
    EXPECT_SC_ERROR(t, L4_FpageLog2(0x400000UL, 12), L4_Nilpage, L4_ErrKipArea);
    /* Restating the same areas, or none, is fine. */
    EXPECT_SC_OK(t, kip, utcb);
    EXPECT_SC_OK(t, L4_Nilpage, L4_Nilpage);
    h_ping(t, 1);
    /* So is the root space, which has active threads from the start. */
    EXPECT_SC_ERROR(L4_Myself(), kip, L4_FpageLog2(0x800000UL, 14), L4_ErrUtcbArea);
    return 0;
}

static void space_control_refuses_changes_after_activation(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_fixed_after_activation, NULL), 0);
}

static struct {
    L4_Word_t own_result, own_error, other_result, other_error;
} unpriv;

static void try_space_control(void *kip)
{
    (void) kip;
    L4_ThreadId_t me = L4_Myself();
    unpriv.own_result = L4_SpaceControl(me, 0, KIP_AREA, UTCB_AREA, L4_nilthread, NULL);
    unpriv.own_error = L4_ErrorCode();
    unpriv.other_result =
        L4_SpaceControl(h_tid(1, 1), 0, KIP_AREA, L4_FpageLog2(0x200000UL, 14), L4_nilthread, NULL);
    unpriv.other_error = L4_ErrorCode();
    L4_LoadMR(0, 0);
    L4_Send(h_root());
}

static int body_no_privilege(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_ThreadId_t victim = h_tid(1, 1);
    H_EQ(L4_ThreadControl(victim, victim, me, L4_nilthread, (void *) ~0UL), 1);
    L4_ThreadId_t t = h_spawn_space(0, try_space_control, NULL);
    H_IPC_OK(L4_Receive_Timeout(t, LONG_WAIT));
    H_EQ(unpriv.own_result, 0);
    H_EQ(unpriv.own_error, L4_ErrNoPrivilege);
    H_EQ(unpriv.other_result, 0);
    H_EQ(unpriv.other_error, L4_ErrNoPrivilege);
    /* The victim's space was left alone: it takes its first areas now. */
    EXPECT_SC_OK(victim, KIP_AREA, L4_FpageLog2(0x300000UL, 14));
    return 0;
}

static void space_control_from_another_space_fails_with_no_privilege(void **state)
{
    (void) state;
    memset(&unpriv, 0, sizeof(unpriv));
    assert_int_equal(h_run(body_no_privilege, NULL), 0);
}

static int body_invalid_space(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    EXPECT_SC_ERROR(L4_nilthread, KIP_AREA, UTCB_AREA, L4_ErrInvalidSpace);
    EXPECT_SC_ERROR(L4_anythread, KIP_AREA, UTCB_AREA, L4_ErrInvalidSpace);
    EXPECT_SC_ERROR(h_tid(5, 1), KIP_AREA, UTCB_AREA, L4_ErrInvalidSpace);
    EXPECT_SC_ERROR(L4_GlobalId(L4_ThreadNo(echo), 2), KIP_AREA, UTCB_AREA, L4_ErrInvalidSpace);
    EXPECT_SC_ERROR(L4_LocalIdOf(echo), KIP_AREA, UTCB_AREA, L4_ErrInvalidSpace);
    EXPECT_SC_ERROR(L4_GlobalId(0xffffffUL, 1), KIP_AREA, UTCB_AREA, L4_ErrInvalidSpace);
    h_ping(echo, 1);
    return 0;
}

static void space_control_rejects_invalid_spaces(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_invalid_space, NULL), 0);
}

/* ------------------------------------ ProcessorControl and MemoryControl */

/* What ProcessorControl and MemoryControl gave one thread: results and errors. */
struct control_calls {
    L4_Word_t cpu0, cpu0_error, cpu_past_last, cpu_past_last_error, memory, memory_error;
};

static struct control_calls from_root_space, from_other_space;

static void call_the_control_calls(struct control_calls *c)
{
    void *kip = L4_GetKernelInterface();
    c->cpu0 = L4_ProcessorControl(0, 0, 0, 0);
    c->cpu0_error = L4_ErrorCode();
    c->cpu_past_last = L4_ProcessorControl(L4_NumProcessors(kip), 0, 0, 0);
    c->cpu_past_last_error = L4_ErrorCode();
    c->memory = L4_Set_PageAttribute(L4_FpageLog2(0x10000UL, 12), L4_WriteBackMemory);
    c->memory_error = L4_ErrorCode();
}

static void control_calls_then_signal(void *kip)
{
    (void) kip;
    call_the_control_calls(h_arg());
    h_signal_root();
}

static int body_control_calls(void *arg)
{
    (void) arg;
    void *kip = L4_GetKernelInterface();
    H_EQ(L4_NumProcessors(kip), 1); /* the one simulated CPU */

    /* The root itself: processor 0 exists, the next one does not. */
    struct control_calls root = {0};
    call_the_control_calls(&root);
    H_EQ(root.cpu0, 1);
    H_EQ(root.cpu_past_last, 0);
    H_EQ(root.cpu_past_last_error, L4_ErrInvalidParam);
    H_EQ(root.memory, 1);
    H_EQ(L4_ProcessorControl(~0UL, 0, 0, 0), 0);
    H_EQ(L4_ErrorCode(), L4_ErrInvalidParam);
    L4_Word_t attributes[4] = {L4_UncacheableMemory, L4_WriteCombiningMemory, 0, 0};
    L4_Fpage_t two[2] = {L4_FpageLog2(0x10000UL, 12), L4_FpageLog2(0x20000UL, 16)};
    L4_Set_Rights(&two[1], 1); /* the second fpage selects attribute 1 */
    H_EQ(L4_Set_PageAttributes(2, two, attributes), 1);

    /* Privilege belongs to the space: another thread of the root's space has it. */
    L4_ThreadId_t sibling = h_spawn(0, control_calls_then_signal, &from_root_space);
    h_wait_signal(sibling);
    H_EQ(from_root_space.cpu0, 1);
    H_EQ(from_root_space.cpu_past_last, 0);
    H_EQ(from_root_space.cpu_past_last_error, L4_ErrInvalidParam);
    H_EQ(from_root_space.memory, 1);

    /* A thread of another space has none, whatever its arguments. */
    L4_ThreadId_t other = h_spawn_space(1, control_calls_then_signal, &from_other_space);
    h_wait_signal(other);
    H_EQ(from_other_space.cpu0, 0);
    H_EQ(from_other_space.cpu0_error, L4_ErrNoPrivilege);
    H_EQ(from_other_space.cpu_past_last, 0);
    H_EQ(from_other_space.cpu_past_last_error, L4_ErrNoPrivilege);
    H_EQ(from_other_space.memory, 0);
    H_EQ(from_other_space.memory_error, L4_ErrNoPrivilege);
    return 0;
}

static void processor_and_memory_control_need_the_root_space(void **state)
{
    (void) state;
    memset(&from_root_space, 0, sizeof(from_root_space));
    memset(&from_other_space, 0, sizeof(from_other_space));
    assert_int_equal(h_run(body_control_calls, NULL), 0);
}

/* ---------------------------------------------------------- redirector */

/* SpaceControl with only a redirector (and areas) must return want, failing with err. */
#define EXPECT_SC_REDIRECTOR(space, kip, utcb, redirector, want, err)                              \
    do {                                                                                           \
        L4_Word_t r_ = L4_SpaceControl((space), 0, (kip), (utcb), (redirector), NULL);             \
        L4_Word_t e_ = r_ ? 0 : L4_ErrorCode();                                                    \
        if (r_ != (want) || e_ != (L4_Word_t) (err))                                               \
            h_fail_at(__FILE__, __LINE__, "SpaceControl(redirector %s): result %lu error %lu",     \
                      #redirector, r_, e_);                                                        \
    } while (0)

#define LABEL_OUT 0x42

static atomic_uint redirected; /* messages the would-be redirector received */

static void would_be_redirector(void *kip)
{
    (void) kip;
    for (;;) {
        L4_ThreadId_t from;
        L4_Accept(L4_UntypedWordsAcceptor);
        if (!L4_IpcFailed(L4_Wait(&from)))
            atomic_fetch_add(&redirected, 1);
    }
}

static void send_out(void *kip)
{
    (void) kip;
    L4_Word_t w = 7;
    h_load_words(LABEL_OUT, 1, &w);
    L4_Send(h_root());
    L4_Receive(h_root()); /* stay until the end */
}

/*
 * X.2 redirectors: a live thread is taken, anythread means none, nilthread
 * leaves it; anything else is invalid thread, and the call changes nothing.
 * l4sim keeps the redirector but never redirects (a documented departure):
 * a message leaving the space goes straight to its destination.
 */
static int body_redirector(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    L4_ThreadId_t r = h_spawn(1, would_be_redirector, NULL);
    H_EQ(L4_ThreadControl(t, t, me, L4_nilthread, (void *) ~0UL), 1);
    EXPECT_SC_REDIRECTOR(t, KIP_AREA, UTCB_AREA, h_tid(7, 1), 0, L4_ErrInvalidThread);
    EXPECT_SC_REDIRECTOR(t, KIP_AREA, UTCB_AREA, L4_GlobalId(L4_ThreadNo(r), 2), 0,
                         L4_ErrInvalidThread);
    EXPECT_TC(t, t, me, me, 0x100000UL, 0, L4_ErrUtcbArea); /* no areas came with them */
    EXPECT_SC_REDIRECTOR(t, KIP_AREA, UTCB_AREA, L4_anythread, 1, 0);
    EXPECT_SC_REDIRECTOR(t, L4_Nilpage, L4_Nilpage, r, 1, 0);
    EXPECT_SC_REDIRECTOR(t, L4_Nilpage, L4_Nilpage, L4_nilthread, 1, 0);
    EXPECT_TC(t, t, me, me, 0x100000UL, 1, 0);
    /* Once the space runs, the redirector may still change. */
    h_start(t, send_out);
    EXPECT_SC_REDIRECTOR(t, L4_Nilpage, L4_Nilpage, r, 1, 0);
    EXPECT_SC_REDIRECTOR(t, L4_Nilpage, L4_Nilpage, h_tid(7, 1), 0, L4_ErrInvalidThread);

    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, t, L4_Timeouts(L4_Never, LONG_WAIT), &from);
    H_IPC_OK(tag);
    H_EQ(L4_Label(tag), LABEL_OUT);
    H_EQ(from.raw, t.raw);
    H_EQ(atomic_load(&redirected), 0);
    return 0;
}

static void space_control_checks_and_keeps_the_redirector_but_ipc_is_not_redirected(void **state)
{
    (void) state;
    atomic_store(&redirected, 0);
    assert_int_equal(h_run(body_redirector, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(space_control_sets_the_areas_of_a_new_space),
        cmocka_unit_test(space_control_rejects_bad_areas),
        cmocka_unit_test(space_control_refuses_changes_after_activation),
        cmocka_unit_test(space_control_from_another_space_fails_with_no_privilege),
        cmocka_unit_test(space_control_rejects_invalid_spaces),
        cmocka_unit_test(processor_and_memory_control_need_the_root_space),
        cmocka_unit_test(space_control_checks_and_keeps_the_redirector_but_ipc_is_not_redirected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
