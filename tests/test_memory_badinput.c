/*
 * Bad input to the memory system calls and protocols: each gets the X.2
 * error (or an exception IPC), and the simulator carries on afterwards.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define PAGE 4096UL
#define RW   L4_ReadWriteOnly
#define RWX  L4_FullyAccessible

#define OVERFLOW_SEND H_ERR_SEND(L4_IpcErrMsgOverflow)
#define OVERFLOW_RECV H_ERR_RECV(L4_IpcErrMsgOverflow)
#define ACCEPT_ALL    L4_MapGrantItems(L4_CompleteAddressSpace).raw

/* Send agent `to` one item (MR1, MR2) from the root; both sides' errors must be as given. */
#define EXPECT_XFER(to, item, fpage, acceptor, send_err, recv_err)                                 \
    do {                                                                                           \
        struct h_xfer x_ = h_transfer(L4_Myself(), (to), (item), (fpage), (acceptor));             \
        if (x_.send_error != (send_err) || x_.recv_error != (recv_err))                            \
            h_fail_at(__FILE__, __LINE__, "%s: errors 0x%lx/0x%lx, want 0x%lx/0x%lx", #item,       \
                      x_.send_error, x_.recv_error, (L4_Word_t) (send_err),                        \
                      (L4_Word_t) (recv_err));                                                     \
    } while (0)

/* Whether the host lets anyone read addr. */
static bool host_readable(L4_Word_t addr)
{
    char c;
    struct iovec local = {&c, 1}, remote = {(void *) addr, 1};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == 1;
}

static L4_Word_t map_word(L4_Word_t snd_base)
{
    return L4_MapItem(L4_Nilpage, snd_base).raw[0];
}

/* The root maps one of its pages to agent a at dest, and a reads it: all is well. */
static void still_works(L4_ThreadId_t a, L4_Word_t dest)
{
    L4_Word_t page = h_sigma0_page();
    *(volatile L4_Word_t *) page = 0x600d;
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(page, 12), RW), dest);
    EXPECT_XFER(a, m.raw[0], m.raw[1], ACCEPT_ALL, 0, 0);
    unsigned faults = h_faults(a);
    H_EQ(h_agent_read(a, h_window(a, NULL) + (dest & 0x3ffffffUL)), 0x600d);
    H_EQ(h_faults(a), faults);
}

/* ------------------------------------------------------- bad fpages */

static int body_fpages(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn_space(0, h_agent, NULL);
    L4_Word_t w = h_window(a, NULL);
    L4_Fpage_t two = L4_Sigma0_GetAny(h_sigma0(), 13, L4_CompleteAddressSpace);
    L4_Word_t base = L4_Address(two);
    *(volatile L4_Word_t *) base = 1;
    *(volatile L4_Word_t *) (base + PAGE) = 2;
    uint64_t m0 = h_stats().mappings;

    /* An 8 KiB fpage whose base is not 8 KiB aligned: the low bits are ignored. */
    L4_Word_t unaligned = (base + PAGE) | (13UL << 4) | RW;
    EXPECT_XFER(a, map_word(0x10000), unaligned, ACCEPT_ALL, 0, 0);
    H_EQ(h_agent_read(a, w + 0x10000), 1);
    H_EQ(h_agent_read(a, w + 0x11000), 2);
    H_EQ(h_faults(a), 0);
    H_EQ(h_stats().mappings, m0 + 2);

    /* Huge fpages: only what the sender has in them can be mapped; here, nothing. */
    EXPECT_XFER(a, map_word(0x20000), L4_FpageLog2(0, 40).raw | RW, ACCEPT_ALL, 0, 0);
    EXPECT_XFER(a, map_word(0x20000), L4_FpageLog2(0, 63).raw | RW, ACCEPT_ALL, 0, 0);
    /* Smaller than a page, no rights, the nil fpage: nothing to map. */
    EXPECT_XFER(a, map_word(0x20000), L4_FpageLog2(base, 10).raw | RW, ACCEPT_ALL, 0, 0);
    EXPECT_XFER(a, map_word(0x20000), L4_FpageLog2(base, 12).raw, ACCEPT_ALL, 0, 0);
    EXPECT_XFER(a, map_word(0x20000), L4_Nilpage.raw, ACCEPT_ALL, 0, 0);
    H_EQ(h_stats().mappings, m0 + 2);
    h_agent_read(a, w + 0x20000);
    H_EQ(h_faults(a), 1);
    still_works(a, 0x30000);
    return 0;
}

static void unaligned_oversized_and_empty_fpages_map_only_what_they_can(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_fpages, NULL), 0);
}

/* ------------------------------------------------- bad receive windows */

static int body_windows(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn_space(0, h_agent, NULL), b = h_spawn_space(1, h_agent, NULL);
    L4_Word_t page = h_sigma0_page(), wb = h_window(b, NULL);
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(page, 12), RW), 0);
    uint64_t m0 = h_stats().mappings;

    /* A receive window in another space's window, or in the root's. */
    EXPECT_XFER(a, m.raw[0], m.raw[1], L4_MapGrantItems(L4_FpageLog2(wb, 16)).raw, OVERFLOW_SEND,
                OVERFLOW_RECV);
    EXPECT_XFER(a, m.raw[0], m.raw[1], L4_MapGrantItems(L4_FpageLog2(page, 12)).raw, OVERFLOW_SEND,
                OVERFLOW_RECV);
    /* A window bigger than the receiver's (it has 64 MiB). */
    EXPECT_XFER(a, m.raw[0], m.raw[1], L4_MapGrantItems(L4_FpageLog2(0, 40)).raw, OVERFLOW_SEND,
                OVERFLOW_RECV);
    /* No receive window: untyped words only, or strings only. */
    EXPECT_XFER(a, m.raw[0], m.raw[1], L4_UntypedWordsAcceptor.raw, OVERFLOW_SEND, OVERFLOW_RECV);
    EXPECT_XFER(a, m.raw[0], m.raw[1], L4_StringItemsAcceptor.raw, OVERFLOW_SEND, OVERFLOW_RECV);
    H_EQ(h_stats().mappings, m0);
    still_works(a, 0x40000);
    return 0;
}

static void receive_window_outside_the_receivers_window_or_none_is_overflow(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_windows, NULL), 0);
}

/* ----------------------------------- what the sender lacks, rights, format */

static int body_sender(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn_space(0, h_agent, NULL), b = h_spawn_space(1, h_agent, NULL);
    L4_Word_t wa = h_window(a, NULL), wb = h_window(b, NULL);
    uint64_t m0 = h_stats().mappings;
    /* Grant and map of pages a does not have: nothing moves, no error. */
    L4_GrantItem_t g = L4_GrantItem(L4_FpageAddRights(L4_FpageLog2(wa + 0x50000, 16), RWX), 0);
    struct h_xfer x = h_transfer(a, b, g.raw[0], g.raw[1], ACCEPT_ALL);
    H_EQ(x.send_error, 0);
    H_EQ(x.recv_error, 0);
    /* A window address that is not a's at all: another space's memory. */
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(wb, 12), RWX), 0);
    x = h_transfer(a, b, m.raw[0], m.raw[1], ACCEPT_ALL);
    H_EQ(x.send_error, 0);
    H_EQ(h_stats().mappings, m0);

    /* Rights that would grow: a has the page read-only. */
    L4_Word_t page = h_sigma0_page();
    h_set_fault_answer(page, L4_Readable);
    h_agent_read(a, wa + 0x1000);
    h_set_fault_answer(0, RWX);
    m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(wa + 0x1000, 12), RWX), 0x1000);
    x = h_transfer(a, b, m.raw[0], m.raw[1], ACCEPT_ALL);
    H_EQ(x.send_error, 0);
    h_agent_write(b, wb + 0x1000, 1);
    H_EQ(h_faults(b), 1);
    H_EQ(h_last_fault(b).access, L4_Writable);

    /* A map item cut off by the tag (t = 1): overflow before any rendezvous. */
    L4_MsgTag_t tag = L4_Niltag;
    tag.X.t = 1;
    L4_Set_MsgTag(tag);
    L4_LoadMR(1, map_word(0));
    H_IPC_FAILS(L4_Send_Timeout(b, L4_TimePeriod(100 * 1000)), OVERFLOW_SEND);
    /* u + t past MR63. */
    tag.X.u = 40;
    tag.X.t = 30;
    L4_Set_MsgTag(tag);
    H_IPC_FAILS(L4_Send_Timeout(b, L4_TimePeriod(100 * 1000)), OVERFLOW_SEND);
    still_works(b, 0x60000);
    return 0;
}

static void map_items_for_memory_the_sender_lacks_or_with_more_rights(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_sender, NULL), 0);
}

/* --------------------------------------------------- bad pager replies */

enum reply_kind {
    REPLY_NIL_FPAGE,
    REPLY_UNTYPED_ONLY,
    REPLY_NO_WORDS,
    REPLY_STRING,
    REPLY_TOO_FEW_RIGHTS,
    REPLY_ELSEWHERE,
};

/* Touch (write) window + 0x60000 with the root as exception handler. */
static void write_with_handler(void *kip)
{
    (void) kip;
    L4_Set_ExceptionHandler(h_root());
    *(volatile L4_Word_t *) (h_window(L4_Myself(), NULL) + 0x60000) = 1;
    h_signal_root();
    L4_Receive(h_root());
}

static void signal_from_here(void *kip)
{
    (void) kip;
    h_signal_root();
    L4_Receive(h_root());
}

static int body_replies(void *arg)
{
    enum reply_kind kind = (enum reply_kind)(L4_Word_t) arg;
    L4_ThreadId_t t = h_spawn_space(0, write_with_handler, NULL);
    L4_Word_t addr = h_window(t, NULL) + 0x60000;
    struct h_fault f;
    if (!h_expect_pagefault(t, &f))
        return 1;
    H_EQ(f.access, L4_Writable);
    L4_Word_t page = h_sigma0_page(), words[2] = {1, 2};
    static char text[8] = "string";
    L4_StringItem_t s = L4_StringItem(8, text);
    L4_MsgTag_t tag = L4_Niltag;
    switch (kind) {
    case REPLY_NIL_FPAGE:
        h_reply_map(t, 0, 0, addr);
        break;
    case REPLY_UNTYPED_ONLY:
        h_load_words(0, 2, words);
        H_IPC_OK(L4_Send_Timeout(t, H_MEM_WAIT));
        break;
    case REPLY_NO_WORDS:
        L4_LoadMR(0, 0);
        H_IPC_OK(L4_Send_Timeout(t, H_MEM_WAIT));
        break;
    case REPLY_STRING: /* the fault's receive accepts no strings */
        tag.X.t = 2;
        L4_Set_MsgTag(tag);
        L4_LoadMRs(1, 2, s.raw);
        H_IPC_FAILS(L4_Send_Timeout(t, H_MEM_WAIT), OVERFLOW_SEND);
        break;
    case REPLY_TOO_FEW_RIGHTS:
        h_reply_map(t, page, L4_Readable, addr);
        break;
    case REPLY_ELSEWHERE:
        h_reply_map(t, page, RW, addr + 0x10000);
        break;
    }
    /* The fault is not resolved: an exception, not another page fault. */
    if (h_expect_exception(t, &f)) {
        H_EQ(f.addr, addr);
        H_EQ(f.access, L4_Writable);
    }
    L4_LoadMR(0, 0);
    H_IPC_OK(L4_Send_Timeout(t, H_MEM_WAIT)); /* no new IP: it stays halted */
    h_wait_state(t, H_STATE_HALTED);
    H_EQ(h_stats().exceptions, 1);
    H_EQ(h_stats().page_faults, 1);
    /* The simulator carries on: the thread restarts elsewhere, a new one is paged. */
    L4_Start_SpIp(t, h_stack(), (L4_Word_t) signal_from_here);
    h_wait_signal(t);
    L4_ThreadId_t u = h_spawn_space(1, write_with_handler, NULL);
    L4_ThreadId_t from;
    unsigned served = 0;
    tag = h_serve_faults(u, &from, &served);
    H_EQ(L4_Label(tag), H_LABEL_SIGNAL);
    H_EQ(served, 1);
    return 0;
}

static void run_reply(enum reply_kind kind)
{
    assert_int_equal(h_run(body_replies, (void *) (L4_Word_t) kind), 0);
}

static void pager_reply_with_the_nil_fpage_raises_an_exception(void **state)
{
    (void) state;
    run_reply(REPLY_NIL_FPAGE);
}

static void pager_reply_of_untyped_words_only_raises_an_exception(void **state)
{
    (void) state;
    run_reply(REPLY_UNTYPED_ONLY);
}

static void pager_reply_without_words_raises_an_exception(void **state)
{
    (void) state;
    run_reply(REPLY_NO_WORDS);
}

static void pager_reply_with_a_string_item_raises_an_exception(void **state)
{
    (void) state;
    run_reply(REPLY_STRING);
}

static void pager_reply_with_too_few_rights_raises_an_exception(void **state)
{
    (void) state;
    run_reply(REPLY_TOO_FEW_RIGHTS);
}

static void pager_reply_mapping_another_page_raises_an_exception(void **state)
{
    (void) state;
    run_reply(REPLY_ELSEWHERE);
}

/* ----------------------------------------------------------- bad unmaps */

static int body_unmaps(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn_space(0, h_agent, NULL);
    L4_Word_t w = h_window(a, NULL);
    h_agent_write(a, w + 0x1000, 7);
    uint64_t m0 = h_stats().mappings;
    /* The nil fpage, smaller than a page, outside a's window, huge and elsewhere: nothing. */
    L4_Fpage_t bad[] = {
        L4_Nilpage,
        L4_FpageAddRights(L4_FpageLog2(w + 0x1000, 10), RWX),
        L4_FpageAddRights(L4_FpageLog2(h_window(L4_Myself(), NULL), 12), RWX),
        /* 1 TiB, but not the TiB that holds a's window */
        L4_FpageAddRights(L4_FpageLog2((w ^ (1UL << 40)) & ~((1UL << 40) - 1), 40), RWX),
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        L4_Fpage_t st = h_agent_unmap(a, bad[i], true);
        H_EQ(L4_Rights(st), 0);
    }
    H_EQ(h_stats().mappings, m0);
    H_EQ(h_agent_read(a, w + 0x1000), 7);
    H_EQ(h_faults(a), 1);
    /* All 64 MRs of garbage, flushed by the root: its own pages are unharmed. */
    L4_Word_t page = h_sigma0_page();
    *(volatile L4_Word_t *) page = 3;
    for (int i = 0; i < 64; i++)
        L4_LoadMR(i, 0xdeadbeefcafe0000UL + (L4_Word_t) i * 0x10);
    L4_Unmap(L4_UnmapFlushFlag | 63);
    H_EQ(*(volatile L4_Word_t *) page, 3);
    /* An ordinary unmap still works. */
    h_agent_unmap(a, L4_FpageAddRights(L4_FpageLog2(w + 0x1000, 12), RWX), true);
    h_agent_read(a, w + 0x1000);
    H_EQ(h_faults(a), 2);
    return 0;
}

static void unmap_of_nil_tiny_foreign_or_garbage_fpages_does_nothing(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_unmaps, NULL), 0);
}

/* ------------------------------------------------ bad sigma0 requests */

static int body_sigma0(void *arg)
{
    (void) arg;
    L4_Word_t base, size;
    H_EQ(l4sim_space_window(L4_Myself(), &base, &size), 0);
    L4_ThreadId_t s0 = h_sigma0();
    H_CHECK(L4_IsNilFpage(L4_Sigma0_GetPage(s0, L4_FpageLog2(base, 10))));
    H_CHECK(L4_IsNilFpage(L4_Sigma0_GetPage(s0, L4_FpageLog2(base, 50))));
    H_CHECK(L4_IsNilFpage(L4_Sigma0_GetAny(s0, 30, L4_CompleteAddressSpace))); /* > RAM */
    H_CHECK(L4_IsNilFpage(L4_Sigma0_GetAny(s0, 5, L4_CompleteAddressSpace)));
    H_CHECK(L4_IsNilFpage(L4_Sigma0_GetPage(s0, L4_FpageLog2(base - PAGE, 12))));
    H_CHECK(L4_IsNilFpage(L4_Sigma0_GetPage(s0, L4_FpageLog2(base + size, 12))));
    /* Not the sigma0 protocol: the answer is still the nil fpage. */
    L4_Word_t words[2] = {L4_FpageLog2(base, 12).raw, 0};
    h_load_words(0x1234, 2, words);
    L4_Accept(L4_MapGrantItems(L4_CompleteAddressSpace));
    L4_MsgTag_t tag = L4_Call(s0);
    H_IPC_OK(tag);
    L4_Word_t mr2 = 1;
    L4_StoreMR(2, &mr2);
    H_EQ(mr2, 0);
    /* A receive window where sigma0's page cannot land: the terabyte next
     * to the root's window places it outside that window (message
     * overflow, so the stub gets the nil fpage), and nothing is mapped. */
    uint64_t m0 = h_stats().mappings;
    L4_Word_t elsewhere = (base ^ (1UL << 40)) & ~((1UL << 40) - 1);
    L4_Fpage_t got = L4_Sigma0_GetPage_RcvWindow(s0, L4_FpageLog2(base + 8 * PAGE, 12),
                                                 L4_FpageLog2(elsewhere, 40));
    H_CHECK(L4_IsNilFpage(got));
    H_EQ(h_stats().mappings, m0);
    /* One larger than the root's window but around it is no error: the page
     * lands where X.2 places it, its physical address. */
    got = L4_Sigma0_GetPage_RcvWindow(s0, L4_FpageLog2(base + 8 * PAGE, 12),
                                      L4_FpageLog2(h_window(L4_Myself(), NULL), 40));
    H_EQ(L4_Address(got), base + 8 * PAGE);
    H_EQ(h_stats().mappings, m0 + 1);
    /* sigma0 still serves. */
    got = L4_Sigma0_GetPage(s0, L4_FpageLog2(base + 9 * PAGE, 12));
    H_EQ(L4_Address(got), base + 9 * PAGE);
    return 0;
}

static void sigma0_refuses_bad_requests_and_keeps_serving(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_sigma0, NULL), 0);
}

/* ------------------------------------------------ l4sim_window_stack */

static volatile L4_Word_t own_result, other_result;

static void stack_from_inside(void *kip)
{
    (void) kip;
    L4_Word_t w = h_window(L4_Myself(), NULL);
    own_result = l4sim_window_stack(L4_Myself(), w + 0x10000, w + 0x12000);
    other_result = l4sim_window_stack(h_root(), w + 0x10000, w + 0x12000);
    h_signal_root();
    L4_Receive(h_root());
}

static int body_window_stack(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn_space(0, h_agent, NULL);
    L4_Word_t size, w = h_window(a, &size);
    H_EQ(l4sim_window_stack(a, w + 0x10001, w + 0x12000), 0); /* unaligned */
    H_EQ(l4sim_window_stack(a, w + 0x10000, w + 0x12008), 0); /* unaligned */
    H_EQ(l4sim_window_stack(a, w + 0x12000, w + 0x10000), 0); /* lo > hi */
    H_EQ(l4sim_window_stack(a, w + 0x10000, w + 0x10000), 0); /* empty */
    H_EQ(l4sim_window_stack(a, w, w + 0x2000), 0);            /* guard below the window */
    H_EQ(l4sim_window_stack(a, w + size - 0x1000, w + size + 0x1000), 0); /* past it */
    H_EQ(l4sim_window_stack(a, 0x10000, 0x20000), 0);                     /* not in it at all */
    H_EQ(l4sim_window_stack(L4_GlobalId(200, 1), w + 0x10000, w + 0x12000), 0);
    /* 64 guards per space, then no more. */
    for (L4_Word_t i = 0; i < 64; i++)
        H_EQ(l4sim_window_stack(a, w + 0x100000 + 2 * i * PAGE, w + 0x101000 + 2 * i * PAGE),
             w + 0x101000 + 2 * i * PAGE);
    H_EQ(l4sim_window_stack(a, w + 0x200000, w + 0x201000), 0);
    /* A thread may declare stacks in its own space only. */
    L4_ThreadId_t b = h_spawn_space(1, stack_from_inside, NULL);
    h_wait_signal(b);
    H_EQ(own_result, h_window(b, NULL) + 0x12000);
    H_EQ(other_result, 0);
    /* The space is none the worse for it. */
    h_agent_write(a, w + 0x1000, 1);
    H_EQ(h_agent_read(a, w + 0x1000), 1);
    return 0;
}

/*
 * A registered guard page is never mapped: what was mapped there goes when
 * it becomes one, and a map item covering it maps the pages around it but
 * not it, without an error (as for a page the sender lacks).
 */
static int body_guard_maps(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn_space(0, h_agent, NULL);
    L4_Word_t w = h_window(a, NULL), guard = w + 0x1f000;
    L4_MapItem_t one = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(h_sigma0_page(), 12), RW), guard);
    EXPECT_XFER(a, one.raw[0], one.raw[1], ACCEPT_ALL, 0, 0);
    H_CHECK(host_readable(guard));
    uint64_t m0 = h_stats().mappings;
    H_EQ(l4sim_window_stack(a, w + 0x20000, w + 0x22000), w + 0x22000);
    H_EQ(h_stats().mappings, m0 - 1);
    H_CHECK(!host_readable(guard));

    EXPECT_XFER(a, one.raw[0], one.raw[1], ACCEPT_ALL, 0, 0);
    H_EQ(h_stats().mappings, m0 - 1);
    L4_Fpage_t four = L4_Sigma0_GetAny(h_sigma0(), 14, L4_CompleteAddressSpace);
    L4_MapItem_t around = L4_MapItem(L4_FpageAddRights(four, RW), w + 0x1c000);
    uint64_t m1 = h_stats().mappings;
    EXPECT_XFER(a, around.raw[0], around.raw[1], ACCEPT_ALL, 0, 0);
    H_EQ(h_stats().mappings, m1 + 3); /* three of the four pages */
    H_CHECK(host_readable(guard - PAGE));
    H_CHECK(!host_readable(guard));
    H_EQ(h_faults(a), 0);
    still_works(a, 0x40000);
    return 0;
}

static void guard_page_is_never_mapped_before_or_after_it_is_registered(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_guard_maps, NULL), 0);
}

static void window_stack_rejects_bad_ranges_and_other_spaces(void **state)
{
    (void) state;
    assert_int_equal(l4sim_window_stack(L4_GlobalId(34, 1), 0x10000, 0x20000), 0);
    assert_int_equal(h_run(body_window_stack, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unaligned_oversized_and_empty_fpages_map_only_what_they_can),
        cmocka_unit_test(receive_window_outside_the_receivers_window_or_none_is_overflow),
        cmocka_unit_test(map_items_for_memory_the_sender_lacks_or_with_more_rights),
        cmocka_unit_test(pager_reply_with_the_nil_fpage_raises_an_exception),
        cmocka_unit_test(pager_reply_of_untyped_words_only_raises_an_exception),
        cmocka_unit_test(pager_reply_without_words_raises_an_exception),
        cmocka_unit_test(pager_reply_with_a_string_item_raises_an_exception),
        cmocka_unit_test(pager_reply_with_too_few_rights_raises_an_exception),
        cmocka_unit_test(pager_reply_mapping_another_page_raises_an_exception),
        cmocka_unit_test(unmap_of_nil_tiny_foreign_or_garbage_fpages_does_nothing),
        cmocka_unit_test(sigma0_refuses_bad_requests_and_keeps_serving),
        cmocka_unit_test(window_stack_rejects_bad_ranges_and_other_spaces),
        cmocka_unit_test(guard_page_is_never_mapped_before_or_after_it_is_registered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
