/*
 * Map, grant, unmap and flush between spaces: the mapping database seen
 * through l4sim_get_stats and through which touches fault again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define PAGE 4096UL
#define RW   L4_ReadWriteOnly
#define RWX  L4_FullyAccessible

static L4_Fpage_t page_fpage(L4_Word_t addr, L4_Word_t rights)
{
    return L4_FpageAddRights(L4_FpageLog2(addr, 12), rights);
}

static uint64_t mappings(void)
{
    return h_stats().mappings;
}

#define H_XFER_OK(x)                                                                               \
    do {                                                                                           \
        struct h_xfer x_ = (x);                                                                    \
        if (x_.send_error || x_.recv_error)                                                        \
            h_fail_at(__FILE__, __LINE__, "%s: send error 0x%lx, receive error 0x%lx", #x,         \
                      x_.send_error, x_.recv_error);                                               \
    } while (0)

/* Three agents, each alone in a new space paged by the root; their windows. */
struct trio {
    L4_ThreadId_t a, b, c;
    L4_Word_t wa, wb, wc;
};

static void spawn_trio(struct trio *t)
{
    t->a = h_spawn_space(0, h_agent, NULL);
    t->b = h_spawn_space(1, h_agent, NULL);
    t->c = h_spawn_space(2, h_agent, NULL);
    t->wa = h_window(t->a, NULL);
    t->wb = h_window(t->b, NULL);
    t->wc = h_window(t->c, NULL);
}

/* ------------------------------------------------------- the map chain */

static int body_chain(void *arg)
{
    (void) arg;
    struct trio t;
    spawn_trio(&t);
    L4_Word_t a = t.wa + 0x10000, b = t.wb + 0x20000, c = t.wc + 0x30000;
    uint64_t m0 = mappings();

    /* sigma0 -> root -> A: A's first touch; the root answers with a fresh page. */
    h_agent_write(t.a, a, 0xa1);
    H_EQ(h_faults(t.a), 1);
    H_EQ(mappings(), m0 + 2); /* the root's page and A's */
    /* A -> B -> C, each with a map item of the page it has. */
    H_XFER_OK(h_map_page(t.a, t.b, a, RW, b));
    H_EQ(h_agent_read(t.b, b), 0xa1);
    H_XFER_OK(h_map_page(t.b, t.c, b, RW, c));
    H_EQ(h_agent_read(t.c, c), 0xa1);
    H_EQ(h_faults(t.b) + h_faults(t.c), 0);
    H_EQ(mappings(), m0 + 4);
    /* One frame: C's write is A's. */
    h_agent_write(t.c, c, 0xc3);
    H_EQ(h_agent_read(t.a, a), 0xc3);

    /* Unmap at A takes the page from B and C, not from A. */
    L4_Fpage_t st = h_agent_unmap(t.a, page_fpage(a, RWX), false);
    H_EQ(L4_Address(st), a);
    H_CHECK(L4_WasReferenced(st)); /* status: B and C could read it */
    H_CHECK(L4_WasWritten(st));
    H_EQ(mappings(), m0 + 2);
    H_EQ(h_agent_read(t.a, a), 0xc3);
    H_EQ(h_faults(t.a), 1);
    H_EQ(h_agent_read(t.b, b), 0); /* faults: a fresh page now */
    H_EQ(h_faults(t.b), 1);
    H_EQ(h_agent_read(t.c, c), 0);
    H_EQ(h_faults(t.c), 1);
    H_EQ(mappings(), m0 + 6); /* B and C: a fresh page each, the root's too */

    /* Flush at A takes A's own too. */
    uint64_t m1 = mappings();
    h_agent_unmap(t.a, page_fpage(a, RWX), true);
    H_EQ(mappings(), m1 - 1);
    h_agent_read(t.a, a);
    H_EQ(h_faults(t.a), 2);
    return 0;
}

static void map_chain_unmap_at_a_revokes_b_and_c_not_a_and_flush_a_too(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_chain, NULL), 0);
}

/* ------------------------------------------------ revoking some rights */

static int body_partial_unmap(void *arg)
{
    (void) arg;
    struct trio t;
    spawn_trio(&t);
    L4_Word_t a = t.wa + 0x10000, b = t.wb + 0x10000;
    h_agent_write(t.a, a, 5);
    H_XFER_OK(h_map_page(t.a, t.b, a, RW, b));
    h_agent_unmap(t.a, page_fpage(a, L4_Writable), false);
    /* B may still read its page, but a write faults with the write bit. */
    H_EQ(h_agent_read(t.b, b), 5);
    H_EQ(h_faults(t.b), 0);
    h_agent_write(t.b, b, 6);
    H_EQ(h_faults(t.b), 1);
    H_EQ(h_last_fault(t.b).access, L4_Writable);
    H_EQ(h_last_fault(t.b).addr, b);
    /* The fault got B a fresh page; A's is untouched. */
    H_EQ(h_agent_read(t.a, a), 5);
    return 0;
}

static void unmap_of_the_write_right_leaves_reading(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_partial_unmap, NULL), 0);
}

/* ------------------------------------------------------------- grant */

static int body_grant(void *arg)
{
    (void) arg;
    struct trio t;
    spawn_trio(&t);
    L4_Word_t a = t.wa + 0x40000, b = t.wb + 0x50000;
    L4_Word_t page = h_sigma0_page();
    h_set_fault_answer(page, RWX); /* A gets the root's page `page` */
    h_agent_write(t.a, a, 0x6a);
    h_set_fault_answer(0, RWX);
    uint64_t m0 = mappings();

    H_XFER_OK(h_grant_page(t.a, t.b, a, RW, b));
    H_EQ(mappings(), m0); /* moved, not copied */
    H_EQ(h_agent_read(t.b, b), 0x6a);
    H_EQ(h_faults(t.b), 0);
    /* The granter lost it: its touch faults and finds a fresh page. */
    H_EQ(h_agent_read(t.a, a), 0);
    H_EQ(h_faults(t.a), 2);
    H_EQ(h_last_fault(t.a).addr, a);
    /* B took A's place below the root: the root's unmap reaches it. */
    L4_UnmapFpage(page_fpage(page, RWX));
    h_agent_read(t.b, b);
    H_EQ(h_faults(t.b), 1);
    /* The root keeps its own page (unmap, not flush). */
    H_EQ(*(volatile L4_Word_t *) page, 0x6a);
    return 0;
}

static void grant_moves_the_page_and_keeps_it_in_the_tree(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_grant, NULL), 0);
}

/* ------------------------------------------------- rights only shrink */

static int body_rights(void *arg)
{
    (void) arg;
    struct trio t;
    spawn_trio(&t);
    L4_Word_t a = t.wa + 0x10000, b = t.wb + 0x10000;
    L4_Word_t page = h_sigma0_page();
    *(volatile L4_Word_t *) page = 77;

    /* The root maps A the page read-only. */
    h_set_fault_answer(page, L4_Readable);
    H_EQ(h_agent_read(t.a, a), 77);
    H_EQ(h_last_fault(t.a).access, L4_Readable);
    h_set_fault_answer(0, RWX);

    /* A maps it to B with all rights: B gets read-only, A's rights. */
    H_XFER_OK(h_map_page(t.a, t.b, a, RWX, b));
    H_EQ(h_agent_read(t.b, b), 77);
    H_EQ(h_faults(t.b), 0);
    /* Again, the same page to the same place: still no more. */
    H_XFER_OK(h_map_page(t.a, t.b, a, RWX, b));
    h_agent_write(t.b, b, 78);
    H_EQ(h_faults(t.b), 1);
    H_EQ(h_last_fault(t.b).access, L4_Writable);
    H_EQ(*(volatile L4_Word_t *) page, 77); /* the write went to a fresh page */

    /* A page A can write, mapped read-only: B's write faults. */
    L4_Word_t a2 = t.wa + 0x20000, b2 = t.wb + 0x20000;
    h_agent_write(t.a, a2, 9);
    H_XFER_OK(h_map_page(t.a, t.b, a2, L4_Readable, b2));
    H_EQ(h_agent_read(t.b, b2), 9);
    H_EQ(h_faults(t.b), 1);
    h_agent_write(t.b, b2, 10);
    H_EQ(h_faults(t.b), 2);
    H_EQ(h_last_fault(t.b).access, L4_Writable);
    H_EQ(h_agent_read(t.a, a2), 9);
    /* Status, as A sees it: the page was only ever mapped read-only. */
    L4_Fpage_t st = h_agent_unmap(t.a, page_fpage(a, 0), false);
    H_CHECK(L4_WasReferenced(st));
    H_CHECK(!L4_WasWritten(st));
    H_EQ(h_agent_read(t.a, a), 77); /* revoking no rights took nothing */
    return 0;
}

static void rights_are_only_reduced_never_raised(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_rights, NULL), 0);
}

/* --------------------------------------- what the sender does not have */

static int body_lacks(void *arg)
{
    (void) arg;
    struct trio t;
    spawn_trio(&t);
    uint64_t m0 = mappings();
    /* A has nothing at a: the map succeeds and maps nothing. */
    L4_Word_t a = t.wa + 0x10000, b = t.wb + 0x10000;
    H_XFER_OK(h_map_page(t.a, t.b, a, RWX, b));
    H_EQ(mappings(), m0);
    h_agent_read(t.b, b);
    H_EQ(h_faults(t.b), 1);

    /* Of an 8 KiB fpage A has the first page only: B gets that one. */
    L4_Word_t a2 = t.wa + 0x20000, b2 = t.wb + 0x40000;
    h_agent_write(t.a, a2, 3);
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(a2, 13), RWX), b2);
    H_XFER_OK(
        h_transfer(t.a, t.b, m.raw[0], m.raw[1], L4_MapGrantItems(L4_CompleteAddressSpace).raw));
    H_EQ(h_agent_read(t.b, b2), 3);
    H_EQ(h_faults(t.b), 1);
    h_agent_read(t.b, b2 + PAGE);
    H_EQ(h_faults(t.b), 2);
    return 0;
}

static void map_of_pages_the_sender_lacks_maps_nothing(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_lacks, NULL), 0);
}

static int body_grant_children(void *arg)
{
    (void) arg;
    struct trio t;
    spawn_trio(&t);
    L4_Word_t a = t.wa + 0x40000, b = t.wb + 0x50000, c = t.wc + 0x60000;
    h_agent_write(t.a, a, 0x6b);
    H_XFER_OK(h_map_page(t.a, t.b, a, RW, b)); /* B's page is A's child */
    uint64_t m0 = mappings();

    /* A grants its page to C: B's mapping moves under C's. */
    H_XFER_OK(h_grant_page(t.a, t.c, a, RW, c));
    H_EQ(mappings(), m0);
    H_EQ(h_agent_read(t.c, c), 0x6b);
    H_EQ(h_agent_read(t.b, b), 0x6b);
    H_EQ(h_faults(t.b) + h_faults(t.c), 0);
    /* C's unmap reaches B now, and leaves C its own. */
    h_agent_unmap(t.c, page_fpage(c, RWX), false);
    H_EQ(mappings(), m0 - 1);
    H_EQ(h_agent_read(t.c, c), 0x6b);
    H_EQ(h_faults(t.c), 0);
    h_agent_read(t.b, b);
    H_EQ(h_faults(t.b), 1);
    return 0;
}

static void grant_moves_the_pages_mapped_from_it_under_the_receiver(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_grant_children, NULL), 0);
}

/* ------------------------------------------------------- shared memory */

static int body_shared(void *arg)
{
    (void) arg;
    struct trio t;
    spawn_trio(&t);
    L4_Word_t page = h_sigma0_page();
    L4_Word_t a = t.wa + 0x70000, b = t.wb + 0x3000;
    h_set_fault_answer(page, RW); /* every fault gets the same frame */
    h_agent_write(t.a, a + 64, 0x5a5a);
    H_EQ(h_agent_read(t.b, b + 64), 0x5a5a);
    h_agent_write(t.b, b + 128, 0xa5a5);
    H_EQ(h_agent_read(t.a, a + 128), 0xa5a5);
    H_EQ(*(volatile L4_Word_t *) (page + 128), 0xa5a5);
    H_EQ(h_faults(t.a) + h_faults(t.b), 2);
    return 0;
}

static void shared_frame_write_in_one_space_is_read_in_the_other(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_shared, NULL), 0);
}

/* ------------------------------------------------- placement, big pages */

static int body_placement(void *arg)
{
    (void) arg;
    struct trio t;
    spawn_trio(&t);
    /* 64 KiB of the root's memory, one value per page. */
    L4_Fpage_t big = L4_Sigma0_GetAny(h_sigma0(), 16, L4_CompleteAddressSpace);
    L4_Word_t base = L4_Address(big);
    for (L4_Word_t i = 0; i < 16; i++)
        *(volatile L4_Word_t *) (base + i * PAGE) = 100 + i;

    /* The whole fpage into A's whole window: snd_base picks the place. */
    struct l4sim_stats before = h_stats();
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(big, RW), 0x230000);
    H_XFER_OK(h_transfer(L4_Myself(), t.a, m.raw[0], m.raw[1],
                         L4_MapGrantItems(L4_CompleteAddressSpace).raw));
    struct l4sim_stats after = h_stats();
    H_EQ(after.mappings - before.mappings, 16);
    /* Contiguous frames with one set of rights: one host mapping, two boundaries. */
    H_EQ(after.host_vmas - before.host_vmas, 2);
    for (L4_Word_t i = 0; i < 16; i += 5)
        H_EQ(h_agent_read(t.a, t.wa + 0x230000 + i * PAGE), 100 + i);
    H_EQ(h_faults(t.a), 0);

    /* The fpage into a 16 KiB receive window of B: snd_base picks the part. */
    m = L4_MapItem(L4_FpageAddRights(big, RW), 0x8000);
    L4_Word_t window = t.wb + 0x100000;
    H_XFER_OK(h_transfer(L4_Myself(), t.b, m.raw[0], m.raw[1],
                         L4_MapGrantItems(L4_FpageLog2(window, 14)).raw));
    for (L4_Word_t i = 0; i < 4; i++)
        H_EQ(h_agent_read(t.b, window + i * PAGE), 108 + i);
    H_EQ(h_faults(t.b), 0);
    h_agent_read(t.b, window + 4 * PAGE);
    H_EQ(h_faults(t.b), 1);

    /* One page into a 64 KiB receive window of C: at snd_base's offset in it. */
    m = L4_MapItem(page_fpage(base + 3 * PAGE, RW), 0x123450000UL + 0x5000);
    window = t.wc + 0x200000;
    H_XFER_OK(h_transfer(L4_Myself(), t.c, m.raw[0], m.raw[1],
                         L4_MapGrantItems(L4_FpageLog2(window, 16)).raw));
    H_EQ(h_agent_read(t.c, window + 0x5000), 103);
    H_EQ(h_faults(t.c), 0);
    return 0;
}

static void placement_follows_snd_base_and_the_receive_window(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_placement, NULL), 0);
}

/* ----------------------------------------- host mappings, counted exactly */

static int body_exact_vmas(void *arg)
{
    (void) arg;
    struct trio t;
    spawn_trio(&t);
    L4_Fpage_t big = L4_Sigma0_GetAny(h_sigma0(), 16, L4_CompleteAddressSpace);
    L4_Word_t base = L4_Address(big);
    for (L4_Word_t i = 0; i < 16; i++)
        *(volatile L4_Word_t *) (base + i * PAGE) = i;
    int maps0 = h_count_host_maps();
    uint64_t vmas0 = h_stats().host_vmas;
    /* Every other page: each its own host mapping. */
    for (L4_Word_t i = 0; i < 8; i++)
        H_XFER_OK(h_map_page(L4_Myself(), t.a, base + 2 * i * PAGE, RW, 0x400000 + 2 * i * PAGE));
    uint64_t vmas1 = h_stats().host_vmas;
    H_EQ(vmas1 - vmas0, 16);
    H_EQ(h_count_host_maps() - maps0, (int) (vmas1 - vmas0));
    /* The pages between: consecutive frames merge into one mapping. */
    for (L4_Word_t i = 0; i < 7; i++)
        H_XFER_OK(h_map_page(L4_Myself(), t.a, base + (2 * i + 1) * PAGE, RW,
                             0x400000 + (2 * i + 1) * PAGE));
    uint64_t vmas2 = h_stats().host_vmas;
    H_EQ(vmas2 - vmas0, 2);
    H_EQ(h_count_host_maps() - maps0, (int) (vmas2 - vmas0));
    /* Taking write away from one page in the middle splits it in three... */
    L4_Word_t a5 = t.wa + 0x400000 + 5 * PAGE;
    L4_UnmapFpage(page_fpage(base + 5 * PAGE, L4_Writable));
    uint64_t vmas3 = h_stats().host_vmas;
    H_EQ(vmas3 - vmas0, 4);
    H_EQ(h_count_host_maps() - maps0, (int) (vmas3 - vmas0));
    H_EQ(h_agent_read(t.a, a5), 5);
    /* ...mapping it again with write merges them again... */
    H_XFER_OK(h_map_page(L4_Myself(), t.a, base + 5 * PAGE, RW, 0x400000 + 5 * PAGE));
    H_EQ(h_stats().host_vmas - vmas0, 2);
    H_EQ(h_count_host_maps() - maps0, 2);
    /* ...and taking the page away altogether leaves a hole. */
    L4_UnmapFpage(page_fpage(base + 5 * PAGE, RWX));
    H_EQ(h_stats().host_vmas - vmas0, 4);
    H_EQ(h_count_host_maps() - maps0, 4);
    H_EQ(h_faults(t.a), 0);
    /* Flushing A's 64 KiB leaves nothing on the host. */
    h_agent_unmap(t.a, L4_FpageAddRights(L4_FpageLog2(t.wa + 0x400000, 16), RWX), true);
    H_EQ(h_stats().host_vmas, vmas0);
    H_EQ(h_count_host_maps(), maps0);
    return 0;
}

static void host_mappings_are_counted_exactly(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_exact_vmas, NULL), 0);
}

/* -------------------------------------------------- flush the whole space */

static int body_flush_all(void *arg)
{
    (void) arg;
    struct trio t;
    spawn_trio(&t);
    for (L4_Word_t i = 0; i < 5; i++)
        h_agent_write(t.a, t.wa + i * 0x10000, i);
    H_XFER_OK(h_map_page(t.a, t.b, t.wa + 0x10000, RW, t.wb));
    uint64_t m0 = mappings();
    /* A flushes its complete address space: its five pages and B's go. */
    h_agent_unmap(t.a, L4_FpageAddRights(L4_CompleteAddressSpace, RWX), true);
    H_EQ(mappings(), m0 - 6);
    h_agent_read(t.b, t.wb);
    H_EQ(h_faults(t.b), 1);
    h_agent_read(t.a, t.wa);
    H_EQ(h_faults(t.a), 6);
    return 0;
}

static void flush_of_the_complete_address_space_empties_the_window(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_flush_all, NULL), 0);
}

/* ------------------------------- a page mapped onto the page it came from */

#define H_LABEL_SIGMA0_ANSWER 0x50

/* From a space of its own, ask sigma0 for the page h_arg() names; report its answer. */
static void ask_sigma0(void *kip)
{
    (void) kip;
    L4_Fpage_t got = L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2((L4_Word_t) h_arg(), 12));
    L4_Accept(L4_UntypedWordsAcceptor);
    h_load_words(H_LABEL_SIGMA0_ANSWER, 1, &got.raw);
    L4_Call(h_root());
}

/* Whether sigma0 hands `page` to a new space (thread n): it must not while another holds it. */
static bool sigma0_gives_elsewhere(unsigned n, L4_Word_t page)
{
    L4_ThreadId_t t = h_spawn_space(n, ask_sigma0, (void *) page);
    struct h_fault f;
    L4_MsgTag_t tag = h_receive_fault(t, &f);
    L4_Fpage_t got = L4_Nilpage;
    if (L4_IpcFailed(tag) || L4_Label(tag) != H_LABEL_SIGMA0_ANSWER)
        h_fail_at(__FILE__, __LINE__, "no answer from %lx: tag 0x%lx", t.raw, tag.raw);
    else
        L4_StoreMR(1, &got.raw);
    return !L4_IsNilFpage(got) && L4_Address(got) == page;
}

static struct h_xfer map_or_grant(bool grant, L4_ThreadId_t from, L4_ThreadId_t to, L4_Word_t addr,
                                  L4_Word_t dest)
{
    return grant ? h_grant_page(from, to, addr, RWX, dest) : h_map_page(from, to, addr, RWX, dest);
}

static int body_onto_source_one_space(void *arg)
{
    bool grant = arg != NULL;
    L4_ThreadId_t ag = h_spawn(0, h_agent, NULL); /* receives into the root's space */
    L4_Word_t p = h_sigma0_page(), q = h_sigma0_page();
    *(volatile L4_Word_t *) p = 0x1111;
    *(volatile L4_Word_t *) q = 0x2222;
    uint64_t m0 = mappings();

    /* p onto q: q shows p's frame now, mapped from p; q's own frame is free. */
    H_XFER_OK(h_map_page(L4_Myself(), ag, p, RWX, q));
    H_EQ(mappings(), m0);
    H_EQ(*(volatile L4_Word_t *) q, 0x1111);
    /* q back onto p: p is where q came from, so nothing changes. */
    H_XFER_OK(map_or_grant(grant, L4_Myself(), ag, q, p));
    H_EQ(mappings(), m0);
    *(volatile L4_Word_t *) q = 0x3333;
    H_EQ(*(volatile L4_Word_t *) p, 0x3333); /* still one frame at both */
    /* And onto itself: nothing either. */
    H_XFER_OK(map_or_grant(grant, L4_Myself(), ag, p, p));
    H_EQ(mappings(), m0);
    H_CHECK(!sigma0_gives_elsewhere(1, p)); /* p is still given away */

    /* Flushing p takes q with it: the tree is whole. */
    L4_Flush(page_fpage(p, RWX));
    H_EQ(mappings(), m0 - 2);
    H_EQ(*(volatile L4_Word_t *) q, 0x2222); /* q's own frame again, from sigma0 */
    H_CHECK(sigma0_gives_elsewhere(2, p));   /* nobody holds p now */
    return 0;
}

static void page_mapped_or_granted_onto_its_source_in_one_space_changes_nothing(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_onto_source_one_space, NULL), 0);
    assert_int_equal(h_run(body_onto_source_one_space, (void *) 1), 0);
}

static int body_onto_source_spaces(void *arg)
{
    bool grant = arg != NULL;
    struct trio t;
    spawn_trio(&t);
    L4_Word_t a = t.wa + 0x10000, b = t.wb + 0x20000, c = t.wc + 0x30000;
    L4_Word_t page = h_sigma0_page();
    h_set_fault_answer(page, RWX); /* root -> A */
    h_agent_write(t.a, a, 0xa1);
    h_set_fault_answer(0, RWX);
    H_XFER_OK(h_map_page(t.a, t.b, a, RWX, b)); /* A -> B -> C */
    H_XFER_OK(h_map_page(t.b, t.c, b, RWX, c));
    uint64_t m0 = mappings();

    /* B's page back onto A's, C's onto B's and onto A's: each lands where it came from. */
    H_XFER_OK(map_or_grant(grant, t.b, t.a, b, a));
    H_XFER_OK(map_or_grant(grant, t.c, t.b, c, b));
    H_XFER_OK(map_or_grant(grant, t.c, t.a, c, a));
    H_EQ(mappings(), m0);
    h_agent_write(t.c, c, 0xc3);
    H_EQ(h_agent_read(t.a, a), 0xc3);
    H_EQ(h_agent_read(t.b, b), 0xc3);
    H_EQ(h_faults(t.a), 1);
    H_EQ(h_faults(t.b) + h_faults(t.c), 0);
    H_CHECK(!sigma0_gives_elsewhere(3, page));

    /* The root's unmap still reaches all three. */
    L4_UnmapFpage(page_fpage(page, RWX));
    H_EQ(mappings(), m0 - 3);
    h_agent_read(t.a, a);
    h_agent_read(t.b, b);
    h_agent_read(t.c, c);
    H_EQ(h_faults(t.a), 2);
    H_EQ(h_faults(t.b), 1);
    H_EQ(h_faults(t.c), 1);
    H_EQ(*(volatile L4_Word_t *) page, 0xc3); /* the root keeps its own */
    return 0;
}

static void page_mapped_or_granted_back_to_the_space_it_came_from_changes_nothing(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_onto_source_spaces, NULL), 0);
    assert_int_equal(h_run(body_onto_source_spaces, (void *) 1), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_chain_unmap_at_a_revokes_b_and_c_not_a_and_flush_a_too),
        cmocka_unit_test(unmap_of_the_write_right_leaves_reading),
        cmocka_unit_test(grant_moves_the_page_and_keeps_it_in_the_tree),
        cmocka_unit_test(grant_moves_the_pages_mapped_from_it_under_the_receiver),
        cmocka_unit_test(rights_are_only_reduced_never_raised),
        cmocka_unit_test(map_of_pages_the_sender_lacks_maps_nothing),
        cmocka_unit_test(shared_frame_write_in_one_space_is_read_in_the_other),
        cmocka_unit_test(placement_follows_snd_base_and_the_receive_window),
        cmocka_unit_test(host_mappings_are_counted_exactly),
        cmocka_unit_test(flush_of_the_complete_address_space_empties_the_window),
        cmocka_unit_test(page_mapped_or_granted_onto_its_source_in_one_space_changes_nothing),
        cmocka_unit_test(page_mapped_or_granted_back_to_the_space_it_came_from_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
