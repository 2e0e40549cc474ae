/*
 * The MM server (issue 5): start-up, allocation, the pager, pinning,
 * shared memory, swapping and accounting, against real client tasks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <l4srv/mm.h>
#include <l4srv/swap.h>
#include <l4srv/system.h>

#include "harness.h"
#include "mm_util.h"

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
    assert_int_equal(run_checked(NULL, NULL, body_boot, NULL), 0);
}

/* ---------------------------------------------------------- allocation */

static int body_malloc(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_task(0, agent, NULL);
    L4_Word_t size = 256 * KIB, a = agent_malloc(t, size), r[4];
    uint64_t fills = stats().zero_fills;
    ask(t, A_ZERO, a, size, 0, 0, r);
    H_EQ(r[0], 0);                        /* zero filled on demand */
    H_EQ(stats().zero_fills - fills, 64); /* one fresh frame per page touched */
    ask(t, A_FILL, a, size, 11, 0, NULL);
    ask(t, A_CHECK, a, size, 11, 0, r);
    H_EQ(r[0], 0);
    H_EQ(ask_mm(t, A_FREE, size, a, 0, 0, NULL), L4SRV_OK);
    H_EQ(mm_deregister_thread(t), L4SRV_OK);
    struct mm_stats st = stats();
    H_EQ(st.frames_free, st.frames_total);
    H_EQ(st.spaces, 0);
    check_accounting();
    return 0;
}

static void malloc_memory_is_zero_filled_on_demand_and_freed(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_malloc, NULL), 0);
}

/* ------------------------------------------------------- shared memory */

static int body_shared(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[2] = {h_task(0, agent, NULL), h_task(1, agent, NULL)};
    L4_Word_t a = agent_malloc(t[0], 4 * 4096);
    ask(t[0], A_WRITE, a + 4096, 0x1234, 0, 0, NULL);
    L4_Word_t b_base = h_window(t[1], NULL), offset = 0x200000;
    L4_Fpage_t pages = L4_Fpage(a, 4 * 4096);
    H_EQ(ask_mm(t[0], A_MAP, pages.raw, offset, L4_ReadWriteOnly, t[1].raw, NULL), L4SRV_OK);
    L4_Word_t r[4];
    /* A write in one space is read in the other, both ways. */
    ask(t[1], A_READ, b_base + offset + 4096, 0, 0, 0, r);
    H_EQ(r[0], 0x1234);
    ask(t[1], A_WRITE, b_base + offset + 3 * 4096, 0xbeef, 0, 0, NULL);
    ask(t[0], A_READ, a + 3 * 4096, 0, 0, 0, r);
    H_EQ(r[0], 0xbeef);
    struct mm_stats st = stats();
    H_EQ(st.frames_shared, 4); /* counted once, used by two */
    /* The same range cannot be mapped twice. */
    H_EQ(ask_mm(t[0], A_MAP, pages.raw, offset, L4_Readable, t[1].raw, NULL), L4SRV_ERR_EXISTS);
    /* Unmap in one leaves the other intact. */
    H_EQ(ask_mm(t[0], A_UNMAP, pages.raw, offset, t[1].raw, 0, NULL), L4SRV_OK);
    ask(t[0], A_READ, a + 3 * 4096, 0, 0, 0, r);
    H_EQ(r[0], 0xbeef);
    expect_refused(t[1], A_READ, b_base + offset + 4096, 0);
    check_accounting();
    end_tasks(t, 2);
    return 0;
}

static void shared_memory_is_seen_by_both_and_unmap_leaves_the_mapper_intact(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_shared, NULL), 0);
}

static int body_shared_outlives(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[2] = {h_task(0, agent, NULL), h_task(1, agent, NULL)};
    L4_Word_t a = agent_malloc(t[0], 4096);
    ask(t[0], A_WRITE, a, 77, 0, 0, NULL);
    L4_Word_t b_base = h_window(t[1], NULL);
    H_EQ(ask_mm(t[0], A_MAP, L4_Fpage(a, 4096).raw, 0x300000, L4_Readable, t[1].raw, NULL),
         L4SRV_OK);
    /* The mapper frees its side: the frame stays with whoever still maps it. */
    H_EQ(ask_mm(t[0], A_FREE, 4096, a, 0, 0, NULL), L4SRV_OK);
    L4_Word_t r[4];
    ask(t[1], A_READ, b_base + 0x300000, 0, 0, 0, r);
    H_EQ(r[0], 77);
    /* Every used frame is some space's resident page, the shared one once. */
    L4_Word_t r0[4], r1[4];
    ask(t[0], A_STATS, 0, 0, 0, 0, r0);
    ask(t[1], A_STATS, 0, 0, 0, 0, r1);
    H_EQ(stats().frames_used, r0[1] + r1[1]);
    /* Read-only for the receiver: a write is refused with an exception. */
    expect_refused(t[1], A_WRITE, b_base + 0x300000, 1);
    end_tasks(t, 2);
    return 0;
}

static void a_shared_frame_outlives_its_mapper_and_read_only_stays_read_only(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_shared_outlives, NULL), 0);
}

/* ------------------------------------------------------------- swapping */

static int body_swap(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_task(0, agent, NULL);
    L4_Word_t size = 2 * SMALL_RAM, a = agent_malloc(t, size);
    ask(t, A_FILL, a, size, 42, 0, NULL);
    L4_Word_t r[4];
    ask(t, A_CHECK, a, size, 42, 0, r);
    H_EQ(r[0], 0); /* every word came back */
    struct mm_stats st = stats();
    H_CHECK(st.page_outs >= size / 4096 - st.frames_total);
    H_CHECK(st.page_ins >= size / 4096 - st.frames_total);
    /* Reading changes nothing: clean pages go out without being written again. */
    L4_Word_t outs = st.page_outs;
    ask(t, A_CHECK, a, size, 42, 0, r);
    H_EQ(r[0], 0);
    st = stats();
    H_CHECK(st.page_outs - outs < size / 4096 / 4);
    check_accounting();
    end_tasks(&t, 1);
    return 0;
}

static void touching_twice_the_ram_swaps_and_every_word_comes_back(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.phys_mem_size = SMALL_RAM;
    assert_int_equal(run_checked(&cfg, NULL, body_swap, NULL), 0);
}

/* -------------------------------------------------------------- pinning */

static int body_pin(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[2] = {h_task_priv(0, agent, NULL, true), h_task_priv(1, agent, NULL, false)};
    L4_Word_t pinned = agent_malloc(t[0], 16 * 4096);
    ask(t[0], A_FILL, pinned, 16 * 4096, 7, 0, NULL);
    H_EQ(ask_mm(t[0], A_PIN, 16 * 4096, pinned, 0, 0, NULL), L4SRV_OK);
    /* Its stack too, so that reading the pinned pages is the only thing it does. */
    H_EQ(ask_mm(t[0], A_PIN, MAIN_STACK, main_stack(t[0]), 0, 0, NULL), L4SRV_OK);
    H_EQ(stats().frames_pinned, 16 + MAIN_STACK / 4096);
    /* Only privileged threads pin. */
    L4_Word_t other = agent_malloc(t[1], 4096);
    H_EQ(ask_mm(t[1], A_PIN, 4096, other, 0, 0, NULL), L4SRV_ERR_NO_PRIVILEGE);
    /* Memory pressure: twice the RAM through the other task. */
    L4_Word_t big = agent_malloc(t[1], 2 * SMALL_RAM), r[4];
    ask(t[1], A_FILL, big, 2 * SMALL_RAM, 9, 0, NULL);
    H_CHECK(stats().page_outs > 0);
    L4_Word_t before[4], after[4];
    ask(t[0], A_STATS, 0, 0, 0, 0, before);
    ask(t[0], A_CHECK, pinned, 16 * 4096, 7, 0, r);
    H_EQ(r[0], 0);
    ask(t[0], A_STATS, 0, 0, 0, 0, after);
    H_EQ(after[3], before[3]); /* no fault: the pinned pages never left */
    /* Unpinning what is not pinned is refused and changes nothing. */
    H_EQ(ask_mm(t[0], A_UNPIN, 4096, big, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_UNPIN, 16 * 4096, pinned, 0, 0, NULL), L4SRV_OK);
    H_EQ(ask_mm(t[0], A_UNPIN, 16 * 4096, pinned, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(stats().frames_pinned, MAIN_STACK / 4096);
    /* More than half of memory cannot be pinned. */
    L4_Word_t huge = agent_malloc(t[0], SMALL_RAM);
    H_EQ(ask_mm(t[0], A_PIN, SMALL_RAM, huge, 0, 0, NULL), L4SRV_ERR_NO_MEM);
    check_accounting();
    end_tasks(t, 2);
    return 0;
}

static void pinned_pages_stay_resident_under_memory_pressure(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.phys_mem_size = SMALL_RAM;
    assert_int_equal(run_checked(&cfg, NULL, body_pin, NULL), 0);
}

/*
 * A task waiting in the kernel (the agent in its receive) while another
 * task's memory pressure sends the clock over every frame: its stack pages
 * are unmapped and paged out under it. Woken, it must fault them back as
 * user faults and carry on; a fault inside the kernel would end the run.
 */
static int body_blocked_stack(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[2] = {h_task(0, agent, NULL), h_task(1, agent, NULL)};
    L4_Word_t before[4], after[4], r[4];
    L4_Word_t mine = agent_malloc(t[0], 4096);
    ask(t[0], A_WRITE, mine, 0xfeed, 0, 0, NULL);
    ask(t[0], A_STATS, 0, 0, 0, 0, before);
    L4_Word_t big = agent_malloc(t[1], 2 * SMALL_RAM);
    ask(t[1], A_FILL, big, 2 * SMALL_RAM, 3, 0, NULL);
    H_CHECK(stats().page_outs > 0);
    ask(t[0], A_READ, mine, 0, 0, 0, r);
    H_EQ(r[0], 0xfeed);
    ask(t[0], A_STATS, 0, 0, 0, 0, after);
    H_CHECK(after[3] > before[3] + 1); /* its stack came back through the pager */
    H_EQ(h_stats().exceptions, 0);
    H_EQ(ask_mm(t[1], A_FREE, 2 * SMALL_RAM, big, 0, 0, NULL), L4SRV_OK);
    H_EQ(ask_mm(t[0], A_FREE, 4096, mine, 0, 0, NULL), L4SRV_OK);
    check_accounting();
    end_tasks(t, 2);
    return 0;
}

static void a_task_waiting_in_the_kernel_survives_its_stack_being_paged_out(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.phys_mem_size = SMALL_RAM;
    assert_int_equal(run_checked(&cfg, NULL, body_blocked_stack, NULL), 0);
}

/* ------------------------------------------------------ device memory */

static int body_device(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[2] = {h_task_priv(0, agent, NULL, true), h_task_priv(1, agent, NULL, false)};
    void *kip = L4_GetKernelInterface();
    L4_Word_t ram = 0;
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
        L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
        if (!L4_IsMemoryDescVirtual(d) && L4_MemoryDescType(d) == L4_ConventionalMemoryType)
            ram = L4_MemoryDescLow(d);
    }
    L4_Word_t phys = ram + 64 * 4096, at = 0, r[4];
    H_EQ(ask_mm(t[1], A_MALLOC_PRIV, 4096, phys, 0, 0, NULL), L4SRV_ERR_NO_PRIVILEGE);
    H_EQ(ask_mm(t[0], A_MALLOC_PRIV, 4096, phys + 1, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_PRIV, 4096, ram - 4096, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_PRIV, 0, phys, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC_PRIV, 2 * 4096, phys, 0, 0, &at), L4SRV_OK);
    /* The same physical memory cannot be handed out twice. */
    H_EQ(ask_mm(t[0], A_MALLOC_PRIV, 4096, phys + 4096, 0, 0, NULL), L4SRV_ERR_EXISTS);
    ask(t[0], A_WRITE, at + 4096, 0xd00d, 0, 0, NULL);
    H_EQ(*(volatile L4_Word_t *) (phys + 4096), 0xd00d); /* it is that physical page */
    ask(t[0], A_READ, at + 4096, 0, 0, 0, r);
    H_EQ(r[0], 0xd00d);
    H_EQ(ask_mm(t[0], A_FREE, 2 * 4096, at, 0, 0, NULL), L4SRV_OK);
    H_EQ(ask_mm(t[0], A_MALLOC_PRIV, 4096, phys + 4096, 0, 0, &at), L4SRV_OK);
    check_accounting();
    end_tasks(t, 2);
    return 0;
}

static void malloc_priv_maps_the_physical_memory_named_to_privileged_callers_only(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_device, NULL), 0);
}

/* ------------------------------------------------------------ bad input */

static int body_bad(void *arg)
{
    (void) arg;
    L4_ThreadId_t t[2] = {h_task_priv(0, agent, NULL, false), h_task_priv(1, agent, NULL, false)};
    L4_Word_t a = agent_malloc(t[0], 8192), b = agent_malloc(t[1], 4096);
    struct mm_stats before = stats();
    L4_ThreadId_t nobody = h_tid(H_APP(20), 1);
    /* Allocation. */
    H_EQ(ask_mm(t[0], A_MALLOC, 0, 0, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MALLOC, 1UL << 40, 0, 0, 0, NULL), L4SRV_ERR_NO_MEM);
    H_EQ(ask_mm(t[0], A_MALLOC, ~0UL, 0, 0, 0, NULL), L4SRV_ERR_NO_MEM);
    H_EQ(ask_mm(t[0], A_FREE, 4096, a + 0x100000, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_FREE, 4096, a, 0, 0, NULL), L4SRV_ERR_INVALID_ARG); /* a part */
    H_EQ(ask_mm(t[0], A_FREE, 8192, a + 4096, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_FREE, ~0UL, a, 0, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_FREE, 4096, b, 0, 0, NULL), L4SRV_ERR_INVALID_ARG); /* not its own */
    /* Shared memory. */
    L4_Fpage_t mine = L4_Fpage(a, 8192), theirs = L4_Fpage(b, 4096);
    H_EQ(ask_mm(t[0], A_MAP, theirs.raw, 0x200000, L4_Readable, t[1].raw, NULL),
         L4SRV_ERR_NO_PRIVILEGE);
    H_EQ(ask_mm(t[0], A_MAP, L4_Fpage(a, 0x10000).raw, 0x200000, L4_Readable, t[1].raw, NULL),
         L4SRV_ERR_NO_PRIVILEGE); /* more than it has */
    H_EQ(ask_mm(t[0], A_MAP, mine.raw, 0x200000, L4_Readable, nobody.raw, NULL),
         L4SRV_ERR_NON_EXISTENT);
    H_EQ(ask_mm(t[0], A_MAP, mine.raw, 0x200000, 0, t[1].raw, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MAP, mine.raw, 0x200100, L4_Readable, t[1].raw, NULL),
         L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MAP, mine.raw, ~0UL & ~0xfffUL, L4_Readable, t[1].raw, NULL),
         L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_MAP, L4_Nilpage.raw, 0x200000, L4_Readable, t[1].raw, NULL),
         L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_UNMAP, mine.raw, 0x200000, t[1].raw, 0, NULL), L4SRV_ERR_INVALID_ARG);
    H_EQ(ask_mm(t[0], A_UNMAP, mine.raw, 0x200000, nobody.raw, 0, NULL), L4SRV_ERR_NON_EXISTENT);
    /* Privileged operations from an unprivileged task. */
    H_EQ(ask_mm(t[0], A_PIN, 4096, a, 0, 0, NULL), L4SRV_ERR_NO_PRIVILEGE);
    H_EQ(ask_mm(t[0], A_MALLOC_PRIV, 4096, a, 0, 0, NULL), L4SRV_ERR_NO_PRIVILEGE);
    /* The server interface: unknown threads, taken numbers. */
    L4_Word_t sp;
    L4_Fpage_t utcbs;
    H_EQ(mm_register_thread(h_tid(H_APP(5), 1), nobody, 0, &sp), L4SRV_ERR_NON_EXISTENT);
    H_EQ(mm_deregister_thread(nobody), L4SRV_ERR_NON_EXISTENT);
    H_EQ(mm_new_as(t[0], 0, 0, L4_nilthread, &sp, &sp, &utcbs), L4SRV_ERR_EXISTS);
    H_EQ(mm_new_as(L4_nilthread, 0, 0, L4_nilthread, &sp, &sp, &utcbs), L4SRV_ERR_INVALID_ARG);
    H_EQ(mm_new_as(h_root(), 0, 0, L4_nilthread, &sp, &sp, &utcbs), L4SRV_ERR_EXISTS);
    struct mm_space_stats ss;
    H_EQ(mm_space_stats(nobody, &ss), L4SRV_ERR_NON_EXISTENT);
    H_EQ(mm_register_backingstore(mm_server()), L4SRV_ERR_EXISTS);
    /* The root is not a client: it has no memory here. */
    L4_Word_t at;
    H_EQ(mm_malloc(4096, &at), L4SRV_ERR_NON_EXISTENT);
    /* Malformed messages: unknown label, too few words, typed items. */
    L4_LoadMR(0, 0x4dffUL << 16);
    H_EQ(L4_Label(L4_Call(mm_server())), L4SRV_ERR_INVALID_ARG);
    L4_LoadMR(0, (L4_Word_t) MM_MAP << 16 | 1);
    H_EQ(L4_Label(L4_Call(mm_server())), L4SRV_ERR_INVALID_ARG);
    /* A map item: the server accepts none, so the kernel fails the IPC. */
    L4_Msg_t msg;
    L4_MsgClear(&msg);
    L4_MsgAppendMapItem(&msg, L4_MapItem(L4_FpageLog2(0, 12), 0));
    L4_Set_MsgLabel(&msg, MM_STATS);
    L4_MsgLoad(&msg);
    H_CHECK(L4_IpcFailed(L4_Call(mm_server())));
    /* None of it changed anything. */
    struct mm_stats after = stats();
    H_EQ(after.frames_free, before.frames_free);
    H_EQ(after.spaces, before.spaces);
    H_EQ(after.threads, before.threads);
    H_EQ(after.swap_used, before.swap_used);
    L4_Word_t r[4];
    ask(t[0], A_WRITE, a + 4096, 5, 0, 0, NULL);
    ask(t[0], A_READ, a + 4096, 0, 0, 0, r);
    H_EQ(r[0], 5);
    H_EQ(ask_mm(t[0], A_FREE, 8192, a, 0, 0, NULL), L4SRV_OK);
    H_EQ(ask_mm(t[0], A_FREE, 8192, a, 0, 0, NULL), L4SRV_ERR_INVALID_ARG); /* twice */
    end_tasks(t, 2);
    return 0;
}

static void bad_requests_get_a_clear_error_and_change_nothing(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_bad, NULL), 0);
}

/* ------------------------------------------------------------- threads */

static void second_thread(void *kip)
{
    (void) kip;
    L4_Word_t at = 0;
    H_EQ(mm_malloc(4096, &at), L4SRV_OK);
    *(volatile L4_Word_t *) at = 3;
    h_signal_root();
    L4_Sleep(L4_Never);
}

static int body_threads(void *arg)
{
    (void) arg;
    L4_ThreadId_t first = h_task(0, agent, NULL), second = h_tid(H_APP(1), 1);
    L4_Word_t sp = 0;
    H_EQ(mm_register_thread(second, first, 0, &sp), L4SRV_OK);
    L4_Start_SpIp(second, sp, (L4_Word_t) second_thread);
    h_wait_signal_at(__FILE__, __LINE__, second);
    struct mm_space_stats ss;
    H_EQ(mm_space_stats(second, &ss), L4SRV_OK);
    H_EQ(ss.threads, 2);
    H_EQ(mm_register_thread(second, first, 0, &sp), L4SRV_ERR_EXISTS);
    /* The space lives while any thread does. */
    H_EQ(mm_deregister_thread(first), L4SRV_OK);
    H_EQ(mm_space_stats(second, &ss), L4SRV_OK);
    H_EQ(ss.threads, 1);
    H_EQ(stats().spaces, 1);
    end_tasks(&second, 1);
    return 0;
}

static void register_thread_adds_a_thread_with_its_own_stack_to_a_space(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_threads, NULL), 0);
}

static int body_many(void *arg)
{
    (void) arg;
    struct mm_stats st0 = stats();
    for (unsigned i = 0; i < 100; i++) {
        L4_ThreadId_t t = h_task(i % 8, agent, NULL);
        agent_malloc(t, 3 * 4096);
        ask(t, A_FILL, 0, 0, 0, 0, NULL);
        H_EQ(mm_deregister_thread(t), L4SRV_OK);
        if (h_failures())
            return 1;
    }
    struct mm_stats st = stats();
    H_EQ(st.frames_free, st0.frames_free);
    H_EQ(st.spaces, 0);
    H_EQ(st.threads, 0);
    return 0;
}

static void creating_and_destroying_spaces_returns_every_frame(void **state)
{
    (void) state;
    assert_int_equal(run_checked(NULL, NULL, body_many, NULL), 0);
}

/* ------------------------------------------------------ backing stores */

/* Never receives at all. */
static void silent_thread(void *kip)
{
    (void) kip;
    L4_Sleep(L4_Never);
}

/* Answers how big it is, then stops answering. */
static void hung_store(void *kip)
{
    (void) kip;
    L4_ThreadId_t from;
    L4_MsgTag_t tag = L4_Wait(&from);
    H_EQ(L4_Label(tag), SWAP_INFO);
    L4_LoadMR(0, 1);
    L4_LoadMR(1, 4 * SMALL_RAM / 4096);
    L4_Reply(from);
    L4_Sleep(L4_Never);
}

static int body_hung_store(void *arg)
{
    (void) arg;
    /* A store that never answers is not registered, and nothing changes. */
    L4_ThreadId_t silent = h_spawn(H_APP(10), silent_thread, NULL);
    H_EQ(mm_register_backingstore(silent), L4SRV_ERR_UNRESPONSIVE);
    H_EQ(stats().swap_slots, 0);
    L4_ThreadId_t hung = h_spawn(H_APP(11), hung_store, NULL);
    H_EQ(mm_register_backingstore(hung), L4SRV_OK);
    H_EQ(stats().swap_slots, 4 * SMALL_RAM / 4096);
    /* Memory pressure: the first page-out times out, and with no way out
     * the fault that needs a frame is refused, not left hanging. */
    L4_ThreadId_t t = h_task(0, agent, NULL);
    L4_Word_t a = agent_malloc(t, 2 * SMALL_RAM);
    L4_MsgTag_t tag = ask(t, A_FILL, a, 2 * SMALL_RAM, 1, 0, NULL);
    H_CHECK(h_is_exception(tag));
    struct mm_stats st = stats();
    H_EQ(st.page_outs, 0);
    H_EQ(st.swap_used, 0); /* the slots of failed page-outs came back */
    H_CHECK(st.refused >= 1);
    check_accounting();
    end_tasks(&t, 1);
    return 0;
}

static void a_backing_store_that_stops_answering_fails_faults_cleanly(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.phys_mem_size = SMALL_RAM;
    struct l4srv_options opt = {.no_swap = 1, .swap_timeout_ms = 50};
    assert_int_equal(run_checked(&cfg, &opt, body_hung_store, NULL), 0);
}

/*
 * A backing store that is itself paged by the MM server: each request makes
 * it touch a page it has not touched before, so the MM server must serve
 * the store's fault while one of its own threads waits for the store.
 */
#define STORE_SLOTS   (4 * SMALL_RAM / 4096)
#define STAGING_PAGES 16

struct paged_store {
    L4_Word_t stack; /* its main stack, to pin */
    uint8_t *slots;  /* page contents, in host memory */
};

static _Alignas(4096) char store_buffer[4096];

static void paged_store(void *kip)
{
    (void) kip;
    struct paged_store *ps = h_arg();
    L4_Word_t staging = 0;
    H_EQ(mm_malloc(STAGING_PAGES * 4096, &staging), L4SRV_OK);
    /* Pinned: resident, so serving its faults never needs a page-out (to itself). */
    H_EQ(mm_pin_priv(STAGING_PAGES * 4096, staging), L4SRV_OK);
    H_EQ(mm_pin_priv(MAIN_STACK, ps->stack), L4SRV_OK);
    h_signal_root();
    L4_MsgBuffer_t buf;
    L4_MsgBufferClear(&buf);
    L4_MsgBufferAppendSimpleRcvString(&buf, L4_StringItem(4096, store_buffer));
    for (;;) {
        L4_AcceptStrings(L4_StringItemsAcceptor, &buf);
        L4_ThreadId_t from;
        L4_MsgTag_t tag = L4_Wait(&from);
        L4_Word_t slot = 0;
        L4_StoreMR(1, &slot);
        char *stage = (char *) staging + (slot % STAGING_PAGES) * 4096;
        L4_Msg_t msg;
        L4_MsgClear(&msg);
        if (L4_Label(tag) == SWAP_INFO) {
            L4_MsgAppendWord(&msg, STORE_SLOTS);
        } else if (L4_Label(tag) == SWAP_WRITE && slot < STORE_SLOTS) {
            memcpy(stage, store_buffer, 4096);
            memcpy(ps->slots + slot * 4096, stage, 4096);
        } else if (L4_Label(tag) == SWAP_READ && slot < STORE_SLOTS) {
            memcpy(stage, ps->slots + slot * 4096, 4096);
            memcpy(store_buffer, stage, 4096);
            L4_MsgAppendSimpleStringItem(&msg, L4_StringItem(4096, store_buffer));
        } else {
            L4_Set_MsgLabel(&msg, 1);
        }
        L4_MsgLoad(&msg);
        L4_Reply(from);
    }
}

static int body_paged_store(void *arg)
{
    struct paged_store *ps = arg;
    L4_ThreadId_t store = h_tid(H_APP(9), 1);
    L4_Word_t sp = 0, ip = 0;
    L4_Fpage_t utcbs;
    H_EQ(mm_new_as(store, 1, 0, L4_nilthread, &sp, &ip, &utcbs), L4SRV_OK);
    ps->stack = sp - MAIN_STACK;
    h_set_arg(store, ps);
    L4_Start_SpIp(store, sp, (L4_Word_t) paged_store);
    h_wait_signal_at(__FILE__, __LINE__, store);
    H_EQ(mm_register_backingstore(store), L4SRV_OK);
    struct mm_space_stats before, after;
    H_EQ(mm_space_stats(store, &before), L4SRV_OK);
    L4_ThreadId_t t = h_task(0, agent, NULL);
    L4_Word_t a = agent_malloc(t, 2 * SMALL_RAM), r[4];
    ask(t, A_FILL, a, 2 * SMALL_RAM, 3, 0, NULL);
    ask(t, A_CHECK, a, 2 * SMALL_RAM, 3, 0, r);
    H_EQ(r[0], 0);
    H_CHECK(stats().page_ins > 0);
    H_EQ(mm_space_stats(store, &after), L4SRV_OK);
    H_EQ(after.faults - before.faults, STAGING_PAGES); /* each served in the middle of I/O */
    check_accounting();
    L4_ThreadId_t both[2] = {t, store};
    end_tasks(both, 2);
    return 0;
}

static void the_pager_serves_the_faults_of_the_store_it_is_waiting_for(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.phys_mem_size = SMALL_RAM;
    struct l4srv_options opt = {.no_swap = 1};
    struct paged_store ps = {.slots = calloc(STORE_SLOTS, 4096)};
    assert_non_null(ps.slots);
    int result = run_checked(&cfg, &opt, body_paged_store, &ps);
    free(ps.slots);
    assert_int_equal(result, 0);
}

/* ------------------------------------------------------ fault injection */

static int body_exhaust(void *arg)
{
    (void) arg;
    /* Task 0 (thread 66) finds no frame, ever: its first touch, of its stack,
     * is refused, and with no exception handler yet it is halted. */
    L4_ThreadId_t t[2] = {h_task(0, agent, NULL), h_task(1, agent, NULL)};
    H_EQ(L4_ThreadNo(t[0]), 66);
    /* Task 1 is not named by the rule: it works as ever. */
    L4_Word_t a = agent_malloc(t[1], 4096), r[4];
    ask(t[1], A_WRITE, a, 9, 0, 0, NULL);
    ask(t[1], A_READ, a, 0, 0, 0, r);
    H_EQ(r[0], 9);
    H_CHECK(h_wait_state(t[0], H_STATE_HALTED)); /* halted, not waiting for a frame */
    struct mm_space_stats ss;
    H_EQ(mm_space_stats(t[0], &ss), L4SRV_OK);
    H_EQ(ss.resident, 0);
    H_CHECK(stats().refused >= 1);
    end_tasks(t, 2);
    return 0;
}

static void injected_frame_exhaustion_refuses_the_fault(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.faults = "mm/frames/exhaust:p=1,dst=66";
    assert_int_equal(run_checked(&cfg, NULL, body_exhaust, NULL), 0);
}

static int body_swap_error(void *arg)
{
    (void) arg;
    L4_ThreadId_t t = h_task(0, agent, NULL);
    L4_Word_t size = 2 * SMALL_RAM, a = agent_malloc(t, size);
    /* Page-outs fail from the first: no page leaves, so the fill runs out of frames. */
    L4_MsgTag_t tag = ask(t, A_FILL, a, size, 5, 0, NULL);
    H_CHECK(h_is_exception(tag));
    struct mm_stats st = stats();
    H_EQ(st.page_outs, 0);
    H_EQ(st.swap_used, 0);
    end_tasks(&t, 1);
    return 0;
}

static void injected_swap_io_errors_leave_pages_resident_and_fail_cleanly(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.deterministic = 1;
    cfg.phys_mem_size = SMALL_RAM;
    cfg.faults = "mm/swap/io-error:p=1";
    assert_int_equal(run_checked(&cfg, NULL, body_swap_error, NULL), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(boot_gives_all_conventional_memory_to_the_mm_server),
        cmocka_unit_test(malloc_memory_is_zero_filled_on_demand_and_freed),
        cmocka_unit_test(shared_memory_is_seen_by_both_and_unmap_leaves_the_mapper_intact),
        cmocka_unit_test(a_shared_frame_outlives_its_mapper_and_read_only_stays_read_only),
        cmocka_unit_test(touching_twice_the_ram_swaps_and_every_word_comes_back),
        cmocka_unit_test(pinned_pages_stay_resident_under_memory_pressure),
        cmocka_unit_test(a_task_waiting_in_the_kernel_survives_its_stack_being_paged_out),
        cmocka_unit_test(malloc_priv_maps_the_physical_memory_named_to_privileged_callers_only),
        cmocka_unit_test(bad_requests_get_a_clear_error_and_change_nothing),
        cmocka_unit_test(register_thread_adds_a_thread_with_its_own_stack_to_a_space),
        cmocka_unit_test(creating_and_destroying_spaces_returns_every_frame),
        cmocka_unit_test(a_backing_store_that_stops_answering_fails_faults_cleanly),
        cmocka_unit_test(the_pager_serves_the_faults_of_the_store_it_is_waiting_for),
        cmocka_unit_test(injected_frame_exhaustion_refuses_the_fault),
        cmocka_unit_test(injected_swap_io_errors_leave_pages_resident_and_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
