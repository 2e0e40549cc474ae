/*
 * Host limits: single pages mapped until the kernel's budget of host
 * mappings refuses with message overflow, well before vm.max_map_count;
 * unmaps that would split more host mappings than the budget allows; and
 * a host that has no mappings left at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define PAGE     4096UL
#define RW       L4_ReadWriteOnly
#define RWX      L4_FullyAccessible
#define CHILDREN 4 /* every other page of four default windows: 32768 pages */

static long max_map_count(void)
{
    long v = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "re");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 65530;
        fclose(f);
    }
    return v;
}

static unsigned long mapped_pages; /* the figure, for the log */

static int body_budget(void *arg)
{
    (void) arg;
    L4_ThreadId_t child[CHILDREN];
    L4_Word_t size = 0;
    for (unsigned i = 0; i < CHILDREN; i++)
        child[i] = h_spawn_space(i, h_agent, NULL);
    h_window(child[0], &size);
    /* 128 MiB of frames in one piece: one host mapping in the root's window. */
    L4_Fpage_t ram = L4_Sigma0_GetAny(h_sigma0(), 27, L4_CompleteAddressSpace);
    if (L4_IsNilFpage(ram)) {
        h_fail_at(__FILE__, __LINE__, "no 128 MiB from sigma0");
        return 1;
    }
    L4_Word_t src = L4_Address(ram);
    struct l4sim_stats s0 = h_stats();
    int maps0 = h_count_host_maps();

    /* One page per IPC, every other page of each child's window. */
    unsigned long n = 0;
    struct h_xfer x = {0, 0, L4_Niltag, {0, 0}};
    for (unsigned c = 0; c < CHILDREN && !x.send_error; c++)
        for (L4_Word_t off = 0; off < size && !x.send_error; off += 2 * PAGE) {
            *(volatile L4_Word_t *) (src + n * PAGE) = n;
            x = h_map_page(L4_Myself(), child[c], src + n * PAGE, RW, off);
            if (!x.send_error)
                n++;
        }
    mapped_pages = n;
    struct l4sim_stats s1 = h_stats();
    /* Refused, as message overflow on both sides, with room to spare on the host. */
    H_EQ(x.send_error, H_ERR_SEND(L4_IpcErrMsgOverflow));
    H_EQ(x.recv_error, H_ERR_RECV(L4_IpcErrMsgOverflow));
    H_CHECK(n < CHILDREN * (size / (2 * PAGE)));
    H_EQ(s1.mappings - s0.mappings, n);
    H_CHECK(s1.host_vmas <= s1.vma_budget);
    H_CHECK(s1.host_vmas + 2 > s1.vma_budget); /* refused because the next would not fit */
    /*
     * The windows' mappings are counted exactly; besides them the mapping
     * database took a few 1 MiB chunks for its nodes, each a host mapping
     * unless Linux merged it with a neighbour.
     */
    int maps1 = h_count_host_maps(), windows = (int) (s1.host_vmas - s0.host_vmas);
    if (maps1 - maps0 < windows || maps1 - maps0 > windows + 4)
        h_fail_at(__FILE__, __LINE__, "host mappings grew by %d, the windows' by %d", maps1 - maps0,
                  windows);
    H_CHECK(maps1 < max_map_count());

    /* The system still works: what was mapped is there... */
    unsigned last_child = (unsigned) ((n - 1) / (size / (2 * PAGE)));
    L4_Word_t last_off = ((n - 1) % (size / (2 * PAGE))) * 2 * PAGE;
    L4_Word_t w = h_window(child[last_child], NULL);
    H_EQ(h_agent_read(child[last_child], w + last_off), n - 1);
    H_EQ(h_agent_read(child[0], h_window(child[0], NULL) + 2 * PAGE), 1);
    H_EQ(h_faults(child[0]) + h_faults(child[last_child]), 0);
    /* ...and once some pages go back, maps succeed again. */
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(src, 16), RW)); /* 16 pages, from child 0 */
    H_EQ(h_stats().mappings, s1.mappings - 16);
    struct h_xfer again = h_map_page(L4_Myself(), child[0], src, RW, 0);
    H_EQ(again.send_error, 0);
    H_EQ(h_agent_read(child[0], h_window(child[0], NULL)), 0);
    return 0;
}

static void single_pages_are_mapped_until_the_budget_refuses_with_overflow(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_budget, NULL), 0);
    struct l4sim_stats st;
    l4sim_get_stats(&st);
    print_message("single 4 KiB pages mapped before the budget refused: %lu "
                  "(vma_budget %llu, vm.max_map_count %ld)\n",
                  mapped_pages, (unsigned long long) st.vma_budget, max_map_count());
    assert_int_equal(st.mappings, 0);
    assert_int_equal(st.host_vmas, 0);
}

/* Whether the host lets anyone read addr: what a thread of any space would see. */
static bool host_readable(L4_Word_t addr)
{
    char c;
    struct iovec local = {&c, 1}, remote = {(void *) addr, 1};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == 1;
}

/* --------------------------------------------- unmaps that split mappings */

#define BIG_LOG2  26 /* one 64 MiB fpage, a whole default window */
#define BIG_PAGES ((1UL << BIG_LOG2) / PAGE)

static int body_split(void *arg)
{
    (void) arg;
    L4_ThreadId_t child[CHILDREN];
    L4_Word_t win[CHILDREN];
    for (unsigned c = 0; c < CHILDREN; c++) {
        child[c] = h_spawn_space(c, h_agent, NULL);
        win[c] = h_window(child[c], NULL);
    }
    L4_Fpage_t big = L4_Sigma0_GetAny(h_sigma0(), BIG_LOG2, L4_CompleteAddressSpace);
    if (L4_IsNilFpage(big)) {
        h_fail_at(__FILE__, __LINE__, "no 64 MiB from sigma0");
        return 1;
    }
    L4_Word_t src = L4_Address(big);
    for (L4_Word_t i = 0; i < BIG_PAGES; i++)
        *(volatile L4_Word_t *) (src + i * PAGE) = i;
    /* The whole fpage into each child's window: one host mapping each. */
    for (unsigned c = 0; c < CHILDREN; c++) {
        L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(src, BIG_LOG2), RW), 0);
        struct h_xfer x = h_transfer(L4_Myself(), child[c], m.raw[0], m.raw[1],
                                     L4_MapGrantItems(L4_CompleteAddressSpace).raw);
        H_EQ(x.send_error, 0);
    }
    struct l4sim_stats s0 = h_stats();

    /* The root revokes every other page from the children: each revoked
     * page in the middle of a child's mapping would split it in three. */
    for (L4_Word_t i = 0; i < BIG_PAGES; i += 128) {
        L4_Fpage_t f[64];
        for (L4_Word_t k = 0; k < 64; k++)
            f[k] = L4_FpageAddRights(L4_FpageLog2(src + (i + 2 * k) * PAGE, 12), RWX);
        L4_UnmapFpages(64, f);
    }
    struct l4sim_stats s1 = h_stats();
    H_EQ(s1.mappings, s0.mappings - CHILDREN * BIG_PAGES / 2);
    H_CHECK(s1.host_vmas <= s1.vma_budget);
    H_CHECK(h_count_host_maps() < max_map_count());

    /* Every revoked page is gone from the host; a page kept is either shown
     * with its content or hidden, and the budget forced some to be hidden. */
    unsigned long still_readable = 0, hidden = 0, wrong = 0;
    for (unsigned c = 0; c < CHILDREN; c++)
        for (L4_Word_t i = 0; i < BIG_PAGES; i++) {
            L4_Word_t at = win[c] + i * PAGE;
            bool readable = host_readable(at);
            if (i % 2 == 0)
                still_readable += readable;
            else if (!readable)
                hidden++;
            else
                wrong += *(volatile L4_Word_t *) at != i;
        }
    H_EQ(still_readable, 0);
    H_EQ(wrong, 0);
    if (CHILDREN * BIG_PAGES > s1.vma_budget) /* two boundaries per revoked page */
        H_CHECK(hidden > 0);

    /* Room again (three children go), and the last child's pages come back
     * through its pager: a revoked one and, if any, a hidden one. */
    for (unsigned c = 0; c + 1 < CHILDREN; c++)
        h_delete(child[c]);
    L4_ThreadId_t last = child[CHILDREN - 1];
    L4_Word_t w = win[CHILDREN - 1], faults = 0;
    h_set_fault_answer(src + 2 * PAGE, RW);
    H_EQ(h_agent_read(last, w + 2 * PAGE), 2);
    H_EQ(h_faults(last), ++faults);
    for (L4_Word_t i = 1; i < BIG_PAGES; i += 2)
        if (!host_readable(w + i * PAGE)) {
            h_set_fault_answer(src + i * PAGE, RW);
            H_EQ(h_agent_read(last, w + i * PAGE), i);
            H_EQ(h_faults(last), ++faults);
            break;
        }
    h_set_fault_answer(0, RWX);
    return 0;
}

static void unmaps_stay_within_the_host_budget_and_revoked_pages_fault(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_split, NULL), 0);
}

/* ----------------------------------------------- a host out of mappings */

/*
 * Use up the process's host mappings behind l4sim's back: a private area
 * whose pages get alternating protections until Linux refuses a split.
 */
struct hog {
    char *base;
    size_t len;
};

static struct hog hog_host_mappings(void)
{
    struct hog h = {NULL, (size_t) max_map_count() * PAGE};
    h.base = mmap(NULL, h.len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (h.base == MAP_FAILED) {
        h.base = NULL;
        return h;
    }
    size_t pages = h.len / PAGE, k = 1;
    while (k + 1 < pages && mprotect(h.base + k * PAGE, PAGE, PROT_NONE) == 0)
        k += 2;
    /* One split short of the limit, perhaps: the last page splits once. */
    mprotect(h.base + (pages - 1) * PAGE, PAGE, PROT_NONE);
    return h;
}

static int body_host_refuses(void *arg)
{
    (void) arg;
    L4_ThreadId_t a = h_spawn_space(0, h_agent, NULL), b = h_spawn_space(1, h_agent, NULL);
    L4_Word_t wa = h_window(a, NULL), wb = h_window(b, NULL);
    L4_Fpage_t run = L4_Sigma0_GetAny(h_sigma0(), 16, L4_CompleteAddressSpace);
    L4_Word_t base = L4_Address(run), page = h_sigma0_page();
    for (L4_Word_t i = 0; i < 16; i++)
        *(volatile L4_Word_t *) (base + i * PAGE) = i;
    *(volatile L4_Word_t *) page = 0x77;
    L4_MapItem_t m = L4_MapItem(L4_FpageAddRights(L4_FpageLog2(base, 16), RW), 0x100000);
    H_EQ(h_transfer(L4_Myself(), a, m.raw[0], m.raw[1],
                    L4_MapGrantItems(L4_CompleteAddressSpace).raw)
             .send_error,
         0);
    H_CHECK(host_readable(wa + 0x105000));
    uint64_t m0 = h_stats().mappings;

    struct hog hog = hog_host_mappings();
    H_CHECK(hog.base != NULL);
    /* A map the host refuses is message overflow, and shows nothing. */
    struct h_xfer x = h_map_page(L4_Myself(), b, page, RW, 0x200000);
    bool mapped_readable = host_readable(wb + 0x200000);
    /* Revoking page 5 of a's run needs a split the host refuses: the page
     * must not stay readable (the whole window is closed instead). */
    L4_UnmapFpage(L4_FpageAddRights(L4_FpageLog2(base + 5 * PAGE, 12), RWX));
    bool revoked_readable = host_readable(wa + 0x105000);
    bool neighbour_readable = host_readable(wa + 0x104000);
    if (hog.base)
        munmap(hog.base, hog.len);

    H_CHECK(!revoked_readable);
    H_CHECK(!neighbour_readable);
    H_CHECK(!mapped_readable);
    H_EQ(x.send_error, H_ERR_SEND(L4_IpcErrMsgOverflow));
    H_EQ(x.recv_error, H_ERR_RECV(L4_IpcErrMsgOverflow));
    H_EQ(h_stats().mappings, m0); /* page 5 went; b holds its page, hidden */
    H_CHECK(h_stats().host_vmas <= h_stats().vma_budget);

    /* With mappings to spare again, the pages come back through the pager. */
    h_set_fault_answer(base + 4 * PAGE, RW);
    H_EQ(h_agent_read(a, wa + 0x104000), 4);
    H_EQ(h_faults(a), 1);
    h_set_fault_answer(page, RW);
    H_EQ(h_agent_read(b, wb + 0x200000), 0x77);
    H_EQ(h_faults(b), 1);
    h_set_fault_answer(0, RWX);
    H_EQ(h_agent_read(a, wa + 0x105000), 0); /* revoked: a fresh page */
    H_EQ(h_faults(a), 2);
    return 0;
}

static void a_host_out_of_mappings_never_leaves_a_revoked_page_readable(void **state)
{
    (void) state;
    int maps0 = h_count_host_maps();
    assert_int_equal(h_run(body_host_refuses, NULL), 0);
    struct l4sim_stats st;
    l4sim_get_stats(&st);
    assert_int_equal(st.mappings, 0);
    assert_int_equal(st.host_vmas, 0);
    /* Nothing of the windows is left behind (threads' stacks may linger in glibc's cache). */
    assert_true(h_count_host_maps() <= maps0 + 64);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_pages_are_mapped_until_the_budget_refuses_with_overflow),
        cmocka_unit_test(unmaps_stay_within_the_host_budget_and_revoked_pages_fault),
        cmocka_unit_test(a_host_out_of_mappings_never_leaves_a_revoked_page_readable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
