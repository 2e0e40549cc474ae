/*
 * IPC: closed/open receive, call, reply-and-wait, local and global IDs, timeouts,
 * 63 words, malformed messages, missing partners, cancel/abort, priority order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define LONG_WAIT L4_TimePeriod(5UL * 1000 * 1000)
#define MS(n)     L4_TimePeriod((n) *1000UL)

/* What a receiving thread saw; filled before it signals the root. */
struct seen {
    L4_MsgTag_t tag;
    L4_Word_t error;
    L4_ThreadId_t from;
    L4_Word_t mr[L4SIM_NUM_MRS];
};

static struct seen seen;

static void record(L4_MsgTag_t tag, L4_ThreadId_t from)
{
    seen.tag = tag;
    seen.error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    seen.from = from;
    L4_StoreMRs(0, L4SIM_NUM_MRS, seen.mr);
}

static void reset_seen(void)
{
    memset(&seen, 0, sizeof(seen));
}

/* ------------------------------------------------------ send / receive */

/* Closed receive from the root, then report. */
static void receive_from_root(void *kip)
{
    (void) kip;
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, h_root(), L4_Timeouts(L4_Never, L4_Never), &from);
    record(tag, from);
    h_signal_root();
}

static int body_send_closed_receive(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = h_spawn(0, receive_from_root, NULL);
    L4_Word_t words[3] = {11, 22, 33};
    h_load_words(0x42, 3, words);
    H_IPC_OK(L4_Send(r));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    H_EQ(L4_Label(seen.tag), 0x42);
    H_EQ(L4_UntypedWords(seen.tag), 3);
    H_EQ(L4_TypedWords(seen.tag), 0);
    H_EQ(seen.tag.X.flags, 0);
    H_EQ(seen.mr[1], 11);
    H_EQ(seen.mr[2], 22);
    H_EQ(seen.mr[3], 33);
    /* Same space: the receiver sees the root's local ID. */
    H_CHECK(L4_IsLocalId(seen.from));
    H_EQ(seen.from.raw, L4_MyLocalId().raw);
    return 0;
}

static void send_reaches_closed_receiver(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_send_closed_receive, NULL), 0);
}

static void send_to_receiver_for_20ms(void *kip)
{
    (void) kip;
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Send_Timeout(h_tid(0, 1), MS(20));
    seen.error = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    h_signal_root();
}

static int body_closed_receive_ignores_others(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = h_spawn(0, receive_from_root, NULL);
    h_wait_state(r, H_STATE_RECEIVING);
    L4_ThreadId_t other = h_spawn(1, send_to_receiver_for_20ms, NULL);
    h_wait_signal(other);
    H_EQ(seen.error, H_ERR_SEND(L4_IpcErrTimeout));
    /* The receiver still waits for the root. */
    H_CHECK(h_state(r) & H_STATE_RECEIVING);
    L4_Word_t w = 5;
    h_load_words(1, 1, &w);
    H_IPC_OK(L4_Send(r));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    H_EQ(seen.mr[1], 5);
    return 0;
}

static void closed_receive_ignores_other_senders(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_closed_receive_ignores_others, NULL), 0);
}

static void send_own_number(void *kip)
{
    (void) kip;
    L4_Word_t w = L4_ThreadNo(L4_Myself());
    h_load_words(7, 1, &w);
    H_IPC_OK(L4_Send(h_root()));
}

static int body_open_wait(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn(0, send_own_number, NULL);
    L4_ThreadId_t b = h_spawn_space(1, send_own_number, NULL);
    bool got_a = false, got_b = false;
    for (int i = 0; i < 2; i++) {
        L4_ThreadId_t from = L4_nilthread;
        L4_MsgTag_t tag = L4_Wait_Timeout(LONG_WAIT, &from);
        H_IPC_OK(tag);
        L4_Word_t no = 0;
        L4_StoreMR(1, &no);
        if (no == L4_ThreadNo(a)) {
            got_a = true;
            H_EQ(from.raw, L4_LocalIdOf(a).raw); /* same space: local ID */
            H_EQ(from.raw, (L4_Word_t) h_root_utcb(a));
        } else if (no == L4_ThreadNo(b)) {
            got_b = true;
            H_EQ(from.raw, b.raw); /* another space: global ID */
        } else {
            h_fail_at(__FILE__, __LINE__, "unexpected word %lu from %lx", no, from.raw);
        }
    }
    H_CHECK(got_a && got_b);
    return 0;
}

static void wait_receives_from_any_sender(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_open_wait, NULL), 0);
}

static int body_receive_by_local_id(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn(0, send_own_number, NULL);
    L4_ThreadId_t b = h_spawn_space(1, send_own_number, NULL);
    h_wait_state(a, H_STATE_SENDING);
    h_wait_state(b, H_STATE_SENDING);
    L4_ThreadId_t from = L4_nilthread;
    /* Any local thread: only a qualifies. */
    H_IPC_OK(L4_Ipc(L4_nilthread, L4_anylocalthread, L4_Timeouts(L4_Never, L4_ZeroTime), &from));
    H_EQ(from.raw, L4_LocalIdOf(a).raw);
    H_IPC_FAILS(L4_Ipc(L4_nilthread, L4_anylocalthread, L4_Timeouts(L4_Never, L4_ZeroTime), &from),
                H_ERR_RECV(L4_IpcErrTimeout));
    H_IPC_OK(L4_Ipc(L4_nilthread, L4_anythread, L4_Timeouts(L4_Never, L4_ZeroTime), &from));
    H_EQ(from.raw, b.raw);

    /* A closed receive may name a same-space partner by its local ID. */
    L4_ThreadId_t c = h_spawn(2, send_own_number, NULL);
    H_IPC_OK(L4_Ipc(L4_nilthread, L4_LocalIdOf(c), L4_Timeouts(L4_Never, LONG_WAIT), &from));
    H_EQ(from.raw, L4_LocalIdOf(c).raw);
    L4_Word_t no = 0;
    L4_StoreMR(1, &no);
    H_EQ(no, L4_ThreadNo(c));
    return 0;
}

static void local_ids_name_same_space_partners(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_receive_by_local_id, NULL), 0);
}

/* ---------------------------------------------------------------- call */

static int body_call(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    L4_Word_t words[5] = {1, 2, 3, 4, 5};
    for (int i = 0; i < 10; i++) {
        words[0] = (L4_Word_t) i;
        h_load_words(0x100, 5, words);
        L4_MsgTag_t tag = L4_Call(echo);
        H_IPC_OK(tag);
        H_EQ(L4_Label(tag), 0x101);
        H_EQ(L4_UntypedWords(tag), 5);
        L4_Word_t got[5];
        L4_StoreMRs(1, 5, got);
        H_CHECK(memcmp(got, words, sizeof(got)) == 0);
    }
    return 0;
}

static void call_returns_reply_words(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_call, NULL), 0);
}

static void call_echo_from_other_space(void *kip)
{
    (void) kip;
    L4_ThreadId_t echo = *(L4_ThreadId_t *) h_arg();
    for (L4_Word_t i = 0; i < 20; i++)
        h_ping(echo, i * 3 + 1);
    h_signal_root();
}

static void reply_wait_server(void *kip)
{
    (void) kip;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    for (;;) {
        H_IPC_OK(tag);
        L4_Word_t w = 0;
        L4_StoreMR(1, &w);
        tag.X.t = 0;
        L4_Set_Label(&tag, L4_Label(tag) + 1);
        L4_Set_MsgTag(tag);
        L4_LoadMR(1, w);
        tag = L4_ReplyWait(from, &from);
    }
}

static L4_ThreadId_t server_id;

static int body_reply_wait(void *arg)
{
    (void) arg;
    server_id = h_spawn(0, reply_wait_server, NULL);
    L4_ThreadId_t c1 = h_spawn(1, call_echo_from_other_space, &server_id);
    L4_ThreadId_t c2 = h_spawn_space(2, call_echo_from_other_space, &server_id);
    for (L4_Word_t i = 0; i < 20; i++)
        h_ping(server_id, 1000 + i);
    h_wait_signal(c1);
    h_wait_signal(c2);
    return 0;
}

static void reply_and_wait_serves_several_clients(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_reply_wait, NULL), 0);
}

/* The callee takes the call but never replies: the caller's receive times out. */
static void receive_and_sit(void *kip)
{
    (void) kip;
    L4_ThreadId_t from;
    L4_Wait(&from);
    L4_Receive(h_root()); /* never sent */
}

static int body_call_receive_timeout(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_spawn(0, receive_and_sit, NULL);
    L4_LoadMR(0, 0);
    L4_Clock_t before = L4_SystemClock();
    H_IPC_FAILS(L4_Call_Timeouts(t, L4_Never, MS(20)), H_ERR_RECV(L4_IpcErrTimeout));
    H_CHECK(L4_SystemClock().raw - before.raw >= 20000);
    return 0;
}

static void call_without_reply_times_out_in_receive_phase(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_call_receive_timeout, NULL), 0);
}

/* ------------------------------------------------------------ timeouts */

/* A closed receive from sigma0, which never sends to us. */
static void block_forever(void *kip)
{
    (void) kip;
    L4_Receive(h_sigma0());
}

static int body_timeouts(void *arg)
{
    (void) arg;
    L4_ThreadId_t busy = h_spawn(0, block_forever, NULL);
    h_wait_state(busy, H_STATE_RECEIVING);
    L4_ThreadId_t from;

    /* Receive, nobody sending: zero fails at once, 20 ms after at least 20 ms. */
    H_IPC_FAILS(L4_Wait_Timeout(L4_ZeroTime, &from), H_ERR_RECV(L4_IpcErrTimeout));
    H_IPC_FAILS(L4_Receive_Timeout(busy, L4_ZeroTime), H_ERR_RECV(L4_IpcErrTimeout));
    L4_Clock_t before = L4_SystemClock();
    H_IPC_FAILS(L4_Wait_Timeout(MS(20), &from), H_ERR_RECV(L4_IpcErrTimeout));
    H_CHECK(L4_SystemClock().raw - before.raw >= 20000);
    H_CHECK(L4_IpcErrorInReceivePhase(L4_ErrorCode()));
    H_EQ(L4_IpcErrorType(L4_ErrorCode()), L4_IpcErrTimeout);

    /* Send to a thread that is not waiting for us: the same, in the send phase. */
    L4_LoadMR(0, 0);
    H_IPC_FAILS(L4_Send_Timeout(busy, L4_ZeroTime), H_ERR_SEND(L4_IpcErrTimeout));
    L4_LoadMR(0, 0);
    before = L4_SystemClock();
    H_IPC_FAILS(L4_Send_Timeout(busy, MS(20)), H_ERR_SEND(L4_IpcErrTimeout));
    H_CHECK(L4_SystemClock().raw - before.raw >= 20000);
    H_CHECK(!L4_IpcErrorInReceivePhase(L4_ErrorCode()));
    /* A call whose send times out has no receive phase. */
    L4_LoadMR(0, 0);
    H_IPC_FAILS(L4_Call_Timeouts(busy, L4_ZeroTime, L4_Never), H_ERR_SEND(L4_IpcErrTimeout));
    /* The timed-out sends left nothing queued. */
    H_CHECK(!(h_state(busy) & H_STATE_SENDING));
    H_CHECK(h_state(busy) & H_STATE_RECEIVING);
    return 0;
}

static void zero_and_relative_timeouts_expire(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_timeouts, NULL), 0);
}

static void send_after_30ms(void *kip)
{
    (void) kip;
    h_host_sleep_us(30000);
    L4_Word_t w = 99;
    h_load_words(3, 1, &w);
    H_IPC_OK(L4_Send(h_root()));
}

static void receive_after_30ms(void *kip)
{
    (void) kip;
    h_host_sleep_us(30000);
    L4_MsgTag_t tag = L4_Receive(h_root());
    record(tag, h_root());
    h_signal_root();
}

static int body_never(void *arg)
{
    (void) arg;
    L4_ThreadId_t s = h_spawn(0, send_after_30ms, NULL);
    L4_MsgTag_t tag = L4_Receive(s);
    H_IPC_OK(tag);
    L4_Word_t w = 0;
    L4_StoreMR(1, &w);
    H_EQ(w, 99);
    L4_ThreadId_t r = h_spawn(1, receive_after_30ms, NULL);
    L4_Word_t v = 77;
    h_load_words(4, 1, &v);
    H_IPC_OK(L4_Send(r));
    h_wait_signal(r);
    H_EQ(seen.error, 0);
    H_EQ(seen.mr[1], 77);
    /* A relative timeout longer than the wait works the same. */
    L4_ThreadId_t s2 = h_spawn(2, send_after_30ms, NULL);
    H_IPC_OK(L4_Receive_Timeout(s2, LONG_WAIT));
    return 0;
}

static void never_timeout_waits_for_the_partner(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_never, NULL), 0);
}

/* --------------------------------------------------------- untyped words */

static int body_63_words(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    L4_Word_t words[63];
    for (int i = 0; i < 63; i++)
        words[i] = 0x1000UL * (L4_Word_t) (i + 1) + (L4_Word_t) i;
    h_load_words(0x63, 63, words);
    L4_MsgTag_t tag = L4_Call(echo);
    H_IPC_OK(tag);
    H_EQ(L4_UntypedWords(tag), 63);
    H_EQ(L4_Label(tag), 0x64);
    L4_Word_t got[63];
    L4_StoreMRs(1, 63, got);
    for (int i = 0; i < 63; i++)
        H_EQ(got[i], words[i]);
    return 0;
}

static void untyped_words_63_round_trip(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_63_words, NULL), 0);
}

/* ------------------------------------------------------ malformed tags */

static L4_MsgTag_t send_raw_tag(L4_ThreadId_t to, unsigned u, unsigned t, const L4_Word_t *mrs)
{
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.u = u;
    tag.X.t = t;
    L4_Set_MsgTag(tag);
    L4_LoadMRs(1, (int) (u + t < 63 ? u + t : 63), mrs);
    return L4_Send(to);
}

static int body_malformed(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    L4_Word_t mrs[63] = {0};
    L4_Word_t err = H_ERR_SEND(L4_IpcErrMsgOverflow);

    /* More than 63 words in all. */
    H_IPC_FAILS(send_raw_tag(echo, 40, 30, mrs), err);
    H_IPC_FAILS(send_raw_tag(echo, 63, 1, mrs), err);
    H_IPC_FAILS(send_raw_tag(echo, 63, 63, mrs), err);
    /* A string item that runs past MR63: a header with three substrings at MR61. */
    mrs[60] = (8UL << 10) | (2UL << 4);
    H_IPC_FAILS(send_raw_tag(echo, 60, 3, mrs), err);
    /* An item cut short by t: a string item needs two words. */
    mrs[60] = 8UL << 10;
    H_IPC_FAILS(send_raw_tag(echo, 60, 1, mrs), err);
    memset(mrs, 0, sizeof(mrs));
    mrs[0] = 8UL << 10;
    H_IPC_FAILS(send_raw_tag(echo, 0, 1, mrs), err);
    H_IPC_FAILS(send_raw_tag(echo, 0, 3, mrs), err);
    /* Item types 110 and 111 do not exist. */
    mrs[0] = 0x6UL << 1;
    H_IPC_FAILS(send_raw_tag(echo, 0, 2, mrs), err);
    mrs[0] = 0x7UL << 1;
    H_IPC_FAILS(send_raw_tag(echo, 0, 2, mrs), err);
    /* None of that reached or disturbed the server. */
    h_ping(echo, 42);
    return 0;
}

static void malformed_messages_overflow_in_send_phase(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_malformed, NULL), 0);
}

/* --------------------------------------------------- missing partners */

static int body_no_partner(void *arg)
{
    (void) arg;
    L4_ThreadId_t echo = h_spawn(0, h_echo_server, NULL);
    L4_ThreadId_t gone = h_spawn(1, h_echo_server, NULL);
    h_delete(gone);
    const L4_ThreadId_t bad[] = {
        h_tid(5, 1),                            /* never created */
        gone,                                   /* deleted */
        L4_GlobalId(L4_ThreadNo(echo), 2),      /* wrong version */
        L4_GlobalId(100000, 1),                 /* past the last thread number */
        L4_GlobalId(3, 1),                      /* below the user threads */
        {.raw = (L4_Word_t) h_root_utcb(gone)}, /* a free local ID */
        {.raw = 0x100000UL + 3 * 1024 + 64},    /* a misaligned local ID */
        L4_anylocalthread,
    };
    L4_Word_t send_err = H_ERR_SEND(L4_IpcErrNonExistingPartner);
    L4_Word_t recv_err = H_ERR_RECV(L4_IpcErrNonExistingPartner);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        L4_LoadMR(0, 0);
        H_IPC_FAILS(L4_Send(bad[i]), send_err);
        L4_LoadMR(0, 0);
        H_IPC_FAILS(L4_Call(bad[i]), send_err);
        if (!L4_IsThreadEqual(bad[i], L4_anylocalthread))
            H_IPC_FAILS(L4_Receive(bad[i]), recv_err);
        h_ping(echo, i);
    }
    /* anythread is no destination. */
    L4_LoadMR(0, 0);
    H_IPC_FAILS(L4_Send(L4_anythread), send_err);
    L4_LoadMR(0, 0);
    H_IPC_FAILS(L4_Call(L4_anythread), send_err);
    /* nilthread as destination and source: no phases, no error. */
    L4_LoadMR(0, 0x1234UL << 16);
    L4_MsgTag_t tag = L4_Ipc(L4_nilthread, L4_nilthread, 0, NULL);
    H_CHECK(L4_IpcSucceeded(tag));
    h_ping(echo, 99);
    return 0;
}

static void ipc_to_missing_partner_fails_with_non_existing_partner(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_no_partner, NULL), 0);
}

/* -------------------------------------------------------- cancel, abort */

static void send_to_root_and_record(void *kip)
{
    (void) kip;
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Send(h_root());
    record(tag, L4_nilthread);
    h_signal_root();
}

static int body_abort_receive(void *arg)
{
    (void) arg;
    L4_ThreadId_t r = h_spawn(0, receive_from_root, NULL);
    h_wait_state(r, H_STATE_RECEIVING);
    L4_Word_t old = 0;
    L4_ThreadId_t result = L4_ExchangeRegisters(r, L4_EXREGS_RECV_FLAG, 0, 0, 0, 0, L4_nilthread,
                                                &old, NULL, NULL, NULL, NULL, NULL);
    H_CHECK(!L4_IsNilThread(result));
    H_CHECK(L4_ThreadWasReceiving((L4_ThreadState_t){old}));
    h_wait_signal(r);
    H_EQ(seen.error, H_ERR_RECV(L4_IpcErrCanceled));
    return 0;
}

static void exchange_registers_cancels_a_blocked_receive(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_abort_receive, NULL), 0);
}

static int body_abort_send(void *arg)
{
    (void) arg;
    L4_ThreadId_t s = h_spawn(0, send_to_root_and_record, NULL);
    h_wait_state(s, H_STATE_SENDING);
    L4_Word_t old = 0;
    L4_ExchangeRegisters(s, L4_EXREGS_SEND_FLAG, 0, 0, 0, 0, L4_nilthread, &old, NULL, NULL, NULL,
                         NULL, NULL);
    H_CHECK(L4_ThreadWasSending((L4_ThreadState_t){old}));
    h_wait_signal(s);
    H_EQ(seen.error, H_ERR_SEND(L4_IpcErrCanceled));
    return 0;
}

static void exchange_registers_cancels_a_queued_send(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_abort_send, NULL), 0);
}

static void send_to_victim_and_record(void *kip)
{
    (void) kip;
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Send(h_tid(0, 1));
    record(tag, L4_nilthread);
    h_signal_root();
}

static int body_delete_receiver(void *arg)
{
    (void) arg;
    /* The receiver is active but waits for someone else. */
    L4_ThreadId_t victim = h_spawn(0, block_forever, NULL);
    L4_ThreadId_t s = h_spawn(1, send_to_victim_and_record, NULL);
    h_wait_state(s, H_STATE_SENDING);
    h_delete(victim);
    h_wait_signal(s);
    H_EQ(seen.error, H_ERR_SEND(L4_IpcErrAborted));
    return 0;
}

static void deleting_a_receiver_aborts_its_blocked_sender(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_delete_receiver, NULL), 0);
}

static void send_to_inactive_and_record(void *kip)
{
    (void) kip;
    L4_LoadMR(0, 0);
    L4_MsgTag_t tag = L4_Send(*(L4_ThreadId_t *) h_arg());
    record(tag, L4_nilthread);
    h_signal_root();
}

static L4_ThreadId_t inactive_victim;

static int body_delete_inactive_receiver(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    inactive_victim = h_tid(0, 1);
    H_EQ(L4_ThreadControl(inactive_victim, me, me, L4_nilthread, h_root_utcb(inactive_victim)), 1);
    L4_ThreadId_t s = h_spawn(1, send_to_inactive_and_record, &inactive_victim);
    h_wait_state(s, H_STATE_SENDING);
    h_delete(inactive_victim);
    h_wait_signal(s);
    H_EQ(seen.error, H_ERR_SEND(L4_IpcErrAborted));
    return 0;
}

static void deleting_an_inactive_receiver_aborts_its_blocked_sender(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_delete_inactive_receiver, NULL), 0);
}

static void receive_from_victim_and_record(void *kip)
{
    (void) kip;
    L4_ThreadId_t from = L4_nilthread;
    L4_MsgTag_t tag =
        L4_Ipc(L4_nilthread, *(L4_ThreadId_t *) h_arg(), L4_Timeouts(L4_Never, L4_Never), &from);
    record(tag, from);
    h_signal_root();
}

static L4_ThreadId_t sender_victim;

static int body_delete_sender(void *arg)
{
    (void) arg;
    sender_victim = h_spawn(0, block_forever, NULL);
    L4_ThreadId_t r = h_spawn(1, receive_from_victim_and_record, &sender_victim);
    h_wait_state(r, H_STATE_RECEIVING);
    h_delete(sender_victim);
    h_wait_signal(r);
    H_EQ(seen.error, H_ERR_RECV(L4_IpcErrAborted));

    /* The same with the partner named by its local ID. */
    reset_seen();
    sender_victim = h_spawn_v(0, 2, block_forever, NULL);
    sender_victim = L4_LocalIdOf(sender_victim);
    L4_ThreadId_t r2 = h_spawn(2, receive_from_victim_and_record, &sender_victim);
    h_wait_state(r2, H_STATE_RECEIVING);
    h_delete(h_tid(0, 2));
    h_wait_signal(r2);
    H_EQ(seen.error, H_ERR_RECV(L4_IpcErrAborted));
    return 0;
}

static void deleting_a_sender_aborts_a_closed_receive_from_it(void **state)
{
    (void) state;
    reset_seen();
    assert_int_equal(h_run(body_delete_sender, NULL), 0);
}

/* ------------------------------------------------------- priority order */

static void send_priority(void *kip)
{
    (void) kip;
    L4_Word_t w = (L4_Word_t) (uintptr_t) h_arg();
    h_load_words(9, 1, &w);
    H_IPC_OK(L4_Send(h_root()));
}

static int body_priority(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    /* Started in this order; equal priorities keep their arrival order. */
    static const L4_Word_t prio[] = {50, 90, 10, 50, 70};
    static const unsigned expect[] = {1, 4, 0, 3, 2};
    enum { N = sizeof(prio) / sizeof(prio[0]) };
    L4_ThreadId_t t[N];
    for (unsigned i = 0; i < N; i++) {
        t[i] = h_tid(i, 1);
        h_set_arg(t[i], (void *) (uintptr_t) i);
        H_EQ(L4_ThreadControl(t[i], me, me, me, h_root_utcb(t[i])), 1);
        H_CHECK(L4_Set_Priority(t[i], prio[i]) != L4_SCHEDRESULT_ERROR);
        h_start(t[i], send_priority);
        h_wait_state(t[i], H_STATE_SENDING);
    }
    for (unsigned i = 0; i < N; i++) {
        L4_ThreadId_t from;
        H_IPC_OK(L4_Wait_Timeout(LONG_WAIT, &from));
        L4_Word_t w = ~0UL;
        L4_StoreMR(1, &w);
        H_EQ(w, expect[i]);
        H_EQ(from.raw, L4_LocalIdOf(t[expect[i]]).raw);
    }
    return 0;
}

static void queued_senders_are_received_highest_priority_first(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_priority, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(send_reaches_closed_receiver),
        cmocka_unit_test(closed_receive_ignores_other_senders),
        cmocka_unit_test(wait_receives_from_any_sender),
        cmocka_unit_test(local_ids_name_same_space_partners),
        cmocka_unit_test(call_returns_reply_words),
        cmocka_unit_test(reply_and_wait_serves_several_clients),
        cmocka_unit_test(call_without_reply_times_out_in_receive_phase),
        cmocka_unit_test(zero_and_relative_timeouts_expire),
        cmocka_unit_test(never_timeout_waits_for_the_partner),
        cmocka_unit_test(untyped_words_63_round_trip),
        cmocka_unit_test(malformed_messages_overflow_in_send_phase),
        cmocka_unit_test(ipc_to_missing_partner_fails_with_non_existing_partner),
        cmocka_unit_test(exchange_registers_cancels_a_blocked_receive),
        cmocka_unit_test(exchange_registers_cancels_a_queued_send),
        cmocka_unit_test(deleting_a_receiver_aborts_its_blocked_sender),
        cmocka_unit_test(deleting_an_inactive_receiver_aborts_its_blocked_sender),
        cmocka_unit_test(deleting_a_sender_aborts_a_closed_receive_from_it),
        cmocka_unit_test(queued_senders_are_received_highest_priority_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
