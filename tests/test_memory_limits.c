/*
 * Host limits: single pages mapped until the kernel's budget of host
 * mappings refuses with message overflow, well before vm.max_map_count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define PAGE     4096UL
#define RW       L4_ReadWriteOnly
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

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_pages_are_mapped_until_the_budget_refuses_with_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
