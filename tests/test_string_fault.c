/*
 * String IPC touching window pages that are not mapped yet: the page fault
 * goes to the pager of the thread whose buffer it is, then the string moves;
 * a pager that does not answer within the xfer timeout fails the IPC.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define PAGE  4096UL
#define BYTES 6000UL /* spans two pages from the offset used below */

static unsigned char pattern(unsigned long i)
{
    return (unsigned char) (i * 7 + 3);
}

/*
 * Receive one string from the root into a buffer at window + 0x10000 + 100,
 * on pages nobody has mapped; report the IPC's outcome and what arrived.
 */
static void receive_into_window(void *kip)
{
    (void) kip;
    L4_Word_t buf = h_window(L4_Myself(), NULL) + 0x10000 + 100;
    L4_StringItem_t item = L4_StringItem((int) BYTES, (void *) buf);
    L4_LoadBR(0, L4_StringItemsAcceptor.raw);
    L4_LoadBRs(1, 2, item.raw);
    L4_MsgTag_t tag = L4_Receive_Timeout(h_root(), H_MEM_WAIT);
    L4_Word_t w[3] = {L4_IpcFailed(tag) ? L4_ErrorCode() : 0, 0, 0};
    if (!w[0]) {
        L4_Word_t hdr;
        L4_StoreMR(1, &hdr);
        w[1] = hdr >> 10; /* bytes received */
        for (unsigned long i = 0; i < BYTES; i++)
            w[2] += ((volatile unsigned char *) buf)[i] == pattern(i);
    }
    L4_Accept(L4_UntypedWordsAcceptor); /* the report's reply needs no buffer */
    h_load_words(0x77, 3, w);
    L4_Call(h_root());
}

static int body_receive(void *arg)
{
    L4_ThreadId_t pager = arg ? h_spawn(0, h_pager_server, NULL) : L4_nilthread;
    L4_ThreadId_t r = h_spawn_paged(1, pager, receive_into_window, NULL);
    static unsigned char src[BYTES];
    for (unsigned long i = 0; i < BYTES; i++)
        src[i] = pattern(i);
    L4_StringItem_t item = L4_StringItem((int) BYTES, src);
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.t = 2;
    L4_Set_MsgTag(tag);
    L4_LoadMRs(1, 2, item.raw);
    H_IPC_OK(L4_Send_Timeout(r, H_MEM_WAIT));
    struct h_fault f;
    tag = h_receive_fault(r, &f);
    H_EQ(L4_Label(tag), 0x77);
    L4_Word_t w[3];
    L4_StoreMRs(1, 3, w);
    H_EQ(w[0], 0);     /* no transfer error */
    H_EQ(w[1], BYTES); /* all of it arrived */
    H_EQ(w[2], BYTES); /* intact */
    /* The receiver's pager (not the sender) served the buffer's two pages. */
    H_EQ(h_pager_served(), 2);
    H_EQ(h_stats().page_faults, 2);
    H_EQ(h_stats().exceptions, 0);
    return 0;
}

static void receive_buffer_on_unmapped_pages_faults_to_the_receivers_pager(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_receive, (void *) 1), 0);
}

/* Send the root a string from window + 0x20000, a page nobody has mapped. */
static void send_from_window(void *kip)
{
    (void) kip;
    L4_Word_t src = h_window(L4_Myself(), NULL) + 0x20000;
    L4_StringItem_t item = L4_StringItem(100, (void *) src);
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.t = 2;
    L4_Set_Label(&tag, 0x78);
    L4_Set_MsgTag(tag);
    L4_LoadMRs(1, 2, item.raw);
    tag = L4_Send_Timeout(h_root(), H_MEM_WAIT);
    L4_Word_t w[1] = {L4_IpcFailed(tag) ? L4_ErrorCode() : 0};
    h_load_words(0x77, 1, w);
    L4_Call(h_root());
}

static int body_send(void *arg)
{
    (void) arg;
    L4_ThreadId_t pager = h_spawn(0, h_pager_server, NULL);
    static unsigned char dst[100];
    memset(dst, 0xee, sizeof(dst));
    L4_StringItem_t item = L4_StringItem((int) sizeof(dst), dst);
    L4_ThreadId_t s = h_spawn_paged(1, pager, send_from_window, NULL);
    L4_LoadBR(0, L4_StringItemsAcceptor.raw);
    L4_LoadBRs(1, 2, item.raw);
    L4_MsgTag_t tag = L4_Receive_Timeout(s, H_MEM_WAIT);
    L4_Accept(L4_UntypedWordsAcceptor);
    H_IPC_OK(tag);
    H_EQ(L4_Label(tag), 0x78);
    unsigned zeros = 0;
    for (unsigned i = 0; i < sizeof(dst); i++)
        zeros += dst[i] == 0; /* a fresh page reads as zeros */
    H_EQ(zeros, sizeof(dst));
    struct h_fault f;
    tag = h_receive_fault(s, &f);
    L4_Word_t err = 1;
    L4_StoreMR(1, &err);
    H_EQ(err, 0);
    H_EQ(h_pager_served(), 1);
    return 0;
}

static void send_string_on_an_unmapped_page_faults_to_the_senders_pager(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_send, NULL), 0);
}

/* A pager that answers every fault with the nil fpage. */
static void refusing_pager(void *kip)
{
    (void) kip;
    for (;;) {
        struct h_fault f;
        if (h_is_pagefault(h_receive_fault(L4_anythread, &f)))
            h_reply_map(f.from, 0, 0, 0);
    }
}

static int body_refused(void *arg)
{
    (void) arg;
    L4_ThreadId_t pager = h_spawn(0, refusing_pager, NULL);
    L4_ThreadId_t r = h_spawn_paged(1, pager, receive_into_window, NULL);
    /* Its receive fails before the rendezvous: no message to send it. */
    struct h_fault f;
    L4_MsgTag_t tag = h_receive_fault(r, &f);
    H_EQ(L4_Label(tag), 0x77);
    L4_Word_t err = 0;
    L4_StoreMR(1, &err);
    H_EQ(L4_IpcErrorType(err), L4_IpcErrXferTimeoutInvoker);
    H_CHECK(L4_IpcErrorInReceivePhase(err));
    H_EQ(h_stats().exceptions, 0); /* an IPC error, not an exception */
    return 0;
}

static void buffer_page_the_pager_refuses_is_a_transfer_error(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_refused, NULL), 0);
}

/* ------------------------------------------- pagers that never answer */

#define XFER_US      50000UL /* the xfer timeout the faulting threads set */
#define LABEL_SEND   0x78
#define LABEL_REPORT 0x77

/* A pager that takes page faults and never answers them. */
static void silent_pager(void *kip)
{
    (void) kip;
    for (;;) {
        L4_ThreadId_t from;
        L4_Accept(L4_UntypedWordsAcceptor);
        L4_Wait(&from);
    }
}

/* A pager that never even takes them: it waits for a message nobody sends. */
static void deaf_pager(void *kip)
{
    (void) kip;
    for (;;)
        L4_Receive(h_root());
}

/* Report an IPC's error code and how long it took (µs), to the root. */
static void report(L4_MsgTag_t tag, L4_Word_t started)
{
    L4_Word_t w[2] = {L4_IpcFailed(tag) ? L4_ErrorCode() : 0, L4_SystemClock().raw - started};
    L4_Accept(L4_UntypedWordsAcceptor);
    h_load_words(LABEL_REPORT, 2, w);
    L4_Call(h_root());
}

/* Receive a string into a window page nobody has mapped, with a finite xfer timeout. */
static void receive_with_xfer_timeout(void *kip)
{
    (void) kip;
    L4_Word_t buf = h_window(L4_Myself(), NULL) + 0x10000;
    L4_StringItem_t item = L4_StringItem(64, (void *) buf);
    L4_LoadBR(0, L4_StringItemsAcceptor.raw);
    L4_LoadBRs(1, 2, item.raw);
    L4_Set_XferTimeouts(L4_Timeouts(L4_TimePeriod(XFER_US), L4_TimePeriod(XFER_US)));
    L4_Word_t started = L4_SystemClock().raw;
    report(L4_Receive_Timeout(h_root(), H_MEM_WAIT), started);
}

/* Send the root a string from a window page nobody has mapped, with a finite xfer timeout. */
static void send_with_xfer_timeout(void *kip)
{
    (void) kip;
    L4_StringItem_t item = L4_StringItem(64, (void *) (h_window(L4_Myself(), NULL) + 0x20000));
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.t = 2;
    L4_Set_Label(&tag, LABEL_SEND);
    L4_Set_MsgTag(tag);
    L4_LoadMRs(1, 2, item.raw);
    L4_Set_XferTimeouts(L4_Timeouts(L4_TimePeriod(XFER_US), L4_TimePeriod(XFER_US)));
    L4_Word_t started = L4_SystemClock().raw;
    report(L4_Send_Timeout(h_root(), H_MEM_WAIT), started);
}

struct xfer_case {
    h_thread_fn pager, thread;
    bool receive_phase;
};

/*
 * The thread's string page faults to a pager that does not answer: once
 * its xfer timeout has passed (not the 20 s IPC timeout, and not never),
 * the IPC fails with "xfer timeout in the invoker's space", in the phase
 * whose string it was, having copied nothing.
 */
static int body_xfer_timeout(void *arg)
{
    const struct xfer_case *c = arg;
    L4_ThreadId_t pager = h_spawn(0, c->pager, NULL);
    L4_ThreadId_t t = h_spawn_paged(1, pager, c->thread, NULL);
    struct h_fault f;
    L4_MsgTag_t tag = h_receive_fault(t, &f); /* no string came first */
    H_EQ(L4_Label(tag), LABEL_REPORT);
    L4_Word_t w[2] = {0, 0};
    L4_StoreMRs(1, 2, w);
    H_EQ(L4_IpcErrorType(w[0]), L4_IpcErrXferTimeoutInvoker);
    H_EQ(L4_IpcErrorInReceivePhase(w[0]), c->receive_phase);
    H_EQ(L4_IpcErrorOffset(w[0]), 0);
    H_CHECK(w[1] >= L4_TimePeriodUsec(L4_TimePeriod(XFER_US))); /* as encoded: a little less */
    H_CHECK(w[1] < 4 * XFER_US + 2000000); /* the xfer timeout, not the IPC's 20 s */
    H_EQ(h_stats().page_faults, 1);
    H_EQ(h_stats().exceptions, 0);
    return 0;
}

static void receive_buffer_fault_unanswered_within_the_xfer_timeout_fails_the_receive(void **state)
{
    (void) state;
    struct xfer_case silent = {silent_pager, receive_with_xfer_timeout, true};
    struct xfer_case deaf = {deaf_pager, receive_with_xfer_timeout, true};
    assert_int_equal(h_run(body_xfer_timeout, &silent), 0);
    assert_int_equal(h_run(body_xfer_timeout, &deaf), 0);
}

static void send_string_fault_unanswered_within_the_xfer_timeout_fails_the_send(void **state)
{
    (void) state;
    struct xfer_case silent = {silent_pager, send_with_xfer_timeout, false};
    assert_int_equal(h_run(body_xfer_timeout, &silent), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(receive_buffer_on_unmapped_pages_faults_to_the_receivers_pager),
        cmocka_unit_test(send_string_on_an_unmapped_page_faults_to_the_senders_pager),
        cmocka_unit_test(buffer_page_the_pager_refuses_is_a_transfer_error),
        cmocka_unit_test(receive_buffer_fault_unanswered_within_the_xfer_timeout_fails_the_receive),
        cmocka_unit_test(send_string_fault_unanswered_within_the_xfer_timeout_fails_the_send),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
