/*
 * Simulated memory: sigma0 and the physical window, the windows of new
 * spaces, and what creating and deleting spaces leaves behind on the host.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define PAGE 4096UL
#define RW   L4_ReadWriteOnly
#define RWX  L4_FullyAccessible

/* ------------------------------------------------ sigma0 and the root */

static int body_idempotent(void *arg)
{
    (void) arg;
    L4_Word_t base, size;
    H_EQ(l4sim_space_window(L4_Myself(), &base, &size), 0);
    /* The KIP's conventional memory is the physical window. */
    void *kip = L4_GetKernelInterface();
    bool found = false;
    for (L4_Word_t i = 0; i < L4_NumMemoryDescriptors(kip); i++) {
        L4_MemoryDesc_t *d = L4_MemoryDesc(kip, i);
        if (L4_MemoryDescType(d) != L4_ConventionalMemoryType || L4_IsMemoryDescVirtual(d))
            continue;
        found = true;
        H_EQ(L4_MemoryDescLow(d), base);
        H_EQ(L4_MemoryDescHigh(d) + 1, base + (256UL << 20));
    }
    H_CHECK(found);
    H_EQ(size, 256UL << 20);
    H_EQ(base & (size - 1), 0);

    /* Page p appears at address p; asking again gives the same. */
    uint64_t m0 = h_stats().mappings;
    L4_Word_t p = base + 77 * PAGE;
    L4_Fpage_t got = L4_Sigma0_GetPage(h_sigma0(), L4_FpageLog2(p, 12));
    H_EQ(L4_Address(got), p);
    H_EQ(L4_SizeLog2(got), 12);
    *(volatile L4_Word_t *) p = 0x77;
    got = L4_Sigma0_GetPage(h_sigma0(), L4_FpageLog2(p, 12));
    H_EQ(L4_Address(got), p);
    H_EQ(*(volatile L4_Word_t *) p, 0x77);
    H_EQ(h_stats().mappings, m0 + 1);

    /* Any page of a size: naturally aligned, inside the window, new. */
    for (int log2 = 12; log2 <= 20; log2 += 4) {
        L4_Fpage_t any = L4_Sigma0_GetAny(h_sigma0(), (L4_Word_t) log2, L4_CompleteAddressSpace);
        H_EQ(L4_SizeLog2(any), (L4_Word_t) log2);
        H_EQ(L4_Address(any) & ((1UL << log2) - 1), 0);
        H_CHECK(L4_Address(any) >= base && L4_Address(any) + L4_Size(any) <= base + size);
        H_CHECK(p < L4_Address(any) || p >= L4_Address(any) + L4_Size(any));
    }
    /* The rights asked for are the rights mapped. */
    L4_Fpage_t ro = L4_FpageAddRights(L4_FpageLog2(base + 99 * PAGE, 12), L4_Readable);
    got = L4_Sigma0_GetPage(h_sigma0(), ro);
    H_EQ(L4_Rights(got), L4_Readable);
    return 0;
}

static void sigma0_maps_physical_page_p_at_address_p_idempotently(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_idempotent, NULL), 0);
}

/* A thread of the root task, paged by sigma0: touch the page h_arg() names. */
static void touch_physical(void *kip)
{
    (void) kip;
    volatile L4_Word_t *p = h_arg();
    L4_Word_t w[2];
    w[0] = *p;
    *p = 5;
    w[1] = *p;
    h_load_words(0x77, 2, w);
    L4_Call(h_root());
}

static int body_root_touch(void *arg)
{
    (void) arg;
    L4_Word_t base = h_window(L4_Myself(), NULL);
    struct l4sim_stats before = h_stats();
    /* No request: the touch faults to sigma0, the root task's pager. */
    L4_Word_t *p = (L4_Word_t *) (base + 1234 * PAGE + 8);
    L4_ThreadId_t me = L4_Myself(), t = h_tid(0, 1);
    h_set_arg(t, p);
    H_EQ(L4_ThreadControl(t, me, me, h_sigma0(), h_root_utcb(t)), 1);
    h_start_sp(t, touch_physical, 0);
    L4_ThreadId_t from;
    unsigned served = 0;
    L4_MsgTag_t tag = h_serve_faults(t, &from, &served);
    H_EQ(served, 0);
    H_EQ(L4_Label(tag), 0x77);
    L4_Word_t w[2];
    L4_StoreMRs(1, 2, w);
    H_EQ(w[0], 0);
    H_EQ(w[1], 5);
    struct l4sim_stats after = h_stats();
    H_EQ(after.page_faults - before.page_faults, 1);
    H_EQ(after.mappings - before.mappings, 1);
    /* Mapped where it is: the root reads the thread's write in place. */
    H_EQ(*(volatile L4_Word_t *) p, 5);
    /* It is the root task's now: sigma0 gives it again, to the root only. */
    L4_Fpage_t got = L4_Sigma0_GetPage(h_sigma0(), L4_FpageLog2(base + 1234 * PAGE, 12));
    H_EQ(L4_Address(got), base + 1234 * PAGE);
    H_EQ(h_stats().mappings, after.mappings);
    return 0;
}

static void root_task_touch_of_a_physical_page_is_mapped_by_sigma0(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_root_touch, NULL), 0);
}

/* Whether the host lets anyone read addr. */
static bool host_readable(L4_Word_t addr)
{
    char c;
    struct iovec local = {&c, 1}, remote = {(void *) addr, 1};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == 1;
}

static int body_rcv_window(void *arg)
{
    (void) arg;
    L4_Word_t base, size;
    H_EQ(l4sim_space_window(L4_Myself(), &base, &size), 0);
    L4_Word_t p = h_sigma0_page();
    *(volatile L4_Word_t *) p = 0xabcdef;
    L4_Word_t dest = base + size - 16 * PAGE; /* a page the root never touched */
    H_CHECK(!host_readable(dest));
    uint64_t m0 = h_stats().mappings;

    /* Page p again, into a 4 KiB receive window at dest: it lands there. */
    L4_Fpage_t got =
        L4_Sigma0_GetPage_RcvWindow(h_sigma0(), L4_FpageLog2(p, 12), L4_FpageLog2(dest, 12));
    H_EQ(L4_Address(got), p); /* sigma0 names what it sent */
    H_EQ(L4_SizeLog2(got), 12);
    H_EQ(h_stats().mappings, m0 + 1); /* one new mapping... */
    H_CHECK(host_readable(dest));     /* ...at dest, and nowhere near it */
    H_CHECK(!host_readable(dest - PAGE));
    H_CHECK(!host_readable(dest + PAGE));
    H_EQ(*(volatile L4_Word_t *) dest, 0xabcdef);
    *(volatile L4_Word_t *) (dest + 8) = 0x1234;
    H_EQ(*(volatile L4_Word_t *) (p + 8), 0x1234); /* one frame at both */
    return 0;
}

static void sigma0_page_lands_in_a_small_receive_window_and_nowhere_else(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_rcv_window, NULL), 0);
}

/* A thread of a new space asks sigma0 itself; arg: a page the root has. */
static void ask_sigma0(void *kip)
{
    (void) kip;
    L4_Word_t root_page = (L4_Word_t) h_arg();
    L4_Fpage_t refused = L4_Sigma0_GetPage(L4_nilthread, L4_FpageLog2(root_page, 12));
    L4_Fpage_t any = L4_Sigma0_GetAny(L4_nilthread, 12, L4_CompleteAddressSpace);
    /* sigma0 sends the page to its physical address within our window. */
    L4_Word_t size, base = h_window(L4_Myself(), &size);
    L4_Word_t where = base + (L4_Address(any) & (size - 1));
    *(volatile L4_Word_t *) where = 0xabc;
    L4_Word_t w[3] = {refused.raw, any.raw, where};
    h_load_words(0x77, 3, w);
    L4_Call(h_root());
}

static int body_refuses(void *arg)
{
    (void) arg;
    L4_Word_t mine = h_sigma0_page();
    L4_ThreadId_t t = h_spawn_space(0, ask_sigma0, (void *) mine);
    L4_ThreadId_t from;
    unsigned served = 0;
    L4_MsgTag_t tag = h_serve_faults(t, &from, &served);
    H_EQ(served, 0); /* its touch found the page sigma0 had mapped */
    H_EQ(L4_UntypedWords(tag), 3);
    L4_Word_t w[3];
    L4_StoreMRs(1, 3, w);
    H_EQ(w[0], L4_Nilpage.raw); /* the root's page is not for others */
    L4_Fpage_t theirs = {.raw = w[1]};
    H_CHECK(!L4_IsNilFpage(theirs));
    H_CHECK(L4_Address(theirs) != mine);
    /* And the page sigma0 gave the other space is not the root's either. */
    L4_Fpage_t again = L4_Sigma0_GetPage(h_sigma0(), L4_FpageLog2(L4_Address(theirs), 12));
    H_CHECK(L4_IsNilFpage(again));
    return 0;
}

static void sigma0_refuses_pages_it_gave_to_another_space(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_refuses, NULL), 0);
}

/* --------------------------------------------------------------- windows */

static int body_windows(void *arg)
{
    (void) arg;
    L4_Word_t rsize, rbase = h_window(L4_Myself(), &rsize);
    L4_Word_t base[3], size[3];
    for (unsigned i = 0; i < 3; i++) {
        L4_ThreadId_t t = h_spawn_space(i, h_agent, NULL);
        base[i] = h_window(t, &size[i]);
        H_EQ(size[i], 64UL << 20);
        H_EQ(base[i] & (size[i] - 1), 0);
        H_CHECK(base[i] >= rbase + rsize || base[i] + size[i] <= rbase);
        for (unsigned j = 0; j < i; j++)
            H_CHECK(base[i] >= base[j] + size[j] || base[i] + size[i] <= base[j]);
    }
    /* A second thread of a space shares its window. */
    L4_ThreadId_t me = L4_Myself(), t0 = h_tid(0, 1), mate = h_tid(5, 1);
    H_EQ(L4_ThreadControl(mate, t0, me, L4_nilthread, (void *) ~0UL), 1);
    H_EQ(h_window(mate, NULL), base[0]);
    L4_Word_t b, s;
    H_EQ(l4sim_space_window(h_tid(9, 1), &b, &s), -1);
    return 0;
}

static void new_spaces_get_disjoint_naturally_aligned_windows(void **state)
{
    (void) state;
    L4_Word_t b, s;
    assert_int_equal(l4sim_space_window(L4_GlobalId(34, 1), &b, &s), -1); /* no system runs */
    assert_int_equal(h_run(body_windows, NULL), 0);
}

static int body_max_spaces(void *arg)
{
    (void) arg;
    L4_ThreadId_t me = L4_Myself();
    L4_Word_t first = 0;
    for (unsigned i = 0; i < 3; i++) {
        L4_ThreadId_t t = h_spawn_space(i, h_agent, NULL);
        if (i == 1)
            first = h_window(t, NULL);
    }
    /* Every window is taken. */
    L4_ThreadId_t extra = h_tid(3, 1);
    H_EQ(L4_ThreadControl(extra, extra, me, L4_nilthread, (void *) ~0UL), 0);
    H_EQ(L4_ErrorCode(), L4_ErrNoMem);
    /* Deleting a space gives its window back. */
    h_delete(h_tid(1, 1));
    L4_ThreadId_t t = h_spawn_space(3, h_agent, NULL);
    H_EQ(h_window(t, NULL), first);
    h_agent_write(t, first + 0x1000, 1);
    H_EQ(h_agent_read(t, first + 0x1000), 1);
    return 0;
}

static void max_spaces_bounds_the_windows_and_deletion_returns_one(void **state)
{
    (void) state;
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    cfg.max_spaces = 3;
    assert_int_equal(h_run_config(&cfg, body_max_spaces, NULL), 0);
}

/* ------------------------------------------- deleting spaces, host cost */

/* Lines of /proc/self/maps that start in [lo, lo + size): host mappings in a window. */
static int maps_in(L4_Word_t lo, L4_Word_t size)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return -1;
    int n = 0;
    unsigned long start, end;
    char line[512];
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "%lx-%lx", &start, &end) == 2 && start >= lo && start - lo < size)
            n++;
    fclose(f);
    return n;
}

static int body_delete_space(void *arg)
{
    (void) arg;
    /* Every fault of A gets the same root page: three separate host mappings. */
    h_set_fault_answer(h_sigma0_page(), RW);
    struct l4sim_stats s0 = h_stats();
    L4_ThreadId_t me = L4_Myself(), a = h_spawn_space(0, h_agent, NULL);
    L4_Word_t size, w = h_window(a, &size);
    H_EQ(maps_in(w, size), 0);
    for (L4_Word_t i = 0; i < 3; i++)
        h_agent_write(a, w + (2 * i + 1) * 0x20000, i);
    L4_ThreadId_t mate = h_tid(5, 1);
    H_EQ(L4_ThreadControl(mate, a, me, L4_nilthread, (void *) ~0UL), 1);
    struct l4sim_stats s1 = h_stats();
    H_EQ(s1.mappings - s0.mappings, 3);
    H_EQ(s1.host_vmas - s0.host_vmas, 6);
    H_EQ(maps_in(w, size), 6); /* each page, and the reservation after it */
    /* The space lives on while a thread of it does. */
    h_delete(a);
    H_EQ(h_stats().mappings, s1.mappings);
    H_EQ(h_window(mate, NULL), w);
    /* Its last thread gone, everything mapped in it is revoked. */
    h_delete(mate);
    struct l4sim_stats s2 = h_stats();
    H_EQ(s2.mappings, s0.mappings);
    H_EQ(s2.host_vmas, s0.host_vmas);
    H_EQ(maps_in(w, size), 0);
    L4_Word_t b, s;
    H_EQ(l4sim_space_window(mate, &b, &s), -1);
    return 0;
}

static void deleting_the_last_thread_revokes_everything_in_the_window(void **state)
{
    (void) state;
    assert_int_equal(h_run(body_delete_space, NULL), 0);
}

/* Touch one page of its window, then tell the root. */
static void touch_and_signal(void *kip)
{
    (void) kip;
    *(volatile L4_Word_t *) (h_window(L4_Myself(), NULL) + 0x3000) = 1;
    h_signal_root();
    L4_Receive(h_root());
}

#define BATCH 32

/* Whether a sanitizer or Valgrind keeps mappings of its own per thread. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TOOL_MAPPINGS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TOOL_MAPPINGS 1
#endif
#endif
#ifndef TOOL_MAPPINGS
#define TOOL_MAPPINGS RUNNING_ON_VALGRIND
#endif

/* Where the run's reservation of windows was: the root's window starts it. */
static L4_Word_t reservation_lo, reservation_hi;

/*
 * Host mappings that could be l4sim's: with `all`, every line of
 * /proc/self/maps; otherwise only the simulated RAM (the memfd) and
 * whatever lies where the run's windows were.
 */
static int host_maps(bool all)
{
    if (all)
        return h_count_host_maps();
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return -1;
    int n = 0;
    char line[512];
    unsigned long start, end;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, "l4sim-ram") || (sscanf(line, "%lx-%lx", &start, &end) == 2 &&
                                          start < reservation_hi && end > reservation_lo))
            n++;
    fclose(f);
    return n;
}

/*
 * Noted by the run whose teardown is checked: an earlier run's range may
 * since hold the tools' own mappings.
 */
static void note_reservation(void)
{
    struct l4sim_config cfg;
    l4sim_config_init(&cfg);
    L4_Word_t size, base = h_window(L4_Myself(), &size);
    reservation_lo = base;
    /* The physical window's slot, then max_spaces windows. */
    L4_Word_t slot = size > cfg.window_size ? size : cfg.window_size;
    reservation_hi = base + slot + cfg.max_spaces * cfg.window_size;
}

/* Create arg spaces in batches of BATCH; each faults once; delete them. */
static int body_many_spaces(void *arg)
{
    unsigned total = (unsigned) (L4_Word_t) arg, served_all = 0;
    note_reservation();
    for (unsigned done = 0; done < total; done += BATCH) {
        L4_ThreadId_t t[BATCH];
        unsigned n = total - done < BATCH ? total - done : BATCH;
        for (unsigned i = 0; i < n; i++)
            t[i] = h_spawn_space(i, touch_and_signal, NULL);
        for (unsigned i = 0; i < n; i++) {
            L4_ThreadId_t from;
            unsigned served = 0;
            L4_MsgTag_t tag = h_serve_faults(t[i], &from, &served);
            H_EQ(L4_Label(tag), H_LABEL_SIGNAL);
            served_all += served;
        }
        for (unsigned i = 0; i < n; i++)
            h_delete(t[i]);
        if (h_failures())
            return 1;
    }
    H_EQ(served_all, total);
    struct l4sim_stats st = h_stats();
    H_EQ(st.page_faults, total);
    H_EQ(st.mappings, total); /* only the root's pages are left */
    L4_Word_t b, s;
    H_EQ(l4sim_space_window(h_tid(0, 1), &b, &s), -1);
    return 0;
}

static void thousands_of_spaces_leave_no_host_mapping_behind(void **state)
{
    (void) state;
    /* A first run fills caches that outlive it (glibc keeps thread stacks). */
    assert_int_equal(h_run(body_many_spaces, (void *) (L4_Word_t) (2 * BATCH)), 0);
    /*
     * Natively every line of /proc/self/maps counts. Valgrind and the
     * sanitizers map memory of their own for each thread and keep some of
     * it, so under them only what could be l4sim's is compared.
     */
    int maps0 = host_maps(!TOOL_MAPPINGS);
    assert_int_equal(h_run(body_many_spaces, (void *) 2000UL), 0);
    int maps1 = host_maps(!TOOL_MAPPINGS);
    struct l4sim_stats st;
    l4sim_get_stats(&st);
    assert_int_equal(st.mappings, 0);
    assert_int_equal(st.host_vmas, 0);
    assert_int_equal(st.page_faults, 2000);
    assert_int_equal(maps1, maps0);
    if (TOOL_MAPPINGS)
        assert_int_equal(maps1, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sigma0_maps_physical_page_p_at_address_p_idempotently),
        cmocka_unit_test(root_task_touch_of_a_physical_page_is_mapped_by_sigma0),
        cmocka_unit_test(sigma0_refuses_pages_it_gave_to_another_space),
        cmocka_unit_test(sigma0_page_lands_in_a_small_receive_window_and_nowhere_else),
        cmocka_unit_test(new_spaces_get_disjoint_naturally_aligned_windows),
        cmocka_unit_test(max_spaces_bounds_the_windows_and_deletion_returns_one),
        cmocka_unit_test(deleting_the_last_thread_revokes_everything_in_the_window),
        cmocka_unit_test(thousands_of_spaces_leave_no_host_mapping_behind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
