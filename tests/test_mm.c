/*
 * The MM server (issue 5): start-up, allocation, the pager, pinning,
 * shared memory, swapping and accounting, against real client tasks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <l4srv/mm.h>
#include <l4srv/system.h>

#include "harness.h"

#define KIB 1024UL
#define MIB (1024UL * 1024UL)

static struct mm_stats stats(void)
{
    struct mm_stats st;
    memset(&st, 0, sizeof(st));
    H_EQ(mm_stats(&st), L4SRV_OK);
    return st;
}

/* Frames are conserved: none lost, none made up. */
static void check_accounting(void)
{
    struct mm_stats st = stats();
    H_EQ(st.frames_free + st.frames_used, st.frames_total);
}

/* ------------------------------------------------------------ start-up */

static int body_boot(void *arg)
{
    (void) arg;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    struct mm_stats st = stats();
    H_EQ(st.frames_total, cfg.phys_mem_size / 4096);
    H_EQ(st.frames_free, st.frames_total);
    H_EQ(st.swap_slots, 4 * st.frames_total);
    H_EQ(st.spaces, 0);
    /* sigma0 has nothing left: the MM server took it all. */
    L4_Fpage_t more = L4_Sigma0_GetAny(h_sigma0(), 12, L4_CompleteAddressSpace);
    H_CHECK(L4_IsNilFpage(more));
    return 0;
}

static void boot_gives_all_conventional_memory_to_the_mm_server(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_boot, NULL), 0);
}

/* ---------------------------------------------------------- allocation */

struct touch {
    L4_Word_t size;
    int result;
};

static void task_malloc_touch_free(void *kip)
{
    (void) kip;
    struct touch *t = h_arg();
    L4_Word_t at = 0;
    t->result = mm_malloc(t->size, &at);
    if (!t->result) {
        volatile uint32_t *w = (volatile uint32_t *) at;
        for (L4_Word_t i = 0; i < t->size / 4; i += 1024)
            H_EQ(w[i], 0); /* zero filled on demand */
        for (L4_Word_t i = 0; i < t->size / 4; i += 256)
            w[i] = (uint32_t) (i * 2654435761u);
        for (L4_Word_t i = 0; i < t->size / 4; i += 256)
            H_EQ(w[i], (uint32_t) (i * 2654435761u));
        t->result = mm_free(t->size, at);
    }
    h_signal_root();
    L4_Sleep(L4_Never);
}

static int body_malloc(void *arg)
{
    (void) arg;
    struct touch t = {.size = 256 * KIB, .result = -1};
    L4_ThreadId_t task = h_task(0, task_malloc_touch_free, &t);
    h_wait_signal_at(__FILE__, __LINE__, task);
    H_EQ(t.result, L4SRV_OK);
    struct mm_stats st = stats();
    H_EQ(st.zero_fills, 64 + 1); /* and one page of stack */
    H_CHECK(st.faults >= 64);
    H_EQ(mm_deregister_thread(task), L4SRV_OK);
    st = stats();
    H_EQ(st.frames_free, st.frames_total);
    H_EQ(st.spaces, 0);
    check_accounting();
    return 0;
}

static void malloc_memory_is_zero_filled_on_demand_and_freed(void **state)
{
    (void) state;
    assert_int_equal(h_run_system(NULL, body_malloc, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boot_gives_all_conventional_memory_to_the_mm_server),
        cmocka_unit_test(malloc_memory_is_zero_filled_on_demand_and_freed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
