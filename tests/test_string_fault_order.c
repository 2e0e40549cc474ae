/*
 * String faults keep X.2's order of phases: a Call whose receive buffer its
 * pager refuses still sends, and only its receive phase fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

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

/*
 * L4_Call the root (label 0x99) with a receive buffer on a window page its
 * pager will not map; then report the Call's error code (label 0x77).
 */
static void call_with_bad_buffer(void *kip)
{
    (void) kip;
    L4_Word_t buf = h_window(L4_Myself(), NULL) + 0x10000;
    L4_StringItem_t item = L4_StringItem(64, (void *) buf);
    L4_LoadBR(0, L4_StringItemsAcceptor.raw);
    L4_LoadBRs(1, 2, item.raw);
    L4_Word_t one = 1;
    h_load_words(0x99, 1, &one);
    L4_MsgTag_t tag = L4_Call_Timeouts(h_root(), H_MEM_WAIT, H_MEM_WAIT);
    L4_Word_t err = L4_IpcFailed(tag) ? L4_ErrorCode() : 0;
    L4_Accept(L4_UntypedWordsAcceptor);
    h_load_words(0x77, 1, &err);
    L4_Send_Timeout(h_root(), H_MEM_WAIT);
}

/*
 * X.2: an Ipc's send phase comes first, and a receive-phase error does not
 * undo it. l4sim faults in the receive buffers before the send phase
 * (message_prefault in ipc_do); when the pager refuses, the send still
 * happens and the Call then fails in its receive phase.
 */
static int body_call(void *arg)
{
    (void) arg;
    L4_ThreadId_t pager = h_spawn(0, refusing_pager, NULL);
    L4_ThreadId_t c = h_spawn_paged(1, pager, call_with_bad_buffer, NULL);
    struct h_fault f;
    L4_MsgTag_t tag = h_receive_fault(c, &f);
    H_EQ(L4_Label(tag), 0x99); /* the send phase happened */
    if (L4_Label(tag) != 0x99)
        return 1;
    /* Reply with a string: only now does the buffer need its page. */
    static char text[64] = "reply";
    L4_StringItem_t item = L4_StringItem(64, text);
    L4_MsgTag_t t = L4_Niltag;
    t.X.t = 2;
    L4_Set_MsgTag(t);
    L4_LoadMRs(1, 2, item.raw);
    /* Fails in the transfer (X.2), or finds c no longer receiving (a kernel
     * that faults the buffer in between the two phases). */
    tag = L4_Send_Timeout(c, L4_TimePeriod(1000 * 1000));
    H_CHECK(L4_IpcFailed(tag));
    tag = h_receive_fault(c, &f);
    H_EQ(L4_Label(tag), 0x77);
    L4_Word_t err = 0;
    L4_StoreMR(1, &err);
    H_CHECK(L4_IpcErrorInReceivePhase(err));
    return 0;
}

static void call_whose_receive_buffer_is_refused_still_sends(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_call, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(call_whose_receive_buffer_is_refused_still_sends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
