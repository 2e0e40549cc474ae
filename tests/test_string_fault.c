/*
 * String IPC touching window pages that are not mapped yet: the page fault
 * goes to the pager of the thread whose buffer it is, then the string moves.
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

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(receive_buffer_on_unmapped_pages_faults_to_the_receivers_pager),
        cmocka_unit_test(send_string_on_an_unmapped_page_faults_to_the_senders_pager),
        cmocka_unit_test(buffer_page_the_pager_refuses_is_a_transfer_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
